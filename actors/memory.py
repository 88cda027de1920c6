"""Series memory: what a show has already said, and what its failed episodes taught.

A series should not repeat itself. Episode 12 of a show about batteries should not
open with the same fact as episode 3, and if episodes keep failing the same quality
check (too short, facts left unsaid) the next script should hear about it. So each
show has one memory: the facts every completed episode said, the facts that episodes
still in flight have claimed (two episodes researched side by side must not both pick
the same fact), and one lesson per quality check that has failed, with its most recent
advice.

Storage is one JSON file per show, ``<memory dir>/<slug of the show>.json``, rewritten
atomically after every change. A plain class; the supervisor makes it a named Ray
actor with ``max_restarts=-1``. The constructor reloads the file, so a restarted actor
(or the next batch of the same show) has everything that was written. A file that
cannot be read is moved aside and memory starts empty: a batch never fails over its
memory, it only loses the help memory gives. For the same reason a failed write is
logged, not raised; the state stays in memory and the next write tries again.

Known limits: two batches of the same show running at the same time each have their
own actor, and each rewrites the whole file from its own view: the last write wins and
the other batch's episodes, claims and lessons are lost from the file. The file lives
on the node the actor runs on, so the supervisor should keep the actor on its own node.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import time
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from podcast_factory.providers.text import tokenize
from podcast_factory.rundir import atomic_write

log = logging.getLogger(__name__)

MEMORY_ENV = "PODCAST_FACTORY_MEMORY"
DEFAULT_MEMORY_DIR = "~/.podcast-factory/memory"
REPEAT_THRESHOLD = 0.6
"""Token Jaccard from which two facts count as the same fact. Rewordings of one
sentence ("completed" / "finished") stay above it; two facts sharing a subject but
saying different things fall below it."""


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


class MemorySnapshot(_Stored):
    """The whole memory of one show; also the layout of its JSON file."""

    show: str
    episodes: tuple[EpisodeMemory, ...]
    lessons: tuple[Lesson, ...]
    claims: dict[str, tuple[str, ...]]
    """Facts chosen by the research of episodes still in flight, by episode id."""
    updated_at: float

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


def _tokens(text: str) -> frozenset[str]:
    """Content tokens of a fact; a fact of stopwords only is compared by its whole text."""
    return frozenset(tokenize(text)) or frozenset({" ".join(text.lower().split())})


def _similar(a: frozenset[str], b: frozenset[str], threshold: float) -> bool:
    return len(a & b) / len(a | b) >= threshold


def is_repeat(fact: str, covered: Sequence[str], threshold: float = REPEAT_THRESHOLD) -> bool:
    """Is ``fact`` one of ``covered``, perhaps reworded? Blank text never repeats anything."""
    if not fact.strip():
        return False
    mine = _tokens(fact)
    return any(_similar(mine, _tokens(c), threshold) for c in covered if c.strip())


def repeats(
    facts: Iterable[str], covered: Sequence[str], threshold: float = REPEAT_THRESHOLD
) -> int:
    """How many of ``facts`` repeat something in ``covered``."""
    seen = [_tokens(c) for c in covered if c.strip()]
    mine = (_tokens(f) for f in facts if f.strip())
    return sum(1 for t in mine if any(_similar(t, s, threshold) for s in seen))


class SeriesMemory:
    """The memory of one show: recorded episodes, in-flight claims, lessons."""

    def __init__(self, memory_dir: str, show: str) -> None:
        self._show = show
        self._path = memory_path(memory_dir, show)
        self._episodes: dict[str, EpisodeMemory] = {}
        self._claims: dict[str, tuple[str, ...]] = {}
        self._lessons: dict[str, Lesson] = {}
        self._updated_at = 0.0
        try:
            self._path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            log.warning("series memory %s: cannot create its directory: %s", self._path, exc)
        if self._path.is_file():
            self._load()

    def _load(self) -> None:
        try:
            snap = MemorySnapshot.model_validate_json(self._path.read_bytes())
        except (OSError, ValueError) as exc:
            aside = self._path.with_name(f"{self._path.name}.corrupt-{int(time.time())}")
            log.warning(
                "series memory %s is unreadable (%s); moved to %s, starting empty",
                self._path,
                str(exc).splitlines()[0] if str(exc) else type(exc).__name__,
                aside.name,
            )
            try:
                os.replace(self._path, aside)
            except OSError as move_exc:
                log.warning("series memory %s: could not move it aside: %s", self._path, move_exc)
            return
        self._episodes = {e.episode_id: e for e in snap.episodes}
        self._claims = dict(snap.claims)
        self._lessons = {lesson.check: lesson for lesson in snap.lessons}
        self._updated_at = snap.updated_at

    def _save(self) -> None:
        self._updated_at = time.time()
        data = (self.snapshot().model_dump_json(indent=2) + "\n").encode()
        try:
            atomic_write(self._path, data)
        except OSError as exc:
            log.warning("series memory %s: write failed, kept in memory: %s", self._path, exc)

    def covered_facts(self, exclude_episode: str) -> list[str]:
        """Facts of every other episode, recorded or in flight, each once.

        The episode's own facts are left out, so that redoing an episode under the same
        id picks the same facts again instead of avoiding what it said the first time."""
        recorded = (
            f
            for e in sorted(self._episodes.values(), key=lambda e: e.produced_at)
            if e.episode_id != exclude_episode
            for f in e.facts
        )
        claimed = (f for ep, facts in self._claims.items() if ep != exclude_episode for f in facts)
        return list(dict.fromkeys((*recorded, *claimed)))

    def claim(self, episode_id: str, facts: list[str]) -> None:
        """The research of an in-flight episode chose ``facts``; they replace its earlier
        claim, so other episodes researched meanwhile avoid them."""
        if facts:
            self._claims[episode_id] = tuple(facts)
        else:
            self._claims.pop(episode_id, None)
        self._save()

    def forget_claim(self, episode_id: str) -> None:
        """An episode that ended rejected or failed said nothing: free its facts."""
        if self._claims.pop(episode_id, None) is not None:
            self._save()

    def lessons(self) -> list[Lesson]:
        """Lessons, most frequent failure first."""
        return sorted(self._lessons.values(), key=lambda lesson: (-lesson.count, lesson.check))

    def record_quality(
        self,
        episode_id: str,
        topic: str,
        title: str,
        passed: bool,
        checks: list[tuple[str, float, bool]],
        suggestions: list[str],
        facts_said: list[str],
        duration_s: float | None,
    ) -> None:
        """Remember a quality verdict.

        Passed: the episode is recorded (replacing an earlier recording of the same id)
        with the facts it said, and its claim becomes that recording. Failed: every failed
        check (name, value, passed) updates its lesson; suggestions come in the order of
        the failed checks, and a check without one keeps its earlier advice. A failed
        episode is not recorded; it keeps its claim while it may still be retried."""
        if passed:
            self._episodes[episode_id] = EpisodeMemory(
                episode_id=episode_id,
                topic=topic,
                title=title,
                status="completed",
                produced_at=time.time(),
                duration_s=duration_s,
                facts=tuple(facts_said),
            )
            self._claims.pop(episode_id, None)
        else:
            failed = [(name, value) for name, value, ok in checks if not ok]
            for i, (name, value) in enumerate(failed):
                advice = suggestions[i] if i < len(suggestions) else ""
                self._lessons[name] = self._learn(name, value, advice, episode_id)
        self._save()

    def _learn(self, check: str, value: float, advice: str, episode_id: str) -> Lesson:
        old = self._lessons.get(check)
        if old is None:
            return Lesson(check=check, advice=advice, value=value, episodes=(episode_id,))
        return Lesson(
            check=check,
            advice=advice or old.advice,
            value=value,
            count=old.count + 1,
            episodes=tuple(dict.fromkeys((*old.episodes, episode_id))),
        )

    def snapshot(self) -> MemorySnapshot:
        return MemorySnapshot(
            show=self._show,
            episodes=tuple(sorted(self._episodes.values(), key=lambda e: e.produced_at)),
            lessons=tuple(self.lessons()),
            claims=dict(self._claims),
            updated_at=self._updated_at,
        )
