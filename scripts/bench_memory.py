"""Memory of the whole Ray instance, sampled from /proc while a batch runs.

Why /proc and not psutil: psutil is not installed with ``ray[default]`` 2.60 here, and
the two numbers needed are one read each: ``VmRSS`` from ``/proc/PID/status`` (resident
memory, which counts a page shared by several processes in each of them) and ``Pss``
from ``/proc/PID/smaps_rollup`` (each shared page divided among the processes that map
it, so the sum over processes is what the instance really holds). Linux only.

Counted: the benchmark's own process (the driver) and every process below it, which is
the whole Ray instance ``ray.init(address="local")`` started: gcs_server, raylet, the
dashboard head (started even with ``include_dashboard=False``, for usage stats), the
dashboard and runtime-env agents, log_monitor and monitor, and every worker (the
supervisor, agents, the treasury, idle workers). Left out: the provider simulator's
process (a stand-in for the providers, not part of the system) and multiprocessing's
helper processes.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import bench_common as bc
import bench_docs as docs
from bench_proc import kib, role, tree

GIB = 1024**3
TARGET_MEMORY_GIB = 2.0


@dataclass
class Sample:
    at_s: float
    rss: int
    pss: int
    by_role: dict[str, tuple[int, int, int]]  # role -> processes, rss, pss


@dataclass
class Sampler:
    """Samples ``tree(root) - exclude`` every ``every_s`` in a daemon thread."""

    root: int
    exclude: set[int]
    every_s: float = 0.5
    samples: list[Sample] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    _began: float = 0.0

    def sample(self) -> Sample:
        by_role: dict[str, tuple[int, int, int]] = {}
        for pid in tree(self.root) - self.exclude:
            name = role(pid)
            if name in ("multiprocessing", "gone"):
                continue
            try:
                rss = kib(Path(f"/proc/{pid}/status").read_text(), "VmRSS")
                pss = kib(Path(f"/proc/{pid}/smaps_rollup").read_text(), "Pss")
            except OSError:
                continue  # it ended between listing and reading
            n, r, p = by_role.get(name, (0, 0, 0))
            by_role[name] = (n + 1, r + rss, p + pss)
        rss_sum = sum(r for _, r, _ in by_role.values())
        pss_sum = sum(p for _, _, p in by_role.values())
        return Sample(time.monotonic() - self._began, rss_sum, pss_sum, by_role)

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.samples.append(self.sample())
            self._stop.wait(self.every_s)

    def start(self) -> Sampler:
        self._began = time.monotonic()
        self._thread = threading.Thread(target=self._loop, name="rss-sampler", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)

    def peak(self, key: str = "rss") -> Sample:
        return max(self.samples, key=lambda s: s.rss if key == "rss" else s.pss)


def sampler_for_driver(exclude: set[int]) -> Sampler:
    return Sampler(os.getpid(), exclude)


# -- the benchmark --------------------------------------------------------------------------------


def bench(args: argparse.Namespace) -> None:
    """``bench.py memory``: a batch with the sampler running; the peak, by process."""
    facts = bc.machine()
    latency = bc.Latency(args.latency, args.tts_latency, args.scale)
    batch = bc.make_batch(args.episodes, args.concurrency, args.minutes)
    settings = bc.bench_settings(args.concurrency)
    out = Path(tempfile.mkdtemp(prefix="bench-memory-"))
    with bc.simulator(latency) as sim:
        bc.start_ray()
        sampler = sampler_for_driver({sim.pid})
        idle = sampler.sample()
        sampler.start()
        try:
            times = bc.run_supervised(
                batch, out, settings, bc.credentials(sim.url), exclude={sim.pid}
            )
        finally:
            sampler.stop()
    bc.discard(out)
    peak, peak_pss = sampler.peak("rss"), sampler.peak("pss")
    rows = [
        [name, n, f"{rss / 2**20:.0f}", f"{pss / 2**20:.0f}"]
        for name, (n, rss, pss) in sorted(peak.by_role.items(), key=lambda kv: -kv[1][1])
    ]
    rows.append(
        [
            "total at the RSS peak",
            sum(n for n, _, _ in peak.by_role.values()),
            f"{peak.rss / 2**20:.0f}",
            f"{peak.pss / 2**20:.0f}",
        ]
    )
    summary = [
        ["Ray instance idle (after ray.init)", f"{idle.rss / GIB:.2f}", f"{idle.pss / GIB:.2f}"],
        [
            f"peak during the batch (at {peak.at_s:.0f} s)",
            f"{peak.rss / GIB:.2f}",
            f"{peak.pss / GIB:.2f}",
        ],
        [
            f"peak PSS (at {peak_pss.at_s:.0f} s)",
            f"{peak_pss.rss / GIB:.2f}",
            f"{peak_pss.pss / GIB:.2f}",
        ],
    ]
    met = peak.rss / GIB < TARGET_MEMORY_GIB
    verdict = f"peak {peak.rss / GIB:.2f} GiB RSS (sum), {peak_pss.pss / GIB:.2f} GiB PSS: " + (
        "**met**" if met else f"**missed** by {peak.rss / GIB - TARGET_MEMORY_GIB:.2f} GiB (RSS)"
    )
    head = ["", "RSS GiB", "PSS GiB"]
    roles = ["process", "count", "RSS MiB", "PSS MiB"]
    text = docs.MEMORY_DOC.format(
        command=bc.command(args),
        machine=bc.machine_lines(facts),
        n=args.episodes,
        c=args.concurrency,
        minutes=args.minutes,
        latency=latency.describe(),
        samples=len(sampler.samples),
        run=bc.fmt_s(times.run_s),
        status=bc.statuses(times.statuses),
        summary=bc.md_table(head, summary),
        roles=bc.md_table(roles, rows),
        verdict=verdict,
        target=TARGET_MEMORY_GIB,
        notes=docs.NOTES_MEMORY,
    )
    table = bc.text_table(head, summary) + "\n\n" + bc.text_table(roles, rows)
    bc.report("memory", f"Peak memory: {verdict}", text, table, args)
