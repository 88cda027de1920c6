"""The series memory's file format: one JSON file per show, and where it lives.

A contract, beside the run directory's layout: the memory actor writes it, the CLI's
``memory`` verb reads it, and neither needs the other to know its shape.
"""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from collections.abc import Mapping
from pathlib import Path

from pydantic import BaseModel, ConfigDict

MEMORY_ENV = "PODCAST_FACTORY_MEMORY"
DEFAULT_MEMORY_DIR = "~/.podcast-factory/memory"
VERDICTS_KEPT = 1000
"""Ids of the last verdicts remembered, kept in the file so that a retried call is known."""
COST_BATCHES_KEPT = 50
"""Batches whose cost the file keeps (``MemorySnapshot.costs``), the latest."""


class _Stored(BaseModel):
    # Frozen like every handoff; unknown fields are ignored so that a file written by a
    # newer version still loads instead of being moved aside as corrupt.
    model_config = ConfigDict(frozen=True, extra="ignore")


class Lesson(_Stored):
    """One quality check that has failed in this series, and what to do about it."""

    check: str
    advice: str
    """The suggestion that came with its most recent failure ("" if none came)."""
    value: float
    """The check's value at its most recent failure."""
    count: int = 1
    """Times it failed, retries of one episode included."""
    episodes: tuple[str, ...]
    """Episodes it failed in, each once, first failure first."""


class EpisodeMemory(_Stored):
    """An episode that passed quality: what it was about and which facts it said."""

    episode_id: str
    topic: str
    title: str
    status: str
    produced_at: float
    duration_s: float | None
    facts: tuple[str, ...]
    lines: tuple[str, ...] = ()
    """The hosts' own sentences (not facts) it said: how later episodes vary their
    openings and how the script gate tells a canned line from a fresh one."""


class FailureMemory(_Stored):
    """An episode of the show that did not complete, and the analysis of why."""

    run_id: str
    episode_id: str
    topic: str
    at: float
    cause: str
    summary: str
    action: str
    subject: str | None = None


class SourceFlag(_Stored):
    """A source that could not be read in a run of the show: the next run that uses it
    checks it before spending anything on its episode."""

    reason: str
    run_id: str
    episode_id: str
    at: float


FAILURES_KEPT = 200
"""Failure analyses remembered per show, the latest."""


class StageCost(_Stored):
    """One stage of one batch: what its calls cost beside what the static estimate said,
    over the episodes where both were above zero (``podcast_factory.calibration``)."""

    stage: str
    provider: str
    model: str
    episodes: int
    estimated_micro_usd: int
    actual_micro_usd: int
    ratios: tuple[float, ...]
    """Actual / estimated of each of those episodes: how much single episodes vary."""


class BatchCost(_Stored):
    """What a batch of the show cost, stage by stage: a sample the estimate learns from."""

    run: str
    """The run directory and its episodes, hashed: a resumed or repeated run replaces
    its record instead of counting the batch twice."""
    recorded_at: float
    stages: tuple[StageCost, ...]


class MemorySnapshot(_Stored):
    """The whole memory of one show; also the layout of its JSON file."""

    show: str
    episodes: tuple[EpisodeMemory, ...]
    lessons: tuple[Lesson, ...]
    claims: dict[str, tuple[str, ...]]
    """Facts chosen by the research of episodes still in flight, by episode id."""
    updated_at: float
    verdicts: tuple[str, ...] = ()
    """Ids of the last ``VERDICTS_KEPT`` verdicts applied, oldest first (see
    ``SeriesMemory.record_quality``)."""
    failures: tuple[FailureMemory, ...] = ()
    """The last ``FAILURES_KEPT`` failure analyses, oldest first."""
    bad_sources: dict[str, SourceFlag] = {}
    """Sources that failed to read, by source (path or URL without credentials)."""
    provider_windows: dict[str, int] = {}
    """Per provider, the concurrency that held in the show's last run that was
    throttled: the next run's governor starts there (``ProviderLimits.start_concurrent``)."""
    costs: tuple[BatchCost, ...] = ()
    """What the show's last ``COST_BATCHES_KEPT`` batches cost, oldest first."""

    @property
    def covered(self) -> tuple[str, ...]:
        """Every fact said by a recorded episode, each once, oldest episode first."""
        return tuple(dict.fromkeys(f for e in self.episodes for f in e.facts))


def _slug(show: str) -> str:
    """File name stem of a show: its words, lowercase, ASCII, joined by '-'.

    Accents are folded ("Café" -> "cafe"). A name with no ASCII word at all gets a hash,
    so that two such shows never share a file."""
    folded = unicodedata.normalize("NFKD", show).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", folded.lower())
    slug = "-".join(words)[:64].strip("-")
    return slug or "show-" + hashlib.sha256(show.encode()).hexdigest()[:12]


def memory_path(memory_dir: str, show: str) -> Path:
    return Path(memory_dir) / f"{_slug(show)}.json"


def default_memory_dir(env: Mapping[str, str]) -> str:
    """``$PODCAST_FACTORY_MEMORY``, else ``~/.podcast-factory/memory``: per user, not per
    run directory, because a series outlives any one batch."""
    return os.path.expanduser(env.get(MEMORY_ENV) or DEFAULT_MEMORY_DIR)


def load_snapshot(memory_dir: str, show: str) -> MemorySnapshot | None:
    """The stored memory of a show, or None if it has none. Read-only (for the CLI):
    a file that does not parse raises ValueError and is left where it is."""
    path = memory_path(memory_dir, show)
    if not path.is_file():
        return None
    return MemorySnapshot.model_validate_json(path.read_bytes())


def known_shows(memory_dir: str) -> list[str]:
    """Names of the shows that have a readable memory file in ``memory_dir``, sorted."""
    root = Path(memory_dir)
    if not root.is_dir():
        return []
    names = []
    for path in sorted(root.glob("*.json")):
        try:
            names.append(MemorySnapshot.model_validate_json(path.read_bytes()).show)
        except (OSError, ValueError):
            continue
    return sorted(names)
