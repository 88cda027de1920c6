"""A small chaos run as CI can afford: agents killed, the driver killed once, resumed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
@pytest.mark.timeout(960)  # the run's own limit is 900 s; pytest's default 300 s is too short
@pytest.mark.subprocess
def test_chaos_run_loses_nothing_and_charges_nothing_twice(tmp_path: Path) -> None:
    """6 episodes, 20% faults, agent kills, a driver kill -9, a second run into the same
    directory, a deleted episode folder and a torn ledger line: all complete, nothing
    else redone, no double charge, no byte of a finished artifact lost, ledger = bill."""
    proc = subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "chaos.py"),
            "--episodes",
            "6",
            "--minutes",
            "1",
            "--kill-every",
            "5",  # an agent every 5 s: each of the 4 agents about every 20 s, longer than
            # a loaded 2-core machine takes to voice a minute (every 3 s exhausted the
            # 5 tries of an audio stage whenever the machine was busy)
            "--out",
            str(tmp_path / "out"),
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    figures = json.loads(proc.stdout)
    log = (tmp_path / "chaos-driver.log").read_text()
    assert figures["first_driver_exited_by_itself"] is None, log[:3000]
    assert figures["completed"] == 6
    assert 0 < figures["completed_at_driver_kill"] < 6  # the driver died mid-batch
    assert figures["stages_complete_at_driver_kill"] > 0
    assert figures["stages_redone_after_resume"] == 0
    assert figures["double_charges"] == 0
    assert figures["bytes_lost"] == 0
    assert figures["faults_injected"] > 0
    # the deleted episode was redone from nothing; the torn line set aside, not fatal
    assert figures["deleted_episode"] is not None
    assert figures["deleted_episode_completed"]
    assert figures["torn_ledger_line"] == "appended"
    assert figures["torn_line_moved_aside"]
    second = figures["second_run"]
    assert second["started"]
    # an exclusive run-directory lock refuses the second run with exit 2; without one
    # the second run is killed after --patience, and that outcome is what gets recorded
    if second["exit_code"] is not None:
        assert second["exit_code"] == 2, second
    assert (
        figures["committed_micro_usd"] + figures["paid_but_unrecorded_micro_usd"]
        == (figures["billed_micro_usd"])
    )
