"""Sequential against concurrent: one episode after another in one process, the real
supervisor at C = 1, and at C = 20 (``bench.py sequential``).

Why: the speed-up a user gets from concurrency, and what the orchestration costs when
nothing overlaps it (C = 1), on the same simulator and batch.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import bench_common as bc
import bench_docs as docs

# -- 3. sequential ----------------------------------------------------------------------------


def sequential(args: argparse.Namespace) -> None:
    from bench_floor import run_floor

    facts = bc.machine()
    latency = bc.Latency(args.latency, args.tts_latency, args.scale)
    rows: list[list[object]] = []
    base: float | None = None
    with bc.simulator(latency) as sim:
        creds = bc.credentials(sim.url)
        plan: list[tuple[str, int, bool]] = [
            ("in-process pipeline, one episode after another", 1, False),
            ("podcast-factory (Ray), concurrency 1", 1, True),
            (f"podcast-factory (Ray), concurrency {args.concurrency}", args.concurrency, True),
        ]
        for label, c, on_ray in plan:
            batch = bc.make_batch(args.episodes, c, args.minutes)
            settings = bc.bench_settings(c)
            out = Path(tempfile.mkdtemp(prefix="bench-seq-"))
            if on_ray:
                times = bc.run_supervised(batch, out, settings, creds, exclude={sim.pid})
                wall, statuses, startup = times.run_s, times.statuses, times.startup_s
            else:
                floor = run_floor(batch, out, settings, creds)
                wall, statuses, startup = floor.run_s, floor.statuses, 0.0
            bc.discard(out)
            base = base or wall
            rows.append(
                [
                    label,
                    c,
                    bc.fmt_s(wall),
                    bc.fmt_s(startup) if startup else "-",
                    f"{wall / args.episodes:.2f}",
                    f"{base / wall:.1f}x",
                    f"{base / (wall + startup):.1f}x",
                    bc.statuses(statuses),
                ]
            )
            print(bc.text_table(HEAD_SEQ, rows[-1:]), flush=True)
    text = docs.SEQ_DOC.format(
        command=bc.command(args),
        machine=bc.machine_lines(facts),
        n=args.episodes,
        minutes=args.minutes,
        latency=latency.describe(),
        table=bc.md_table(HEAD_SEQ, rows),
        limits=bc.describe_limits(bc.bench_limits(args.concurrency)),
        notes=docs.NOTES_SEQ,
    )
    bc.report(
        "sequential", "Sequential against concurrent", text, bc.text_table(HEAD_SEQ, rows), args
    )


HEAD_SEQ = [
    "run", "C", "wall s", "startup s", "s/episode", "speed-up", "speed-up with startup",
    "episodes",
]  # fmt: skip
