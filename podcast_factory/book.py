"""The episode book: what the batch knows of each episode, kept in memory and on disk.

The book holds every episode's ``EpisodeState`` and a version per state (``progress``
sends a poller only what changed, from memory), writes the manifest at an episode's
start, at each stage's end and at the episode's end (off the event loop, whole or not
at all; a stage starting is not written: a crash mid-stage resumes the same from the
stages completed before it), and records each stage while it runs:
``run_stage`` reuses a stage a previous run completed intact with the same
fingerprint, or tries it (again only when its agent crashed; the pool decides), then
writes its artifacts and what it cost and took.

A full disk never fails the batch silently: it becomes a note for the person running
the batch (``notes``) and the failure of the stage or episode that met it.
"""

from __future__ import annotations

import asyncio
import errno
import json
import logging
import shutil
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from ray.exceptions import RayTaskError

from podcast_factory.clients import LedgerReader
from podcast_factory.errors import BudgetExceeded, StageFailed
from podcast_factory.metering import StageContext
from podcast_factory.models import EpisodeSpec, EpisodeState, ErrorInfo, StageRecord
from podcast_factory.pool import AgentPool
from podcast_factory.rundir import RunDir
from podcast_factory.state import StageSpan

log = logging.getLogger(__name__)

Work = Callable[[StageContext], Awaitable[tuple[Any, dict[str, bytes], int | None]]]
"""A stage's call: its result, the files to keep by name, and what it committed to the
ledger when its agent says (``StageResult.spent_micro_usd``), else None."""
LEDGER_WAIT_S = 30.0
"""How long the end of a batch (or of an episode) waits for the ledger before doing
without it."""


class Stopped(Exception):
    """Raised inside the supervisor when a stage would start after ``interrupt``."""


def disk_full_message(path: Path, needed: int | None) -> str:
    """What a user needs to know when a write found the disk full."""
    try:
        free = shutil.disk_usage(next(p for p in (path, *path.parents) if p.exists())).free
    except (OSError, StopIteration):
        free = 0
    wants = f"needs {needed:,} bytes" if needed else "needs more space"
    return (
        f"no space left on the device holding {path}: writing it {wants}, "
        f"{free:,} bytes are free; free some space and rerun the same command to resume"
    )


