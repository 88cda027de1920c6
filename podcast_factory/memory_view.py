"""What ``podcast-factory memory SHOW`` prints: a show's episodes and lessons.

Reads the memory file directly (no Ray), so it works while no batch is running and
never changes the file, not even a corrupt one.
"""

from __future__ import annotations

import json
import time
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from podcast_factory.memory_file import MemorySnapshot, known_shows, load_snapshot, memory_path

SHOWN = 0
NO_MEMORY = 2


def _date(ts: float) -> str:
    return time.strftime("%Y-%m-%d", time.localtime(ts)) if ts else "-"


def _totals(snapshot: MemorySnapshot) -> dict[str, Any]:
    return {
        "episodes": len(snapshot.episodes),
        "facts": len(snapshot.covered),
        "minutes": round(sum(e.duration_s or 0.0 for e in snapshot.episodes) / 60, 1),
        "failures": sum(lesson.count for lesson in snapshot.lessons),
        "claimed_in_flight": len(snapshot.claims),
    }


def memory_tables(snapshot: MemorySnapshot) -> list[Table]:
    """Recorded episodes (with a totals row), then the lessons of failed checks."""
    # User text (show names, titles, advice) goes in as Text: "[" in it is not markup.
    episodes = Table(
        title=Text(f"Series memory: {snapshot.show} (updated {_date(snapshot.updated_at)})")
    )
    for name in ("episode", "title", "status", "produced", "minutes", "facts"):
        episodes.add_column(name, justify="right" if name in ("minutes", "facts") else "left")
    for e in snapshot.episodes:
        minutes = f"{e.duration_s / 60:.1f}" if e.duration_s is not None else "-"
        episodes.add_row(
            e.episode_id, Text(e.title), e.status, _date(e.produced_at), minutes, str(len(e.facts))
        )
    totals = _totals(snapshot)
    episodes.add_section()
    episodes.add_row(
        "total",
        f"{totals['episodes']} episode{'' if totals['episodes'] == 1 else 's'}",
        "",
        "",
        f"{totals['minutes']:.1f}",
        str(totals["facts"]),
    )
    if totals["claimed_in_flight"]:
        episodes.caption = f"{totals['claimed_in_flight']} episode(s) in flight hold claims"

    lessons = Table(title=f"Lessons: {totals['failures']} failed checks")
    for name in ("check", "times", "episodes", "advice"):
        lessons.add_column(name, justify="right" if name == "times" else "left")
    for lesson in snapshot.lessons:
        lessons.add_row(
            Text(lesson.check),
            str(lesson.count),
            ", ".join(lesson.episodes),
            Text(lesson.advice or "-"),
        )
    return [episodes, lessons, *_failure_tables(snapshot)]


def _failure_tables(snapshot: MemorySnapshot) -> list[Table]:
    """What the next run acts on: recent failures, flagged sources, learned windows."""
    tables = []
    if snapshot.failures:
        failures = Table(title=f"Failures: the last {len(snapshot.failures)}")
        for name in ("date", "episode", "cause", "what to do"):
            failures.add_column(name)
        for f in snapshot.failures[-20:]:
            failures.add_row(_date(f.at), Text(f.episode_id), f.cause, Text(f.action))
        tables.append(failures)
    if snapshot.bad_sources:
        flagged = Table(title="Sources checked before their next episode spends anything")
        for name in ("source", "since", "why"):
            flagged.add_column(name)
        for source, flag in snapshot.bad_sources.items():
            flagged.add_row(Text(source), _date(flag.at), Text(flag.reason))
        tables.append(flagged)
    if snapshot.provider_windows:
        windows = Table(title="Providers that throttled: the next run starts at")
        windows.add_column("provider")
        windows.add_column("requests at once", justify="right")
        for provider, window in sorted(snapshot.provider_windows.items()):
            windows.add_row(provider, str(window))
        tables.append(windows)
    return tables


def memory_json(snapshot: MemorySnapshot) -> dict[str, Any]:
    """The stored snapshot plus its totals, for ``--json``."""
    return {**snapshot.model_dump(mode="json"), "totals": _totals(snapshot)}


def show_memory(show: str, memory_dir: str, as_json: bool, console: Console) -> int:
    """Print a show's memory; 0 if shown, 2 if it has none (or its file is unreadable)."""
    try:
        snapshot = load_snapshot(memory_dir, show)
    except (OSError, ValueError) as exc:
        console.print(
            f"error: {show}: series memory {memory_path(memory_dir, show)} is unreadable: "
            f"{str(exc).splitlines()[0] if str(exc) else type(exc).__name__}",
            style="red",
            highlight=False,
            markup=False,
        )
        return NO_MEMORY
    if snapshot is None:
        console.print(
            f"error: {show}: no series memory in {memory_dir}",
            style="red",
            highlight=False,
            markup=False,
        )
        shows = known_shows(memory_dir)
        console.print(
            f"known shows: {', '.join(shows)}" if shows else "no show has a memory there yet",
            highlight=False,
            markup=False,
        )
        return NO_MEMORY
    if as_json:
        console.out(json.dumps(memory_json(snapshot), indent=2), highlight=False)
        return SHOWN
    for table in memory_tables(snapshot):
        console.print(table)
    return SHOWN
