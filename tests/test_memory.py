"""Series memory as a plain class: facts, claims, lessons, restarts, and the CLI view."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from rich.console import Console

from podcast_factory.actors.memory import (
    SeriesMemory,
    default_memory_dir,
    is_repeat,
    known_shows,
    load_snapshot,
    memory_path,
    repeats,
)
from podcast_factory.memory_view import memory_json, show_memory

SHOW = "Battery Hour"
EIFFEL = "The Eiffel Tower was completed in 1889 for the World's Fair."
CYCLES = "Lithium-ion batteries lose about 20 percent of capacity after 1000 charge cycles."
SODIUM = "Sodium-ion batteries use cheaper materials than lithium-ion batteries."


def passed(memory: SeriesMemory, episode_id: str, facts: list[str], seconds: float = 180.0):
    memory.record_quality(
        episode_id, f"topic {episode_id}", f"Title {episode_id}", True, [], [], facts, seconds
    )


def failed(memory: SeriesMemory, episode_id: str, checks, suggestions):
    memory.record_quality(episode_id, "t", "T", False, checks, suggestions, [], None)


def test_recorded_facts_go_to_other_episodes_not_to_the_same_one(tmp_path: Path) -> None:
    """A passed episode's facts are avoided by the next episodes, not by its own rerun."""
    memory = SeriesMemory(str(tmp_path), SHOW)
    passed(memory, "ep1", [CYCLES, SODIUM])
    assert memory.covered_facts("ep2") == [CYCLES, SODIUM]
    assert memory.covered_facts("ep1") == []
    snap = memory.snapshot()
    assert [e.episode_id for e in snap.episodes] == ["ep1"]
    assert snap.episodes[0].status == "completed"
    assert snap.episodes[0].duration_s == 180.0
    assert snap.covered == (CYCLES, SODIUM)
    # Redone under the same id: replaced, not added.
    passed(memory, "ep1", [EIFFEL])
    assert memory.covered_facts("ep2") == [EIFFEL]
    assert len(memory.snapshot().episodes) == 1


def test_claims_are_seen_by_others_replaced_and_forgotten(tmp_path: Path) -> None:
    """Two episodes in flight avoid each other's facts; a claim is replaced, then freed."""
    memory = SeriesMemory(str(tmp_path), SHOW)
    memory.claim("ep1", [CYCLES])
    assert memory.covered_facts("ep2") == [CYCLES]
    assert memory.covered_facts("ep1") == []
    memory.claim("ep1", [SODIUM])
    assert memory.covered_facts("ep2") == [SODIUM]
    memory.forget_claim("ep1")
    assert memory.covered_facts("ep2") == []
    # Passing turns the claim into the recorded episode: the facts stay covered, once.
    memory.claim("ep3", [EIFFEL])
    passed(memory, "ep3", [EIFFEL])
    assert memory.snapshot().claims == {}
    assert memory.covered_facts("ep4") == [EIFFEL]


def test_failures_become_lessons_counted_across_episodes(tmp_path: Path) -> None:
    """Each failed check is one lesson: times failed, episodes once each, latest advice."""
    memory = SeriesMemory(str(tmp_path), SHOW)
    failed(
        memory,
        "ep1",
        [("duration", 95.0, False), ("facts_said", 0.2, False), ("clipping", 0.0, True)],
        ["Write longer turns.", "Say the research facts."],
    )
    failed(memory, "ep1", [("duration", 100.0, False)], ["Aim for 3 minutes."])
    failed(memory, "ep2", [("duration", 110.0, False), ("facts_said", 0.3, False)], ["Longer."])
    lessons = {lesson.check: lesson for lesson in memory.lessons()}
    assert set(lessons) == {"duration", "facts_said"}
    assert lessons["duration"].count == 3
    assert lessons["duration"].episodes == ("ep1", "ep2")
    assert lessons["duration"].value == 110.0
    assert lessons["duration"].advice == "Longer."
    # The second failure of facts_said came without a suggestion: the earlier one stays.
    assert lessons["facts_said"].count == 2
    assert lessons["facts_said"].advice == "Say the research facts."
    assert memory.lessons()[0].check == "duration"  # most frequent first
    assert memory.snapshot().episodes == ()  # failing does not record an episode