class EpisodeBook:
    """The states of one batch's episodes, their versions, and the batch's notes."""

    def __init__(
        self, episodes: tuple[EpisodeSpec, ...], rundir: RunDir, ledger: LedgerReader
    ) -> None:
        self.rundir = rundir
        self.ledger = ledger
        self.states: dict[str, EpisodeState] = {
            ep.episode_id: EpisodeState(episode_id=ep.episode_id, topic=ep.topic) for ep in episodes
        }
        self.version = 1  # of the states: progress() sends what changed since a version
        self.versions = dict.fromkeys(self.states, 1)
        self.stopping: str | None = None  # why no new stage may start (interrupt)
        self.notes: list[str] = []  # batch-level problems for the person running it
        self.tally: dict[str, dict[str, int]] = {}
        """Committed micro-USD per episode and stage, as the ledger has it: read from the
        ledger once as an episode begins, then kept by adding what each stage attempt
        says it committed, so a stage end costs no ledger round trip. An attempt that
        cannot say (it failed, or its agent is not one of ours) is read back instead."""

    def progress(self, since: int = 0) -> tuple[int, list[EpisodeState]]:
        """The episodes whose state changed after version ``since``, and the current
        version."""
        changed = [self.states[eid] for eid, v in self.versions.items() if v > since]
        return self.version, changed

    # -- an episode's state -------------------------------------------------------------

    async def save(self, state: EpisodeState, *, durable: bool = True) -> None:
        """Keep ``state`` (progress serves it from memory); write the manifest only when
        ``durable``: at an episode's start and end and at each stage's end. A change
        kept in memory only (a stage starting) reaches the disk with the next write;
        a crash before that loses nothing a resumed run needs."""
        state = state.model_copy(update={"active_at": time.time()})
        self.states[state.episode_id] = state
        self.version += 1
        self.versions[state.episode_id] = self.version
        if durable:
            await asyncio.to_thread(self.rundir.write_manifest, state)

    async def begin(self, ep: EpisodeSpec) -> None:
        """Start an episode from its manifest of an earlier run, if any."""
        eid = ep.episode_id
        previous = await asyncio.to_thread(self.rundir.load_manifest, eid)
        now = time.time()
        state = (previous or self.states[eid]).model_copy(
            update={
                "status": "running",
                "ended_at": None,
                "failure": None,
                "analysis": None,
                "topic": ep.topic,
                "started_at": (previous.started_at if previous else None) or now,
                **(previous.resumed(now) if previous else {"run_started_at": now}),
            }
        )
        await self.save(state)
        self.tally[eid] = await self.ledger.spent_by_stage(eid)

    def spent(self, eid: str, stages: tuple[str, ...] | None = None) -> int:
        """Committed micro-USD of an episode, or of some of its stages (the tally)."""
        per = self.tally.get(eid, {})
        if stages is None:
            return sum(per.values())
        return sum(per.get(s, 0) for s in stages)

    async def _counted(self, eid: str, stage: str, spent: int | None) -> int:
        """A stage attempt ended having committed ``spent`` (None: unknown, so the
        ledger is asked); the stage's cost so far, over every attempt and run."""
        if spent is None or eid not in self.tally:
            cost = await self.ledger.spent(eid, stage)
            self.tally.setdefault(eid, {})[stage] = cost
            return cost
        per = self.tally[eid]
        per[stage] = per.get(stage, 0) + spent
        return per[stage]

    async def record(
        self, eid: str, stage: str, record: StageRecord, *, durable: bool = True
    ) -> None:
        state = self.states[eid]
        total = sum(r.cost_micro_usd for n, r in state.stages.items() if n != stage)
        await self.save(
            state.model_copy(
                update={
                    "current_stage": stage,
                    "stages": {**state.stages, stage: record},
                    "total_cost_micro_usd": total + record.cost_micro_usd,
                }
            ),
            durable=durable,
        )

    async def finish(self, eid: str, status: str, **fields: Any) -> None:
        # a completed episode's every stage ended and was counted; any other end may
        # leave an attempt uncounted (cut short), so the ledger says
        total = self.spent(eid) if status == "completed" else await self.ledger.spent(eid)
        await self.save(
            self.states[eid].model_copy(
                update={
                    "status": status,
                    "current_stage": None,
                    "ended_at": time.time(),
                    "total_cost_micro_usd": total,
                    **fields,
                }
            )
        )

    async def stopped(self, eid: str) -> None:
        """Leave an episode the interrupt stopped as ``interrupted``: stages in flight
        marked so, the stage it stopped at named, what it had done kept for the rerun."""
        state = self.states[eid]
        if state.status == "pending":  # never started in this run: keep what is on disk
            on_disk = await asyncio.to_thread(self.rundir.load_manifest, eid)
            now = time.time()
            state = on_disk.model_copy(update=on_disk.resumed(now)) if on_disk else state
        at = [n for n, r in state.stages.items() if r.status == "running"]
        stages = {
            n: r.model_copy(update={"status": "interrupted", "note": self.stopping})
            if n in at
            else r
            for n, r in state.stages.items()
        }
        where = (
            f"during {', '.join(at)}"
            if at
            else (f"after {state.current_stage}" if state.current_stage else "before it started")
        )
        self.states[eid] = state.model_copy(update={"stages": stages})
        await self.ended_anyway(eid, "interrupted", f"{self.stopping} {where}")

    async def ended_anyway(self, eid: str, status: str, failure: str) -> None:
        """End an episode whatever else fails (a full disk, a cancelled call): the state
        is kept in memory and the manifest written if it can be."""
        try:
            await asyncio.wait_for(self.finish(eid, status, failure=failure), LEDGER_WAIT_S)
        except (Exception, asyncio.CancelledError) as exc:
            log.warning("episode %s: could not record %s: %s", eid, status, exc)
            self.states[eid] = self.states[eid].model_copy(
                update={
                    "status": status,
                    "current_stage": None,
                    "failure": failure,
                    "ended_at": time.time(),
                }
            )

    # -- the batch's files ----------------------------------------------------------------

    async def write_batch(self, info: dict[str, Any]) -> None:
        """Write ``batch.json``; a full disk becomes a note, never a failed batch."""
        try:
            await asyncio.to_thread(self.rundir.write_batch, info)
        except OSError as exc:
            self.note_disk(exc, self.rundir.batch_path, len(json.dumps(info, default=str)))

    def note_disk(self, exc: OSError, path: Path, needed: int | None) -> str:
        """A message for a failed write; a full disk is also noted for the whole batch."""
        if exc.errno not in (errno.ENOSPC, errno.EDQUOT):
            return f"cannot write {path}: {exc.strerror or exc}"
        message = disk_full_message(path, needed)
        if not any(n.startswith("no space left") for n in self.notes):
            self.notes.append(message)
        return message

    # -- one stage --------------------------------------------------------------------------

    async def run_stage(
        self,
        ep: EpisodeSpec,
        stage: str,
        fp: str,
        load: Callable[[], Any],
        work: Work,
        pool: AgentPool,
    ) -> tuple[Any, bool]:
        """Run one stage, or load its result when a previous run completed it intact
        with the same fingerprint. Returns the result and whether the stage ran."""
        eid = ep.episode_id
        record = self.states[eid].stages.get(stage, StageRecord())
        if (
            record.status == "completed"
            and record.fingerprint == fp
            and await asyncio.to_thread(self.rundir.artifacts_intact, eid, record.artifacts)
        ):
            return await asyncio.to_thread(load), False
        began = time.monotonic()
        # Attempts are numbered across runs, so a stage redone after a crash or a damaged
        # artifact makes calls with new ids (and is charged), while retries of this run
        # are bounded by `tries`.
        attempt = record.attempts
        tries = 0
        record = record.model_copy(update={"started_at": time.time(), "ended_at": None})
        while True:
            if self.stopping is not None:
                raise Stopped(stage)
            attempt += 1
            tries += 1
            tried = time.time()
            record = record.model_copy(
                update={"status": "running", "attempts": attempt, "note": None}
            )
            # in memory only: the disk keeps the stage as it was (a completed stage being
            # redone stays reusable only while its fingerprint and artifacts still match)
            await self.record(eid, stage, record, durable=False)
            ctx = StageContext(episode_id=eid, stage=stage, attempt=attempt)
            turn = pool.dispatch(stage)  # the least busy replica of the stage's agent
            try:
                try:
                    result, files, spent = await work(ctx)
                finally:
                    pool.done(stage, turn)
                break
            except Exception as raised:
                exc = unwrap(raised)
                message = str(exc)
                if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
                    where = Path(str(exc.filename)) if exc.filename else self.rundir.root
                    message = self.note_disk(exc, where, None)  # an agent's or the ledger's
                error = ErrorInfo(
                    type=type(exc).__name__, message=message, stage=stage, attempt=attempt
                )
                retry = await pool.should_retry(stage, exc, tries, turn)
                self.states[eid] = self.states[eid].model_copy(
                    update={"errors": (*self.states[eid].errors, error)}
                )
                record = record.with_span(
                    StageSpan(started_at=tried, ended_at=time.time(), attempt=attempt, ok=False)
                )
                # what the failed attempt committed (a crashed agent cannot say)
                await self._counted(eid, stage, None)
                if retry:
                    continue
                await self._close(eid, stage, record, began, 0, status="failed", error=error)
                if isinstance(exc, BudgetExceeded):
                    raise
                raise StageFailed(eid, stage, error.type, error.message, tries) from exc
        record = record.with_span(
            StageSpan(started_at=tried, ended_at=time.time(), attempt=attempt, ok=True)
        )
        artifacts = {}
        for name, data in files.items():
            try:
                artifacts[name] = await asyncio.to_thread(
                    self.rundir.write_artifact, eid, name, data
                )
            except OSError as raised:
                path = self.rundir.episode_dir(eid) / name
                message = self.note_disk(raised, path, len(data))
                error = ErrorInfo(type="OSError", message=message, stage=stage, attempt=attempt)
                await self._close(eid, stage, record, began, spent, status="failed", error=error)
                raise StageFailed(eid, stage, "OSError", message, tries) from raised
        await self._close(
            eid,
            stage,
            record,
            began,
            spent,
            status="completed",
            error=None,
            artifacts=artifacts,
            fingerprint=fp,
            imported_from=None,
        )
        return result, True

    async def _close(
        self,
        eid: str,
        stage: str,
        record: StageRecord,
        began: float,
        spent: int | None,
        **fields: Any,
    ) -> None:
        """Record how a stage ended, with what it cost (over all its attempts: the
        tally, ``spent`` being what the last attempt committed) and how long it took."""
        cost = await self._counted(eid, stage, spent)
        duration = round(time.monotonic() - began, 3)
        update = {**fields, "cost_micro_usd": cost, "duration_s": duration, "ended_at": time.time()}
        await self.record(eid, stage, record.model_copy(update=update))


def unwrap(exc: Exception) -> Exception:
    """The agent's own exception out of Ray's wrapper, so manifests keep its type and
    message rather than a remote traceback."""
    cause = getattr(exc, "cause", None)
    if isinstance(exc, RayTaskError) and isinstance(cause, Exception):
        return cause
    return exc
