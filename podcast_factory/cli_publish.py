"""``publish``: the show's feed from one or more run directories.

Everything is checked before anything is written (the flags, each run directory, the
old feed), so a mistake is exit 2 naming the flag or folder and no file is touched.
Then, per episode, the transcript and chapters files its item points at are made from
the run when the mastering stage did not make them, and the feed is written whole
(a temporary file renamed over it).
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from rich.console import Console

from podcast_factory.cli_args import OK
from podcast_factory.errors import UserInputError
from podcast_factory.feed import Published, build_feed, episode_url, read_feed
from podcast_factory.feed_fields import check_url
from podcast_factory.models import Show
from podcast_factory.published import (
    EpisodeView,
    missing_listener_files,
    read_episode,
    show_of,
)
from podcast_factory.rundir import RunDir, atomic_write
from podcast_factory.verify import verify_run_dir


@dataclass
class Gathered:
    """What the run directories hold for the feed."""

    show: Show
    episodes: dict[str, tuple[RunDir, EpisodeView]]
    """Episode id -> its run directory and view; a later RUN_DIR wins a shared id."""
    left_out: list[str]
    """Why episodes were not published, one line each."""


def gather(run_dirs: list[str]) -> Gathered:
    """Read every run directory; ``UserInputError`` naming the folder when one is not a
    run directory, has no show, or is of another show than the first."""
    show: Show | None = None
    episodes: dict[str, tuple[RunDir, EpisodeView]] = {}
    left_out: list[str] = []
    for given in run_dirs:
        found = verify_run_dir(given)
        this = show_of(found.batch)
        if this is None:
            raise UserInputError(given, "has no readable batch.json with a show; is it a run?")
        if show is None:
            show = this
        elif this.name != show.name:
            raise UserInputError(
                given, f"is a run of the show {this.name!r}; {run_dirs[0]} is of {show.name!r}"
            )
        else:
            show = this  # the latest run's show block describes the channel
        damaged = found.damaged_episodes()
        rundir = RunDir(found.root)
        for state in found.states:
            view = read_episode(rundir, state)
            eid = state.episode_id
            if eid in damaged:
                left_out.append(f"{given}/{eid}: damaged (see report)")
            elif not view.publishable:
                why = state.failure or ("rejected" if state.status == "rejected" else "")
                left_out.append(f"{given}/{eid}: {state.status}{f' ({why})' if why else ''}")
            else:
                episodes[eid] = (rundir, view)
    assert show is not None  # argparse asks for at least one RUN_DIR
    return Gathered(show, episodes, left_out)


def _notes(show: Show) -> list[str]:
    """What Apple Podcasts requires that the show block does not give."""
    missing = [
        f"show.{key} ({what})"
        for key, what in (
            ("artwork", "itunes:image"),
            ("category", "itunes:category"),
            ("author", "itunes:author"),
            ("email", "itunes:owner email"),
        )
        if not getattr(show, key)
    ]
    if not missing:
        return []
    return ["the batch file's show block lacks " + ", ".join(missing) + ": Apple Podcasts asks"]


def publish(args: argparse.Namespace, out: Console, err: Console) -> int:
    """Write or update the feed ``--feed`` with the publishable episodes of RUN_DIRs."""
    base_url = check_url("--base-url", args.base_url).rstrip("/")
    feed = Path(args.feed)
    if feed.parent.exists() and not feed.parent.is_dir():
        raise UserInputError("--feed", f"{feed.parent} is not a folder")
    gathered = gather(args.run_dirs)
    old = read_feed(feed)
    if old.title is not None and old.title != gathered.show.name:
        raise UserInputError(
            "--feed",
            f"{feed} is the feed of {old.title!r}; these runs are of {gathered.show.name!r}",
        )
    items = []
    for eid, (rundir, view) in gathered.episodes.items():
        made = missing_listener_files(view, gathered.show.language)
        for _role, (name, text) in made.items():
            rundir.write_artifact(eid, name, text.encode())
        if made:
            view = read_episode(rundir, view.state)
        items.append(Published(view, episode_url(base_url, eid)))
    merge = build_feed(gathered.show, items, old, base_url, datetime.now(timezone.utc))
    feed.parent.mkdir(parents=True, exist_ok=True)  # made only once every check passed
    atomic_write(feed, merge.feed)
    for line in gathered.left_out:
        err.print(f"not published: {line}", style="yellow", highlight=False, soft_wrap=True)
    wav = sorted(eid for eid, (_r, v) in gathered.episodes.items() if v.audio_type == "audio/wav")
    if wav:
        err.print(
            f"note: {', '.join(wav)}: the enclosure is a WAV (no mastered MP3 in the run); "
            "Apple Podcasts accepts MP3, M4A, MP4 and MOV",
            style="yellow",
            highlight=False,
            soft_wrap=True,
        )
    for note in _notes(gathered.show):
        err.print(f"note: {note}", style="yellow", highlight=False, soft_wrap=True)
    total = len(items) + merge.kept
    out.print(
        f"feed: {feed} ({total} episode{'s' * (total != 1)}: {len(merge.added)} added, "
        f"{len(merge.updated)} updated, {merge.kept} kept)",
        highlight=False,
        soft_wrap=True,
    )
    for eid, (rundir, _view) in gathered.episodes.items():
        out.print(
            f"upload: {rundir.episode_dir(eid)}/ -> {episode_url(base_url, eid)}/",
            highlight=False,
            soft_wrap=True,
        )
    return OK
