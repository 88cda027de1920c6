"""``report --html``: the run page, read as a file (the browser test opens it)."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from podcast_factory.cli import main
from podcast_factory.testing.sample_run import SampleEpisode, make_sample_run

EPISODES = (
    SampleEpisode("tides", "How tides work"),
    SampleEpisode("bees", "Bees & their <hive> <script>alert(1)</script>"),
    SampleEpisode("rejected-one", "Rejected <i>topic</i>", status="rejected"),
    SampleEpisode("failed-one", "Failed topic", status="failed"),
)


class _Tags(HTMLParser):
    """Every tag and its attributes, to check what the page would load."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


@pytest.fixture
def page(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[Path, str]:
    run = make_sample_run(tmp_path / "run", EPISODES)
    assert main(["report", str(run), "--html"]) == 1  # a rejected and a failed episode
    out = capsys.readouterr().out
    assert f"run page: {run / 'index.html'}" in out
    return run, (run / "index.html").read_text(encoding="utf-8")


def test_page_is_one_self_contained_file(page) -> None:
    """No stylesheet, script, font or image is fetched; the only loads are the audio
    files beside the page, by relative path."""
    run, html = page
    tags = _Tags()
    tags.feed(html)
    assert not [t for t, a in tags.tags if t in ("link", "iframe", "img", "object", "embed")]
    assert all("src" not in a for t, a in tags.tags if t == "script")
    sources = [a["src"] for t, a in tags.tags if t == "audio"]
    assert sources == ["tides/audio.wav", "bees/audio.wav", "rejected-one/audio.wav"]
    assert all((run / s).is_file() for s in sources if s)
    assert "default-src 'none'" in html


def test_user_text_is_escaped(page) -> None:
    """Topics, scripts and notes are user input: they show as text, never as markup."""
    _, html = page
    assert "Bees &amp; their &lt;hive&gt;" in html
    assert "Rejected &lt;i&gt;topic&lt;/i&gt;" in html
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)" in html
    assert html.count("<script>") == 1


def test_every_episode_shows_what_a_reviewer_checks(page) -> None:
    """Per episode: player, chapters that seek it, transcript, notes, posts, verdicts,
    drafts, cost per stage; failures say why."""
    _, html = page
    for eid in ("tides", "bees", "rejected-one", "failed-one"):
        assert f'id="ep-{eid}"' in html
    assert html.count("<h3>Chapters</h3>") == 4 and html.count("<h3>Drafts</h3>") == 4
    assert 'data-seek="3.000"' in html and "Part 2 of How tides work" in html
    assert "audio failed after 2 tries: speech refused" in html
    assert "quality rejected draft 1" in html
    assert "Nora:</span>Welcome back! Today we are looking" in html
    assert "New: How tides work #marvels" in html
    assert "0.056300" in html  # a completed episode's total cost


def test_timeline_and_cost_charts_show_retries_and_revisions(page) -> None:
    """A retried stage shows its failed try; a revised script shows both runs."""
    _, html = page
    timeline = re.search(r'<svg class="timeline".*?</svg>', html, re.S)
    assert timeline is not None
    bars = re.findall(r'<rect class="(bar[^"]*)" data-stage="([^"]+)"', timeline.group())
    tides_scripts = re.findall(r"tides: script try", timeline.group())
    assert len(tides_scripts) == 2, "the revision is a second bar"
    assert ("bar failed-try", "audio") in bars
    costs = re.search(r'<svg class="costs".*?</svg>', html, re.S)
    assert costs is not None and "audio (all)" in costs.group() and "$0.093000" in costs.group()
