"""Growth: how wall time, CPU and memory per episode change as a batch grows.

Why: a cost that grows faster than the batch (a scan of every episode per call, a list
that is never trimmed, a buffer sized for short runs) is invisible at 200 episodes and
decides whether 5,000 finish. Each N runs in a fresh Ray instance against the simulator
with **no latency** (instant providers), so what is measured is the system's own work:
the wall time and the CPU of the whole instance (every Ray process and the driver; the
simulator's CPU is given apart), and the peak of its summed RSS and PSS, sampled every
0.5 s (``bench_memory.Sampler``).
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import bench_common as bc
import bench_docs as docs
from bench_memory import GIB, sampler_for_driver
from bench_proc import cpu_seconds

HEAD = [
    "N", "C", "wall s", "wall ms/ep", "CPU s", "CPU ms/ep", "simulator CPU ms/ep",
    "peak RSS GiB", "peak PSS GiB", "RSS over idle KiB/ep", "supervisor RSS MiB", "episodes",
]  # fmt: skip

TARGET_FLAT = 0.10


def bench(args: argparse.Namespace) -> None:
    """``bench.py growth``: N = 100, 1,000, 5,000 at C = 50, instant providers."""
    import ray

    facts = bc.machine()
    rows: list[list[object]] = []
    per_ep: dict[int, tuple[float, float]] = {}
    settings = bc.bench_settings(args.concurrency)
    with bc.simulator(bc.INSTANT) as sim:
        creds = bc.credentials(sim.url)
        for n in args.episodes:
            batch = bc.make_batch(n, args.concurrency, args.minutes)
            out = Path(tempfile.mkdtemp(prefix=f"bench-growth-{n}-"))
            bc.start_ray()
            sampler = sampler_for_driver({sim.pid})
            idle = sampler.sample()
            sampler.start()
            sim_cpu = cpu_seconds([sim.pid])
            try:
                times = bc.run_supervised(batch, out, settings, creds, exclude={sim.pid})
            finally:
                sampler.stop()
                ray.shutdown()
            sim_cpu = cpu_seconds([sim.pid]) - sim_cpu
            bc.discard(out)
            peak, peak_pss = sampler.peak("rss"), sampler.peak("pss")
            supervisor = max(
                (s.by_role.get("ray::Supervisor", (0, 0, 0))[1] for s in sampler.samples),
                default=0,
            )
            wall_ms, cpu_ms = times.run_s / n * 1000, times.cpu_s / n * 1000
            per_ep[n] = (wall_ms, cpu_ms)
            rows.append([
                n, args.concurrency, bc.fmt_s(times.run_s), f"{wall_ms:.1f}",
                bc.fmt_s(times.cpu_s), f"{cpu_ms:.1f}", f"{sim_cpu / n * 1000:.1f}",
                f"{peak.rss / GIB:.2f}", f"{peak_pss.pss / GIB:.2f}",
                f"{(peak.rss - idle.rss) / n / 1024:.0f}", f"{supervisor / 2**20:.0f}",
                bc.statuses(times.statuses),
            ])  # fmt: skip
            print(bc.text_table(HEAD, rows[-1:]), flush=True)
    verdict = _verdict(per_ep)
    text = docs.GROWTH_DOC.format(
        command=bc.command(args), machine=bc.machine_lines(facts), c=args.concurrency,
        minutes=args.minutes, limits=bc.describe_limits(settings.provider_limits),
        table=bc.md_table(HEAD, rows), verdict=verdict, notes=docs.NOTES_GROWTH,
    )  # fmt: skip
    bc.report("growth", f"Growth: {verdict}", text, bc.text_table(HEAD, rows), args)


def _verdict(per_ep: dict[int, tuple[float, float]]) -> str:
    """Wall and CPU per episode at the largest N against N = 1,000 (or the second
    smallest N run): the target is flat within 10%."""
    sizes = sorted(per_ep)
    if len(sizes) < 2:
        return "not measured (one N only)"
    base = 1000 if 1000 in per_ep and sizes[-1] != 1000 else sizes[-2]
    top = sizes[-1]
    wall = per_ep[top][0] / per_ep[base][0] - 1
    cpu = per_ep[top][1] / per_ep[base][1] - 1
    met = abs(wall) <= TARGET_FLAT and abs(cpu) <= TARGET_FLAT
    return (
        f"from N = {base:,} to {top:,}, wall per episode {bc.pct(wall)}, CPU per episode "
        f"{bc.pct(cpu)}: " + ("**met**" if met else "**missed**") + " (target: within 10%)"
    )
