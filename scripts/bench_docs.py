"""The text of each section of ``docs/benchmarks.md``, apart from the code that measures.

Why a module of its own: the method of each benchmark (what is run, how the bound is
computed, what is counted) is prose that belongs beside its figures in the doc; kept here
it can be read and reviewed as text, and ``scripts/bench.py`` stays about measuring.
``NOTES_*`` are the analysis of the latest full run on the reference machine (2 cores),
printed under the figures; they say what the figures showed when they were written.
"""

MAKESPAN_DOC = """## 1. Makespan of a batch against the ideal bound

{command}

{machine}

**Batch**: N episodes cycling over the three example topics and their notes
(`examples/sources/*.md`), {minutes} minutes each, the full workflow without mastering
(research, script, review, audio, quality, then summary and social side by side),
concurrency C = {c}, Claude and ElevenLabs through their SDKs against the simulator,
series memory off. Mastering (loudness, MP3, chapters) is left out of every batch here:
it calls no provider and is the same local CPU work in any orchestrator (~0.3-0.9 s of
CPU per half-minute episode on this machine), so on two cores it alone would set the
pace and hide the orchestration these figures are about; past one machine it is the
first stage to need more than one process (`docs/scaling.md`).
**Latencies**: {latency}. **Provider limits** (`RunSettings.provider_limits`), raised so
that they never bind: {limits}.

**Ideal bound.** Per episode the requests are fixed by the agents (see
`scripts/bench_ideal.py`): research, script and review (the script gate's judgement)
make one Claude call each, audio one ElevenLabs request per chunk of each turn, one after
the other, quality listens to the WAV (no request), summary and social one Claude call
each, side by side. The requests each episode really sent are counted
from the run's `ledger.jsonl` (one commit per billed request, with its stage and
characters); the "sim/ledger" columns check that the simulator received exactly those.
With L the latency of any request and k the extra per 1,000 characters of speech, an
episode whose audio stage sent requests of c_1..c_T characters has the critical path

    D = 4 L + sum_i (L + k c_i / 1000)

(research + script + review + the longer of summary and social, plus the audio
requests). The bound is the makespan of those D's started in batch order on C slots, each
episode on the first slot to come free (what a supervisor with zero overhead and its
semaphore of C achieves; for equal D's it is ceil(N / C) x D), and at least each
provider's total request time divided by its `max_concurrent` (no rpm limit is set, so
no rpm term). Each episode has its own copy of its notes, every sentence marked with the
copy's number, so that scripts differ like a real batch's: the ElevenLabs engine keeps
each spoken turn on disk by voice and text (`OUT/.cache/speech`) and would otherwise
answer most turns of a repeated script from there. The simulator's scripted filler lines
("That is worth pausing on.") still repeat across episodes and are cache hits once
spoken, which the request count from the ledger accounts for. "startup" (the supervisor
and its agent processes starting, before `Supervisor.run` is called) is timed apart and
not in the makespan. "+ progress" re-runs the largest batch with the driver asking
`Supervisor.progress()` every 0.25 s, as the CLI's live view does.

**Peers, in the same run.** Right after the Ray run of N = {target_n}, against the same
simulator process, the same batch goes through two in-process peers with the same agent
classes, settings, concurrency and deliverables: the *in-process floor*
(`scripts/bench_floor.py`: the agents as plain objects under an `asyncio.Semaphore(C)`,
no orchestration at all) and *LangGraph* (`scripts/bench_graph.py`: the same agents as
the nodes of a compiled `StateGraph`, research -> script -> review -> audio -> quality
-> summary and social side by side, the batch run by `graph.abatch(..., max_concurrency=C)`,
no checkpointer). LangGraph is the orchestrator users pick most for agent pipelines
(the most-downloaded agent-graph library on PyPI, and the one the agent-framework
tutorials use); it is a benchmark-only extra (`scripts/install --bench`). Neither peer
keeps a manifest, resumes after a crash, holds money against a budget across processes,
or can use a second machine; the rows show what the Ray supervisor's promises cost.

{table}

**Target** (within {target}% of the ideal at N = 200, C = 20): {verdict}.

"@ {slow:g}x latency" re-runs N = {target_n} with every simulated latency {slow:g} times
longer (scale 1:{scale_slow}), so the same orchestration cost weighs {slow:g} times less
against the providers' time.

Where the time beyond the ideal went, mean milliseconds per episode: each stage's
duration in the manifest minus its ideal, and "between": the episode's wall time
(manifest `started_at`..`ended_at`) minus its measured critical path, i.e. the
supervisor's own work around the stages. The next three are per request, from the
timestamps the ledger actor writes as calls reach it: "Claude req" and "TTS req",
reserve..commit minus the simulated latency (SDK, HTTP, parsing, the ledger's own
queueing); "TTS gap", commit of one audio request..reserve of the next (the speech
cache's two fsync'd files for the turn, the governor's release and acquire).

{diag}

"CPU busy" is the CPU time of the whole Ray instance, the driver and the simulator
over the makespan times the cores: near 100% the machine, not the orchestration, sets
the pace. CPU time by process during the N = {target_n} run:

{roles}

{notes}
"""


