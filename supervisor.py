"""The supervisor actor: runs each episode's workflow and keeps the run directory.

An episode's workflow is a graph of stages (``podcast_factory.workflow``): the full
preset is research -> script -> audio -> quality, then summary and social side by side
when quality passed. Each stage starts as soon as what it waits for is done, so stages
that do not depend on each other run in parallel; many episodes run at once under a
semaphore (asyncio inside the actor; refs are awaited, never ``ray.get``).

Quality is a gate: a failed verdict sends the script back to the writer with the
evaluator's suggestions, and the stages between them run again, up to the workflow's
number of revisions; every draft and its cost is in the manifest.

A stage is retried only when its agent crashed (Ray restarts it, or it is recreated).
After each stage its artifacts and the episode's manifest are written atomically, so a
rerun into the same directory reuses every stage whose fingerprint still matches
(``podcast_factory.reuse``) and a crash loses at most the stage in flight.

The supervisor coordinates and nothing else: agents do the work, the ledger keeps the
money, the memory actor keeps the series, ``RunDir`` knows the file layout.
"""

from __future__ import annotations

import asyncio
import errno
import json
import logging
import random
import shutil
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import ray
from pydantic import BaseModel
from ray.exceptions import ActorDiedError, ActorUnavailableError, RayTaskError
from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

from podcast_factory.actors.audio import AudioSynthesizer
from podcast_factory.actors.governor import ACTOR_OPTIONS as GOVERNOR_OPTIONS
from podcast_factory.actors.governor import GovernorClient, ProviderGovernor
from podcast_factory.actors.ledger import CostLedger
from podcast_factory.actors.memory import SeriesMemory
from podcast_factory.actors.quality import QualityEvaluator
from podcast_factory.actors.research import ResearchAgent
from podcast_factory.actors.script import ScriptWriter
from podcast_factory.actors.social import SocialAgent
from podcast_factory.actors.summary import SummaryAgent
from podcast_factory.config import WORDS_PER_MINUTE, Credentials, RunSettings
from podcast_factory.errors import BudgetExceeded, StageFailed
from podcast_factory.estimate import estimate_batch
from podcast_factory.inputs import OUTPUTS, import_inputs
from podcast_factory.metering import ActorLedger, StageContext
from podcast_factory.models import (
    AudioAsset,
    BatchResult,
    BatchSpec,
    Draft,
    EpisodeSpec,
    EpisodeState,
    ErrorInfo,
    Feedback,
    QualityReport,
    ResearchDoc,
    Script,
    StageRecord,
)
from podcast_factory.providers.offline_notes import notes_markdown
from podcast_factory.render import script_markdown
from podcast_factory.reuse import fingerprint
from podcast_factory.rundir import RunDir, to_json_bytes
from podcast_factory.workflow import StageSpec, user_agent_takes_agent_args

log = logging.getLogger(__name__)

AGENTS: dict[str, tuple[type, dict[str, Any]]] = {
    # I/O-bound agents are async actors with bounded concurrency; offline speech is
    # CPU-bound and gets num_cpus=1 in _spawn.
    "research": (ResearchAgent, {"max_concurrency": 32}),
    "script": (ScriptWriter, {"max_concurrency": 32}),
    "review": (QualityEvaluator, {"max_concurrency": 8}),
    "audio": (AudioSynthesizer, {"max_concurrency": 16}),
    "quality": (QualityEvaluator, {"max_concurrency": 8}),
    "summary": (SummaryAgent, {"max_concurrency": 32}),
    "social": (SocialAgent, {"max_concurrency": 32}),
}
USER_AGENT_OPTIONS: dict[str, Any] = {"max_concurrency": 16}
GATES = ("review", "quality")
"""The script gate (before speech is bought) and the audio gate, in the order they judge."""
SKIPPED = object()
"""A stage's result when its condition did not hold or an input it needs was skipped."""

Work = Callable[[StageContext], Awaitable[tuple[Any, dict[str, bytes]]]]
STATS_WAIT_S = 5.0
"""How long the end of a batch waits for an agent's statistics (best effort)."""
LEDGER_WAIT_S = 30.0
"""How long the end of a batch waits for the ledger's totals before counting them from
the manifests."""


