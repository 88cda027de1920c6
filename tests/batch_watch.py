"""Watching a batch on Ray from a test: wait until episodes are in a stage, read the
stage records a run left in its manifests."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

import pytest


def stage_records(out: Path, eid: str) -> dict[str, Any]:
    """The ``stages`` of episode ``eid``'s manifest in run directory ``out``."""
    stages: dict[str, Any] = json.loads((out / eid / "manifest.json").read_text())["stages"]
    return stages


async def until_running(sup: Any, stage: str, episodes: int = 1, timeout_s: float = 180) -> None:
    """Return once at least ``episodes`` episodes are running ``stage`` (the supervisor's
    progress says so just before it sends the call); fail the test after ``timeout_s``,
    generous because a loaded machine starts slowly."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        _, states = await sup.progress.remote()
        if sum(s.current_stage == stage and s.status == "running" for s in states) >= episodes:
            return
        await asyncio.sleep(0.05)
    pytest.fail(f"fewer than {episodes} episode(s) ever ran {stage} at once")
