"""The run page opened in a real browser: headless Chromium driven by Playwright.

Playwright cannot download its own browsers here, so it drives the system's Chromium
(Debian's ``chromium`` package, installed by ``scripts/install_browser``) through
``executable_path``. ``check_run_page`` is what the browser test asserts on and what
``scripts/screenshot_run_page`` runs to refresh the README's picture, so the committed
screenshot is made by the test's own code.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "chrome")
LAUNCH_ARGS = (
    "--no-sandbox",  # run as root in CI
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",  # no calls home: the machine's network is closed
    "--disable-component-update",
    "--disable-sync",
    "--autoplay-policy=no-user-gesture-required",
)


def find_chromium() -> str | None:
    """The Chromium to drive: ``$PODCAST_FACTORY_CHROMIUM``, else the first on PATH."""
    given = os.environ.get("PODCAST_FACTORY_CHROMIUM")
    if given:
        return given if Path(given).is_file() else None
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


@dataclass
class Seek:
    """A chapter clicked: where it should take the player and where the player went."""

    player: str
    title: str
    target_s: float
    reached_s: float


@dataclass
class PageCheck:
    """What the browser saw of the page."""

    console_errors: list[str] = field(default_factory=list)
    outside_requests: list[str] = field(default_factory=list)
    """Requests for anything but the page's own folder (should be none)."""
    durations: dict[str, tuple[float, float]] = field(default_factory=dict)
    """Player id -> (duration the browser decoded, duration the manifest says)."""
    seeks: list[Seek] = field(default_factory=list)
    screenshot: Path | None = None


DURATIONS_JS = """() => Array.from(document.querySelectorAll('audio')).map(a => (
  {id: a.id, duration: a.duration, expected: parseFloat(a.dataset.duration)}))"""
CHAPTERS_JS = """() => Array.from(document.querySelectorAll('ol.chapters button[data-seek]'))
  .map((b, i) => ({index: i, player: b.dataset.player, seek: parseFloat(b.dataset.seek),
                   title: b.textContent}))"""
WATCH_SEEKS_JS = """() => { window.__seeks = [];
  document.querySelectorAll('audio').forEach(a => a.addEventListener('seeking',
    () => window.__seeks.push({id: a.id, t: a.currentTime}))); }"""
"""Where each player is sent, read as the seek starts (a playing player moves on)."""
READY_JS = """() => Array.from(document.querySelectorAll('audio'))
  .every(a => a.readyState >= 1 || a.error)"""


def check_run_page(
    index: Path, screenshot: Path, chromium: str, *, full_page: bool = True
) -> PageCheck:
    """Open ``index`` in headless ``chromium``: collect console errors and requests
    leaving the page's folder, every player's duration, and where clicking each
    chapter (the last first, so every click moves the player) takes its player; save
    a screenshot to ``screenshot``."""
    from playwright.sync_api import sync_playwright

    folder = index.parent.resolve().as_uri()
    seen = PageCheck()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=list(LAUNCH_ARGS))
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1000})
            page.on(
                "console",
                lambda m: seen.console_errors.append(m.text) if m.type == "error" else None,
            )
            page.on("pageerror", lambda exc: seen.console_errors.append(str(exc)))
            page.on(
                "request",
                lambda r: (
                    None
                    if r.url.startswith((folder + "/", "data:"))
                    else seen.outside_requests.append(r.url)
                ),
            )
            page.goto(index.resolve().as_uri(), wait_until="load")
            page.wait_for_function(READY_JS, timeout=30_000)
            for d in page.evaluate(DURATIONS_JS):
                seen.durations[d["id"]] = (float(d["duration"]), float(d["expected"]))
            chapters: list[dict[str, Any]] = page.evaluate(CHAPTERS_JS)
            page.evaluate(WATCH_SEEKS_JS)
            buttons = page.locator("ol.chapters button[data-seek]")
            for n, ch in enumerate(sorted(chapters, key=lambda c: -c["seek"])):
                buttons.nth(ch["index"]).click()
                page.wait_for_function("(n) => window.__seeks.length > n", arg=n, timeout=10_000)
                moved = page.evaluate("(n) => window.__seeks[n]", n)
                assert moved["id"] == ch["player"], (moved, ch)
                seen.seeks.append(Seek(ch["player"], ch["title"], ch["seek"], float(moved["t"])))
            page.evaluate(
                "() => { document.querySelectorAll('audio').forEach(a => a.pause());"
                " window.scrollTo(0, 0); }"
            )
            screenshot.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(screenshot), full_page=full_page)
            seen.screenshot = screenshot
        finally:
            browser.close()
    return seen
