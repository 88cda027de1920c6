"""The cost ledger as a plain class: reservations, idempotent commits, budgets, reload."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from actors.ledger import CostLedger
from podcast_factory.errors import BudgetExceeded, LedgerError


def test_reserve_commit_records_actual_cost_and_writes_jsonl(tmp_path: Path) -> None:
    """A committed call counts its actual cost; every step is a line in ledger.jsonl."""
    path = tmp_path / "ledger.jsonl"
    ledger = CostLedger(str(path), budget_micro_usd=1_000_000)
    ledger.reserve("c1", "ep1", "script", "claude", 300_000, {"tokens": 10})
    ledger.commit("c1", 120_000, {"tokens": 8})
    spend = ledger.spend()
    assert spend.committed_micro_usd == 120_000
    assert spend.reserved_micro_usd == 0
    assert spend.by_episode == {"ep1": 120_000}
    assert spend.by_stage == {"script": 120_000}
    assert spend.by_provider == {"claude": 120_000}
    assert spend.units == {"tokens": 8}
    ops = [json.loads(line)["op"] for line in path.read_text().splitlines()]
    assert ops == ["reserve", "commit"]


def test_commit_is_idempotent_by_call_id(tmp_path: Path) -> None:
    """Committing the same call twice charges it once and writes one commit line."""
    path = tmp_path / "ledger.jsonl"
    ledger = CostLedger(str(path))
    ledger.reserve("c1", "ep1", "audio", "tts", 50)
    ledger.commit("c1", 40)
    ledger.commit("c1", 40)
    assert ledger.spend().committed_micro_usd == 40
    assert sum('"commit"' in line for line in path.read_text().splitlines()) == 1


def test_reservation_past_batch_budget_is_refused() -> None:
    """Committed plus reserved never passes the budget; the refusal says what is left."""
    ledger = CostLedger(None, budget_micro_usd=1_000)
    ledger.reserve("a", "ep1", "s", "p", 600)
    with pytest.raises(BudgetExceeded) as info:
        ledger.reserve("b", "ep2", "s", "p", 500)
    assert info.value.scope == "batch"
    assert info.value.available_micro_usd == 400
    ledger.release("a")
    ledger.reserve("b", "ep2", "s", "p", 500)  # room again once "a" is released


def test_episode_cap_refuses_only_that_episode() -> None:
    """A per-episode cap stops one episode while others can still reserve."""
    ledger = CostLedger(None, budget_micro_usd=10_000, episode_cap_micro_usd=1_000)
    ledger.reserve("a1", "ep1", "s", "p", 900)
    ledger.commit("a1", 900)
    with pytest.raises(BudgetExceeded) as info:
        ledger.reserve("a2", "ep1", "s", "p", 200)
    assert info.value.scope == "episode"
    ledger.reserve("b1", "ep2", "s", "p", 900)


def test_commit_without_reservation_is_an_error() -> None:
    """Money cannot be committed for a call that never reserved."""
    with pytest.raises(LedgerError):
        CostLedger(None).commit("nope", 5)


def test_reload_carries_commits_and_releases_orphaned_reservations(tmp_path: Path) -> None:
    """A new ledger on the same file keeps committed spend and frees dangling holds."""
    path = tmp_path / "ledger.jsonl"
    first = CostLedger(str(path), budget_micro_usd=1_000)
    first.reserve("done", "ep1", "s", "p", 300)
    first.commit("done", 250)
    first.reserve("in-flight", "ep2", "s", "p", 700)
    with path.open("a") as fh:
        fh.write('{"ts": 1, "op": "comm')  # a line cut short by a crash
    second = CostLedger(str(path), budget_micro_usd=1_000)
    spend = second.spend()
    assert spend.committed_micro_usd == 250
    assert spend.reserved_micro_usd == 0
    second.reserve("next", "ep2", "s", "p", 750)  # 250 + 750 fits exactly
    assert second.spent("ep1") == 250
    second.commit("done", 999)  # a repeated commit after restart is not charged again
    assert second.spend().committed_micro_usd == 250
    assert second.spent("ep1") == second.spent("ep1", "s") == 250
    assert second.spent("ep1", "other") == second.spent("ep9") == 0


def test_entries_after_a_torn_line_survive_the_next_reload(tmp_path: Path) -> None:
    """A commit written after a crash-torn line is still there on the reload after."""
    path = tmp_path / "ledger.jsonl"
    CostLedger(str(path)).reserve("a", "ep1", "s", "p", 10)
    with path.open("a") as fh:
        fh.write('{"ts": 1, "op": "res')
    second = CostLedger(str(path))
    second.reserve("b", "ep1", "s", "p", 10)
    second.commit("b", 7)
    assert CostLedger(str(path)).spend().committed_micro_usd == 7


def test_a_restart_under_the_same_run_keeps_its_open_reservations(tmp_path: Path) -> None:
    """Restarted by Ray mid-run, the ledger still holds in-flight calls against the budget;
    a later run releases them."""
    path = tmp_path / "ledger.jsonl"
    CostLedger(str(path), 1_000, run_id="run-1").reserve("c", "ep1", "s", "p", 800)
    restarted = CostLedger(str(path), 1_000, run_id="run-1")
    with pytest.raises(BudgetExceeded):
        restarted.reserve("d", "ep2", "s", "p", 300)  # 800 still held
    restarted.commit("c", 700)
    assert restarted.spend().committed_micro_usd == 700
    CostLedger(str(path), 1_000, run_id="run-1").reserve("e", "ep3", "s", "p", 10)
    later = CostLedger(str(path), 1_000, run_id="run-2")
    assert later.spend().reserved_micro_usd == 0
