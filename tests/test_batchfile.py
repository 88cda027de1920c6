"""Reading batch files: the example loads, and each mistake names its field."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from podcast_factory.batchfile import load_batch_file, single_episode
from podcast_factory.errors import UserInputError


def _write(tmp_path: Path, data: object) -> Path:
    (tmp_path / "notes.md").write_text("# Notes\n\nTides rise twice a day on most coasts.\n")
    path = tmp_path / "batch.yaml"
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data))
    return path


def _batch(**episode: object) -> dict[str, object]:
    ep: dict[str, object] = {"topic": "Tides", "sources": ["notes.md"], **episode}
    return {"show": {"name": "S", "hosts": ["A", "B"]}, "episodes": [ep]}


def test_example_batch_loads_with_absolute_sources(example_dir: Path) -> None:
    """The shipped example parses; its sources resolve to files next to it."""
    spec = load_batch_file(example_dir / "batch.yaml")
    assert len(spec.episodes) >= 3
    assert len({e.episode_id for e in spec.episodes}) == len(spec.episodes)
    for ep in spec.episodes:
        for src in ep.sources:
            assert Path(src).is_absolute() and Path(src).is_file()


def test_missing_id_is_made_from_the_topic(tmp_path: Path) -> None:
    """An episode without an id gets a readable one from its position and topic."""
    spec = load_batch_file(_write(tmp_path, _batch(topic="How Tides Work!")))
    assert spec.episodes[0].episode_id == "01-how-tides-work"


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        (_batch(topic="   "), "episodes[0].topic", "non-empty"),
        (_batch(sources=["missing.md"]), "episodes[0].sources[0]", "missing.md"),
        (_batch(sources=[]), "episodes[0].sources", "at least one source"),
        (_batch(minutes=0), "episodes[0].minutes", "between"),
        (_batch(id="../escape"), "episodes[0].id", "safe directory name"),
        (_batch(id="/abs"), "episodes[0].id", "safe directory name"),
        (_batch(sources=["file:///etc/passwd"]), "episodes[0].sources[0]", "http and https"),
        (_batch(colour="red"), "episodes[0].colour", "unknown key"),
        ({**_batch(), "budget_usd": -5}, "budget_usd", "more than 0"),
        ({**_batch(), "concurrency": 0}, "concurrency", "1 to 1000"),
        ({"episodes": _batch()["episodes"]}, "show", "missing"),
        ({"show": {"name": "S", "hosts": ["A"]}, "episodes": []}, "show.hosts", "exactly two"),
        ({"show": {"name": "S", "hosts": ["A", "B"]}, "episodes": []}, "episodes", "non-empty"),
        ("show: [unclosed\n", "batch.yaml", "not valid YAML at line"),
        ("- just\n- a list\n", "batch.yaml", "must be a mapping"),
    ],
)
def test_bad_batch_names_field_and_problem(
    tmp_path: Path, data: object, field: str, words: str
) -> None:
    """Each mistake raises UserInputError whose field and message point at it."""
    with pytest.raises(UserInputError) as info:
        load_batch_file(_write(tmp_path, data))
    assert field in info.value.field
    assert words in str(info.value)


def test_duplicate_ids_are_refused(tmp_path: Path) -> None:
    """Two episodes with one id would overwrite each other: refused, naming both."""
    data = _batch(id="same")
    data["episodes"] = [*data["episodes"], *data["episodes"]]  # type: ignore[misc]
    with pytest.raises(UserInputError, match=r"already the id of episodes\[0\]"):
        load_batch_file(_write(tmp_path, data))


def test_missing_batch_file_is_a_user_error(tmp_path: Path) -> None:
    """A batch file that is not there is reported as such."""
    with pytest.raises(UserInputError, match="batch file not found"):
        load_batch_file(tmp_path / "nope.yaml")


def test_run_verb_errors_name_the_argument(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """For a single episode the field is the argument the user typed ('topic')."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "n.md").write_text("Some notes about tides and the moon.\n")
    with pytest.raises(UserInputError) as info:
        single_episode("", ["n.md"], 2)
    assert info.value.field == "topic"
