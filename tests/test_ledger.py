"""The cost ledger as a plain class: reservations, idempotent commits, budgets, reload."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from podcast_factory.actors.ledger import CostLedger, check_ledger
from podcast_factory.errors import BudgetExceeded, LedgerError, UserInputError


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
        fh.write('{"ts":1.5,"op":"release","call_id":"in-')  # a line cut short by a crash
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
        fh.write('{"ts":1.5,"op":"res')
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


def test_a_repeated_reserve_of_the_same_call_holds_once(tmp_path: Path) -> None:
    """Ray retrying a reserve (even on a restarted ledger) holds the money once."""
    path = tmp_path / "ledger.jsonl"
    first = CostLedger(str(path), 1_000, run_id="run-1")
    first.reserve("c", "ep1", "s", "p", 600, {"chars": 5})
    assert first.reserve("c", "ep1", "s", "p", 600, {"chars": 5}).micro_usd == 600
    restarted = CostLedger(str(path), 1_000, run_id="run-1")
    restarted.reserve("c", "ep1", "s", "p", 600, {"chars": 5})
    assert restarted.spend().reserved_micro_usd == 600
    ops = [json.loads(line)["op"] for line in path.read_text().splitlines()]
    assert ops == ["reserve"]
    with pytest.raises(LedgerError, match="another call"):
        restarted.reserve("c", "ep1", "s", "p", 700, {"chars": 5})


@pytest.mark.parametrize(("end", "said"), [("commit", "committed"), ("release", "released")])
def test_a_reserve_of_a_finished_call_id_is_not_granted(end: str, said: str) -> None:
    """An id already committed or released cannot be reserved again: no paid call
    without a fresh reservation, and none the ledger would not record."""
    ledger = CostLedger(None, budget_micro_usd=1_000)
    ledger.reserve("c", "ep1", "s", "p", 100)
    if end == "commit":
        ledger.commit("c", 90)
    else:
        ledger.release("c")
    with pytest.raises(LedgerError, match=f"already {said}"):
        ledger.reserve("c", "ep1", "s", "p", 100)


def _two_commits(path: Path) -> bytes:
    ledger = CostLedger(str(path), run_id="run-1")
    for cid in ("a", "b"):
        ledger.reserve(cid, "ep1", "s", "p", 100)
        ledger.commit(cid, 100)
    return path.read_bytes()


def test_a_ledger_of_garbage_is_refused_and_left_as_it_was(tmp_path: Path) -> None:
    """Garbage with no newline is not read as an empty ledger: the run is refused,
    naming the file and byte offset 0, and not a byte of the file changes."""
    path = tmp_path / "ledger.jsonl"
    path.write_bytes(b"\x8f\x00 not a ledger \xff" * 10)
    before = path.read_bytes()
    with pytest.raises(UserInputError) as info:
        CostLedger(str(path), budget_micro_usd=1_000)
    assert info.value.field == str(path)
    assert "byte offset 0" in info.value.problem
    with pytest.raises(UserInputError, match="byte offset 0"):
        check_ledger(tmp_path)
    assert path.read_bytes() == before
    assert list(tmp_path.iterdir()) == [path]


def test_an_unreadable_line_in_the_middle_is_refused(tmp_path: Path) -> None:
    """A damaged line between whole ones could hold spend: refused at its offset."""
    path = tmp_path / "ledger.jsonl"
    whole = _two_commits(path)
    lines = whole.splitlines(keepends=True)
    damaged = lines[0] + b"#$%garbage%$#\n" + b"".join(lines[1:])
    path.write_bytes(damaged)
    with pytest.raises(UserInputError) as info:
        CostLedger(str(path))
    assert f"line 2 (byte offset {len(lines[0])})" in info.value.problem
    assert path.read_bytes() == damaged


def test_a_torn_last_reserve_is_moved_aside_and_the_run_goes_on(tmp_path: Path) -> None:
    """A reserve cut short by a crash was never granted: its bytes go to a
    ledger.jsonl.damaged-<time> file, every whole line is kept, spend carries over."""
    path = tmp_path / "ledger.jsonl"
    whole = _two_commits(path)
    torn = b'{"ts":1.5,"op":"reserve","call_id":"ep1/s/a1/'
    path.write_bytes(whole + torn)
    check_ledger(tmp_path)  # the run is not refused
    ledger = CostLedger(str(path), budget_micro_usd=1_000, run_id="run-2")
    assert ledger.spend().committed_micro_usd == 200
    assert path.read_bytes() == whole
    (aside,) = tmp_path.glob("ledger.jsonl.damaged-*")
    assert aside.read_bytes() == torn


@pytest.mark.parametrize("torn", [b'{"ts":1.5,"op":"comm', b'{"ts":1.5,"o', b"{"])
def test_a_torn_last_line_that_could_be_a_commit_is_refused(tmp_path: Path, torn: bytes) -> None:
    """A torn line that is, or could be, a commit could hold spend: a new run is
    refused at its offset, and nothing is moved."""
    path = tmp_path / "ledger.jsonl"
    whole = _two_commits(path)
    path.write_bytes(whole + torn)
    with pytest.raises(UserInputError, match=f"byte offset {len(whole)}.*could be, a commit"):
        check_ledger(tmp_path)
    with pytest.raises(UserInputError):
        CostLedger(str(path), run_id="run-2")
    assert path.read_bytes() == whole + torn
    assert not list(tmp_path.glob("*.damaged-*"))


def test_a_restart_under_the_live_run_sets_a_torn_commit_aside(tmp_path: Path) -> None:
    """Restarted by Ray mid-run, the ledger sets a torn commit aside and goes on: the
    commit it tore was never acknowledged and is sent again."""
    path = tmp_path / "ledger.jsonl"
    first = CostLedger(str(path), run_id="run-1")
    first.reserve("c", "ep1", "s", "p", 100)
    path.write_bytes(path.read_bytes() + b'{"ts":1.5,"op":"commit","call_id":"c","epi')
    restarted = CostLedger(str(path), run_id="run-1")
    restarted.commit("c", 80)  # the retried commit
    assert CostLedger(str(path)).spend().committed_micro_usd == 80


def test_a_whole_last_entry_without_its_newline_is_kept(tmp_path: Path) -> None:
    """A last entry that lost only its newline is whole: it is kept and counted."""
    path = tmp_path / "ledger.jsonl"
    whole = _two_commits(path)
    path.write_bytes(whole[:-1])
    assert CostLedger(str(path)).spend().committed_micro_usd == 200
    assert path.read_bytes() == whole