class _Stopped(Exception):
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
        self.workflow = batch.workflow
        if settings.speech_cache_dir is None:
            cache = str(Path(out_dir) / ".cache" / "speech")
            settings = settings.model_copy(update={"speech_cache_dir": cache})
        self.settings = settings
        self.creds = creds or Credentials()
        self.rundir = RunDir(out_dir)
        self.rundir.root.mkdir(parents=True, exist_ok=True)
        self.states: dict[str, EpisodeState] = {
            ep.episode_id: EpisodeState(episode_id=ep.episode_id, topic=ep.topic)
            for ep in batch.episodes
        }
        self.version = 1  # of the states: progress() sends what changed since a version
        self.versions = dict.fromkeys(self.states, 1)
        self.run_id = uuid.uuid4().hex[:12]
        self.stopping: str | None = None  # why no new stage may start (interrupt)
        self.episode_tasks: dict[str, asyncio.Future[None]] = {}
        self.notes: list[str] = []  # batch-level problems for the person running it
        here = NodeAffinitySchedulingStrategy(ray.get_runtime_context().get_node_id(), soft=True)
        self.ledger_name = f"podcast-factory-ledger-{self.run_id}"
        self.ledger: Any = (
            ray.remote(CostLedger)
            # every ledger method is idempotent (by call id) or a read, so a call that met
            # a restart is simply sent again once the ledger has reloaded its file
            .options(
                name=self.ledger_name,
                max_restarts=-1,
                max_task_retries=-1,
                scheduling_strategy=here,
            )
            .remote(
                str(self.rundir.ledger_path),
                batch.budget_micro_usd,
                batch.episode_cap_micro_usd,
                self.run_id,
            )
        )
        self.governor_name = f"podcast-factory-governor-{self.run_id}"
        self.governor: Any = (
            ray.remote(ProviderGovernor)
            .options(name=self.governor_name, **GOVERNOR_OPTIONS)
            .remote(settings.provider_limits)
        )
        self.memory: Any = None
        if settings.memory and settings.memory_dir:  # its file is on the supervisor's node
            self.memory = (
                ray.remote(SeriesMemory)
                .options(
                    name=f"podcast-factory-memory-{self.run_id}",
                    max_restarts=-1,
                    max_task_retries=-1,
                    scheduling_strategy=here,
                )
                .remote(settings.memory_dir, batch.show.name)
            )
        names = [s.name for s in self.workflow.stages]
        self.agents = {name: self._spawn(name) for name in names}
        self.recreated = dict.fromkeys(names, 0)
        self.generation = dict.fromkeys(names, 0)
        # Episodes that share a source research one after another, in batch order, so the
        # later one knows which facts the earlier one took (series memory).
        self.research_done = {ep.episode_id: asyncio.Event() for ep in batch.episodes}
        self.overlaps = _overlaps(batch.episodes) if self.memory is not None else {}

    def _spawn(self, name: str) -> Any:
        spec = self.workflow.stage(name)
        args: tuple[Any, ...] = (
            self.settings,
            ActorLedger(self.ledger_name),
            self.creds,
            GovernorClient(self.governor_name, self.settings.provider_limits),
        )
        if spec.agent_class is not None:  # a user's agent, by import path or class
            cls = spec.agent_class
            options = dict(USER_AGENT_OPTIONS)
            if not user_agent_takes_agent_args(cls):
                args = ()
        else:
            cls, options = AGENTS[spec.agent]
            if spec.agent == "audio" and self.settings.tts == "espeak":
                options = {**options, "num_cpus": 1}  # offline speech is CPU-bound
        return (
            ray.remote(cls)
            .options(
                max_restarts=self.settings.max_actor_restarts,
                scheduling_strategy="SPREAD",  # on a cluster, agents use every node
                **options,
            )
            .remote(*args)
        )

    # -- what callers can ask ---------------------------------------------------------

    def progress(self, since: int = 0) -> tuple[int, list[EpisodeState]]:
        """The episodes whose state changed after version ``since``, and the current
        version: a poller sends back what it last got and receives only the changes,
        so polling a batch of thousands of episodes stays cheap."""
        changed = [self.states[eid] for eid, v in self.versions.items() if v > since]
        return self.version, changed

    def agent_handles(self) -> dict[str, Any]:
        """The current agents, ledger, governor and memory (tests kill them to prove the
        batch survives)."""
        extra = {"memory": self.memory} if self.memory is not None else {}
        return {**self.agents, "ledger": self.ledger, "governor": self.governor, **extra}

    async def provider_state(self) -> dict[str, Any]:
        """The governor's view of each provider: window, in flight, pauses, throttles."""
        return dict(await self.governor.state.remote())

    async def agent_stats(self) -> list[Any]:
        """Counters of the built-in agents (user agents need not keep any), best effort:
        an agent that is restarting, dead or slower than ``STATS_WAIT_S`` is left out."""
        built_in = [
            (n, a) for n, a in self.agents.items() if self.workflow.stage(n).agent_class is None
        ]
        got = await asyncio.gather(*(self._stats_of(n, a) for n, a in built_in))
        return [g for g in got if g is not None]

    @staticmethod
    async def _stats_of(name: str, agent: Any) -> Any:
        try:
            return await asyncio.wait_for(agent.stats.remote(), STATS_WAIT_S)
        except Exception as exc:  # statistics never fail a batch
            log.warning("agent %s gave no statistics: %s", name, type(exc).__name__)
            return None

    async def interrupt(self, reason: str = "interrupted", grace_s: float = 10.0) -> None:
        """Stop the batch: no stage starts from now on; stages in flight get ``grace_s``
        to finish (their calls commit or release, their artifacts are kept), then are
        cancelled. Every episode not ended is left ``interrupted`` in its manifest; a
        rerun into the same directory resumes. ``run`` returns once all are settled."""
        self.stopping = reason
        pending = [t for t in self.episode_tasks.values() if not t.done()]
        if pending:
            _, late = await asyncio.wait(pending, timeout=grace_s)
            for task in late:
                task.cancel()
            if late:
                await asyncio.wait(late, timeout=grace_s)

    async def run(self) -> BatchResult:
        started = time.time()
        estimate = await asyncio.to_thread(estimate_batch, self.batch, self.settings)
        info: dict[str, Any] = {
            "spec": self.batch.model_dump(mode="json"),
            "settings": self.settings.model_dump(mode="json"),
            "estimate": estimate.model_dump(mode="json"),
            "started_at": started,
        }
        await self._write_batch(info)
        gate = asyncio.Semaphore(self.batch.concurrency)
        self.episode_tasks = {
            ep.episode_id: asyncio.ensure_future(self._episode(ep, gate))
            for ep in self.batch.episodes
        }
        await asyncio.gather(*self.episode_tasks.values(), return_exceptions=True)
        # Nothing from here on may fail the batch: every episode has ended.
        states = tuple(self.states[ep.episode_id] for ep in self.batch.episodes)
        try:
            spend = await asyncio.wait_for(self.ledger.spend.remote(), LEDGER_WAIT_S)
            cost, units, reserved = spend.committed_micro_usd, spend.units, spend.reserved_micro_usd
        except Exception as exc:  # the ledger is restarting or gone: count the manifests
            log.warning("ledger gave no totals (%s); counted from the manifests", exc)
            cost, units, reserved = sum(s.total_cost_micro_usd for s in states), {}, 0
        placed = await self.agent_stats()
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
        }
        if self.stopping is not None:
            info["interrupted"] = {"reason": self.stopping, "reserved_micro_usd": reserved}
        if self.notes:
            info["notes"] = list(self.notes)
        await self._write_batch(info)
        return BatchResult(
            out_dir=str(self.rundir.root),
            episodes=states,
            total_cost_micro_usd=cost,
            wall_s=round(ended - started, 3),
            notes=tuple(self.notes),
        )

    async def _write_batch(self, info: dict[str, Any]) -> None:
        """Write ``batch.json``; a full disk becomes a note, never a failed batch."""
        try:
            await asyncio.to_thread(self.rundir.write_batch, info)
        except OSError as exc:
            self._note_disk(exc, self.rundir.batch_path, len(json.dumps(info, default=str)))

    def _note_disk(self, exc: OSError, path: Path, needed: int | None) -> str:
        """A message for a failed write; a full disk is also noted for the whole batch."""
        if exc.errno not in (errno.ENOSPC, errno.EDQUOT):
            return f"cannot write {path}: {exc.strerror or exc}"
        message = disk_full_message(path, needed)
        if not any(n.startswith("no space left") for n in self.notes):
            self.notes.append(message)
        return message

    # -- one episode --------------------------------------------------------------------

    async def _episode(self, ep: EpisodeSpec, gate: asyncio.Semaphore) -> None:
        eid = ep.episode_id
        try:
            async with gate:
                if self.stopping is not None:  # queued when the batch was interrupted
                    raise _Stopped("queued")
                previous = self.rundir.load_manifest(eid)
                state = (previous or self.states[eid]).model_copy(
                    update={
                        "status": "running",
                        "ended_at": None,
                        "failure": None,
                        "topic": ep.topic,
                        "started_at": (previous.started_at if previous else None) or time.time(),
                    }
                )
                await self._save(state)
                try:
                    results = await _EpisodeRun(self, ep).run()
                    verdicts = [r for g in GATES if isinstance(r := results.get(g), QualityReport)]
                    if verdicts:
                        passed = all(v.passed for v in verdicts)
                        audio = results.get("audio")
                        await self._finish(
                            eid,
                            "completed" if passed else "rejected",
                            quality_passed=passed,
                            duration_audio_s=audio.duration_s
                            if isinstance(audio, AudioAsset)
                            else None,
                        )
                    else:
                        await self._finish(eid, "completed")
                except BudgetExceeded as exc:
                    await self._finish(eid, "over_budget", failure=exc.message)
                except StageFailed as exc:
                    await self._finish(eid, "failed", failure=exc.message)
                if self.states[eid].status != "completed":
                    await self._remember("forget_claim", eid)
        except (_Stopped, asyncio.CancelledError):
            await self._stopped(eid)
        except OSError as exc:  # a manifest could not be written (a full disk)
            path = self.rundir.episode_dir(eid) / "manifest.json"
            message = self._note_disk(exc, path, len(to_json_bytes(self.states[eid])))
            await self._ended_anyway(eid, "failed", message)
        finally:
            self.research_done[eid].set()

    async def _stopped(self, eid: str) -> None:
        """Leave an episode the interrupt stopped as ``interrupted``: stages in flight
        marked so, the stage it stopped at named, what it had done kept for the rerun."""
        state = self.states[eid]
        if state.status == "pending":  # never started in this run: keep what is on disk
            state = self.rundir.load_manifest(eid) or state
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
        await self._ended_anyway(eid, "interrupted", f"{self.stopping} {where}")

    async def _ended_anyway(self, eid: str, status: str, failure: str) -> None:
        """End an episode whatever else fails (a full disk, a cancelled call): the state
        is kept in memory and the manifest written if it can be."""
        try:
            await asyncio.wait_for(self._finish(eid, status, failure=failure), LEDGER_WAIT_S)
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

    async def _finish(self, eid: str, status: str, **fields: Any) -> None:
        total = await self.ledger.spent.remote(eid)
        await self._save(
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

    async def _save(self, state: EpisodeState) -> None:
        self.states[state.episode_id] = state
        self.version += 1
        self.versions[state.episode_id] = self.version
        await asyncio.to_thread(self.rundir.write_manifest, state)

    async def _remember(self, method: str, *args: Any) -> Any:
        """Call the series memory; without memory, or if it fails, go on without it: a
        batch loses memory's help, never an episode."""
        if self.memory is None:
            return None
        try:
            return await getattr(self.memory, method).remote(*args)
        except Exception as exc:  # memory is help, not a dependency
            log.warning("series memory %s failed: %s", method, exc)
            return None

    async def _stage(
        self,
        ep: EpisodeSpec,
        stage: str,
        fp: str,
        load: Callable[[], Any],
        work: Work,
    ) -> tuple[Any, bool]:
        """Run one stage, or load its result when a previous run completed it intact
        with the same fingerprint. Returns the result and whether the stage ran."""
        eid = ep.episode_id
        record = self.states[eid].stages.get(stage, StageRecord())
        if (
            record.status == "completed"
            and record.fingerprint == fp
            and self.rundir.artifacts_intact(eid, record.artifacts)
        ):
            return await asyncio.to_thread(load), False
        began = time.monotonic()
        # Attempts are numbered across runs, so a stage redone after a crash or a damaged
        # artifact makes calls with new ids (and is charged), while retries of this run
        # are bounded by `tries`.
        attempt = record.attempts
        tries = 0
        while True:
            if self.stopping is not None:
                raise _Stopped(stage)
            attempt += 1
            tries += 1
            record = record.model_copy(
                update={"status": "running", "attempts": attempt, "note": None}
            )
            await self._record(eid, stage, record)
            ctx = StageContext(episode_id=eid, stage=stage, attempt=attempt)
            gen = self.generation[stage]
            try:
                result, files = await work(ctx)
                break
            except Exception as raised:
                exc = _unwrap(raised)
                message = str(exc)
                if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
                    where = Path(str(exc.filename)) if exc.filename else self.rundir.root
                    message = self._note_disk(exc, where, None)  # an agent's or the ledger's
                error = ErrorInfo(
                    type=type(exc).__name__, message=message, stage=stage, attempt=attempt
                )
                retry = await self._should_retry(stage, exc, tries, gen)
                self.states[eid] = self.states[eid].model_copy(
                    update={"errors": (*self.states[eid].errors, error)}
                )
                if retry:
                    continue
                await self._close(eid, stage, record, began, status="failed", error=error)
                if isinstance(exc, BudgetExceeded):
                    raise
                raise StageFailed(eid, stage, error.type, error.message, tries) from exc
        artifacts = {}
        for name, data in files.items():
            try:
                artifacts[name] = await asyncio.to_thread(
                    self.rundir.write_artifact, eid, name, data
                )
            except OSError as raised:
                path = self.rundir.episode_dir(eid) / name
                message = self._note_disk(raised, path, len(data))
                error = ErrorInfo(type="OSError", message=message, stage=stage, attempt=attempt)
                await self._close(eid, stage, record, began, status="failed", error=error)
                raise StageFailed(eid, stage, "OSError", message, tries) from raised
        await self._close(
            eid,
            stage,
            record,
            began,
            status="completed",
            error=None,
            artifacts=artifacts,
            fingerprint=fp,
            imported_from=None,
        )
        return result, True

    async def _close(
        self, eid: str, stage: str, record: StageRecord, began: float, **fields: Any
    ) -> None:
        """Record how a stage ended, with what it cost and how long it took."""
        cost = await self.ledger.spent.remote(eid, stage)
        duration = round(time.monotonic() - began, 3)
        update = {**fields, "cost_micro_usd": cost, "duration_s": duration}
        await self._record(eid, stage, record.model_copy(update=update))

    async def _should_retry(self, stage: str, exc: Exception, tries: int, gen: int) -> bool:
        """Retry a stage only when its agent crashed: wait for Ray to restart it, or
        recreate it if it is dead for good. Each crash costs the stage one try.

        Provider errors were already retried, once, in ``providers.retry``; retrying
        them here too would multiply the attempts."""
        if isinstance(exc, BudgetExceeded) or tries >= self.settings.max_attempts:
            return False
        if isinstance(exc, ActorDiedError):
            return self._recreate(stage, gen)
        if isinstance(exc, ActorUnavailableError):
            return await self._await_ready(stage)
        return False

    def _recreate(self, name: str, gen: int) -> bool:
        """Replace a dead agent, once per death however many calls saw it die."""
        if self.generation[name] != gen:
            return True  # another episode already replaced it
        if self.recreated[name] >= self.settings.max_actor_recreations:
            return False
        self.recreated[name] += 1
        self.generation[name] += 1
        self.agents[name] = self._spawn(name)
        return True

    async def _await_ready(self, name: str) -> bool:
        """Wait (bounded) until a restarting agent answers again. Calls made while Ray
        restarts an actor fail at once, so retrying without waiting burns the tries."""
        deadline = time.monotonic() + self.settings.actor_ready_timeout_s
        pause = self.settings.backoff_base_s / 2
        while time.monotonic() < deadline:
            gen = self.generation[name]
            try:
                await self.agents[name].__ray_ready__.remote()
                return True
            except ActorUnavailableError:
                await asyncio.sleep(pause * (0.5 + random.random()))
                pause = min(self.settings.backoff_max_s, pause * 2)
            except ActorDiedError:
                return self._recreate(name, gen)
        return False

    async def _record(self, eid: str, stage: str, record: StageRecord) -> None:
        state = self.states[eid]
        total = sum(r.cost_micro_usd for n, r in state.stages.items() if n != stage)
        await self._save(
            state.model_copy(
                update={
                    "current_stage": stage,
                    "stages": {**state.stages, stage: record},
                    "total_cost_micro_usd": total + record.cost_micro_usd,
                }
            )
        )


class _EpisodeRun:
    """One episode through the workflow: each stage a task that waits for the stages it
    depends on. The stages from the writer to the last gate run as one loop of drafts:
    a draft a gate rejects goes back to the writer, and a draft the script gate rejects
    never reaches the (paid) speech."""

    def __init__(self, supervisor: Supervisor, ep: EpisodeSpec) -> None:
        self.sup = supervisor
        self.ep = ep
        self.eid = ep.episode_id
        self.wf = supervisor.workflow
        self.results: dict[str, Any] = {}
        self.ran: dict[str, bool] = {}
        self.tasks: dict[str, asyncio.Task[Any]] = {}
        self.driver: asyncio.Task[None] | None = None
        names = set(self.wf.names)
        writes = "script" in names and self.wf.stage("script").agent == "script"
        after_writer = self.wf.downstream("script") if writes else set()
        self.gates = [g for g in GATES if g in after_writer]
        self.loop = bool(self.gates)
        # Stages between the writer and the last gate run again in every draft; any
        # other stage that uses the script waits for the last gate, so it never works on
        # a draft that is sent back.
        self.path: list[str] = []
        self.gated: set[str] = set()
        if self.loop:
            last = self.gates[-1]
            between = after_writer & self.wf.upstream(last)
            self.path = [n for n in self.wf.order if n in between or n in ("script", *self.gates)]
            self.gated = after_writer - set(self.path) - self.wf.downstream(last)

    async def run(self) -> dict[str, Any]:
        try:
            imported = await asyncio.to_thread(
                import_inputs,
                self.sup.rundir,
                self.wf.inputs_from,
                self.eid,
                sorted(self.wf.external_inputs),
            )
        except (OSError, ValueError) as exc:  # checked before the run; gone since
            raise StageFailed(self.eid, "inputs", type(exc).__name__, str(exc), 1) from exc
        for name, (record, result) in imported.items():
            self.results[name] = result
            await self.sup._record(self.eid, name, record)
        for name in self.wf.order:  # all created before any runs: tasks await each other
            self.tasks[name] = asyncio.ensure_future(self._run(name))
        outcomes = await asyncio.gather(*self.tasks.values(), return_exceptions=True)
        for outcome in outcomes:  # a failure ends the episode; its siblings finished first
            if isinstance(outcome, (BudgetExceeded, StageFailed)):
                raise outcome
        for outcome in outcomes:
            if isinstance(outcome, BaseException):
                raise outcome
        return {n: r for n, r in self.results.items() if r is not SKIPPED}

    async def _run(self, name: str) -> Any:
        if name in self.path:  # the draft loop runs these, in order, once for all
            if self.driver is None:
                self.driver = asyncio.ensure_future(self._drafts_loop())
            await self.driver
            return self.results[name]
        spec = self.wf.stage(name)
        waits = [*sorted(spec.deps), *(self.gates[-1:] if name in self.gated else [])]
        await asyncio.gather(*(self.tasks[d] for d in waits if d in self.tasks))
        reason = self._skip_reason(name)
        if reason is not None:
            return await self._skip(name, reason)
        return await self._one(name)

    def _skip_reason(self, name: str) -> str | None:
        """Why a stage whose inputs are ready does not run, or None if it does."""
        spec = self.wf.stage(name)
        skipped = [d for d in spec.needs if self.results.get(d) is SKIPPED]
        if skipped:
            return f"skipped: its input {skipped[0]} was skipped"
        if spec.when is not None and not spec.when.holds(self.results.get(spec.when.stage)):
            return f"skipped: {spec.when} did not hold"
        for gate in GATES:  # nothing that waits for a gate works on what it rejected
            verdict = self.results.get(gate)
            if gate in spec.deps and isinstance(verdict, QualityReport) and not verdict.passed:
                return f"skipped: {gate} rejected the script"
        return None

    async def _skip(self, name: str, reason: str) -> Any:
        self.results[name] = SKIPPED
        await self.sup._record(self.eid, name, StageRecord(status="skipped", note=reason))
        return SKIPPED

    async def _drafts_loop(self) -> None:
        """Write, read (script gate), voice and listen (audio gate), while a gate rejects
        the draft and revisions are left. A draft the script gate rejects buys no speech.
        Each draft's deciding verdict is recorded once, made now or reused from an
        earlier run (a revision that came out byte for byte the same keeps its verdict,
        which then stands for the new draft)."""
        outside = {d for n in self.path for d in self.wf.stage(n).deps} - set(self.path)
        await asyncio.gather(*(self.tasks[d] for d in sorted(outside) if d in self.tasks))
        while True:
            number = self._due_draft()  # rests on the research: known only from here on
            decided: tuple[str, QualityReport] | None = None
            for name in self.path:
                reason = self._skip_reason(name)
                if decided is not None:  # an earlier gate rejected this draft
                    reason = f"skipped: {decided[0]} rejected draft {number}"
                if reason is not None:
                    await self._skip(name, reason)
                    continue
                result = await self._one(name, number)
                if name in self.gates and (not result.passed or name == self.gates[-1]):
                    decided = (name, result)
            if decided is None:
                return  # the gates were skipped by their own conditions
            gate, report = decided
            if all(d.number != number for d in self._drafts()):
                await self._judged(report, gate, number)
            if report.passed or self._due_draft() == number:
                return  # passed, or no revision left: the episode ends rejected

    async def _one(self, name: str, number: int = 0) -> Any:
        """Run (or reuse) one stage whose inputs are ready; ``number``: the draft the
        loop is on (it shapes the script's fingerprint)."""
        spec = self.wf.stage(name)
        sup = self.sup
        draft = number if name == "script" and self.loop else 0
        inputs = {d: sup.states[self.eid].stages[d] for d in spec.needs}
        fp = fingerprint(name, spec.agent, self.ep, sup.settings, inputs, draft)
        if name == "research":
            await self._wait_for_overlaps()
        result, ran = await sup._stage(
            self.ep, name, fp, lambda: self._load(spec), lambda ctx: self._work(spec, ctx, draft)
        )
        self.results[name] = result
        self.ran[name] = ran
        if ran and name == "research":
            facts = [f.text for f in result.facts]
            await sup._remember("claim", self.eid, facts)
        if name == "research":
            sup.research_done[self.eid].set()
        if ran and name in GATES and not self.loop:  # a lone gate: one verdict, no loop
            await self._judged(result, name, len(self._drafts()))
        return result

    def _drafts(self) -> list[Draft]:
        """The drafts judged on the current research (older ones are history only)."""
        basis = self._basis()
        return [d for d in self.sup.states[self.eid].drafts if d.basis == basis]

    def _basis(self) -> str:
        """What the drafts of this episode rest on: the script's inputs and settings."""
        if "script" not in self.wf:
            return ""  # a re-voiced script: its drafts were judged in another workflow
        spec = self.wf.stage("script")
        inputs = {d: self.sup.states[self.eid].stages[d] for d in spec.needs}
        return fingerprint("script", spec.agent, self.ep, self.sup.settings, inputs, 0)

    def _due_draft(self) -> int:
        """Which draft the script should be: the next one while the last was rejected
        and revisions are left, else the last one judged."""
        drafts = self._drafts()
        if not drafts:
            return 0
        if not drafts[-1].passed and len(drafts) <= self.wf.revisions:
            return len(drafts)
        return drafts[-1].number

    async def _judged(self, report: QualityReport, gate: str, number: int) -> None:
        """Record the verdict that decided a draft: a draft in the manifest, a lesson or
        an episode in memory. A script-gate verdict has no audio of its own (the audio in
        ``results`` is an earlier draft's), and its predicted length teaches memory
        nothing about the voices' pace."""
        sup = self.sup
        spent = await asyncio.gather(
            *(sup.ledger.spent.remote(self.eid, n) for n in (self.path or [gate]))
        )
        state = sup.states[self.eid]
        script = self.results.get("script")
        audio = self.results.get("audio") if gate == "quality" else None
        draft = Draft(
            number=number,
            gate=gate,
            basis=self._basis() if self.loop else "",
            passed=report.passed,
            overall=report.scores.get("overall", 0.0),
            failed_checks=report.failed,
            suggestions=report.suggestions,
            cost_micro_usd=sum(spent) - sum(d.cost_micro_usd for d in self._drafts()),
            words=script.words if isinstance(script, Script) else 0,
            duration_s=audio.duration_s if isinstance(audio, AudioAsset) else None,
        )
        await sup._save(state.model_copy(update={"drafts": (*state.drafts, draft)}))
        doc = self.results.get("research")
        said: list[str] = []
        if isinstance(script, Script) and isinstance(doc, ResearchDoc):
            refs = sorted({r for t in script.turns for r in t.fact_refs})
            said = [doc.facts[r].text for r in refs if r < len(doc.facts)]
        await sup._remember(
            "record_quality",
            self.eid,
            self.ep.topic,
            script.title if isinstance(script, Script) else self.ep.topic,
            report.passed,
            [
                (c.name, self._lesson_value(c.name, c.value, draft), c.passed)
                for c in report.checks
                if gate == "quality" or c.name != "duration"
            ],
            list(report.suggestions),
            said,
            draft.duration_s,
        )

    @staticmethod
    def _lesson_value(check: str, value: float, draft: Draft) -> float:
        """What memory keeps of a check. For length that is the pace the show's voices
        were measured at against the planned words a minute (+0.3: 30% slower), which
        holds for the next script whatever its length; the raw over- or undershoot
        would not, once the next script was already resized."""
        if check != "duration" or not draft.words or not draft.duration_s:
            return value
        return round(draft.duration_s / draft.words / (60 / WORDS_PER_MINUTE) - 1, 3)

    async def _wait_for_overlaps(self) -> None:
        for other in self.sup.overlaps.get(self.eid, ()):
            await self.sup.research_done[other].wait()

    async def _pace(self) -> float:
        """The show's measured pace against the planned words a minute (1.3: its voices
        take 30% longer): from the length lesson in memory, else as planned."""
        lessons = await self.sup._remember("lessons") or []
        for lesson in lessons:
            if lesson.check == "duration" and lesson.value > -0.9:
                return float(1 + lesson.value)
        return 1.0

    async def _feedback(self, draft: int) -> Feedback:
        lessons = await self.sup._remember("lessons") or []
        advice = tuple(lesson.advice for lesson in lessons if lesson.advice)
        scale = 1 / await self._pace()  # the voices' measured pace sizes the first draft
        if draft == 0:
            return Feedback(lessons=advice, length_scale=scale)
        gate = self._drafts()[-1].gate if self._drafts() else "quality"
        previous, report = self.results.get("script"), self.results.get(gate)
        if not isinstance(previous, Script) or not isinstance(report, QualityReport):
            # resumed mid-revision: the judged draft and its verdict are on disk
            previous = self.sup.rundir.load_model(self.eid, "script.json", Script)
            report = self.sup.rundir.load_model(self.eid, f"{gate}.json", QualityReport)
        return Feedback(lessons=advice, length_scale=scale, draft=previous, report=report)

    def _load(self, spec: StageSpec) -> Any:
        model = OUTPUTS.get(spec.name) if spec.agent_class is None else None
        if spec.agent_class is not None:
            model = getattr(spec.agent_class, "output", None)
        raw = self.sup.rundir.read_artifact(self.eid, f"{spec.name}.json")
        if isinstance(model, type) and issubclass(model, BaseModel):
            return model.model_validate_json(raw)
        return json.loads(raw)

    async def _work(
        self, spec: StageSpec, ctx: StageContext, draft: int
    ) -> tuple[Any, dict[str, bytes]]:
        """Call the stage's agent; say which files to keep."""
        agent = self.sup.agents[spec.name]
        ep, r = self.ep, self.results
        if spec.agent_class is not None:
            out = await agent.run.remote(ep, {d: r[d] for d in spec.needs}, ctx)
            if not isinstance(out, (BaseModel, dict)):
                raise TypeError(
                    f"{spec.agent}.run returned {type(out).__name__}; return a pydantic "
                    "model or a dict"
                )
            return out, {f"{spec.name}.json": to_json_bytes(out)}
        if spec.agent == "research":
            avoid = tuple(await self.sup._remember("covered_facts", self.eid) or ())
            doc = await agent.research.remote(ep, ctx, avoid)
            return doc, {"research.json": to_json_bytes(doc)}
        if spec.agent == "script":
            feedback = await self._feedback(draft)
            script = await agent.write.remote(ep, r["research"], ctx, feedback)
            md = script_markdown(script, r["research"]).encode()
            return script, {"script.json": to_json_bytes(script), "script.md": md}
        if spec.agent == "audio":
            synthesis = await agent.synthesize.remote(r["script"], ep.show, ctx)
            asset = synthesis.asset
            return asset, {"audio.json": to_json_bytes(asset), "audio.wav": synthesis.wav}
        if spec.agent == "review":
            per_word = 60 / WORDS_PER_MINUTE * await self._pace()
            report = await agent.review.remote(ep, r["research"], r["script"], per_word, ctx)
            return report, {"review.json": to_json_bytes(report)}
        if spec.agent == "quality":
            wav = await asyncio.to_thread(self.sup.rundir.read_artifact, self.eid, "audio.wav")
            text = "review" not in self.wf  # without a script gate, the audio gate reads too
            report = await agent.evaluate.remote(ep, r["research"], r["script"], wav, ctx, text)
            return report, {"quality.json": to_json_bytes(report)}
        if spec.agent == "summary":
            notes = await agent.notes.remote(ep, r["research"], r["script"], r["audio"], ctx)
            md = notes_markdown(notes).encode()
            return notes, {"summary.json": to_json_bytes(notes), "summary.md": md}
        posts = await agent.posts.remote(ep, r["research"], r["script"], ctx)
        return posts, {"social.json": to_json_bytes(posts)}


def _overlaps(episodes: tuple[EpisodeSpec, ...]) -> dict[str, list[str]]:
    """For each episode, the earlier episodes of the batch that share a source with it."""
    found: dict[str, list[str]] = {}
    for i, ep in enumerate(episodes):
        mine = set(ep.sources)
        found[ep.episode_id] = [e.episode_id for e in episodes[:i] if mine & set(e.sources)]
    return found


def _unwrap(exc: Exception) -> Exception:
    """The agent's own exception out of Ray's wrapper, so manifests keep its type and
    message rather than a remote traceback."""
    cause = getattr(exc, "cause", None)
    if isinstance(exc, RayTaskError) and isinstance(cause, Exception):
        return cause
    return exc
