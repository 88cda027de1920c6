"""The makespan table's peers: the same batch through the in-process floor and LangGraph.

Why in the makespan run itself: the issue asks for the three side by side "in one run on
the same simulator, agents and concurrency", so that a difference between them is the
orchestration's and not the machine's mood. ``peer_rows`` runs the floor
(``bench_floor``) and the LangGraph graph (``bench_graph``) against the simulator the
Ray row just used, and gives rows in the makespan table's columns.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import bench_common as bc
from bench_floor import FloorResult, run_floor
from bench_graph import MISSING, available, run_graph
from bench_ideal import ideal
from bench_proc import cpu_seconds

from podcast_factory.config import Credentials, RunSettings
from podcast_factory.models import BatchSpec

Runner = Callable[[BatchSpec, Path, RunSettings, Credentials], FloorResult]


@dataclass(frozen=True)
class PeerRun:
    label: str
    run_s: float
    row: list[object]


def peers() -> list[tuple[str, Runner]]:
    """The peers to run: the floor always, LangGraph when the bench extra is installed
    (without it the row says how to get it rather than silently missing)."""
    found: list[tuple[str, Runner]] = [("in-process floor", run_floor)]
    if available():
        found.append(("LangGraph", run_graph))
    else:
        print(MISSING, flush=True)
    return found


def peer_rows(
    n: int,
    batch: BatchSpec,
    settings: RunSettings,
    sim: bc.SimProcess,
    latency: bc.Latency,
) -> list[PeerRun]:
    """Each peer's makespan row for ``batch`` against ``sim`` (already running)."""
    creds = bc.credentials(sim.url)
    runs: list[PeerRun] = []
    for label, runner in peers():
        out = Path(tempfile.mkdtemp(prefix="bench-peer-"))
        before, sim_cpu = sim.stats()["requests"], cpu_seconds([sim.pid])
        result = runner(batch, out, settings, creds)
        sim_cpu = cpu_seconds([sim.pid]) - sim_cpu
        after = sim.stats()["requests"]
        found = ideal(out, batch, latency, settings)
        bc.discard(out)
        sent = {k: after.get(k, 0) - before.get(k, 0) for k in after}
        tts = sum(v for k, v in sent.items() if k.startswith("/v1/text-to-speech"))
        busy = (result.cpu_s + sim_cpu) / (result.run_s * (os.cpu_count() or 1))
        row: list[object] = [
            f"{n} {label}", batch.concurrency, "-", bc.fmt_s(result.run_s),
            bc.fmt_s(found.makespan_s), bc.pct(result.run_s / found.makespan_s - 1),
            f"{found.mean_episode_s:.2f}", "-", f"{tts}/{found.tts_requests}",
            f"{sent.get('/v1/messages', 0)}/{found.claude_calls}", f"{busy * 100:.0f}%",
            bc.statuses(result.statuses),
        ]  # fmt: skip
        runs.append(PeerRun(label, result.run_s, row))
    return runs
