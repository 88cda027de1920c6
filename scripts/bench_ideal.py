"""The ideal makespan of a batch, and where a real run spent the time beyond it.

Why computed from the run's ledger: every provider request is reserved and committed in
``ledger.jsonl`` (one commit line per billed request, with its episode, stage, provider
and characters), so the requests each stage really made are counted, not guessed, and
the bound follows from them and the simulator's latency model alone, never from
measured durations. The manifests then tell, per stage, how much longer the real run
took than that bound.

What the agents and providers send per episode (full workflow, Claude and ElevenLabs,
no web search, a first draft that passes), which the ledger confirms:

- research: 1 Claude call (``ClaudeWriter.research``);
- script: 1 Claude call (``ClaudeWriter.write``);
- audio: 1 ElevenLabs request per chunk of each turn, one after another
  (``ElevenLabsEngine.speak``; chunks of 2,500 characters, so a short turn is one), less
  the turns already in the speech cache (``OUT/.cache/speech``, keyed by voice and text);
- quality: 1 Claude call (``ClaudeWriter.judge``);
- summary and social: 1 Claude call each, side by side.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench_common import Latency

from podcast_factory.config import RunSettings
from podcast_factory.models import BatchSpec, CostEntry
from podcast_factory.rundir import RunDir

STAGES = ("research", "script", "audio", "quality", "summary", "social")


@dataclass(frozen=True)
class EpisodeIdeal:
    stages: dict[str, float]
    """Ideal seconds of each stage: its provider requests back to back, nothing else."""
    tts_requests: int
    tts_chars: int
    claude_calls: int

    @property
    def critical_s(self) -> float:
        s = self.stages
        gates = s.get("review", 0.0) + s["quality"]  # the script gate runs before audio
        return s["research"] + s["script"] + s["audio"] + gates + max(s["summary"], s["social"])


def requests_by_episode(out: Path) -> dict[str, list[CostEntry]]:
    """The committed (billed) provider requests of the run, per episode."""
    found: dict[str, list[CostEntry]] = {}
    for line in (out / "ledger.jsonl").read_text().splitlines():
        entry = CostEntry.model_validate_json(line)
        if entry.op == "commit" and entry.provider in ("anthropic", "elevenlabs"):
            found.setdefault(entry.episode_id, []).append(entry)
    return found


def episode_ideal(requests: list[CostEntry], latency: Latency) -> EpisodeIdeal:
    """Each stage's requests back to back at the simulator's latency."""
    stages = dict.fromkeys((*STAGES, "review"), 0.0)  # review: the script gate, if it ran
    tts = claude = chars = 0
    for r in requests:
        if r.provider == "elevenlabs":
            n = r.units.get("characters", 0)
            stages[r.stage] += latency.tts_s(n)
            tts, chars = tts + 1, chars + n
        else:
            stages[r.stage] += latency.claude_s()
            claude += 1
    return EpisodeIdeal(stages, tts, chars, claude)


def list_schedule(durations: Sequence[float], slots: int) -> float:
    """Makespan of jobs started in order, each on the first slot to come free: what a
    supervisor with no overhead and a semaphore of ``slots`` would achieve."""
    free = [0.0] * min(slots, max(1, len(durations)))
    for d in durations:
        heapq.heappush(free, heapq.heappop(free) + d)
    return max(free)


@dataclass(frozen=True)
class Ideal:
    makespan_s: float
    schedule_s: float
    claude_bound_s: float
    tts_bound_s: float
    mean_episode_s: float
    tts_requests: int
    claude_calls: int
    episodes: dict[str, EpisodeIdeal]


def ideal(out: Path, batch: BatchSpec, latency: Latency, settings: RunSettings) -> Ideal:
    """max(list schedule of the episodes' critical paths at the batch's concurrency,
    each provider's total request time / its ``max_concurrent``)."""
    sent = requests_by_episode(out)
    eps = {e.episode_id: episode_ideal(sent.get(e.episode_id, []), latency) for e in batch.episodes}
    durations = [eps[e.episode_id].critical_s for e in batch.episodes]
    schedule = list_schedule(durations, batch.concurrency)
    limits = settings.provider_limits
    claude_calls = sum(e.claude_calls for e in eps.values())
    claude = claude_calls * latency.claude_s() / limits["anthropic"].max_concurrent
    tts = sum(e.stages["audio"] for e in eps.values()) / limits["elevenlabs"].max_concurrent
    return Ideal(
        makespan_s=max(schedule, claude, tts),
        schedule_s=schedule,
        claude_bound_s=claude,
        tts_bound_s=tts,
        mean_episode_s=sum(durations) / len(durations),
        tts_requests=sum(e.tts_requests for e in eps.values()),
        claude_calls=claude_calls,
        episodes=eps,
    )


@dataclass(frozen=True)
class Excess:
    """Mean seconds per episode beyond the ideal: in each stage, and between stages."""

    per_stage: dict[str, float]
    between_s: float
    """Episode wall (manifest started_at..ended_at) minus its measured critical path:
    the supervisor's own work between and around stages (manifests, artifacts, ledger)."""
    episode_wall_s: float
    drafts: int
    statuses: dict[str, int]


def excess(out: Path, found: Ideal) -> Excess:
    sums = dict.fromkeys(STAGES, 0.0)
    between = wall = 0.0
    drafts = 0
    statuses: dict[str, int] = {}
    states = RunDir(out).manifests()
    for state in states:
        ideal_ep = found.episodes[state.episode_id]
        measured = {n: r.duration_s or 0.0 for n, r in state.stages.items()}
        for name in STAGES:
            sums[name] += measured.get(name, 0.0) - ideal_ep.stages[name]
        path = sum(measured.get(n, 0.0) for n in (*STAGES[:4], "review"))
        path += max(measured.get("summary", 0.0), measured.get("social", 0.0))
        span = (state.ended_at or 0.0) - (state.started_at or 0.0)
        between += span - path
        wall += span
        drafts += len(state.drafts)
        statuses[state.status] = statuses.get(state.status, 0) + 1
    n = max(1, len(states))
    return Excess({k: v / n for k, v in sums.items()}, between / n, wall / n, drafts, statuses)


@dataclass(frozen=True)
class RequestOverhead:
    """Mean milliseconds per request, from the ledger's timestamps (``ts`` of each
    reserve and commit, written by the ledger actor as the calls arrive)."""

    claude_ms: float
    """reserve..commit of a Claude request minus its simulated latency: the SDK, the
    HTTP round trip, parsing, and the ledger calls' own queueing."""
    tts_ms: float
    """The same for an ElevenLabs request (PCM streamed back and joined)."""
    tts_gap_ms: float
    """commit of one audio request..reserve of the next in the same stage: the speech
    cache write of the turn (two fsync'd files), the governor's release and acquire,
    the next reservation."""


def request_overhead(out: Path, latency: Latency) -> RequestOverhead:
    reserved: dict[str, float] = {}
    spans: dict[str, list[float]] = {"anthropic": [], "elevenlabs": []}
    audio: dict[str, list[tuple[float, float]]] = {}
    for line in (out / "ledger.jsonl").read_text().splitlines():
        e = CostEntry.model_validate_json(line)
        if e.op == "reserve":
            reserved[e.call_id] = e.ts
        elif e.op == "commit" and e.call_id in reserved and e.provider in spans:
            began = reserved[e.call_id]
            chars = e.units.get("characters", 0)
            model = latency.tts_s(chars) if e.provider == "elevenlabs" else latency.claude_s()
            spans[e.provider].append(e.ts - began - model)
            if e.stage == "audio":
                audio.setdefault(e.episode_id, []).append((began, e.ts))
    gaps = [
        nxt[0] - cur[1]
        for calls in audio.values()
        for cur, nxt in zip(sorted(calls), sorted(calls)[1:], strict=False)
    ]

    def mean_ms(values: list[float]) -> float:
        return sum(values) / len(values) * 1000 if values else 0.0

    return RequestOverhead(mean_ms(spans["anthropic"]), mean_ms(spans["elevenlabs"]), mean_ms(gaps))
