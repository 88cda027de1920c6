"""The run page in a real browser: headless Chromium, driven by Playwright.

Marked ``browser`` (``scripts/test --quick`` leaves it out). Without Chromium the test
fails and says how to install it: a page nobody opened is not tested.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from podcast_factory.runpage import write_run_page
from podcast_factory.testing.browser import check_run_page, find_chromium
from podcast_factory.testing.sample_run import SampleEpisode, make_sample_run

pytestmark = [pytest.mark.browser, pytest.mark.slow]

EPISODES = (
    SampleEpisode("tides", "How tides work", turns=4, turn_s=1.75),
    SampleEpisode("bees", "Bees & their <hive>", turns=6, turn_s=1.3),
    SampleEpisode("rejected-one", "Rejected topic", status="rejected"),
    SampleEpisode("failed-one", "Failed topic", status="failed"),
)


def test_run_page_plays_and_seeks_in_chromium(tmp_path: Path) -> None:
    """No console errors and no request leaves the page's folder; every player's
    duration is the episode's (within 0.1 s); clicking a chapter moves its player to
    the chapter's start; a screenshot is saved beside the run."""
    chromium = find_chromium()
    if chromium is None:
        pytest.fail("Chromium not found: run scripts/install_browser (Debian's chromium package)")
    run = make_sample_run(tmp_path / "run", EPISODES)
    page = write_run_page(run)
    shot = tmp_path / "run-page.png"
    seen = check_run_page(page, shot, chromium)
    assert seen.console_errors == []
    assert seen.outside_requests == []
    assert len(seen.durations) == 3  # the failed episode has no audio
    expected = {"tides": 7.0, "bees": 7.8, "rejected-one": 6.0}
    for player, (decoded, manifest) in seen.durations.items():
        eid = next(e for e in expected if player.startswith(f"player-{e.replace('-', '_')}-"))
        assert abs(decoded - expected[eid]) < 0.1, (player, decoded)
        assert abs(decoded - manifest) < 0.1, (player, decoded, manifest)
    assert len(seen.seeks) == 2 + 3  # every chapter of the two completed episodes
    for seek in seen.seeks:
        assert abs(seek.reached_s - seek.target_s) < 0.1, seek
    assert any(s.target_s > 0 for s in seen.seeks)
    assert shot.stat().st_size > 10_000