NOTES_MAKESPAN = """\
**Where the time goes at 1:10 (analysis of 2026-11-25, this machine).** Each Claude
stage takes ~80-130 ms longer than its one request, the audio stage ~290-315 ms longer
than its ~2.8 requests, and there is ~55-60 ms of the supervisor's own work between stages
(table above); at 1:10 a Claude call is 0.3 s, so that is a third of a stage. Two things add up:

1. *Orchestration latency per stage and per request.* Each provider request makes four
   actor round trips (`ProviderGovernor.acquire`/`release`, `CostLedger.reserve`/
   `commit`: "Claude req"/"TTS req"/"TTS gap" above); each stage is an actor call whose
   inputs and result are pickled (the episode's WAV, ~1.4 MB at 0.5 min, goes from the
   audio agent to the supervisor, is written, read back and sent to the quality agent);
   and the supervisor rewrites the whole `manifest.json` with an fsync'd atomic write
   before *and* after every stage (15 manifest + ~10 artifact writes an episode, through
   `asyncio.to_thread`'s default pool of min(32, cores + 4) = 6 threads). py-spy on the
   supervisor during a 300-episode run: 42% of its samples in `rundir.atomic_write`,
   27% in `os.fsync`; 12% in issuing actor calls (argument pickling, Ray's tracing
   wrapper). With one episode at a time (C = 1) the same costs are ~30-45 ms per Claude
   stage and ~35 ms per audio request: latency, not load.
2. *CPU.* The instance uses ~205 ms of CPU per episode (the same agents in one process:
   ~60 ms, section 2). At the ideal pace, C / D = 20 / 2.1 s = 9.5 episodes a second,
   that is ~2 cores before the simulator's ~0.3: the 2-core machine is saturated
   ("CPU busy" ~80%), so every single-threaded actor (supervisor loop, ledger, governor,
   agents) queues, which inflates item 1 from ~35 ms to ~100 ms.

The "@ 3x latency" row is the check: the same orchestration against 0.9 s requests
(scale 1:3.3), where the batch needs a third of the CPU a second, comes to about 10% of
its bound (+8.6% and +10.3% in two full runs; exploratory runs of 100 episodes at 3x gave
+7.5% to +14.9%: runs vary by several points here). At real latencies (1:1, ~3 s a
request) the same overhead is a few percent.

Progress polling as the CLI does it ("+ progress") costs ~13 ms a poll and a few percent
of makespan at most (+0.3% and +3.4% against the same batch unpolled, in two runs), with
`progress(since)` sending only the episodes that changed (commit 4ddcf96). Before that
change, the same 1,000-episode run with every state sent on every poll took 121 ms a
poll and 157.0 s against 145.5 s without polling (+8%).

**What would close it** (project code, for the lead): fewer and cheaper round trips per
request: acquire + reserve and commit + release as one call each (one actor holding both,
or commits/releases sent without awaiting them; their results are unused); write each
stage's manifest once, at its end; keep the WAV out of the supervisor (the audio agent
writes `audio.wav`, the quality agent reads it, only the path crosses). Found on the way
and fixed in c3a717e: `CostLedger.spent` (`actors/ledger.py`) scanned every commit of the
batch on each call, 10 calls an episode, so it grew as N^2 (0.39 ms a call at 7,900
commits, N = 1,000); it now keeps running totals per episode and stage.
"""


