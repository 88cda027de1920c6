"""Series memory shared by two batches of one show: merged writes under the file lock, and
verdicts that a retried call does not apply twice. Plain objects, no Ray."""

from __future__ import annotations

import json
import threading
from pathlib import Path

from podcast_factory.actors.memory import VERDICTS_KEPT, SeriesMemory, load_snapshot, memory_path

SHOW = "Battery Hour"
CYCLES = "Lithium-ion batteries lose about 20 percent of capacity after 1000 charge cycles."
SODIUM = "Sodium-ion batteries use cheaper materials than lithium-ion batteries."
EIFFEL = "The Eiffel Tower was completed in 1889 for the World's Fair."


def passed(memory: SeriesMemory, episode_id: str, facts: list[str]) -> None:
    memory.record_quality(
        episode_id, f"topic {episode_id}", f"Title {episode_id}", True, [], [], facts, 120.0
    )


def too_short(memory: SeriesMemory, episode_id: str, verdict_id: str | None = None) -> None:
    memory.record_quality(
        episode_id,
        "t",
        "T",
        False,
        [("duration", 90.0, False)],
        ["Write longer turns."],
        [],
        None,
        verdict_id,
    )


def test_two_memories_of_one_show_interleaved_keep_both_batches_work(tmp_path: Path) -> None:
    """Two batches' memories on one file, writing in turn: every episode, claim and failure
    of both is in the file."""
    first = SeriesMemory(str(tmp_path), SHOW)
    second = SeriesMemory(str(tmp_path), SHOW)
    first.claim("a1", [CYCLES])
    second.claim("b1", [SODIUM])
    assert second.covered_facts("b2") == [CYCLES, SODIUM]  # it sees the other batch's claim
    too_short(first, "a1")
    too_short(second, "b1")
    passed(first, "a1", [CYCLES])
    passed(second, "b1", [SODIUM])
    second.claim("b2", [EIFFEL])
    first.forget_claim("a9")  # nothing to forget: the file keeps the other's claim

    on_disk = load_snapshot(str(tmp_path), SHOW)
    assert on_disk is not None
    assert [e.episode_id for e in on_disk.episodes] == ["a1", "b1"]
    assert on_disk.claims == {"b2": (EIFFEL,)}
    assert [(lesson.check, lesson.count) for lesson in on_disk.lessons] == [("duration", 2)]
    assert on_disk.lessons[0].episodes == ("a1", "b1")
    assert first.snapshot() == second.snapshot() == on_disk
    assert first.covered_facts("new") == [CYCLES, SODIUM, EIFFEL]


def test_two_memories_writing_at_the_same_time_lose_nothing(tmp_path: Path) -> None:
    """Two memories of one show recording episodes from two threads at once: all 60 are in
    the file, and the lesson counts every failure of both."""
    memories = [SeriesMemory(str(tmp_path), SHOW) for _ in range(2)]
    start = threading.Barrier(2)

    def batch(index: int) -> None:
        start.wait()
        for n in range(30):
            passed(memories[index], f"b{index}-ep{n}", [f"Fact {n} of batch {index}."])
            too_short(memories[index], f"b{index}-ep{n}")

    threads = [threading.Thread(target=batch, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    on_disk = load_snapshot(str(tmp_path), SHOW)
    assert on_disk is not None
    assert {e.episode_id for e in on_disk.episodes} == {
        f"b{i}-ep{n}" for i in range(2) for n in range(30)
    }
    assert on_disk.lessons[0].count == 60
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files == ["battery-hour.json", "battery-hour.json.lock"]  # no temp file left


def test_a_retried_verdict_counts_once(tmp_path: Path) -> None:
    """record_quality sent twice with the same verdict id (a retried call) counts the lesson
    once, also after a restart; another verdict counts again."""
    memory = SeriesMemory(str(tmp_path), SHOW)
    too_short(memory, "ep1", "ep1/quality/1/abc")
    too_short(memory, "ep1", "ep1/quality/1/abc")
    assert memory.lessons()[0].count == 1
    restarted = SeriesMemory(str(tmp_path), SHOW)  # the actor restarted, Ray re-sends
    too_short(restarted, "ep1", "ep1/quality/1/abc")
    assert restarted.lessons()[0].count == 1
    too_short(restarted, "ep1", "ep1/quality/2/abc")  # the next draft failed too
    assert restarted.lessons()[0].count == 2
    # A passed verdict re-sent does not record the episode anew (its time stays).
    passed_once = "ep2/quality/1/abc"
    restarted.record_quality("ep2", "t", "T", True, [], [], [SODIUM], 60.0, passed_once)
    when = restarted.snapshot().episodes[0].produced_at
    restarted.record_quality("ep2", "t", "T", True, [], [], [SODIUM], 60.0, passed_once)
    assert restarted.snapshot().episodes[0].produced_at == when
    # Without an id every call counts, as before.
    too_short(restarted, "ep3")
    too_short(restarted, "ep3")
    assert restarted.lessons()[0].count == 4


def test_the_remembered_verdict_ids_stay_bounded(tmp_path: Path) -> None:
    """The file keeps only the last VERDICTS_KEPT verdict ids, the newest ones."""
    memory = SeriesMemory(str(tmp_path), SHOW)
    for n in range(VERDICTS_KEPT + 5):
        too_short(memory, "ep1", f"v{n}")
    stored = json.loads(memory_path(str(tmp_path), SHOW).read_text())["verdicts"]
    assert len(stored) == VERDICTS_KEPT
    assert stored[0] == "v5" and stored[-1] == f"v{VERDICTS_KEPT + 4}"
    assert memory.lessons()[0].count == VERDICTS_KEPT + 5


def test_a_file_from_before_verdict_ids_still_loads(tmp_path: Path) -> None:
    """A memory file written without the verdicts field loads, and changes merge into it."""
    path = memory_path(str(tmp_path), SHOW)
    old = {"show": SHOW, "episodes": [], "lessons": [], "claims": {"x": [CYCLES]}}
    path.write_text(json.dumps({**old, "updated_at": 1.0}))
    memory = SeriesMemory(str(tmp_path), SHOW)
    assert memory.covered_facts("y") == [CYCLES]
    too_short(memory, "y", "y/quality/1/")
    on_disk = load_snapshot(str(tmp_path), SHOW)
    assert on_disk is not None and on_disk.claims == {"x": (CYCLES,)}
    assert on_disk.verdicts == ("y/quality/1/",)
