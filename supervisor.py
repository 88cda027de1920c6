"""The supervisor actor: hands each episode from stage to stage and keeps the run dir.

Per episode: research -> script -> audio -> quality. Many episodes run at once under a
semaphore (asyncio inside the actor; refs are awaited, never ``ray.get``). A stage is
retried with exponential backoff and jitter when its failure is retryable (a provider
fault, an agent that crashed or is restarting); an agent that is dead for good is
recreated. After each stage its artifacts and the episode's manifest are written
atomically, so a rerun into the same directory skips every stage already done and a
crash loses at most the stage in flight.

The supervisor coordinates and nothing else: agents do the work, the ledger keeps the
money, ``RunDir`` knows the file layout.
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import ray
from ray.exceptions import ActorDiedError, ActorUnavailableError, RayTaskError

from actors.audio import AudioSynthesizer
from actors.governor import ACTOR_OPTIONS as GOVERNOR_OPTIONS
from actors.governor import GovernorClient, ProviderGovernor
from actors.ledger import CostLedger
from actors.quality import QualityEvaluator
from actors.research import ResearchAgent
from actors.script import ScriptWriter
from actors.social import SocialAgent
from actors.summary import SummaryAgent
from podcast_factory.config import Credentials, RunSettings
from podcast_factory.errors import BudgetExceeded, StageFailed
from podcast_factory.estimate import estimate_batch
from podcast_factory.metering import ActorLedger, StageContext
from podcast_factory.models import (
    AudioAsset,
    BatchResult,
    BatchSpec,
    EpisodeSpec,
    EpisodeState,
    ErrorInfo,
    QualityReport,
    ResearchDoc,
    Script,
    ShowNotes,
    SocialPosts,
    StageRecord,
)
from podcast_factory.render import script_markdown
from podcast_factory.rundir import RunDir, to_json_bytes
from providers.offline_notes import notes_markdown

T = TypeVar("T")

AGENTS: dict[str, tuple[type, dict[str, Any]]] = {
    # I/O-bound agents are async actors with bounded concurrency; offline speech is
    # CPU-bound and gets num_cpus=1 in _spawn.
    "research": (ResearchAgent, {"max_concurrency": 32}),
    "script": (ScriptWriter, {"max_concurrency": 32}),
    "audio": (AudioSynthesizer, {"max_concurrency": 16}),
    "quality": (QualityEvaluator, {"max_concurrency": 8}),
    "summary": (SummaryAgent, {"max_concurrency": 32}),
    "social": (SocialAgent, {"max_concurrency": 32}),
}


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
        self.settings = settings
        self.creds = creds or Credentials()
        self.rundir = RunDir(out_dir)
        self.rundir.root.mkdir(parents=True, exist_ok=True)
        self.states: dict[str, EpisodeState] = {
            ep.episode_id: EpisodeState(episode_id=ep.episode_id, topic=ep.topic)
            for ep in batch.episodes
        }
        self.run_id = uuid.uuid4().hex[:12]
        self.ledger_name = f"podcast-factory-ledger-{self.run_id}"
        self.ledger: Any = (
            ray.remote(CostLedger)
            .options(name=self.ledger_name, max_restarts=-1)
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
        self.agents = {name: self._spawn(name) for name in AGENTS}
        self.recreated = dict.fromkeys(AGENTS, 0)
        self.generation = dict.fromkeys(AGENTS, 0)

    def _spawn(self, name: str) -> Any:
        cls, options = AGENTS[name]
        if name == "audio" and self.settings.tts == "espeak":
            options = {**options, "num_cpus": 1}  # offline speech is CPU-bound
        return (
            ray.remote(cls)
            .options(max_restarts=self.settings.max_actor_restarts, **options)
            .remote(
                self.settings,
                ActorLedger(self.ledger_name),
                self.creds,
                GovernorClient(self.governor_name, self.settings.provider_limits),
            )
        )

    # -- what callers can ask ---------------------------------------------------------

    def progress(self) -> list[EpisodeState]:
        """A snapshot of every episode's state, for a live progress view."""
        return list(self.states.values())

    def agent_handles(self) -> dict[str, Any]:
        """The current agents, ledger and governor (tests kill them to prove the batch
        survives)."""
        return {**self.agents, "ledger": self.ledger, "governor": self.governor}

    async def provider_state(self) -> dict[str, Any]:
        """The governor's view of each provider: window, in flight, pauses, throttles."""
        return dict(await self.governor.state.remote())

    async def agent_stats(self) -> list[Any]:
        return list(await asyncio.gather(*(a.stats.remote() for a in self.agents.values())))

    async def run(self) -> BatchResult:
        started = time.time()
        estimate = await asyncio.to_thread(estimate_batch, self.batch, self.settings)
        info: dict[str, Any] = {
            "spec": self.batch.model_dump(mode="json"),
            "settings": self.settings.model_dump(mode="json"),
            "estimate": estimate.model_dump(mode="json"),
            "started_at": started,
        }
        await asyncio.to_thread(self.rundir.write_batch, info)
        gate = asyncio.Semaphore(self.batch.concurrency)
        await asyncio.gather(*(self._episode(ep, gate) for ep in self.batch.episodes))
        spend = await self.ledger.spend.remote()
        ended = time.time()
        states = tuple(self.states[ep.episode_id] for ep in self.batch.episodes)
        statuses = Counter(s.status for s in states)
        info |= {
            "ended_at": ended,
            "wall_s": round(ended - started, 3),
            "totals": {
                "episodes": len(states),
                **{str(k): n for k, n in sorted(statuses.items())},
                "cost_micro_usd": spend.committed_micro_usd,
                "units": spend.units,
            },
        }
        await asyncio.to_thread(self.rundir.write_batch, info)
        return BatchResult(
            out_dir=str(self.rundir.root),
            episodes=states,
            total_cost_micro_usd=spend.committed_micro_usd,
            wall_s=round(ended - started, 3),
        )

    # -- one episode --------------------------------------------------------------------

    async def _episode(self, ep: EpisodeSpec, gate: asyncio.Semaphore) -> None:
        async with gate:
            eid = ep.episode_id
            previous = self.rundir.load_manifest(eid)
            state = (previous or self.states[eid]).model_copy(
                update={
                    "status": "running",
                    "started_at": time.time(),
                    "ended_at": None,
                    "topic": ep.topic,
                }
            )
            await self._save(state)
            try:
                run = _Chain(self, ep)
                doc = await run.stage("research", ResearchDoc, lambda c: self._research(ep, c))
                script = await run.stage("script", Script, lambda c: self._script(ep, doc, c))
                asset = await run.stage("audio", AudioAsset, lambda c: self._audio(ep, script, c))
                report = await run.stage(
                    "quality", QualityReport, lambda c: self._quality(ep, doc, script, c)
                )
                if report.passed:  # notes and posts only for an episode worth publishing
                    await asyncio.gather(
                        run.stage(
                            "summary", ShowNotes, lambda c: self._summary(ep, doc, script, asset, c)
                        ),
                        run.stage(
                            "social", SocialPosts, lambda c: self._social(ep, doc, script, c)
                        ),
                    )
                status = "completed" if report.passed else "rejected"
                await self._finish(
                    eid, status, quality_passed=report.passed, duration_audio_s=asset.duration_s
                )
            except BudgetExceeded as exc:
                await self._finish(eid, "over_budget", failure=exc.message)
            except StageFailed as exc:
                await self._finish(eid, "failed", failure=exc.message)

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
        await asyncio.to_thread(self.rundir.write_manifest, state)

    async def _stage(
        self,
        ep: EpisodeSpec,
        stage: str,
        model: type[T],
        work: Callable[[StageContext], Awaitable[tuple[T, dict[str, bytes]]]],
        reuse: bool,
    ) -> tuple[T, bool]:
        """Run one stage, or (if ``reuse``) load its result when a previous run completed
        it intact. Returns the result and whether the stage ran."""
        eid = ep.episode_id
        record = self.states[eid].stages.get(stage, StageRecord())
        if (
            reuse
            and record.status == "completed"
            and self.rundir.artifacts_intact(eid, record.artifacts)
        ):
            loaded = self.rundir.load_model(eid, f"{stage}.json", model)  # type: ignore[type-var]
            return loaded, False
        began = time.monotonic()
        # Attempts are numbered across runs, so a stage redone after a crash or a damaged
        # artifact makes calls with new ids (and is charged), while retries of this run
        # are bounded by `tries`.
        attempt = record.attempts
        tries = 0
        while True:
            attempt += 1
            tries += 1
            record = record.model_copy(update={"status": "running", "attempts": attempt})
            await self._record(eid, stage, record)
            ctx = StageContext(episode_id=eid, stage=stage, attempt=attempt)
            gen = self.generation[stage]
            try:
                result, files = await work(ctx)
                break
            except Exception as raised:
                exc = _unwrap(raised)
                error = ErrorInfo(
                    type=type(exc).__name__, message=str(exc), stage=stage, attempt=attempt
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
            artifacts[name] = await asyncio.to_thread(self.rundir.write_artifact, eid, name, data)
        await self._close(
            eid, stage, record, began, status="completed", error=None, artifacts=artifacts
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
                await self.agents[name].stats.remote()
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

    # -- the stages: call an agent, say which files to keep ------------------------------

    async def _research(
        self, ep: EpisodeSpec, ctx: StageContext
    ) -> tuple[ResearchDoc, dict[str, bytes]]:
        doc: ResearchDoc = await self.agents["research"].research.remote(ep, ctx)
        return doc, {"research.json": to_json_bytes(doc)}

    async def _script(
        self, ep: EpisodeSpec, doc: ResearchDoc, ctx: StageContext
    ) -> tuple[Script, dict[str, bytes]]:
        script: Script = await self.agents["script"].write.remote(ep, doc, ctx)
        md = script_markdown(script, doc).encode()
        return script, {"script.json": to_json_bytes(script), "script.md": md}

    async def _audio(
        self, ep: EpisodeSpec, script: Script, ctx: StageContext
    ) -> tuple[AudioAsset, dict[str, bytes]]:
        synthesis = await self.agents["audio"].synthesize.remote(script, ep.show, ctx)
        asset: AudioAsset = synthesis.asset
        return asset, {"audio.json": to_json_bytes(asset), "audio.wav": synthesis.wav}

    async def _quality(
        self, ep: EpisodeSpec, doc: ResearchDoc, script: Script, ctx: StageContext
    ) -> tuple[QualityReport, dict[str, bytes]]:
        wav = await asyncio.to_thread(self.rundir.read_artifact, ep.episode_id, "audio.wav")
        report: QualityReport = await self.agents["quality"].evaluate.remote(
            ep, doc, script, wav, ctx
        )
        return report, {"quality.json": to_json_bytes(report)}

    async def _summary(
        self,
        ep: EpisodeSpec,
        doc: ResearchDoc,
        script: Script,
        audio: AudioAsset,
        ctx: StageContext,
    ) -> tuple[ShowNotes, dict[str, bytes]]:
        notes: ShowNotes = await self.agents["summary"].notes.remote(ep, doc, script, audio, ctx)
        md = notes_markdown(notes).encode()
        return notes, {"summary.json": to_json_bytes(notes), "summary.md": md}

    async def _social(
        self, ep: EpisodeSpec, doc: ResearchDoc, script: Script, ctx: StageContext
    ) -> tuple[SocialPosts, dict[str, bytes]]:
        posts: SocialPosts = await self.agents["social"].posts.remote(ep, doc, script, ctx)
        return posts, {"social.json": to_json_bytes(posts)}


class _Chain:
    """The stages of one episode in order: once a stage runs, every later stage runs too,
    since its input changed (new audio needs a new quality verdict)."""

    def __init__(self, supervisor: Supervisor, ep: EpisodeSpec) -> None:
        self._supervisor = supervisor
        self._ep = ep
        self._reuse = True

    async def stage(
        self,
        name: str,
        model: type[T],
        work: Callable[[StageContext], Awaitable[tuple[T, dict[str, bytes]]]],
    ) -> T:
        result, ran = await self._supervisor._stage(self._ep, name, model, work, self._reuse)
        self._reuse = self._reuse and not ran
        return result


def _unwrap(exc: Exception) -> Exception:
    """The agent's own exception out of Ray's wrapper, so manifests keep its type and
    message rather than a remote traceback."""
    cause = getattr(exc, "cause", None)
    if isinstance(exc, RayTaskError) and isinstance(cause, Exception):
        return cause
    return exc
