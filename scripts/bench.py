#!/usr/bin/env python3
"""Benchmarks of podcast-factory (issue 6): makespan, orchestration overhead, sequential
against concurrent, peak memory of the Ray instance, offline speech speed.

Why one command with subcommands: every benchmark shares the batch, the simulator, the
latencies and the doc writer (``bench_common``), and each prints a table and rewrites its
own section of ``docs/benchmarks.md``, so a figure is always re-run the same way:

    .venv/bin/python scripts/bench.py makespan      # N = 20, 200, 1000 at C = 20, with the
                                                    # in-process floor and LangGraph at 200
    .venv/bin/python scripts/bench.py overhead      # Ray against the in-process floor
    .venv/bin/python scripts/bench.py sequential    # C = 1 against C = 20
    .venv/bin/python scripts/bench.py memory        # peak memory, 1,000 episodes
    .venv/bin/python scripts/bench.py speech        # espeak-ng speed
    .venv/bin/python scripts/bench.py growth        # N = 100, 1000, 5000, instant providers
    .venv/bin/python scripts/bench.py scale         # what each singleton sustains
    .venv/bin/python scripts/bench.py all           # each of them, one process apiece

``--no-doc`` prints without touching the doc. Linux only (memory reads /proc).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import bench_common as bc
import bench_docs as docs
import bench_growth
import bench_memory
import bench_scale
import bench_seq
import bench_speech
from bench_ideal import STAGES, excess, ideal, request_overhead, requests_by_episode
from bench_proc import actor_call_cost, cpu_seconds

TARGET_MAKESPAN = 0.10
TARGET_OVERHEAD_MS = 20.0
TARGET_FLOOR = 0.05


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:+.0f}"


# -- 1. makespan ------------------------------------------------------------------------------


def makespan(args: argparse.Namespace) -> None:
    # Imported here, as ``overhead`` imports the floor: the peers import every agent and
    # the SDKs, which would count in the driver's memory in ``bench.py memory``.
    from bench_peers import PeerRun, peer_rows

    facts = bc.machine()
    base = bc.Latency(args.latency, args.tts_latency, args.scale)
    rows: list[list[object]] = []
    diag: list[list[object]] = []
    at_target: float | None = None
    peer_runs: list[PeerRun] = []
    ray_s = 0.0
    cpu_roles: tuple[list[str], list[list[object]]] = (["process"], [])
    # (episodes, poll progress, latency factor)
    runs = [(n, False, 1.0) for n in args.episodes]
    if args.progress_row:
        runs.append((max(args.episodes), True, 1.0))
    if args.slow_factor > 1:
        runs.append((args.target_n, False, args.slow_factor))
    for n, poll, factor in runs:
        f = factor
        latency = bc.Latency(base.base_s * f, base.tts_per_1000_s * f, base.scale / f)
        batch = bc.make_batch(n, args.concurrency, args.minutes)
        settings = bc.bench_settings(args.concurrency)
        out = Path(tempfile.mkdtemp(prefix=f"bench-makespan-{n}-"))
        target = n == args.target_n and not poll and factor == 1
        with bc.simulator(latency) as sim:
            sim_cpu = cpu_seconds([sim.pid])
            creds = bc.credentials(sim.url)
            times = bc.run_supervised(batch, out, settings, creds, poll, {sim.pid})
            sim_cpu = cpu_seconds([sim.pid]) - sim_cpu
            requests = sim.stats()["requests"]
            if target and args.peers:
                peer_runs = peer_rows(n, batch, settings, sim, latency)
        found = ideal(out, batch, latency, settings)
        over = excess(out, found)
        per_request = request_overhead(out, latency)
        bc.discard(out)
        tts_sent = sum(v for k, v in requests.items() if k.startswith("/v1/text-to-speech"))
        ratio = times.run_s / found.makespan_s - 1
        if target:
            at_target, ray_s = ratio, times.run_s
            cpu_roles = bc.cpu_table(times.cpu_roles, n)
        busy = (times.cpu_s + sim_cpu) / (times.run_s * (os.cpu_count() or 1))
        label = f"{n}" + (" + progress" if poll else "") + (f" @ {f:g}x latency" if f > 1 else "")
        rows.append([
            label, args.concurrency, bc.fmt_s(times.startup_s), bc.fmt_s(times.run_s),
            bc.fmt_s(found.makespan_s), bc.pct(ratio), f"{found.mean_episode_s:.2f}",
            f"{over.episode_wall_s:.2f}", f"{tts_sent}/{found.tts_requests}",
            f"{requests.get('/v1/messages', 0)}/{found.claude_calls}", f"{busy * 100:.0f}%",
            bc.statuses(times.statuses),
        ])  # fmt: skip
        polled = ""
        if poll:
            each = times.progress_poll_s / max(1, times.progress_polls) * 1000
            polled = f"{times.progress_polls} polls, {each:.1f} ms each"
        diag.append([
            label, *(_ms(over.per_stage[s]) for s in STAGES), _ms(over.between_s),
            f"{per_request.claude_ms:.0f}", f"{per_request.tts_ms:.0f}",
            f"{per_request.tts_gap_ms:.0f}", over.drafts, polled,
        ])  # fmt: skip
        print(bc.text_table(HEAD_MAKESPAN, rows[-1:]), flush=True)
        if target and peer_runs:
            rows.extend(p.row for p in peer_runs)
            print(bc.text_table(HEAD_MAKESPAN, [p.row for p in peer_runs]), flush=True)
    met = at_target is not None and at_target <= TARGET_MAKESPAN
    verdict = (
        f"not measured (N={args.target_n} not in the run)"
        if at_target is None
        else f"{bc.pct(at_target)} over the ideal at N={args.target_n}, C={args.concurrency}: "
        + ("**met**" if met else f"**missed** by {(at_target - TARGET_MAKESPAN) * 100:.1f} points")
    )
    verdict += "".join(
        f"; {bc.pct(ray_s / p.run_s - 1)} against the {p.label}'s makespan" for p in peer_runs
    )
    floor_ratio = ray_s / peer_runs[0].run_s - 1 if peer_runs else None
    if floor_ratio is not None:
        verdict += " (target within 5%: " + (
            "**met**)" if floor_ratio <= TARGET_FLOOR else "**missed**)"
        )
    diag_head = [
        "N", *(f"{s} ms" for s in STAGES), "between ms", "Claude req ms", "TTS req ms",
        "TTS gap ms", "drafts", "progress()",
    ]  # fmt: skip
    text = docs.MAKESPAN_DOC.format(
        command=bc.command(args), machine=bc.machine_lines(facts), latency=base.describe(),
        limits=bc.describe_limits(bc.bench_limits(args.concurrency)), minutes=args.minutes,
        c=args.concurrency, table=bc.md_table(HEAD_MAKESPAN, rows),
        roles=bc.md_table(*cpu_roles), target_n=args.target_n, slow=args.slow_factor,
        scale_slow=f"{base.scale / args.slow_factor:.3g}",
        diag=bc.md_table(diag_head, diag), verdict=verdict,
        target=int(TARGET_MAKESPAN * 100), notes=docs.NOTES_MAKESPAN,
    )  # fmt: skip
    table = "\n\n".join(
        [bc.text_table(HEAD_MAKESPAN, rows), bc.text_table(diag_head, diag)]
        + ([bc.text_table(*cpu_roles)] if cpu_roles[1] else [])
    )
    bc.report("makespan", f"Makespan against the ideal bound: {verdict}", text, table, args)


HEAD_MAKESPAN = [
    "N",
    "C",
    "startup s",
    "makespan s",
    "ideal s",
    "over ideal",
    "ideal/ep s",
    "wall/ep s",
    "TTS req sim/ledger",
    "Claude req sim/ledger",
    "CPU busy",
    "episodes",
]


# -- 2. overhead ------------------------------------------------------------------------------


def overhead(args: argparse.Namespace) -> None:
    from bench_floor import run_floor

    facts = bc.machine()
    batch = bc.make_batch(args.episodes, args.concurrency, args.minutes)
    settings = bc.bench_settings(args.concurrency)
    n = args.episodes
    rows: list[list[object]] = []
    best: dict[str, float] = {}
    with bc.simulator(bc.INSTANT) as sim:
        creds = bc.credentials(sim.url)
        bc.start_ray()  # up (and idle) while the floor runs too
        for i in range(args.repeat):
            out = Path(tempfile.mkdtemp(prefix="bench-floor-"))
            sim_cpu = cpu_seconds([sim.pid])
            floor = run_floor(batch, out, settings, creds)
            floor_sim = cpu_seconds([sim.pid]) - sim_cpu
            bc.discard(out)
            out = Path(tempfile.mkdtemp(prefix="bench-ray-"))
            sim_cpu = cpu_seconds([sim.pid])
            times = bc.run_supervised(batch, out, settings, creds, exclude={sim.pid})
            ray_sim = cpu_seconds([sim.pid]) - sim_cpu
            requests = sum(len(v) for v in requests_by_episode(out).values()) / n
            bc.discard(out)
            figures = {"floor": floor.run_s, "ray": times.run_s, "floor_cpu": floor.cpu_s,
                       "ray_cpu": times.cpu_s, "startup": times.startup_s}  # fmt: skip
            best = {k: min(v, best.get(k, v)) for k, v in figures.items()}
            sims = f"{floor_sim:.1f} / {ray_sim:.1f}"
            done = f"{bc.statuses(floor.statuses)} / {bc.statuses(times.statuses)}"
            rows.append([*_overhead_row(f"run {i + 1}", figures, n), sims, done])
            print(bc.text_table(HEAD_OVERHEAD, rows[-1:]), flush=True)
    rows.append([*_overhead_row("best of each", best, n), "", ""])
    call_cpu, call_wall = actor_call_cost()
    # per episode: 7 stage calls, 1 spent_by_stage as it begins, per provider request
    # the treasury's admit and finish; the ledger's writes (measured) are in the
    # treasury's own process, not calls
    ledger_writes = times.ledger_calls / n
    calls = 7 + 1 + 2 * requests
    roles = bc.cpu_table(times.cpu_roles, n, floor.cpu_s)
    wall = (best["ray"] - best["floor"]) / n * 1000
    cpu = (best["ray_cpu"] - best["floor_cpu"]) / n * 1000
    met = wall < TARGET_OVERHEAD_MS
    verdict = f"{wall:.1f} ms per episode of wall time: " + (
        "**met**" if met else f"**missed** by {wall - TARGET_OVERHEAD_MS:.1f} ms"
    )
    verdict += f"; {cpu:.1f} ms of CPU time per episode"
    text = docs.OVERHEAD_DOC.format(
        command=bc.command(args), machine=bc.machine_lines(facts), n=n, c=args.concurrency,
        minutes=args.minutes, table=bc.md_table(HEAD_OVERHEAD, rows),
        roles=bc.md_table(*roles), limits=bc.describe_limits(settings.provider_limits),
        call_cpu=f"{call_cpu:.2f}", call_wall=f"{call_wall:.2f}", calls=f"{calls:.0f}",
        requests=f"{requests:.1f}", calls_cpu=f"{calls * call_cpu:.0f}",
        ledger_writes=f"{ledger_writes:.1f}", ops_per_write=f"{2 * requests / ledger_writes:.1f}",
        verdict=verdict,
        target=int(TARGET_OVERHEAD_MS), notes=docs.NOTES_OVERHEAD,
    )  # fmt: skip
    table = bc.text_table(HEAD_OVERHEAD, rows) + "\n\n" + bc.text_table(*roles)
    table += (
        f"\n\nbare actor call: {call_cpu:.2f} ms CPU, {call_wall:.2f} ms wall (20 in flight);"
        f" ~{calls:.0f} calls per episode ({requests:.1f} provider requests)"
    )
    bc.report("overhead", f"Orchestration overhead: {verdict}", text, table, args)


def _overhead_row(label: str, f: dict[str, float], n: int) -> list[object]:
    return [
        label, bc.fmt_s(f["floor"]), bc.fmt_s(f["ray"]), bc.fmt_s(f["startup"]),
        f"{(f['ray'] - f['floor']) / n * 1000:.1f}", bc.fmt_s(f["floor_cpu"]),
        bc.fmt_s(f["ray_cpu"]), f"{(f['ray_cpu'] - f['floor_cpu']) / n * 1000:.1f}",
    ]  # fmt: skip


HEAD_OVERHEAD = [
    "", "floor wall s", "Ray wall s", "Ray startup s", "wall overhead ms/ep",
    "floor CPU s", "Ray CPU s", "CPU overhead ms/ep", "simulator CPU s floor / Ray",
    "episodes floor / Ray",
]  # fmt: skip


# -- command line -----------------------------------------------------------------------------


def _ints(text: str) -> list[int]:
    return [int(x) for x in text.split(",") if x.strip()]


def _run_all(args: argparse.Namespace) -> None:
    """Each benchmark in its own process: a fresh Ray instance, nothing left over."""
    for name in ("speech", "overhead", "sequential", "makespan", "memory", "scale", "growth"):
        cmd = [sys.executable, __file__, name] + (["--no-doc"] if args.no_doc else [])
        print(f"$ {' '.join(cmd)}", flush=True)
        subprocess.run(cmd, check=True)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--no-doc", action="store_true", help="print only; leave the doc alone")
    sub = p.add_subparsers(dest="bench", required=True)

    def add(name: str, fn: Callable[[argparse.Namespace], None], help: str) -> Any:
        cmd = sub.add_parser(name, help=help)
        cmd.set_defaults(fn=fn)
        cmd.add_argument(
            "--no-doc", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS
        )
        return cmd

    def latencies(cmd: argparse.ArgumentParser) -> None:
        cmd.add_argument(
            "--latency",
            type=float,
            default=bc.REALISTIC.base_s,
            help="seconds added to every request (default %(default)s)",
        )
        cmd.add_argument(
            "--tts-latency",
            type=float,
            default=bc.REALISTIC.tts_per_1000_s,
            help="extra seconds per 1,000 TTS characters (default %(default)s)",
        )
        cmd.add_argument(
            "--scale",
            type=float,
            default=bc.REALISTIC.scale,
            help="real seconds one simulated second stands for",
        )

    def batch(cmd: argparse.ArgumentParser, episodes: str, concurrency: int) -> None:
        kind = _ints if "," in episodes else int
        cmd.add_argument("--episodes", type=kind, default=kind(episodes))
        cmd.add_argument("--concurrency", type=int, default=concurrency)
        cmd.add_argument("--minutes", type=float, default=0.5, help="minutes per episode")

    cmd = add("makespan", makespan, "makespan of N episodes against the ideal bound")
    batch(cmd, "20,200,1000", 20)
    latencies(cmd)
    cmd.add_argument("--target-n", type=int, default=200)
    cmd.add_argument(
        "--slow-factor",
        type=float,
        default=3.0,
        help="also run N=--target-n with every latency this many times longer (1: skip)",
    )
    cmd.add_argument(
        "--no-peers",
        dest="peers",
        action="store_false",
        help="skip the in-process floor and LangGraph at N=--target-n",
    )
    cmd.add_argument(
        "--no-progress-row",
        dest="progress_row",
        action="store_false",
        help="skip the re-run of the largest N with progress polling",
    )
    cmd = add("overhead", overhead, "orchestration overhead per episode against the floor")
    batch(cmd, "200", 20)
    cmd.add_argument("--repeat", type=int, default=2)
    cmd = add("sequential", bench_seq.sequential, "one episode after another against concurrency C")
    batch(cmd, "60", 20)
    latencies(cmd)
    cmd = add("memory", bench_memory.bench, "peak memory of the Ray instance during a batch")
    batch(cmd, "1000", 20)
    latencies(cmd)
    cmd = add("speech", bench_speech.bench, "espeak-ng audio seconds per wall and CPU second")
    cmd.add_argument("--rounds", type=int, default=3)
    cmd = add("growth", bench_growth.bench, "wall, CPU and memory per episode as N grows")
    batch(cmd, "100,1000,5000", 50)
    bench_scale.add_parser(add)
    add("all", _run_all, "every benchmark, each in its own process")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parser().parse_args(argv)
    args.argv = argv
    bc.isolate_memory()
    args.fn(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