OVERHEAD_DOC = """## 2. Orchestration overhead per episode

{command}

{machine}

**Batch**: N = {n} episodes ({minutes} minutes each, the example topics), C = {c}, full
workflow, against the simulator with **no latency** (instant providers), so what is left
is work: the agents' own (parsing, stitching, WAV analysis), the SDKs' and the
simulator's, and, for Ray, orchestration. Limits: {limits}.

**Floor**: the same agent classes as plain objects in one asyncio pipeline in one
process (`scripts/bench_floor.py`): same settings, same simulator, a local
`ProviderGovernor` and a plain `CostLedger` behind `LocalLedger`, the same concurrency
(a semaphore of C), the same deliverables written. **Ray**: the real supervisor
(`start_batch`, `Supervisor.run`), timed from `run` to its return (agent start-up apart).
Overhead per episode = (T_ray - T_floor) / N, with each figure the best of its runs.

{table}

**Target** (under {target} ms per episode): {verdict}.

**What a Ray call costs here.** A bare actor call (an async actor awaiting a no-op method
of another actor, 20 in flight, `bench_proc.actor_call_cost`) costs {call_cpu} ms of CPU
summed over every process of the instance, and takes {call_wall} ms of wall time per call
at that concurrency. An episode makes about {calls} actor calls: one per stage, ten
`CostLedger.spent` look-ups by the supervisor (one per stage end, three for the verdict,
one at the end) and four per provider request (`ProviderGovernor.acquire`/`release`,
`CostLedger.reserve`/`commit`) for its {requests} requests: about {calls_cpu} ms of CPU
before any of them carries data or does work.

CPU time of the last Ray run, by process (read from `/proc/PID/stat` before and after
`Supervisor.run`), against the floor's:

{roles}

{notes}
"""


NOTES_OVERHEAD = """\
**Where the time goes (analysis of 2026-11-25, this machine).** With instant
providers both runs are CPU-bound: the floor keeps one core busy (its process) plus the
simulator's; the Ray run keeps both cores ~95% busy and still takes ~1.8x as long,
because it needs ~3x the CPU per episode (~200 against ~65 ms). Where the extra goes
(table above): about a third is the bare cost of ~47 actor calls an episode at ~1 ms of
CPU each (figures above); the supervisor's own ~43 ms an episode is 15 whole-state
`manifest.json` dumps and fsync'd atomic writes, ~10 artifact writes with their sha256,
reading `audio.wav` back for the quality stage, reuse fingerprints, and pickling each
stage's inputs (py-spy, GIL samples of the supervisor at 0 latency: 33% issuing actor
calls, of which 19% pickling arguments; 6% manifests; 5% fingerprints); the ledger's
~24 ms is 26 calls, 10 of them `spent` look-ups (before c3a717e each scanned every commit
of the batch: 10% of the ledger's time at N = 500), plus pickling the `CostEntry` each
`reserve` and `commit` returns though no caller reads it; the governor's ~18 ms is 16
calls.

**What would close it** (~30 ms of wall, ~70 ms of CPU an episode at 2 cores): two actor
calls per provider request instead of four (~16 calls, ~16 ms of CPU); one manifest write
per stage instead of two and no return values from `reserve`/`commit`; the WAV by path
instead of by value. On more cores the same CPU spreads further: the
overhead in wall time falls as the cores grow, the CPU per episode does not.
"""


SEQ_DOC = """## 3. Sequential pipeline against concurrent

{command}

{machine}

**Batch**: the same N = {n} episodes ({minutes} minutes each, the example topics), full
workflow, Claude and ElevenLabs through the simulator. **Latencies**: {latency}.
Limits: {limits}. The first row is the simplest tool: one episode after another in one
process (the in-process pipeline of `scripts/bench_floor.py` with C = 1); then the real
supervisor at C = 1 and at C = 20. Wall time excludes Ray's startup (given apart, and
in the last speed-up).

{table}

{notes}
"""


NOTES_SEQ = """\
Ray at C = 1 is a few percent slower than the plain sequential pipeline: the per-stage
and per-request orchestration latency of section 1 (~30-45 ms a stage at C = 1), paid
once per stage because nothing overlaps it. At C = 20 the batch runs in waves of 20
episodes; the speed-up stays below 20x because of that latency grown under load (section
1) and because the first wave meets fresh agent processes (their first calls build SDK
clients, connections and schemas). Ray's startup (nine actor processes, the supervisor,
six agents, ledger and governor, each importing Ray and the SDKs: ~9 s here) is paid once
per batch; "speed-up with startup" counts it, as a user waiting for the batch does.
"""


