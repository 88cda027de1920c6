"""What every benchmark in ``scripts/bench.py`` shares.

Why a module of its own: the benchmarks must measure the same thing the same way (the
same batch, simulator, latencies, limits, Ray start and clock), so all of that lives
here once, and each benchmark only says what it varies. Tables, the machine's facts and
the doc's sections are ``bench_report``'s (re-exported here).
"""

from __future__ import annotations

import atexit
import multiprocessing as mp
import os
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = ROOT / "scripts"
EXAMPLES = ROOT / "examples"
for _p in (str(ROOT), str(SCRIPTS)):
    if _p not in sys.path:
        sys.path.insert(0, _p)

from bench_proc import cpu_by_pid, cpu_by_role, ray_tree  # noqa: E402

# Re-exported: the benchmarks reach everything shared through this module.
from bench_report import command as command  # noqa: E402
from bench_report import cpu_table as cpu_table  # noqa: E402
from bench_report import fmt_s as fmt_s  # noqa: E402
from bench_report import machine as machine  # noqa: E402
from bench_report import machine_lines as machine_lines  # noqa: E402
from bench_report import md_table as md_table  # noqa: E402
from bench_report import pct as pct  # noqa: E402
from bench_report import report as report  # noqa: E402
from bench_report import statuses as statuses  # noqa: E402
from bench_report import text_table as text_table  # noqa: E402

from podcast_factory.actors.governor import ProviderLimits  # noqa: E402
from podcast_factory.batchfile import build_batch  # noqa: E402
from podcast_factory.config import Credentials, RunSettings  # noqa: E402
from podcast_factory.models import BatchSpec  # noqa: E402

KEY = "bench-sim-key"


# -- latencies, limits, settings ------------------------------------------------------------


@dataclass(frozen=True)
class Latency:
    """What the simulator adds to each request: ``base_s`` to every request (Claude and
    ElevenLabs alike), plus ``tts_per_1000_s`` per 1,000 characters of speech."""

    base_s: float
    tts_per_1000_s: float
    scale: float
    """Real seconds one simulated second stands for (10: 0.3 s stands for 3 s)."""

    def claude_s(self) -> float:
        return self.base_s

    def tts_s(self, chars: int) -> float:
        return self.base_s + self.tts_per_1000_s * chars / 1000

    def describe(self) -> str:
        if not self.base_s and not self.tts_per_1000_s:
            return "instant providers: the simulator adds no latency"
        real_c, real_t = self.base_s * self.scale, self.tts_per_1000_s * self.scale
        return (
            f"every request {self.base_s:g} s, ElevenLabs + {self.tts_per_1000_s:g} s per "
            f"1,000 characters; scale 1:{self.scale:g}, so a Claude call stands for "
            f"{real_c:g} s and an ElevenLabs turn of 150 characters for "
            f"{real_c + real_t * 0.15:.2g} s ({real_c:g} s to start + {real_t:g} s per "
            "1,000 characters), about what claude-haiku-4-5 / claude-sonnet-4-5 answer a "
            "short structured request in and eleven_multilingual_v2 takes for a turn"
        )


REALISTIC = Latency(base_s=0.3, tts_per_1000_s=0.1, scale=10.0)
INSTANT = Latency(base_s=0.0, tts_per_1000_s=0.0, scale=1.0)


def bench_limits(concurrency: int) -> dict[str, ProviderLimits]:
    """Provider limits high enough never to bind: an episode has at most two Claude
    requests (summary and social) and one ElevenLabs request in flight at once."""
    return {
        "anthropic": ProviderLimits(max_concurrent=max(8, 2 * concurrency + 8)),
        "elevenlabs": ProviderLimits(max_concurrent=max(4, concurrency + 4)),
    }


def describe_limits(limits: dict[str, ProviderLimits]) -> str:
    parts = []
    for name, lim in sorted(limits.items()):
        rpm = f"{lim.requests_per_minute}/min" if lim.requests_per_minute else "no rpm limit"
        parts.append(f"{name} {lim.max_concurrent} concurrent, {rpm}")
    return "; ".join(parts) + " (defaults: anthropic 8 concurrent, 50/min; elevenlabs 2)"


