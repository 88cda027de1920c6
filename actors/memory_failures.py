"""What a show's failed episodes leave in its series memory, for the next run to act on.

Three things, each idempotent under retry like the rest of the memory: the analysis of
every episode that did not complete (``report`` of a later run and ``memory`` show them),
the sources that could not be read (the next run checks them before spending anything
on an episode that uses them) and, per provider, the concurrency that held when it
throttled (the next run's governor starts there instead of meeting the same 429s).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from podcast_factory.memory_file import FAILURES_KEPT, FailureMemory, SourceFlag


class FailureMemoryMixin:
    """Failure memory for ``SeriesMemory``, which provides the state and ``_change``."""

    _failures: list[FailureMemory]
    _bad_sources: dict[str, SourceFlag]
    _windows: dict[str, int]

    def _change(self, change: Callable[[], bool]) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def _refresh(self) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def record_failure(
        self,
        run_id: str,
        episode_id: str,
        topic: str,
        cause: str,
        summary: str,
        action: str,
        subject: str | None = None,
    ) -> None:
        """Remember why an episode did not complete; the same run and episode once."""
        entry = FailureMemory(
            run_id=run_id,
            episode_id=episode_id,
            topic=topic,
            at=time.time(),
            cause=cause,
            summary=summary,
            action=action,
            subject=subject,
        )

        def change() -> bool:
            kept = [f for f in self._failures if (f.run_id, f.episode_id) != (run_id, episode_id)]
            self._failures = [*kept, entry][-FAILURES_KEPT:]
            return True

        self._change(change)

    def source_failed(self, source: str, reason: str, run_id: str, episode_id: str) -> None:
        """A source could not be read: flag it for the next run that uses it."""
        flag = SourceFlag(reason=reason, run_id=run_id, episode_id=episode_id, at=time.time())

        def change() -> bool:
            old = self._bad_sources.get(source)
            if old is not None and (old.reason, old.run_id) == (reason, run_id):
                return False
            self._bad_sources[source] = flag
            return True

        self._change(change)

    def sources_read(self, sources: list[str]) -> None:
        """These sources were read after all: drop their flags."""
        self._change(lambda: any([self._bad_sources.pop(s, None) is not None for s in sources]))

    def bad_sources(self) -> dict[str, SourceFlag]:
        """Flagged sources, by source."""
        self._refresh()
        return dict(self._bad_sources)

    def held_windows(self, windows: dict[str, int | None]) -> None:
        """Per provider, the concurrency that held in a run (None: the provider never
        throttled and reached its ceiling, so the next run need not start lower)."""

        def change() -> bool:
            before = dict(self._windows)
            for provider, window in windows.items():
                if window is None:
                    self._windows.pop(provider, None)
                else:
                    self._windows[provider] = window
            return self._windows != before

        self._change(change)
