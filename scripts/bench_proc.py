"""Processes of the Ray instance, read from /proc: which they are, their memory, their CPU.

Why /proc and not psutil: psutil is not installed with ``ray[default]`` 2.60 here, and
each figure is one read: the parent of each process (``stat``) to find the instance's
tree, ``VmRSS`` (``status``), ``Pss`` (``smaps_rollup``), and user + system CPU ticks
(``stat``). Linux only.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

TICKS = os.sysconf("SC_CLK_TCK")


def _children() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        kids.setdefault(parent, []).append(int(entry.name))
    return kids


def tree(root: int) -> set[int]:
    """``root`` and every process below it."""
    kids = _children()
    found, frontier = {root}, [root]
    while frontier:
        pid = frontier.pop()
        for kid in kids.get(pid, []):
            if kid not in found:
                found.add(kid)
                frontier.append(kid)
    return found


def kib(text: str, key: str) -> int:
    match = re.search(rf"^{key}:\s+(\d+) kB", text, re.M)
    return int(match[1]) * 1024 if match else 0


def role(pid: int) -> str:
    """A short name for a process: its Ray worker title or program name."""
    try:
        cmd = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return "gone"
    first = cmd[0].decode(errors="replace")
    if first.startswith("ray::"):  # ray::Class or ray::Class.method_running_now
        return first.split()[0].split(".")[0]
    args = [c.decode(errors="replace") for c in cmd if c]
    if any("multiprocessing" in a for a in args):
        return "multiprocessing"
    for arg in args:
        name = Path(arg).name
        if name in ("gcs_server", "raylet") or name.endswith(".py"):
            return name
    return Path(first).name or "?"


def cpu_by_pid(pids: Iterable[int]) -> dict[int, float]:
    """User + system CPU seconds each live process of ``pids`` has used so far."""
    found = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        found[pid] = (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime (14, 15)
    return found


def cpu_seconds(pids: Iterable[int]) -> float:
    return sum(cpu_by_pid(pids).values())


def cpu_by_role(before: dict[int, float], after: dict[int, float]) -> dict[str, float]:
    """CPU seconds used between two ``cpu_by_pid`` readings, summed per process role.
    A process that started in between counts from zero; one that ended is lost."""
    used: dict[str, float] = {}
    for pid, cpu in after.items():
        name = role(pid)
        used[name] = used.get(name, 0.0) + cpu - before.get(pid, 0.0)
    return used


def ray_tree(exclude: Iterable[int] = ()) -> set[int]:
    """This process (the driver) and everything below it, less ``exclude`` and
    multiprocessing's helpers: the Ray instance ``ray.init(address="local")`` started."""
    skip = set(exclude)
    return {p for p in tree(os.getpid()) if p not in skip and role(p) != "multiprocessing"}


class _Echo:
    """The cheapest actor method there is, to price one call."""

    def ping(self, value: int) -> int:
        return value


class _Caller:
    """An async actor calling ``_Echo`` the way agents call the ledger and governor:
    awaited refs, ``concurrency`` calls in flight."""

    async def run(self, echo: Any, calls: int, concurrency: int) -> float:
        import asyncio

        gate = asyncio.Semaphore(concurrency)

        async def one(i: int) -> int:
            async with gate:
                value: int = await echo.ping.remote(i)
                return value

        began = time.monotonic()
        await asyncio.gather(*(one(i) for i in range(calls)))
        return time.monotonic() - began


def actor_call_cost(calls: int = 3000, concurrency: int = 20) -> tuple[float, float]:
    """(CPU ms, wall ms) per actor call from one async actor to a plain one on this
    machine, CPU summed over the driver and the whole Ray instance. Ray must be up."""
    import sys

    import ray
    from ray import cloudpickle

    # Workers cannot import scripts/: send these two classes by value.
    cloudpickle.register_pickle_by_value(sys.modules[__name__])  # type: ignore[no-untyped-call]
    echo: Any = ray.remote(_Echo).remote()
    caller: Any = ray.remote(_Caller).remote()
    ray.get([echo.__ray_ready__.remote(), caller.__ray_ready__.remote()])
    ray.get(caller.run.remote(echo, 200, concurrency))  # warm up
    pids = ray_tree()
    before = cpu_seconds(pids)
    wall: float = ray.get(caller.run.remote(echo, calls, concurrency))
    cpu = cpu_seconds(pids) - before
    ray.kill(echo)
    ray.kill(caller)
    return cpu / calls * 1000, wall / calls * 1000