def bench_settings(concurrency: int) -> RunSettings:
    """Claude + ElevenLabs, no series memory, limits that do not bind."""
    return RunSettings(
        llm="claude", tts="elevenlabs", memory=False, provider_limits=bench_limits(concurrency)
    )


def credentials(url: str) -> Credentials:
    return Credentials.model_validate(
        {
            "anthropic_api_key": KEY,
            "elevenlabs_api_key": KEY,
            "anthropic_base_url": url,
            "elevenlabs_base_url": url,
        }
    )


def make_batch(
    episodes: int, concurrency: int, minutes: float = 0.5, master: bool = False
) -> BatchSpec:
    """N episodes cycling over the example topics, each with its own copy of the topic's
    source notes (see ``variant``), so that no two episodes speak the same turn.

    The full workflow, without ``master`` unless asked: mastering is local CPU work
    (loudness, MP3 encoding, ~0.3-0.9 s of CPU per half-minute episode) that any
    orchestrator pays alike, and on two cores it alone would set the pace of every batch
    here, hiding the orchestration these benchmarks measure (``docs/benchmarks.md``)."""
    example = yaml.safe_load((EXAMPLES / "batch.yaml").read_text())
    folder = Path(tempfile.mkdtemp(prefix="bench-sources-"))
    atexit.register(shutil.rmtree, folder, True)
    items = []
    for i in range(episodes):
        ep = example["episodes"][i % len(example["episodes"])]
        sources = []
        for source in ep["sources"]:
            copy = folder / f"{i:04d}-{Path(source).name}"
            copy.write_text(variant((EXAMPLES / source).read_text(), i))
            sources.append(str(copy))
        items.append({"id": f"ep{i:04d}", "topic": ep["topic"], "minutes": minutes,
                      "sources": sources})  # fmt: skip
    data: dict[str, Any] = {"show": example["show"], "episodes": items, "concurrency": concurrency}
    if not master:
        data["workflow"] = {"skip": ["master"]}
    return build_batch(data, EXAMPLES)


def discard(folder: Path) -> None:
    """Remove a run's folder when the benchmark ends, not now.

    Why: this machine's root file system is ext4 without a journal, and in that mode each
    inode allocated skips, with a read of its inode-table block, every inode freed in the
    last ~30 s (``find_inode_bit`` in ``fs/ext4/ialloc.c``). Removing one run's ~4,000
    files just before the next run made every file the next one created pay for them:
    measured with ``perf``, up to a fifth of the supervisor's CPU. The figures compare
    runs, so none may start in another's debris."""
    atexit.register(shutil.rmtree, folder, True)


def variant(text: str, number: int) -> str:
    """The notes with every sentence made this copy's own ("... (copy 17).").

    Why: the ElevenLabs engine keeps each spoken turn on disk by its text
    (``OUT/.cache/speech``) so that a rerun never pays twice; episodes cycling over the
    same three notes would otherwise speak the same turns and later ones would hit that
    cache, sending a fraction of the requests a real batch of distinct episodes sends."""
    return re.sub(r"(?<=[a-z])\.(?=\s)", f" (copy {number}).", text)


def isolate_memory() -> None:
    """Series memory off in the settings, and its folder a temp dir all the same."""
    folder = tempfile.mkdtemp(prefix="bench-memory-")
    atexit.register(shutil.rmtree, folder, True)
    os.environ["PODCAST_FACTORY_MEMORY"] = folder


def start_ray() -> None:
    """A local instance as the CLI starts one (``ensure_ray``: its CPUs, its task-event
    cap)."""
    from podcast_factory.api import ensure_ray

    ensure_ray()


# -- the simulator, in a child process --------------------------------------------------------


def _serve(conn: Connection, base_s: float, tts_per_1000_s: float) -> None:
    """Child process: serve until told to stop; answer stats requests."""
    from podcast_factory.testing import server as provider_sim

    sim = provider_sim.ProviderSimulator(
        api_key=KEY, voices={}, latency_s=base_s, tts_latency_per_1000_chars_s=tts_per_1000_s
    )
    with sim:
        conn.send(sim.url)
        while True:
            command = conn.recv()
            if command == "stats":
                conn.send(
                    {
                        "requests": sim.requests,
                        "peak": sim.peak_concurrency,
                        "billed_micro_usd": sim.billed_micro_usd(),
                    }
                )
            else:
                break