def test_a_new_instance_on_the_same_dir_sees_everything(tmp_path: Path) -> None:
    """The restarted actor (or the next batch) reloads episodes, claims and lessons."""
    memory = SeriesMemory(str(tmp_path / "mem"), SHOW)
    passed(memory, "ep1", [CYCLES])
    memory.claim("ep2", [SODIUM])
    failed(memory, "ep3", [("duration", 95.0, False)], ["Write longer turns."])

    again = SeriesMemory(str(tmp_path / "mem"), SHOW)
    assert again.snapshot() == memory.snapshot()
    assert again.covered_facts("ep9") == [CYCLES, SODIUM]
    assert again.lessons()[0].advice == "Write longer turns."
    path = memory_path(str(tmp_path / "mem"), SHOW)
    assert path.name == "battery-hour.json"
    assert json.loads(path.read_text())["show"] == SHOW
    assert load_snapshot(str(tmp_path / "mem"), SHOW) == memory.snapshot()
    assert known_shows(str(tmp_path / "mem")) == [SHOW]
    assert not [p for p in path.parent.iterdir() if p.name.endswith(".tmp")]


def test_corrupt_file_is_moved_aside_and_memory_starts_empty(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = memory_path(str(tmp_path), SHOW)
    path.write_text('{"show": "Battery Hour", "episodes": [')
    with caplog.at_level(logging.WARNING, logger="podcast_factory.actors.memory"):
        memory = SeriesMemory(str(tmp_path), SHOW)
    assert memory.snapshot().episodes == ()
    aside = list(tmp_path.glob("battery-hour.json.corrupt-*"))
    assert len(aside) == 1
    assert aside[0].read_text().startswith('{"show"')
    assert "unreadable" in caplog.text
    passed(memory, "ep1", [CYCLES])  # and it keeps working
    assert SeriesMemory(str(tmp_path), SHOW).covered_facts("ep2") == [CYCLES]


def test_is_repeat_catches_rewordings_not_different_facts() -> None:
    reworded = "The Eiffel Tower was finished in 1889 for the World's Fair."
    reordered = "After 1000 charging cycles, lithium-ion batteries lose about 20% of capacity."
    assert is_repeat(reworded, [EIFFEL])
    assert is_repeat(reordered, [SODIUM, CYCLES])
    assert not is_repeat(SODIUM, [CYCLES])  # same subject, different fact
    assert not is_repeat(
        "The Eiffel Tower is repainted every seven years with 60 tonnes of paint.", [EIFFEL]
    )
    assert not is_repeat("", [""])
    assert not is_repeat(EIFFEL, [])
    assert repeats([reworded, reordered, SODIUM], [EIFFEL, CYCLES]) == 2


def test_memory_dir_and_file_names() -> None:
    assert default_memory_dir({"PODCAST_FACTORY_MEMORY": "/srv/mem"}) == "/srv/mem"
    assert default_memory_dir({}).endswith("/.podcast-factory/memory")
    assert not default_memory_dir({}).startswith("~")
    assert memory_path("/m", "Café  Talk: The Show!").name == "cafe-talk-the-show.json"
    assert len(memory_path("/m", "word " * 40).stem) <= 64
    # Names without ASCII words get distinct files, not one shared "show" file.
    assert memory_path("/m", "日本の話").name != memory_path("/m", "中国の話").name


def _console() -> Console:
    return Console(record=True, width=200, force_terminal=False, color_system=None)


def test_show_memory_prints_tables_and_json(tmp_path: Path) -> None:
    memory = SeriesMemory(str(tmp_path), SHOW)
    passed(memory, "ep-cycles", [CYCLES, SODIUM], seconds=150.0)
    failed(memory, "ep-short", [("duration", 40.0, False)], ["Write [longer] turns."])

    console = _console()
    assert show_memory(SHOW, str(tmp_path), False, console) == 0
    text = console.export_text()
    assert "ep-cycles" in text
    assert "Write [longer] turns." in text  # not eaten as markup
    assert "2.5" in text  # minutes

    console = _console()
    assert show_memory(SHOW, str(tmp_path), True, console) == 0
    data = json.loads(console.export_text())
    assert data["episodes"][0]["episode_id"] == "ep-cycles"
    assert data["totals"]["facts"] == 2
    assert data == memory_json(memory.snapshot())


def test_show_memory_without_memory_exits_2_and_names_known_shows(tmp_path: Path) -> None:
    console = _console()
    assert show_memory("Nope", str(tmp_path / "none"), False, console) == 2
    assert f"error: Nope: no series memory in {tmp_path / 'none'}" in console.export_text()

    passed(SeriesMemory(str(tmp_path), SHOW), "ep1", [CYCLES])
    console = _console()
    assert show_memory("Nope", str(tmp_path), False, console) == 2
    assert f"known shows: {SHOW}" in console.export_text()

    memory_path(str(tmp_path), "Broken").write_text("not json")
    console = _console()
    assert show_memory("Broken", str(tmp_path), False, console) == 2
    assert "unreadable" in console.export_text()
    assert memory_path(str(tmp_path), "Broken").exists()  # the CLI never moves files
