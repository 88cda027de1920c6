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
logged, not raised; the change stays in memory and the next write tries it again.

Two batches of one show at once each have their own actor on the same file. Every change
takes an exclusive ``flock`` on ``<slug>.json.lock`` beside the file, re-reads the file,
applies itself to what is there (episodes by id, claims by episode id, lessons counted on
the stored count), writes and releases, so neither batch loses the other's work. Reads
take in the other batch's last write when the file has changed since this one saw it.
Every method is idempotent under retry (the actor has ``max_task_retries=-1``):
``claim`` and ``forget_claim`` set a state, and ``record_quality`` skips a verdict whose
id it has already applied.

Known limits: the file lives on the node the actor runs on, so the supervisor should keep
the actor on its own node; batches on different nodes share a memory only through a
shared file system whose ``flock`` works across machines.
"""

from __future__ import annotations

import fcntl
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from podcast_factory.actors.memory_failures import FailureMemoryMixin
from podcast_factory.actors.memory_repeats import REPEAT_THRESHOLD as REPEAT_THRESHOLD
from podcast_factory.actors.memory_repeats import is_repeat as is_repeat
from podcast_factory.actors.memory_repeats import repeats as repeats
from podcast_factory.memory_file import COST_BATCHES_KEPT, BatchCost, FailureMemory, SourceFlag
from podcast_factory.memory_file import DEFAULT_MEMORY_DIR as DEFAULT_MEMORY_DIR
from podcast_factory.memory_file import MEMORY_ENV as MEMORY_ENV
from podcast_factory.memory_file import VERDICTS_KEPT as VERDICTS_KEPT
from podcast_factory.memory_file import EpisodeMemory as EpisodeMemory
from podcast_factory.memory_file import Lesson as Lesson
from podcast_factory.memory_file import MemorySnapshot as MemorySnapshot
from podcast_factory.memory_file import default_memory_dir as default_memory_dir
from podcast_factory.memory_file import known_shows as known_shows
from podcast_factory.memory_file import load_snapshot as load_snapshot
from podcast_factory.memory_file import memory_path as memory_path
from podcast_factory.rundir import atomic_write

log = logging.getLogger(__name__)

LOCK_TIMEOUT_S = 30.0
"""How long a change waits for the show's lock file before it writes unlocked."""


_Change = Callable[[], bool]
"""One change to the memory, applied to the state last read from disk; True if it changed
anything. A change must give the same result when it is applied again to a fresh read of
the file that does not hold it yet (a failed write replays it at the next change)."""


