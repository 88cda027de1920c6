"""The example batch in examples/ is complete: episodes, hosts and real source notes."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
BATCH = EXAMPLES / "batch.yaml"
MIN_SOURCE_WORDS = 600
WORD_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9'.,-]*")


def _load_batch() -> dict[str, Any]:
    loaded = yaml.safe_load(BATCH.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def _source_paths() -> list[Path]:
    return [
        BATCH.parent / source
        for episode in _load_batch()["episodes"]
        for source in episode["sources"]
    ]


def _words(text: str) -> int:
    return len(WORD_RE.findall(text))


def test_batch_has_three_or_more_episodes():
    """batch.yaml defines at least three episodes with unique ids and a topic each."""
    episodes = _load_batch()["episodes"]
    assert len(episodes) >= 3
    ids = [episode["id"] for episode in episodes]
    assert len(set(ids)) == len(ids)
    assert all(episode["topic"].strip() for episode in episodes)


def test_batch_show_has_two_hosts_and_fillable_intro():
    """The show names two hosts with voices and an intro with {show} and {topic}."""
    show = _load_batch()["show"]
    assert len(show["hosts"]) == 2
    assert all(host["name"] and host["voice"] for host in show["hosts"])
    assert "{show}" in show["intro"]
    assert "{topic}" in show["intro"]


def test_batch_episode_lengths_and_sources():
    """Episodes last 1.5 to 2 minutes and one of them draws on two sources."""
    episodes = _load_batch()["episodes"]
    assert all(1.5 <= float(episode["minutes"]) <= 2.0 for episode in episodes)
    assert any(len(episode["sources"]) >= 2 for episode in episodes)


@pytest.mark.parametrize("path", _source_paths(), ids=lambda p: p.name)
def test_source_file_exists(path):
    """Every source listed in batch.yaml exists relative to the batch file."""
    assert path.is_file(), f"missing source {path}"


@pytest.mark.parametrize("path", _source_paths(), ids=lambda p: p.name)
def test_source_is_long_enough_markdown(path):
    """Each source is titled markdown with sections and at least 600 words of prose."""
    text = path.read_text(encoding="utf-8")
    assert _words(text) >= MIN_SOURCE_WORDS
    assert text.startswith("# ")
    assert "\n## " in text
    assert "```" not in text, "code blocks read badly through speech synthesis"
