"""Typed clients the supervisor holds for the batch's shared actors.

Each wraps one actor handle and gives it methods with real signatures, so a misspelt
method or a wrong argument is a type error, not a failure at run time:

- ``LedgerReader``: what was spent, per episode or stage, and the batch's totals. (The
  agents' side of the ledger, reserve/commit/release, is ``metering.LedgerClient``.)
- ``GovernorReader``: the governor's view of each provider. (The agents' side, a slot
  per call, is ``actors.governor.GovernorClient``.)
- ``MemoryClient``: the series memory. Memory is help, not a dependency: with no memory,
  or when a call fails, it logs a warning and answers as an empty memory would.

Each keeps the raw handle as ``handle`` (tests kill actors to prove a batch survives).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from podcast_factory.actors.governor import ProviderState
from podcast_factory.actors.ledger import Spend
from podcast_factory.memory_file import BatchCost, Lesson, SourceFlag

log = logging.getLogger(__name__)

T = TypeVar("T")


class LedgerReader:
    """Reads the ledger actor. Its calls are retried by Ray (``max_task_retries=-1``)
    while the ledger restarts: every ledger method is idempotent or a read."""

    def __init__(self, handle: Any) -> None:
        self.handle = handle

    async def spent(self, episode_id: str, stage: str | tuple[str, ...] | None = None) -> int:
        """Committed micro-USD of an episode, of one of its stages, or of several."""
        if stage is None:
            total: int = await self.handle.spent.remote(episode_id)
        else:
            total = await self.handle.spent.remote(episode_id, stage)
        return total

    async def spent_by_stage(self, episode_id: str) -> dict[str, int]:
        """Committed micro-USD of each stage of an episode that has any."""
        spent: dict[str, int] = await self.handle.spent_by_stage.remote(episode_id)
        return spent

    async def spend(self) -> Spend:
        """The batch's spend: committed, reserved, and their breakdowns."""
        spend: Spend = await self.handle.spend.remote()
        return spend


class GovernorReader:
    """Reads the provider governor actor."""

    def __init__(self, handle: Any) -> None:
        self.handle = handle

    async def state(self) -> dict[str, ProviderState]:
        """Each provider's window, calls in flight, pauses and throttles."""
        return dict(await self.handle.state.remote())


class MemoryClient:
    """The series memory of the batch's show, or none (``handle`` None)."""

    def __init__(self, handle: Any | None) -> None:
        self.handle = handle

    @property
    def on(self) -> bool:
        """Whether the batch has a series memory."""
        return self.handle is not None

    async def claim(self, episode_id: str, facts: list[str]) -> None:
        """The research of an in-flight episode chose ``facts``."""
        await self._ask("claim", lambda m: m.claim.remote(episode_id, facts), None)

    async def forget_claim(self, episode_id: str) -> None:
        """An episode that did not complete said nothing: free its facts."""
        await self._ask("forget_claim", lambda m: m.forget_claim.remote(episode_id), None)

    async def lessons(self) -> list[Lesson]:
        """Lessons, most frequent failure first; none without memory."""
        got: list[Lesson] = await self._ask("lessons", lambda m: m.lessons.remote(), [])
        return got

    async def covered_facts(self, exclude_episode: str) -> list[str]:
        """Facts of every other episode, recorded or in flight; none without memory."""
        got: list[str] = await self._ask(
            "covered_facts", lambda m: m.covered_facts.remote(exclude_episode), []
        )
        return got

    async def spoken_lines(self, exclude_episode: str) -> list[tuple[str, int]]:
        """Host lines of the show's other recorded episodes with how many said each;
        none without memory."""
        got: list[tuple[str, int]] = await self._ask(
            "spoken_lines", lambda m: m.spoken_lines.remote(exclude_episode), []
        )
        return got

    async def record_quality(
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
        """Remember the verdict that decided a draft (see ``SeriesMemory``); a call
        sent again with the same ``verdict_id`` counts once."""
        await self._ask(
            "record_quality",
            lambda m: m.record_quality.remote(
                episode_id,
                topic,
                title,
                passed,
                checks,
                suggestions,
                facts_said,
                duration_s,
                verdict_id,
                lines_said,
            ),
            None,
        )

    async def record_failure(self, run_id: str, episode_id: str, topic: str, a: Any) -> None:
        """Remember the analysis ``a`` (a ``FailureAnalysis``) of an episode."""
        await self._ask(
            "record_failure",
            lambda m: m.record_failure.remote(
                run_id, episode_id, topic, a.cause, a.summary, a.action, a.subject
            ),
            None,
        )

    async def source_failed(self, source: str, reason: str, run_id: str, episode_id: str) -> None:
        """Flag a source that could not be read, for the next run that uses it."""
        await self._ask(
            "source_failed",
            lambda m: m.source_failed.remote(source, reason, run_id, episode_id),
            None,
        )

    async def sources_read(self, sources: list[str]) -> None:
        """Sources that were read: their flags go."""
        await self._ask("sources_read", lambda m: m.sources_read.remote(sources), None)

    async def bad_sources(self) -> dict[str, SourceFlag]:
        """Flagged sources by source; none without memory."""
        got: dict[str, SourceFlag] = await self._ask(
            "bad_sources", lambda m: m.bad_sources.remote(), {}
        )
        return got

    async def held_windows(self, windows: dict[str, int | None]) -> None:
        """The concurrency that held per provider in this run."""
        await self._ask("held_windows", lambda m: m.held_windows.remote(windows), None)

    async def record_costs(self, batch: BatchCost) -> None:
        """Remember what the batch cost per stage; a run recorded again replaces itself."""
        await self._ask("record_costs", lambda m: m.record_costs.remote(batch), None)

    async def _ask(self, method: str, send: Callable[[Any], Awaitable[T]], empty: T) -> T:
        """Send one call; without memory, or if it fails, answer ``empty``: a batch
        loses memory's help, never an episode."""
        if self.handle is None:
            return empty
        try:
            got = await send(self.handle)
        except Exception as exc:  # memory is help, not a dependency
            log.warning("series memory %s failed: %s", method, exc)
            return empty
        return empty if got is None else got
