"""The faults a chaos run injects: killed agents and drivers, a second run into the same
directory, a deleted episode folder and a torn ledger line.

Apart from ``chaos.py`` (which runs the batch and adds up what was lost) so that each
fault reads on its own. Linux only: processes are found through /proc, and only the
Ray processes of runs the chaos script started are killed, by pid.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import re
import shutil
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

AGENTS = (
    "ResearchAgent",
    "ScriptWriter",
    "AudioSynthesizer",
    "QualityEvaluator",
    "Treasury",  # the ledger and governor every paid request passes
)
"""The processes killed at random while a run works: the agents, and the treasury (the
batch's ledger and governor in one actor) every paid request passes (Ray restarts each;
none may lose or repeat a charge)."""

Snapshot = dict[tuple[str, str], tuple[int, dict[str, str], int]]
"""(episode, stage) -> (attempts, artifact checksums, artifact bytes) of every stage a
manifest shows complete (see ``chaos.snapshot``)."""


def processes() -> dict[int, str]:
    """pid -> command line of every process."""
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            found[int(entry.name)] = cmd
    return found


def descendants(root: int) -> set[int]:
    """Every process below ``root`` (parents from /proc/<pid>/stat)."""
    parent: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parent[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found: set[int] = set()
    frontier = {root}
    while frontier:
        frontier = {p for p, pp in parent.items() if pp in frontier} - found
        found |= frontier
    return found


def ray_of(driver_pid: int) -> set[int]:
    """The processes of the Ray instance a driver started: below it, or (once it is
    dead and they are orphans) naming its session, which ends with the driver's pid."""
    pattern = re.compile(rf"session_[0-9_-]+_{driver_pid}\b")
    return descendants(driver_pid) | {
        pid for pid, cmd in processes().items() if pattern.search(cmd)
    }


def kill(pids: set[int]) -> None:
    for pid in pids - {os.getpid()}:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def kill_an_agent(driver: subprocess.Popen[bytes], rng: random.Random) -> str | None:
    """SIGKILL one random agent process of the driver's Ray instance that is at work (not
    still in its ``__init__``: on a loaded machine an agent restart takes longer than the
    kill interval, and killing restarts only proves that nothing can start); the class
    of the one killed, or None if none was found."""
    mine = ray_of(driver.pid)
    agents = [
        (pid, next(a for a in AGENTS if f"ray::{a}" in cmd))
        for pid, cmd in processes().items()
        if pid in mine and any(f"ray::{a}" in cmd for a in AGENTS) and "__init__" not in cmd
    ]
    if not agents:
        return None
    pid, name = rng.choice(agents)
    kill({pid})
    return name


def watch(
    driver: subprocess.Popen[bytes],
    rng: random.Random,
    every_s: float,
    stop: Callable[[], bool],
    tick: Callable[[], None] = lambda: None,
) -> Counter[str]:
    """Kill an agent every ``every_s`` seconds until the driver exits or ``stop()``;
    the kills by class."""
    kills: Counter[str] = Counter()
    next_kill = time.monotonic() + every_s
    while driver.poll() is None and not stop():
        time.sleep(0.1)
        tick()
        if time.monotonic() >= next_kill:
            killed = kill_an_agent(driver, rng)
            if killed is not None:
                kills[killed] += 1
            next_kill += every_s
    return kills


class Intruder:
    """A second ``batch`` into the same OUT while the first runs: expected to be refused
    (exit 2, naming the run that holds the directory). If it is not refused within
    ``patience_s`` it is killed, with its Ray instance, and what happened is recorded."""

    def __init__(self, cmd: list[str], env: dict[str, str], log: Path, patience_s: float) -> None:
        self.cmd, self.env, self.log, self.patience_s = cmd, env, log, patience_s
        self.proc: subprocess.Popen[bytes] | None = None
        self.started = 0.0
        self.outcome: dict[str, object] = {"started": False}

    def tick(self, out: Path) -> None:
        if self.proc is None:
            if (out / "ledger.jsonl").exists():  # the first run holds the directory
                self.proc = subprocess.Popen(
                    self.cmd, env=self.env, stdout=subprocess.DEVNULL, stderr=self.log.open("wb")
                )
                self.started = time.monotonic()
                self.outcome = {"started": True}
            return
        if "exit_code" in self.outcome:
            return
        code = self.proc.poll()
        if code is None and time.monotonic() - self.started < self.patience_s:
            return
        if code is None:
            pid = self.proc.pid
            kill({pid})
            self.proc.wait()
            time.sleep(1)
            kill(ray_of(pid))
        said = self.log.read_text(errors="replace").strip().splitlines()
        self.outcome = {
            "started": True,
            "exit_code": code,  # None: not refused, killed after patience_s
            "refused": code == 2,
            "message": " ".join(said[-3:])[-300:],
        }

    def finish(self, out: Path) -> dict[str, object]:
        if self.proc is not None and "exit_code" not in self.outcome:
            self.started -= self.patience_s  # the first run ended: decide now
            self.tick(out)
        return self.outcome


def delete_an_episode(out: Path, at_kill: Snapshot) -> str | None:
    """Delete the folder of the first episode complete at the driver kill (or of any
    with a manifest); its stages are then expected to be redone, not counted as lost."""
    done = sorted(
        m.parent.name
        for m in out.glob("*/manifest.json")
        if json.loads(m.read_text()).get("status") == "completed"
    )
    started = sorted(m.parent.name for m in out.glob("*/manifest.json"))
    if not (done or started):
        return None
    victim = (done or started)[0]
    shutil.rmtree(out / victim)
    for key in [k for k in at_kill if k[0] == victim]:
        del at_kill[key]
    return victim


TORN = b'{"ts":1.0,"op":"reserve","call_id":"chaos/torn/a1/'
"""A reserve cut short, as a crash while writing it leaves it."""


def tear_the_ledger(out: Path) -> str:
    """Append a torn final line to the ledger (only onto a whole last line)."""
    path = out / "ledger.jsonl"
    data = path.read_bytes() if path.exists() else b""
    if data and not data.endswith(b"\n"):
        return "already torn by the driver kill"
    with path.open("ab") as fh:
        fh.write(TORN)
    return "appended"