class SeriesMemory(FailureMemoryMixin):
    """The memory of one show: recorded episodes, in-flight claims, lessons, and what
    failed (``FailureMemoryMixin``)."""

    def __init__(self, memory_dir: str, show: str) -> None:
        self._show = show
        self._path = memory_path(memory_dir, show)
        self._lock_path = self._path.with_name(self._path.name + ".lock")
        self._guard = threading.Lock()  # one change at a time within this process
        self._base = _empty(show)  # the file as last read or written
        self._seen: tuple[int, int, int] | None = None  # (inode, mtime, size) of that file
        self._pending: list[_Change] = []  # changes not yet on disk (their write failed)
        self._episodes: dict[str, EpisodeMemory] = {}
        self._claims: dict[str, tuple[str, ...]] = {}
        self._lessons: dict[str, Lesson] = {}
        self._verdicts: dict[str, None] = {}
        self._failures: list[FailureMemory] = []
        self._bad_sources: dict[str, SourceFlag] = {}
        self._windows: dict[str, int] = {}
        self._costs: dict[str, BatchCost] = {}
        self._updated_at = 0.0
        try:
            self._path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            log.warning("series memory %s: cannot create its directory: %s", self._path, exc)
        with self._guard, self._locked():
            self._reload(repair=True)
            self._replay()

    # -- the file ------------------------------------------------------------------------

    def _stat(self) -> tuple[int, int, int] | None:
        try:
            st = self._path.stat()
        except OSError:
            return None
        return (st.st_ino, st.st_mtime_ns, st.st_size)

    @contextmanager
    def _locked(self) -> Iterator[None]:
        """Hold the show's lock file (exclusive ``flock``) for a read-change-write.

        If it cannot be opened or is held past ``LOCK_TIMEOUT_S`` (a hung process), the
        change goes ahead unlocked, with a warning: memory is help, a batch never waits
        on it for long."""
        try:
            fd = os.open(self._lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except OSError as exc:
            log.warning("series memory %s: no lock file, writing unlocked: %s", self._path, exc)
            yield
            return
        try:
            locked = False
            deadline = time.monotonic() + LOCK_TIMEOUT_S
            while not locked:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    locked = True
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        log.warning("series memory %s: lock busy, writing unlocked", self._path)
                        break
                    time.sleep(0.01)
            yield
        finally:
            os.close(fd)  # closing the descriptor releases the lock

    def _reload(self, repair: bool) -> None:
        """Make the file on disk the base. No file: an empty memory. A file that does not
        parse: with ``repair`` (only under the lock) it is moved aside; either way the
        base stays what was last read (empty for a new instance)."""
        seen = self._stat()
        if seen is None:
            self._base, self._seen = _empty(self._show), None
            return
        try:
            snap = MemorySnapshot.model_validate_json(self._path.read_bytes())
        except (OSError, ValueError) as exc:
            if not repair:
                return
            aside = self._path.with_name(f"{self._path.name}.corrupt-{int(time.time())}")
            log.warning(
                "series memory %s is unreadable (%s); moved to %s, keeping what was known",
                self._path,
                str(exc).splitlines()[0] if str(exc) else type(exc).__name__,
                aside.name,
            )
            try:
                os.replace(self._path, aside)
            except OSError as move_exc:
                log.warning("series memory %s: could not move it aside: %s", self._path, move_exc)
            self._seen = None
            return
        self._base, self._seen = snap, seen

    def _replay(self) -> bool:
        """The working state := the base with every pending change applied."""
        snap = self._base
        self._episodes = {e.episode_id: e for e in snap.episodes}
        self._claims = dict(snap.claims)
        self._lessons = {lesson.check: lesson for lesson in snap.lessons}
        self._verdicts = dict.fromkeys(snap.verdicts)
        self._failures = list(snap.failures)
        self._bad_sources = dict(snap.bad_sources)
        self._windows = dict(snap.provider_windows)
        self._costs = {b.run: b for b in snap.costs}
        self._updated_at = snap.updated_at
        changed = False
        for change in self._pending:
            changed = change() or changed
        return changed

    def _change(self, change: _Change) -> None:
        """Apply ``change`` to what is on disk now and write the result, under the lock, so
        that another memory of the same show (another batch) loses nothing. A failed write
        is logged; the change stays pending and the next change writes it too."""
        with self._guard, self._locked():
            self._pending.append(change)
            self._reload(repair=True)
            if not self._replay():
                self._pending.clear()
                return
            self._updated_at = time.time()
            snap = self._current()
            try:
                atomic_write(self._path, (snap.model_dump_json(indent=2) + "\n").encode())
            except OSError as exc:
                log.warning("series memory %s: write failed, kept in memory: %s", self._path, exc)
                return
            self._base, self._seen = snap, self._stat()
            self._pending.clear()

    def _refresh(self) -> None:
        """Before a read: if another memory of the show rewrote the file, take it in."""
        if self._stat() != self._seen:
            with self._guard:
                self._reload(repair=False)
                self._replay()

    # -- what the supervisor calls -------------------------------------------------------

    def covered_facts(self, exclude_episode: str) -> list[str]:
        """Facts of every other episode, recorded or in flight, each once.

        The episode's own facts are left out, so that redoing an episode under the same
        id picks the same facts again instead of avoiding what it said the first time."""
        self._refresh()
        recorded = (
            f
            for e in sorted(self._episodes.values(), key=lambda e: e.produced_at)
            if e.episode_id != exclude_episode
            for f in e.facts
        )
        claimed = (f for ep, facts in self._claims.items() if ep != exclude_episode for f in facts)
        return list(dict.fromkeys((*recorded, *claimed)))

    def spoken_lines(self, exclude_episode: str, last: int = 50) -> list[tuple[str, int]]:
        """Host lines of the ``last`` recorded episodes other than ``exclude_episode``,
        each with the number of those episodes that said it, most said first."""
        self._refresh()
        episodes = sorted(self._episodes.values(), key=lambda e: e.produced_at)
        counts: dict[str, int] = {}
        for e in [e for e in episodes if e.episode_id != exclude_episode][-last:]:
            for line in dict.fromkeys(e.lines):
                counts[line] = counts.get(line, 0) + 1
        return sorted(counts.items(), key=lambda item: -item[1])

    def claim(self, episode_id: str, facts: list[str]) -> None:
        """The research of an in-flight episode chose ``facts``; they replace its earlier
        claim, so other episodes researched meanwhile avoid them."""
        chosen = tuple(facts)

        def change() -> bool:
            if not chosen:
                return self._claims.pop(episode_id, None) is not None
            if self._claims.get(episode_id) == chosen:
                return False
            self._claims[episode_id] = chosen
            return True

        self._change(change)

    def forget_claim(self, episode_id: str) -> None:
        """An episode that ended rejected or failed said nothing: free its facts."""
        self._change(lambda: self._claims.pop(episode_id, None) is not None)

    def lessons(self) -> list[Lesson]:
        """Lessons, most frequent failure first."""
        self._refresh()
        return self._sorted_lessons()

    def _sorted_lessons(self) -> list[Lesson]:
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
        verdict_id: str | None = None,
        lines_said: list[str] | None = None,
    ) -> None:
        """Remember a quality verdict.

        Passed: the episode is recorded (replacing an earlier recording of the same id)
        with the facts it said, and its claim becomes that recording. Failed: every failed
        check (name, value, passed) updates its lesson; suggestions come in the order of
        the failed checks, and a check without one keeps its earlier advice. A failed
        episode is not recorded; it keeps its claim while it may still be retried.

        ``verdict_id`` names the verdict (the supervisor passes episode, gate, draft and
        basis): a verdict already remembered is not applied again, so a call that Ray
        re-sends after a restart does not count a failure twice. The file keeps the last
        ``VERDICTS_KEPT`` ids. ``lines_said``: the hosts' own sentences of a passed
        episode, remembered so later episodes can avoid them."""
        produced_at = time.time()
        failed = [(name, value) for name, value, ok in checks if not ok]
        advice = [suggestions[i] if i < len(suggestions) else "" for i in range(len(failed))]

        def change() -> bool:
            if verdict_id is not None:
                if verdict_id in self._verdicts:
                    return False
                self._verdicts[verdict_id] = None
                for old in list(self._verdicts)[: max(0, len(self._verdicts) - VERDICTS_KEPT)]:
                    del self._verdicts[old]
            if passed:
                self._episodes[episode_id] = EpisodeMemory(
                    episode_id=episode_id,
                    topic=topic,
                    title=title,
                    status="completed",
                    produced_at=produced_at,
                    duration_s=duration_s,
                    facts=tuple(facts_said),
                    lines=tuple(lines_said or ()),
                )
                self._claims.pop(episode_id, None)
            else:
                for (name, value), tip in zip(failed, advice, strict=True):
                    self._lessons[name] = self._learn(name, value, tip, episode_id)
            return True

        self._change(change)

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

    def record_costs(self, batch: BatchCost) -> None:
        """Remember what a batch cost per stage (``podcast_factory.calibration``). Keyed
        by its run: a resumed or repeated run replaces its record, never adds a second."""

        def change() -> bool:
            old = self._costs.get(batch.run)
            if old is not None and old.stages == batch.stages:
                return False
            self._costs.pop(batch.run, None)  # the latest record of a run goes last
            self._costs[batch.run] = batch
            for run in list(self._costs)[: max(0, len(self._costs) - COST_BATCHES_KEPT)]:
                del self._costs[run]
            return True

        self._change(change)

    def snapshot(self) -> MemorySnapshot:
        """Everything this memory knows, the other batches' latest writes included."""
        self._refresh()
        return self._current()

    def _current(self) -> MemorySnapshot:
        return MemorySnapshot(
            show=self._show,
            episodes=tuple(sorted(self._episodes.values(), key=lambda e: e.produced_at)),
            lessons=tuple(self._sorted_lessons()),
            claims=dict(self._claims),
            updated_at=self._updated_at,
            verdicts=tuple(self._verdicts),
            failures=tuple(self._failures),
            bad_sources=dict(self._bad_sources),
            provider_windows=dict(self._windows),
            costs=tuple(self._costs.values()),
        )


def _empty(show: str) -> MemorySnapshot:
    return MemorySnapshot(show=show, episodes=(), lessons=(), claims={}, updated_at=0.0)