class SimProcess:
    """The provider simulator in its own process, so that its request handling does not
    share a GIL with the process being measured (the driver, or the in-process floor)."""

    def __init__(self, latency: Latency) -> None:
        ctx = mp.get_context("spawn")
        self._conn, child = ctx.Pipe()
        self._proc = ctx.Process(
            target=_serve, args=(child, latency.base_s, latency.tts_per_1000_s), daemon=True
        )
        self._proc.start()
        self.url: str = self._conn.recv()

    @property
    def pid(self) -> int:
        return self._proc.pid or 0

    def stats(self) -> dict[str, Any]:
        self._conn.send("stats")
        stats: dict[str, Any] = self._conn.recv()
        return stats

    def close(self) -> None:
        if self._proc.is_alive():
            self._conn.send("stop")
            self._proc.join(10)
        if self._proc.is_alive():
            self._proc.terminate()  # our own child, by its handle
            self._proc.join(5)


@contextmanager
def simulator(latency: Latency) -> Iterator[SimProcess]:
    sim = SimProcess(latency)
    try:
        yield sim
    finally:
        sim.close()


# -- a batch through the real supervisor ------------------------------------------------------


@dataclass(frozen=True)
class RunTimes:
    startup_s: float
    """start_batch until the supervisor, its agents and the treasury all answer."""
    run_s: float
    """Supervisor.run from call to return: the batch's makespan."""
    statuses: dict[str, int]
    progress_polls: int
    progress_poll_s: float
    """Total seconds the driver waited on Supervisor.progress() answers."""
    cpu_s: float
    """CPU seconds the driver and the whole Ray instance used during the run."""
    cpu_roles: dict[str, float]
    """The same, per process role (``bench_proc.role``)."""
    ledger_calls: int = 0
    """Writes of the batch's ledger (each one fsync'd append carrying one or more
    requests' reservations and commits: ``Treasury.ledger_calls``)."""


async def _run_supervised(
    batch: BatchSpec,
    out: Path,
    settings: RunSettings,
    creds: Credentials,
    poll: bool,
    exclude: set[int],
) -> RunTimes:
    import asyncio
    from collections import Counter

    import ray

    from podcast_factory.api import POLL_S, start_batch

    began = time.monotonic()
    supervisor = start_batch(batch, out, settings, creds)
    try:
        handles: dict[str, Any] = await supervisor.agent_handles.remote()
        await asyncio.gather(*(h.__ray_ready__.remote() for h in handles.values()))
        ready = time.monotonic()
        cpu = cpu_by_pid(ray_tree(exclude))
        done = asyncio.ensure_future(supervisor.run.remote())
        polls, waited, version = 0, 0.0, 0
        states: dict[str, Any] = {}
        while True:  # as run_batch_async does when the CLI passes on_progress
            finished, _ = await asyncio.wait({done}, timeout=POLL_S if poll else None)
            if poll:
                asked = time.monotonic()
                version, changed = await supervisor.progress.remote(version)
                states.update((s.episode_id, s) for s in changed)
                waited += time.monotonic() - asked
                polls += 1
            if finished:
                break
        result = done.result()
        ended = time.monotonic()
        roles = cpu_by_role(cpu, cpu_by_pid(ray_tree(exclude)))
        ledger_calls, _ = await handles["governor"].ledger_calls.remote()
    finally:
        ray.kill(supervisor)
    statuses = Counter(e.status for e in result.episodes)
    return RunTimes(
        ready - began,
        ended - ready,
        dict(statuses),
        polls,
        waited,
        sum(roles.values()),
        roles,
        ledger_calls,
    )


def run_supervised(
    batch: BatchSpec,
    out: Path,
    settings: RunSettings,
    creds: Credentials,
    poll: bool = False,
    exclude: set[int] | None = None,
) -> RunTimes:
    """A batch through ``start_batch`` and ``Supervisor.run``, the calls ``run_batch``
    makes, with startup (actor processes starting) timed apart from the run itself.
    ``poll``: ask ``progress()`` every 0.25 s meanwhile, as the CLI's live view does.
    ``exclude``: processes below the driver that are not Ray's (the simulator)."""
    import asyncio

    start_ray()
    return asyncio.run(_run_supervised(batch, out, settings, creds, poll, exclude or set()))
