#!/usr/bin/env python3
"""Chaos run: a batch against the provider simulator while things keep dying.

Runs ``podcast-factory batch`` (the real CLI, as a user would) on N episodes against
``provider_sim`` with injected faults; SIGKILLs random agent processes while it runs;
SIGKILLs the driver once (which takes the supervisor and every actor with it); runs the
same command again into the same OUT. Three more faults: while the first driver runs, a
second ``batch`` into the same OUT (it should be refused: exit 2 naming the run holding
the directory); between the runs, a completed episode's folder is deleted (the resumed
run must redo and pay it again, with ledger lines of its own) and a torn final line is
appended to ``ledger.jsonl`` (a reserve cut short: the resumed run moves it aside to
``ledger.jsonl.damaged-<time>`` and goes on). Then it prints what a user would worry
about:

- episodes completed;
- stages redone: stages the manifests showed complete at the driver kill that ran again;
- double charges: call ids the ledger committed more than once;
- paid but unrecorded: what the simulator billed beyond the ledger's commits (requests
  in flight when the driver died: the provider charged, the answer was lost);
- bytes lost: bytes of artifacts complete at the kill that are missing or changed
  (the deleted episode's excepted);
- what the second concurrent run, the deleted folder and the torn line led to.

The faults themselves are in ``chaos_faults.py``. Linux only (it finds processes
through /proc). It stops every Ray process of the runs it started, by pid.
Usage: ``scripts/chaos.py --episodes 50`` (see ``--help``).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import yaml
from bench_common import variant
from chaos_faults import (
    TORN,
    Intruder,
    Snapshot,
    delete_an_episode,
    kill,
    ray_of,
    tear_the_ledger,
    watch,
)

from podcast_factory.testing import server as provider_sim

ROOT = Path(__file__).resolve().parent.parent

KEY = "chaos-sim-key"


def make_batch(folder: Path, episodes: int, minutes: float) -> Path:
    """N episodes cycling over the example topics, each with its own copy of the topic's
    source notes (``bench_common.variant``).

    Why copies: a batch of 50 episodes on the same three notes is no batch a user runs.
    The series memory carries each episode's lines into the next one's script gate, so
    the 17th episode on the same notes says what the 1st said and is rightly rejected
    for canned lines; that measured the batch, not the crash safety this run is for."""
    example = yaml.safe_load((ROOT / "examples" / "batch.yaml").read_text())
    base = ROOT / "examples"
    notes = folder.resolve() / "chaos-sources"
    notes.mkdir(exist_ok=True)
    items = []
    for i in range(episodes):
        ep = example["episodes"][i % len(example["episodes"])]
        sources = []
        for source in ep["sources"]:
            copy = notes / f"{i:03d}-{Path(source).name}"
            copy.write_text(variant((base / source).read_text(), i))
            sources.append(str(copy))
        items.append(
            {
                "id": f"ep{i:03d}",
                "topic": ep["topic"],
                "minutes": round(minutes * (1 + (i % 5) / 5), 2),  # scripts differ
                "sources": sources,
            }
        )
    path = folder / "chaos-batch.yaml"
    path.write_text(yaml.safe_dump({"show": example["show"], "episodes": items}))
    return path


def snapshot(out: Path) -> Snapshot:
    """(episode, stage) -> (attempts, artifact checksums, artifact bytes) of every
    stage a manifest shows complete."""
    done = {}
    for manifest in out.glob("*/manifest.json"):
        try:
            data = json.loads(manifest.read_text())
        except ValueError:
            continue
        for stage, rec in data["stages"].items():
            if rec["status"] == "completed":
                size = sum(
                    (manifest.parent / n).stat().st_size
                    for n in rec["artifacts"]
                    if (manifest.parent / n).is_file()
                )
                done[(data["episode_id"], stage)] = (rec["attempts"], rec["artifacts"], size)
    return done


def completed(out: Path) -> int:
    count = 0
    for manifest in out.glob("*/manifest.json"):
        try:
            count += json.loads(manifest.read_text())["status"] == "completed"
        except ValueError:
            continue
    return count


def run_driver(cmd: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    handle = log.open("ab")
    return subprocess.Popen(cmd, env=env, stdout=handle, stderr=subprocess.STDOUT)


def main() -> int:
    p = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--episodes", type=int, default=50)
    p.add_argument(
        "--minutes", type=float, default=1.0, help="shortest episode; lengths run up to 1.8x this"
    )
    p.add_argument("--fault-rate", type=float, default=0.2)
    p.add_argument("--latency", type=float, default=0.05, help="simulated seconds per request")
    p.add_argument("--kill-every", type=float, default=3.0, help="seconds between agent kills")
    p.add_argument(
        "--driver-kill-at",
        type=float,
        default=0.4,
        help="kill the driver once this share of episodes is complete",
    )
    p.add_argument("--concurrency", type=int, default=10)
    p.add_argument(
        "--patience",
        type=float,
        default=90.0,
        help="seconds the second concurrent run may take to be refused before it is killed",
    )
    p.add_argument("--out", type=Path, default=ROOT / "out" / "chaos")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = p.parse_args()

    rng = random.Random(args.seed)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    if args.out.exists():
        raise SystemExit(f"{args.out} exists; give a new --out")
    batch = make_batch(args.out.parent, args.episodes, args.minutes)
    log = args.out.parent / "chaos-driver.log"
    log.write_text("")
    sim = provider_sim.ProviderSimulator(
        api_key=KEY,
        voices={},
        fault_rate=args.fault_rate,
        latency_s=args.latency,
        retry_after_s=0.1,
        timeout_s=2.0,
        seed=args.seed,
    ).start()
    env = {
        **os.environ,
        "ANTHROPIC_API_KEY": KEY,
        "ELEVENLABS_API_KEY": KEY,
        "ANTHROPIC_BASE_URL": sim.url,
        "ELEVENLABS_BASE_URL": sim.url,
        "RAY_ADDRESS": "",
        # series memory of its own, beside OUT: the user's (~/.podcast-factory/memory)
        # would carry every earlier run's host lines into this one, so no two chaos
        # runs would start alike (worn lines make the script gate stricter)
        "PODCAST_FACTORY_MEMORY": str(args.out.parent / f"{args.out.name}-memory"),
    }
    cli = str(Path(sys.executable).parent / "podcast-factory")
    cmd = [
        cli,
        "batch",
        str(batch),
        "--out",
        str(args.out),
        "--concurrency",
        str(args.concurrency),
        "--attempts",
        "8",
        "--max-concurrent",
        "elevenlabs=6",
        "--max-concurrent",
        "anthropic=16",
        "--rpm",
        "anthropic=2000",
    ]
    started = time.monotonic()
    agent_kills: Counter[str] = Counter()
    intruder = Intruder(cmd, env, args.out.parent / "chaos-second-run.log", args.patience)
    try:
        first = run_driver(cmd, env, log)
        target = max(1, int(args.episodes * args.driver_kill_at))
        agent_kills += watch(
            first,
            rng,
            args.kill_every,
            lambda: completed(args.out) >= target,
            lambda: intruder.tick(args.out),
        )
        second_run = intruder.finish(args.out)
        at_kill = snapshot(args.out)
        first_exit = first.poll()  # None: still running when killed, as intended
        # The driver and its whole Ray instance at once, as a crash of the machine takes
        # them: its workers are found below the live driver (once it is dead they are
        # orphans whose names do not say whose they are, and a ledger actor left alive
        # a moment longer would append after the torn line below).
        kill(ray_of(first.pid) | {first.pid})
        first.wait()
        time.sleep(1)
        kill(ray_of(first.pid))  # anything its Ray instance started meanwhile
        done_at_kill = completed(args.out)
        deleted = delete_an_episode(args.out, at_kill)
        torn = tear_the_ledger(args.out)
        second = run_driver(cmd, env, log)
        agent_kills += watch(second, rng, args.kill_every, lambda: False)
        second.wait()
        time.sleep(1)
        kill(ray_of(second.pid))
        exit_code = second.returncode
    finally:
        sim.stop()
    wall = time.monotonic() - started

    after = snapshot(args.out)
    redone = sum(
        1
        for key, (attempts, _, _) in at_kill.items()
        if key not in after or after[key][0] != attempts
    )
    lost = 0
    for (eid, _stage), (_, artifacts, size) in at_kill.items():
        for name, digest in artifacts.items():
            path = args.out / eid / name
            if not path.is_file() or hashlib.sha256(path.read_bytes()).hexdigest() != digest:
                lost += size
                break
    failures = {}
    for manifest in sorted(args.out.glob("*/manifest.json")):
        data = json.loads(manifest.read_text())
        if data["status"] == "completed":
            continue
        drafts = data.get("drafts") or []
        if data["status"] == "rejected" and drafts:  # a verdict, not a crash
            last_draft = drafts[-1]
            why = ", ".join(sorted(last_draft["failed_checks"])) or "no check named"
            failures[data["episode_id"]] = f"rejected by {last_draft['gate']}: {why}"
        elif data["errors"]:
            last = data["errors"][-1]
            failures[data["episode_id"]] = f"{data['status']}: {last['stage']}: {last['type']}"
        else:
            failures[data["episode_id"]] = data["status"]
    entries = [json.loads(x) for x in (args.out / "ledger.jsonl").read_text().splitlines()]
    aside = sorted(args.out.glob("ledger.jsonl.damaged-*"))
    deleted_manifest = args.out / str(deleted) / "manifest.json"
    commits = [e["call_id"] for e in entries if e["op"] == "commit"]
    committed = sum(e["micro_usd"] for e in entries if e["op"] == "commit")
    figures = {
        "episodes": args.episodes,
        "completed": completed(args.out),
        "completed_at_driver_kill": done_at_kill,
        "first_driver_exited_by_itself": first_exit,
        "stages_complete_at_driver_kill": len(at_kill),
        "stages_redone_after_resume": redone,
        "double_charges": len(commits) - len(set(commits)),
        "billed_micro_usd": sim.billed_micro_usd(),
        "committed_micro_usd": committed,
        "paid_but_unrecorded_micro_usd": sim.billed_micro_usd() - committed,
        "bytes_lost": lost,
        "agent_kills": sum(agent_kills.values()),
        "kills_by_process": dict(sorted(agent_kills.items())),
        "faults_injected": sum(v for k, v in sim.requests.items() if k.startswith("fault:")),
        "second_run": second_run,
        "deleted_episode": deleted,
        "deleted_episode_completed": deleted_manifest.is_file()
        and json.loads(deleted_manifest.read_text())["status"] == "completed",
        "torn_ledger_line": torn,
        "torn_line_moved_aside": any(p.read_bytes() == TORN for p in aside),
        "wall_s": round(wall, 1),
        "not_completed": failures,
        "exit_code": exit_code,
    }
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        width = max(map(len, figures))
        for name, value in figures.items():
            print(f"{name:<{width}}  {value}")
    return 0 if figures["completed"] == args.episodes else 1


if __name__ == "__main__":
    sys.exit(main())
