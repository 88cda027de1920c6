"""``bench.py scale`` (issue 17, item 7): what the batch's singletons sustain.

One batch has one supervisor, one treasury (its cost ledger and provider governor in one
actor) and one actor per stage. Each is one process, so each can use at most one core
whatever the cluster's size. This measures, on the real Ray runtime, the CPU each spends
per unit of work (the machine-independent figure) and derives the rate at which one core
saturates (1000 / CPU ms per unit):

- admission: caller actors making requests of zero time exactly as an agent does
  (``metering.Meter.call`` with a ``GovernorClient``: ``Treasury.admit``, the slot and
  the reservation in one process, then ``Treasury.finish`` sent without waiting, the
  slot back and the commit, written with the other requests' operations; settled as a
  stage end settles them), against a ledger writing its ``ledger.jsonl`` (one fsync per
  batch of operations) and one without a file;
- the supervisor and each stage agent: real batches through ``start_batch`` and
  ``Supervisor.run`` with instant providers, short episodes (many, for the supervisor's
  CPU and memory per episode) and 10-minute ones (few, for the agents' CPU per episode
  of real length, and the requests a real episode makes).

``docs/scaling.md`` turns these figures into the batch and cluster sizes at which each
singleton saturates; the section this writes in ``docs/benchmarks.md`` carries the
derived table, so a re-run updates both figures and conclusion.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import bench_common as bc
from bench_memory import Sampler
from bench_proc import cpu_by_pid, cpu_by_role, ray_tree

CLAUDE_S = 3.0
"""Real seconds of a Claude call (docs/scaling.md)."""
TTS_S, TTS_PER_1000_S = 3.0, 1.0
"""Real seconds of an ElevenLabs request: 3 s, plus 1 s per 1,000 characters."""
NODES, CORES = 20, 8
BAR_EPISODES = 10_000


class _AdmitCaller:
    """An actor making metered requests of zero time the way an agent does."""

    async def run(
        self, ledger: str, governor: str, limits: Any, requests: int, in_flight: int, tag: str
    ) -> float:
        from podcast_factory.actors.governor_client import GovernorClient
        from podcast_factory.metering import ActorLedger, Meter, StageContext

        led, gov = ActorLedger(ledger), GovernorClient(governor, limits)

        async def worker(w: int) -> None:
            meter = Meter(led, StageContext(episode_id=f"{tag}-{w}", stage="script"))
            for i in range(requests // in_flight):
                async with meter.call("anthropic", 2000, {"input_tokens": 1}, slots=gov) as c:
                    c.bill(1500, {"input_tokens": 1})
                if i % 10 == 9:  # a stage of ten requests ends: its commits settle
                    await meter.settle()
            await meter.settle()

        began = time.monotonic()
        await asyncio.gather(*(worker(w) for w in range(in_flight)))
        return time.monotonic() - began


@dataclass(frozen=True)
class Admission:
    label: str
    requests: int
    wall_s: float
    cpu_ms: dict[str, float]  # per request, by role

    @property
    def rate(self) -> float:
        return self.requests / self.wall_s


def admission(label: str, path: str | None, callers: int, in_flight: int, n: int) -> Admission:
    """``callers`` actors x ``in_flight`` requests at once, ``n`` requests in all."""
    import ray
    from ray import cloudpickle

    from podcast_factory.actors.treasury import ACTOR_OPTIONS, Treasury
    from podcast_factory.limits import ProviderLimits

    cloudpickle.register_pickle_by_value(sys.modules[__name__])  # type: ignore[no-untyped-call]
    tag = f"{label[:3]}{os.getpid()}{int(time.time())}"
    limits = {"anthropic": ProviderLimits(max_concurrent=100_000)}
    name = f"scale-treasury-{tag}"
    treasury: Any = (
        ray.remote(Treasury)
        .options(name=name, **ACTOR_OPTIONS)
        .remote(name, limits, path, None, None, tag)
    )
    pool: list[Any] = [ray.remote(_AdmitCaller).remote() for _ in range(callers)]
    ray.get([a.__ray_ready__.remote() for a in [treasury, *pool]])
    each = n // callers
    args = (name, name, limits)
    ray.get([c.run.remote(*args, in_flight * 2, in_flight, f"w{i}") for i, c in enumerate(pool)])
    pids = ray_tree()
    before = cpu_by_pid(pids)
    began = time.monotonic()
    ray.get([c.run.remote(*args, each, in_flight, f"{tag}-{i}") for i, c in enumerate(pool)])
    wall = time.monotonic() - began
    used = cpu_by_role(before, cpu_by_pid(pids))
    for _ in range(100):  # the last releases are on their way: let them land first
        if not ray.get(treasury.state.remote())["anthropic"].in_flight:
            break
        time.sleep(0.1)
    for actor in [treasury, *pool]:
        ray.kill(actor)
    done = each // in_flight * in_flight * callers
    return Admission(label, done, wall, {k: v / done * 1000 for k, v in used.items()})


def fsync_ms(rounds: int = 200) -> float:
    """Wall ms of one ledger-sized append with its fsync, in the temp dir's file system
    (where the benchmark's ledgers live)."""
    folder = Path(tempfile.mkdtemp(prefix="bench-fsync-"))
    line = ("x" * 300 + "\n").encode()
    began = time.monotonic()
    with (folder / "f").open("ab") as fh:
        for _ in range(rounds):
            fh.write(line)
            fh.flush()
            os.fsync(fh.fileno())
    took = time.monotonic() - began
    bc.discard(folder)
    return took / rounds * 1000


@dataclass(frozen=True)
class Batch:
    n: int
    minutes: float
    times: bc.RunTimes
    supervisor_rss: int
    requests: dict[str, int]


def batch(n: int, c: int, minutes: float, sim: bc.SimProcess) -> Batch:
    """A batch through the real supervisor; the supervisor's peak RSS meanwhile."""
    out = Path(tempfile.mkdtemp(prefix=f"bench-scale-{n}-"))
    spec = bc.make_batch(n, c, minutes, master=True)  # the real workflow, mastering too
    before = sim.stats()["requests"]
    sampler = Sampler(os.getpid(), {sim.pid}, every_s=0.25).start()
    try:
        times = bc.run_supervised(
            spec, out, bc.bench_settings(c), bc.credentials(sim.url), exclude={sim.pid}
        )
    finally:
        sampler.stop()
    after = sim.stats()["requests"]
    bc.discard(out)
    rss = max((s.by_role.get("ray::Supervisor", (0, 0, 0))[1] for s in sampler.samples), default=0)
    sent = {k: v - before.get(k, 0) for k, v in after.items()}
    return Batch(n, minutes, times, rss, sent)


def _tts(requests: dict[str, int]) -> int:
    return sum(v for k, v in requests.items() if k.startswith("/v1/text-to-speech"))


AGENTS = {
    "ray::AudioSynthesizer": "audio",
    "ray::QualityEvaluator": "review + quality (one actor)",
    "ray::MasteringAgent": "master",
    "ray::ResearchAgent": "research",
    "ray::ScriptWriter": "script",
    "ray::SummaryAgent": "summary",
    "ray::SocialAgent": "social",
}


def bench(args: argparse.Namespace) -> None:
    facts = bc.machine()
    bc.start_ray()
    fs = fsync_ms()
    folder = Path(tempfile.mkdtemp(prefix="bench-scale-ledger-"))  # as a run directory
    adm = [
        admission(label, path, args.callers, args.in_flight, args.requests)
        for label, path in (
            ("ledger.jsonl (fsync)", str(folder / "ledger.jsonl")),
            ("no ledger file", None),
        )
    ]
    bc.discard(folder)
    for a in adm:
        print(a.label, f"{a.rate:.0f} req/s", {k: round(v, 3) for k, v in a.cpu_ms.items()})
    with bc.simulator(bc.INSTANT) as sim:
        short = [batch(n, args.concurrency, 0.5, sim) for n in args.episodes]
        for b in short:
            print(f"N={b.n}: {b.times.run_s:.1f} s, supervisor RSS {b.supervisor_rss >> 20} MiB")
        long = batch(args.long_episodes, args.long_concurrency, args.long_minutes, sim)
    text, table = render(args, facts, fs, adm, short, long)
    bc.report("scale", "Past one machine: what each singleton sustains", text, table, args)


def render(
    args: argparse.Namespace,
    facts: dict[str, str],
    fs: float,
    adm: list[Admission],
    short: list[Batch],
    long: Batch,
) -> tuple[str, str]:
    head_adm = ["ledger", "requests", "wall s", "requests/s", "treasury CPU ms/req",
                "callers CPU ms/req", "treasury 1-core req/s"]  # fmt: skip
    rows_adm = []
    for a in adm:
        tre = a.cpu_ms.get("ray::Treasury", 0)
        caller = a.cpu_ms.get("ray::_AdmitCaller", 0)
        rows_adm.append([a.label, a.requests, f"{a.wall_s:.1f}", f"{a.rate:.0f}",
                         f"{tre:.3f}", f"{caller:.3f}",
                         f"{1000 / tre:.0f}" if tre else "-"])  # fmt: skip
    head_sup = ["N", "minutes", "run s", "episodes/s", "supervisor CPU ms/ep",
                "supervisor 1-core ep/s", "supervisor peak RSS MiB"]  # fmt: skip
    rows_sup = []
    for b in [*short, long]:
        sup = b.times.cpu_roles.get("ray::Supervisor", 0) / b.n * 1000
        rows_sup.append([b.n, f"{b.minutes:g}", f"{b.times.run_s:.1f}",
                         f"{b.n / b.times.run_s:.2f}", f"{sup:.1f}", f"{1000 / sup:.1f}",
                         f"{b.supervisor_rss / 2**20:.0f}"])  # fmt: skip
    small, big = short[0], short[-1]
    per_ep = (big.supervisor_rss - small.supervisor_rss) / max(1, big.n - small.n)
    # a real episode, from the 10-minute batch
    tts = _tts(long.requests) / long.n
    claude = long.requests.get("/v1/messages", 0) / long.n
    chars = long.minutes * 150 * 6  # 150 words a minute, ~6 characters a word
    ep_s = 4 * CLAUDE_S + tts * TTS_S + chars / 1000 * TTS_PER_1000_S
    req_per_ep = tts + claude
    cores = NODES * CORES
    # s per episode, less the driver (its /proc sampler is the benchmark's, not the system's)
    total_cpu = sum(v for k, v in long.times.cpu_roles.items() if k != "bench.py") / long.n
    cluster_n = cores * ep_s / total_cpu
    head_sat = ["singleton", "CPU per unit", "1-core limit", "episodes/s",
                "episodes in flight it holds", "batch of 10,000 takes at least"]  # fmt: skip
    rows_sat: list[list[object]] = []

    def limit(name: str, cpu_ms: float, per_ep_units: float, unit: str) -> None:
        eps = 1000 / cpu_ms / per_ep_units
        rows_sat.append([name, f"{cpu_ms:.2f} ms/{unit}", f"{1000 / cpu_ms:.3g} {unit}/s",
                         f"{eps:.3g}", f"{eps * ep_s:,.0f}",
                         f"{BAR_EPISODES / eps / 3600:.1f} h"])  # fmt: skip

    fsync_adm = adm[0]
    treasury_ms = fsync_adm.cpu_ms.get("ray::Treasury", 1)
    limit("treasury (ledger + governor)", treasury_ms, req_per_ep, "req")
    # at most: what arrives in one turn of the treasury's loop shares one fsync
    limit("ledger's fsyncs (at most 2 a request)", 2 * fs, req_per_ep, "req")
    sup_ms = long.times.cpu_roles.get("ray::Supervisor", 0) / long.n * 1000
    limit("supervisor", sup_ms, 1, "ep")
    for role, name in AGENTS.items():
        ms = long.times.cpu_roles.get(role, 0) / long.n * 1000
        if ms:
            limit(f"{name} agent", ms, 1, "ep")
    rows_sat.sort(key=lambda r: float(str(r[4]).replace(",", "")))
    head_cpu, rows_cpu = bc.cpu_table(long.times.cpu_roles, long.n)
    derived = (
        f"A real {long.minutes:g}-minute episode (from the {long.n}-episode batch): "
        f"{tts:.0f} ElevenLabs requests and {claude:.1f} Claude requests; "
        f"about {chars:,.0f} characters spoken. At {CLAUDE_S:g} s a Claude call and "
        f"{TTS_S:g} s + {TTS_PER_1000_S:g} s per 1,000 characters an ElevenLabs request, "
        f"its stages take about {ep_s:.0f} s end to end (4 Claude calls in sequence, the "
        "turns in sequence). Keeping N episodes going needs N / "
        f"{ep_s:.0f} episodes/s and {req_per_ep:.0f} x that requests/s. All processes "
        f"together spend {total_cpu:.1f} CPU s an episode, so a {NODES}-node x {CORES}-core "
        f"cluster ({cores} cores) holds about {cluster_n:,.0f} episodes at once."
    )
    text = DOC.format(
        command=bc.command(args), machine=bc.machine_lines(facts),
        callers=args.callers, in_flight=args.in_flight, fsync=f"{fs:.2f}",
        adm=bc.md_table(head_adm, rows_adm), sup=bc.md_table(head_sup, rows_sup),
        rss_per_ep=f"{per_ep / 1024:.1f}", small=small.n, big=big.n,
        c=args.concurrency, long_n=long.n, long_c=args.long_concurrency,
        cpu=bc.md_table(head_cpu, rows_cpu), derived=derived,
        sat=bc.md_table(head_sat, rows_sat),
    )  # fmt: skip
    table = "\n\n".join(
        [
            bc.text_table(head_adm, rows_adm),
            bc.text_table(head_sup, rows_sup),
            bc.text_table(head_cpu, rows_cpu),
            derived,
            bc.text_table(head_sat, rows_sat),
        ]
    )
    return text, table


DOC = """## 7. Past one machine: what each singleton of a batch sustains

`{command}`

{machine}

What this is for: `docs/scaling.md`, which reads these figures. Every figure that
matters is CPU time per unit of work in one process (from `/proc/PID/stat`), because a
process uses at most one core: the 1-core limit is 1000 / (CPU ms per unit). On this
2-core machine every process shares the same two cores, so the observed rates are
lower than the limits.

**Admission** ({callers} caller actors x {in_flight} requests in flight, each request
exactly an agent's: `Meter.call` -> `Treasury.admit` (the slot, then the reservation in
the ledger the treasury keeps in its own process) -> a request of zero time ->
`Treasury.finish` sent without waiting (the slot back and the commit; what arrives in
one turn of the treasury's event loop is written with one fsync), settled every ten
requests as a stage end settles them). One append + fsync of a ledger-sized line in the
temp dir's file system: {fsync} ms.

{adm}

**Supervisor** (instant providers: the simulator adds no latency, so episodes go as
fast as the processes allow; C = {c} for the short episodes, {long_c} for the long):
CPU of the supervisor per episode, and its peak RSS; between N = {small} and N = {big}
its RSS grew {rss_per_ep} KiB an episode.

{sup}

**Every process, per 10-minute episode** (the {long_n}-episode batch above; each stage
agent is one actor, so one core):

{cpu}

**Derived.** {derived}

{sat}
"""


def add_parser(add: Any) -> None:
    """Wire ``scale`` into ``bench.py``'s subcommands."""
    cmd = add("scale", bench, "what the supervisor, the treasury and the agents sustain")
    cmd.add_argument("--episodes", type=lambda t: [int(x) for x in t.split(",")],
                     default=[30, 120], help="short batches (default 30,120)")  # fmt: skip
    cmd.add_argument("--concurrency", type=int, default=50)
    cmd.add_argument("--long-episodes", type=int, default=4)
    cmd.add_argument("--long-concurrency", type=int, default=4)
    cmd.add_argument("--long-minutes", type=float, default=10.0)
    cmd.add_argument("--callers", type=int, default=4)
    cmd.add_argument("--in-flight", type=int, default=50)
    cmd.add_argument("--requests", type=int, default=3000)