MEMORY_DOC = """## 4. Peak memory of the whole Ray instance

{command}

{machine}

**Batch**: N = {n} episodes ({minutes} minutes each), C = {c}, full workflow, Claude and
ElevenLabs through the simulator. **Latencies**: {latency}. Run took {run} s ({status});
{samples} samples, one every 0.5 s (`scripts/bench_memory.py`).

**Counted**: the driver (the benchmark process) and every process below it, which is
the whole instance `ray.init(address="local", include_dashboard=False)` starts: gcs_server,
raylet, the dashboard head (started for usage stats even without the dashboard), the
dashboard and runtime-env agents, log_monitor, monitor, and every worker (supervisor,
agents, ledger, governor, idle workers). **Not counted**: the provider simulator's
process. RSS counts a shared page (libraries, the object store's shared memory) in every
process that maps it, so its sum over-counts; PSS divides shared pages among their
processes, so its sum is what the instance holds. Object store: Ray's default size.

{summary}

By process, at the RSS peak:

{roles}

**Target** (under {target:g} GiB): {verdict}.

{notes}
"""


NOTES_MEMORY = """\
**Where the memory goes (analysis of 2026-11-25, this machine).** The
PSS sum, what the instance really holds, is under 2 GiB; the RSS sum counts shared
libraries once per process. Seventeen processes: nine workers of 90-260 MiB and Ray's
daemons. Each agent imports Ray (~64 MiB RSS in a fresh interpreter), `anthropic`
(~57 MiB) and the `elevenlabs` SDK (~15-22 MiB, 287 modules), numpy and pydantic,
because `providers/factory.py` imports both SDKs at module level: the audio agent
carries Claude's SDK and the five Claude agents carry ElevenLabs'. Ray's own daemons
take ~700 MiB although the dashboard is off (`include_dashboard=False` still starts the
dashboard head for usage stats, the dashboard and runtime-env agents, monitor and
log_monitor). `gcs_server` grows with the batch: it keeps task events for the state
API, one per actor call (~48 an episode); re-run with
`RAY_task_events_max_num_task_in_gcs=1000` in the environment, its peak fell from 195
to 58 MiB and the RSS sum from 2.48 to 2.34 GiB.

**What would close it**: import each SDK only where it is used (`providers/factory.py`:
import inside `claude_writer` / `speech_engine`; ~57 MiB off the audio agent, ~20 MiB
off each of five others); run the I/O-bound Claude agents (script, summary, social, or
all five) in one actor, ~165 MiB per process saved; cap Ray's task-event buffer
(`RAY_task_events_max_num_task_in_gcs`) in `ensure_ray`, ~140 MiB at 1,000 episodes.
"""


SPEECH_DOC = """## 5. Offline speech synthesis speed (espeak-ng)

{command}

{machine}

The three example scripts (`examples/batch.yaml`, written offline by the research and
script agents in-process) spoken by `EspeakEngine.speak` (`providers/speech.py`), the
call the audio agent makes: espeak-ng from the espeakng-loader wheel, one synthesis at a
time per process, in a worker thread. {rounds} rounds, a new engine each (no cache hits),
after one warm-up synthesis. CPU time is the process's user + system time.

Last round, per script:

{table}

Each round:

{totals}

{notes}
"""


NOTES_SPEECH = """\
espeak-ng is a formant synthesizer: hundreds of times faster than real time on one core,
so offline audio is never the slow stage (a 2-minute episode is spoken in ~0.1 s). The
library does one synthesis at a time per process (global state, behind a lock), and the
audio agent is one process with `num_cpus=1`, so a batch gets this speed once, not once
per core; wall and CPU agree because nothing else runs beside it here.
"""


GROWTH_DOC = """## 8. Growth with the size of the batch

{command}

{machine}

**Batch**: N episodes ({minutes} minutes each, the example topics, each with its own
copy of its notes), C = {c}, the full workflow without mastering, against the simulator
with **no latency** (instant providers), so the figures are the system's own work. Each
N runs in a fresh Ray instance (`scripts/bench_growth.py`). Limits: {limits}.
"CPU" is the whole instance's (every Ray process and the driver) from `Supervisor.run`
to its return; the simulator's is apart. Memory is the peak of the summed RSS and PSS
of the instance (driver and every process below it, the simulator left out), sampled
every 0.5 s; "RSS over idle" is that peak less the idle instance's, per episode;
"supervisor RSS" the supervisor process's own peak.

{table}

**Target** (per-episode wall time and CPU flat within 10% from N = 1,000 to 5,000):
{verdict}.

{notes}
"""


NOTES_GROWTH = """\
(analysis pending the first full run)
"""
