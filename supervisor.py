"""The supervisor actor: runs one batch into one run directory, and only coordinates.

It creates the batch's shared actors (the treasury, which is the cost ledger and the
provider governor in one actor, and the series memory) and its agents
(``podcast_factory.pool``), runs the episodes, many at once under a semaphore (asyncio
inside the actor; refs are awaited, never ``ray.get``), answers progress, stops the
batch on ``interrupt`` and writes the batch's totals at its end. The rest is elsewhere:

- ``podcast_factory.episode``: one episode's stage graph, draft loop and agent calls;
- ``podcast_factory.book``: episode states, manifests, and each stage's record, reuse
  and retries;
- ``podcast_factory.pool``: spawning, restarting and recreating the agents;
- ``podcast_factory.batch_actors``: starting the treasury, memory and analyst;
- ``podcast_factory.episode_end``: what is done before and after an episode's run
  (flagged sources, failure analysis) and the batch's cost record;
- ``podcast_factory.clients``: typed clients of the ledger, governor and memory.

A stage is retried only when its agent crashed. After each stage its artifacts and the
episode's manifest are written atomically, so a rerun into the same directory reuses
every stage whose fingerprint still matches (``podcast_factory.reuse``) and a crash
loses at most the stage in flight.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

from podcast_factory.batch_actors import start_batch_actors
from podcast_factory.book import LEDGER_WAIT_S, EpisodeBook, Stopped
from podcast_factory.calibration import cost_history
from podcast_factory.config import Credentials, RunSettings
from podcast_factory.episode import EpisodeRun, Shared, overlaps
from podcast_factory.episode_end import analyse, check_flagged_sources, record_costs
from podcast_factory.errors import BudgetExceeded, StageFailed
from podcast_factory.estimate import estimate_batch
from podcast_factory.failures import by_cause, held_windows, learned_limits
from podcast_factory.models import (
    AudioAsset,
    BatchResult,
    BatchSpec,
    EpisodeSpec,
    EpisodeState,
    QualityReport,
)
from podcast_factory.pool import AgentPool
from podcast_factory.rundir import RunDir, to_json_bytes
from podcast_factory.stages import GATES

log = logging.getLogger(__name__)


class Supervisor:
    """Runs one batch into one run directory. Made remote by ``podcast_factory.api``."""

    def __init__(
        self,
        batch: BatchSpec,
        out_dir: str,
        settings: RunSettings,
        creds: Credentials | None = None,
    ) -> None:
        self.batch = batch
        if settings.speech_cache_dir is None:
            cache = str(Path(out_dir) / ".cache" / "speech")
            settings = settings.model_copy(update={"speech_cache_dir": cache})
        settings = learned_limits(settings, batch.show.name)  # a throttled provider
        self.settings = settings
        self.rundir = RunDir(out_dir)
        self.rundir.root.mkdir(parents=True, exist_ok=True)
        self.run_id = uuid.uuid4().hex[:12]
        self.episode_tasks: dict[str, asyncio.Future[None]] = {}
        creds = creds or Credentials()
        actors = start_batch_actors(batch, settings, self.rundir, self.run_id, creds)
        self.ledger, self.governor = actors.ledger, actors.governor
        self.memory, self.analyst = actors.memory, actors.analyst
        ledger_name, governor_name = actors.ledger_name, actors.governor_name
        self.pool = AgentPool(batch.workflow, settings, creds, ledger_name, governor_name)
        self.book = EpisodeBook(batch.episodes, self.rundir, self.ledger)
        self.shared = Shared(
            run_id=self.run_id,
            workflow=batch.workflow,
            settings=settings,
            rundir=self.rundir,
            book=self.book,
            pool=self.pool,
            ledger=self.ledger,
            memory=self.memory,
            research_done={ep.episode_id: asyncio.Event() for ep in batch.episodes},
            overlaps=overlaps(batch.episodes) if self.memory.on else {},
        )

    # -- what callers can ask ---------------------------------------------------------

    def progress(self, since: int = 0) -> tuple[int, list[EpisodeState]]:
        """The episodes whose state changed after version ``since``, and the current
        version: a poller sends back what it last got and receives only the changes,
        so polling a batch of thousands of episodes stays cheap."""
        return self.book.progress(since)

    def agent_handles(self) -> dict[str, Any]:
        """The current agents, ledger, governor and memory (tests kill them to prove the
        batch survives)."""
        extra = {"memory": self.memory.handle} if self.memory.on else {}
        shared = {"ledger": self.ledger.handle, "governor": self.governor.handle}
        return {**self.pool.agents, **shared, **extra}

    async def provider_state(self) -> dict[str, Any]:
        """The governor's view of each provider: window, in flight, pauses, throttles."""
        return dict(await self.governor.state())

    async def agent_stats(self) -> list[Any]:
        """Counters of the built-in agents, best effort (see ``AgentPool.stats``)."""
        return await self.pool.stats()

    async def interrupt(self, reason: str = "interrupted", grace_s: float = 10.0) -> None:
        """Stop the batch: no stage starts from now on; stages in flight get ``grace_s``
        to finish (their calls commit or release, their artifacts are kept), then are
        cancelled. Every episode not ended is left ``interrupted`` in its manifest; a
        rerun into the same directory resumes. ``run`` returns once all are settled."""
        self.book.stopping = reason
        pending = [t for t in self.episode_tasks.values() if not t.done()]
        if pending:
            _, late = await asyncio.wait(pending, timeout=grace_s)
            for task in late:
                task.cancel()
            if late:
                await asyncio.wait(late, timeout=grace_s)

    # -- the batch ----------------------------------------------------------------------

    async def run(self) -> BatchResult:
        started = time.time()
        history = cost_history(self.settings, self.batch.show.name) if self.memory.on else None
        estimate = await asyncio.to_thread(estimate_batch, self.batch, self.settings, None, history)
        info: dict[str, Any] = {
            "spec": self.batch.model_dump(mode="json"),
            "settings": self.settings.model_dump(mode="json"),
            "estimate": estimate.model_dump(mode="json"),
            "started_at": started,
        }
        await self.book.write_batch(info)
        gate = asyncio.Semaphore(self.batch.concurrency)
        self.episode_tasks = {
            ep.episode_id: asyncio.ensure_future(self._episode(ep, gate))
            for ep in self.batch.episodes
        }
        await asyncio.gather(*self.episode_tasks.values(), return_exceptions=True)
        # Nothing from here on may fail the batch: every episode has ended.
        states = tuple(self.book.states[ep.episode_id] for ep in self.batch.episodes)
        try:
            spend = await asyncio.wait_for(self.ledger.spend(), LEDGER_WAIT_S)
            cost, units, reserved = spend.committed_micro_usd, spend.units, spend.reserved_micro_usd
        except Exception as exc:  # the ledger is restarting or gone: count the manifests
            log.warning("ledger gave no totals (%s); counted from the manifests", exc)
            cost, units, reserved = sum(s.total_cost_micro_usd for s in states), {}, 0
        await record_costs(self.shared, estimate, states)
        placed = await self.agent_stats()
        try:  # the concurrency that held, for the show's next run
            windows = await asyncio.wait_for(self.governor.state(), LEDGER_WAIT_S)
            await self.memory.held_windows(held_windows(windows, self.settings))
        except Exception as exc:  # learning never fails a batch
            log.warning("governor gave no windows: %s", exc)
        ended = time.time()
        statuses = Counter(s.status for s in states)
        info |= {
            "ended_at": ended,
            "wall_s": round(ended - started, 3),
            "totals": {
                "episodes": len(states),
                **{str(k): n for k, n in sorted(statuses.items())},
                "cost_micro_usd": cost,
                "units": units,
            },
            "agents": [a.model_dump(mode="json") for a in placed],
            "failures_by_cause": by_cause(states),
        }
        notes = self.book.notes
        if self.book.stopping is not None:
            info["interrupted"] = {"reason": self.book.stopping, "reserved_micro_usd": reserved}
        if notes:
            info["notes"] = list(notes)
        await self.book.write_batch(info)
        return BatchResult(
            out_dir=str(self.rundir.root),
            episodes=states,
            total_cost_micro_usd=cost,
            wall_s=round(ended - started, 3),
            notes=tuple(notes),
        )

    async def _episode(self, ep: EpisodeSpec, gate: asyncio.Semaphore) -> None:
        """One episode under the concurrency gate, from its manifest to its end status."""
        eid, book = ep.episode_id, self.book
        try:
            async with gate:
                if book.stopping is not None:  # queued when the batch was interrupted
                    raise Stopped("queued")
                await book.begin(ep)
                try:
                    await check_flagged_sources(self.shared, ep)
                    results = await EpisodeRun(self.shared, ep).run()
                    verdicts = [r for g in GATES if isinstance(r := results.get(g), QualityReport)]
                    if verdicts:
                        passed = all(v.passed for v in verdicts)
                        audio = results.get("audio")
                        await book.finish(
                            eid,
                            "completed" if passed else "rejected",
                            quality_passed=passed,
                            duration_audio_s=audio.duration_s
                            if isinstance(audio, AudioAsset)
                            else None,
                        )
                    else:
                        await book.finish(eid, "completed")
                except BudgetExceeded as exc:
                    await book.finish(eid, "over_budget", failure=exc.message)
                except StageFailed as exc:
                    await book.finish(eid, "failed", failure=exc.message)
                if book.states[eid].status != "completed":
                    await self.memory.forget_claim(eid)
                    await analyse(self.shared, ep, self.analyst)
        except (Stopped, asyncio.CancelledError):
            await book.stopped(eid)
        except OSError as exc:  # a manifest could not be written (a full disk)
            path = self.rundir.episode_dir(eid) / "manifest.json"
            message = book.note_disk(exc, path, len(to_json_bytes(book.states[eid])))
            await book.ended_anyway(eid, "failed", message)
        finally:
            self.shared.research_done[eid].set()
