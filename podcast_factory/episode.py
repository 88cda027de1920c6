"""One episode through its workflow: the stage graph, the draft loop, the agents' calls.

An episode's workflow is a graph of stages (``podcast_factory.workflow``): the full
preset is research -> script -> audio -> quality, then summary and social side by side
when quality passed. Each stage starts as soon as what it waits for is done, so stages
that do not depend on each other run in parallel.

Quality is a gate: a failed verdict sends the script back to the writer with the
evaluator's suggestions, and the stages between them run again, up to the workflow's
number of revisions; every draft and its cost is in the manifest.

``EpisodeRun._work`` calls every built-in agent the same way (``run_stage`` with a
``StageCall``), handing it the extras its registry entry (``podcast_factory.stages``)
asks for, and checks it kept the files the registry says; the episode book
(``podcast_factory.book``) runs, reuses and records each stage.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from podcast_factory.book import EpisodeBook
from podcast_factory.clients import LedgerReader, MemoryClient
from podcast_factory.config import RunSettings
from podcast_factory.errors import BudgetExceeded, StageFailed
from podcast_factory.failures import remember_sources
from podcast_factory.handover import EpisodeFiles, call_stage
from podcast_factory.inputs import import_inputs
from podcast_factory.metering import StageContext
from podcast_factory.models import (
    AudioAsset,
    Draft,
    EpisodeSpec,
    Feedback,
    QualityReport,
    ResearchDoc,
    Script,
    StageRecord,
)
from podcast_factory.pool import AgentPool
from podcast_factory.providers.script_checks import host_sentences
from podcast_factory.reuse import fingerprint
from podcast_factory.rundir import RunDir, to_json_bytes
from podcast_factory.stage_call import StageCall, StageExtras
from podcast_factory.stages import GATES, STAGES, Extra
from podcast_factory.workflow import StageSpec, Workflow

SKIPPED = object()
"""A stage's result when its condition did not hold or an input it needs was skipped."""


@dataclass(frozen=True)
class Shared:
    """What the episodes of one batch share; built once by the supervisor."""

    run_id: str
    workflow: Workflow
    settings: RunSettings
    rundir: RunDir
    book: EpisodeBook
    pool: AgentPool
    ledger: LedgerReader
    memory: MemoryClient
    research_done: dict[str, asyncio.Event]
    """Set when an episode's research is done (or the episode ended)."""
    overlaps: dict[str, list[str]]
    """Episodes that share a source research one after another, in batch order, so the
    later one knows which facts the earlier one took (series memory)."""


class EpisodeRun:
    """One episode through the workflow: each stage a task that waits for the stages it
    depends on. The stages from the writer to the last gate run as one loop of drafts:
    a draft a gate rejects goes back to the writer, and a draft the script gate rejects
    never reaches the (paid) speech."""

    def __init__(self, shared: Shared, ep: EpisodeSpec) -> None:
        self.sh = shared
        self.book = shared.book
        self.ep = ep
        self.eid = ep.episode_id
        self.wf = shared.workflow
        self.results: dict[str, Any] = {}
        self.ran: dict[str, bool] = {}
        self.tasks: dict[str, asyncio.Task[Any]] = {}
        self.files = EpisodeFiles(shared.rundir, ep.episode_id)  # the WAV, by reference
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
                self.sh.rundir,
                self.wf.inputs_from,
                self.eid,
                sorted(self.wf.external_inputs),
            )
        except (OSError, ValueError) as exc:  # checked before the run; gone since
            raise StageFailed(self.eid, "inputs", type(exc).__name__, str(exc), 1) from exc
        for name, (record, result) in imported.items():  # written with the next stage's end
            self.results[name] = result
            await self.book.record(self.eid, name, record, durable=False)
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
        await self.book.record(self.eid, name, StageRecord(status="skipped", note=reason))
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
        sh = self.sh
        draft = number if name == "script" and self.loop else 0
        inputs = {d: self.book.states[self.eid].stages[d] for d in spec.needs}
        fp = fingerprint(name, spec.agent, self.ep, sh.settings, inputs, draft)
        if name == "research":
            await self._wait_for_overlaps()
        result, ran = await self.book.run_stage(
            self.ep,
            name,
            fp,
            lambda: self._load(spec),
            lambda ctx: self._work(spec, ctx, draft),
            sh.pool,
        )
        self.results[name] = result
        self.ran[name] = ran
        if not ran and spec.agent_class is None and STAGES[name].by_reference:
            self.files.forget()  # reused from disk: put there again when a stage reads it
        if ran and name == "research":
            facts = [f.text for f in result.facts]
            await sh.memory.claim(self.eid, facts)
            await remember_sources(sh.memory, result, sh.run_id, self.eid)
        if name == "research":
            sh.research_done[self.eid].set()
        if ran and name in GATES and not self.loop:  # a lone gate: one verdict, no loop
            await self._judged(result, name, len(self._drafts()))
        return result

    def _drafts(self) -> list[Draft]:
        """The drafts judged on the current research (older ones are history only)."""
        basis = self._basis()
        return [d for d in self.book.states[self.eid].drafts if d.basis == basis]

    def _basis(self) -> str:
        """What the drafts of this episode rest on: the script's inputs and settings."""
        if "script" not in self.wf:
            return ""  # a re-voiced script: its drafts were judged in another workflow
        spec = self.wf.stage("script")
        inputs = {d: self.book.states[self.eid].stages[d] for d in spec.needs}
        return fingerprint("script", spec.agent, self.ep, self.sh.settings, inputs, 0)

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
        sh = self.sh
        spent = self.book.spent(self.eid, tuple(self.path or [gate]))
        state = self.book.states[self.eid]
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
            cost_micro_usd=spent - sum(d.cost_micro_usd for d in self._drafts()),
            words=script.words if isinstance(script, Script) else 0,
            duration_s=audio.duration_s if isinstance(audio, AudioAsset) else None,
        )
        # a resumed draft loop judges a draft the manifest lacks again (from the kept
        # verdict): it waits for the next write; a lone gate's is written now
        drafts = state.model_copy(update={"drafts": (*state.drafts, draft)})
        await self.book.save(drafts, durable=not self.loop)
        doc = self.results.get("research")
        said: list[str] = []
        lines: list[str] | None = None
        if isinstance(script, Script) and isinstance(doc, ResearchDoc):
            refs = sorted({r for t in script.turns for r in t.fact_refs})
            said = [doc.facts[r].text for r in refs if r < len(doc.facts)]
            lines = host_sentences(script, doc, lang=self.ep.show.language)
        await sh.memory.record_quality(
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
            f"{sh.run_id}/{self.eid}/{gate}/{number}/{draft.basis}",  # retried: once
            lines,
        )

    def _lesson_value(self, check: str, value: float, draft: Draft) -> float:
        """What memory keeps of a check. For length that is the pace the show's voices
        were measured at against the show's planned words a minute (+0.3: 30% slower),
        which holds for the next script whatever its length; the raw over- or undershoot
        would not, once the next script was already resized."""
        if check != "duration" or not draft.words or not draft.duration_s:
            return value
        return round(draft.duration_s / draft.words / self._planned_s_per_word() - 1, 3)

    def _planned_s_per_word(self) -> float:
        """Seconds a word at the pace the show's scripts are sized for (its style)."""
        return 60 / self.ep.show.style.words_per_minute

    async def _wait_for_overlaps(self) -> None:
        for other in self.sh.overlaps.get(self.eid, ()):
            await self.sh.research_done[other].wait()

    async def _pace(self) -> float:
        """The show's measured pace against the planned words a minute (1.3: its voices
        take 30% longer): from the length lesson in memory, else as planned."""
        lessons = await self.sh.memory.lessons()
        for lesson in lessons:
            if lesson.check == "duration" and lesson.value > -0.9:
                return float(1 + lesson.value)
        return 1.0

    async def _feedback(self, draft: int) -> Feedback:
        lessons = await self.sh.memory.lessons()
        advice = tuple(lesson.advice for lesson in lessons if lesson.advice)
        scale = 1 / await self._pace()  # the voices' measured pace sizes the first draft
        lines = tuple(await self.sh.memory.spoken_lines(self.eid))
        if draft == 0:
            return Feedback(lessons=advice, length_scale=scale, said_before=lines)
        gate = self._drafts()[-1].gate if self._drafts() else "quality"
        previous, report = self.results.get("script"), self.results.get(gate)
        if not isinstance(previous, Script) or not isinstance(report, QualityReport):
            # resumed mid-revision: the judged draft and its verdict are on disk
            load = self.sh.rundir.load_model
            previous = await asyncio.to_thread(load, self.eid, "script.json", Script)
            report = await asyncio.to_thread(load, self.eid, f"{gate}.json", QualityReport)
        return Feedback(
            lessons=advice, length_scale=scale, draft=previous, report=report, said_before=lines
        )

    def _load(self, spec: StageSpec) -> Any:
        if spec.agent_class is None:
            model: Any = STAGES[spec.name].output_model
        else:
            model = getattr(spec.agent_class, "output", None)
        raw = self.sh.rundir.read_artifact(self.eid, f"{spec.name}.json")
        if isinstance(model, type) and issubclass(model, BaseModel):
            return model.model_validate_json(raw)
        return json.loads(raw)

    async def _work(
        self, spec: StageSpec, ctx: StageContext, draft: int
    ) -> tuple[Any, dict[str, bytes], int | None]:
        """Call the stage's agent; say which files to keep and what the call committed
        (None when the agent does not say: a user's agent)."""
        agent = self.sh.pool[spec.name]
        ep, r = self.ep, self.results
        if spec.agent_class is not None:
            out = await agent.run.remote(ep, {d: r[d] for d in spec.needs}, ctx)
            if not isinstance(out, (BaseModel, dict)):
                raise TypeError(
                    f"{spec.agent}.run returned {type(out).__name__}; return a pydantic "
                    "model or a dict"
                )
            return out, {f"{spec.name}.json": to_json_bytes(out)}, None
        stage = STAGES[spec.name]
        extras = {n: await self._extra(n, draft) for n in stage.extras if n != "wav"}
        call = StageCall(
            episode=ep, inputs={d: r[d] for d in spec.needs}, ctx=ctx, extras=StageExtras(**extras)
        )
        result = await call_stage(agent, stage, call, self.files)
        files = {f"{spec.name}.json": to_json_bytes(result.output), **result.files}
        if set(files) != set(stage.artifacts):
            raise TypeError(
                f"the {spec.name} agent kept {sorted(files)}; the stage keeps "
                f"{sorted(stage.artifacts)}"
            )
        return result.output, files, result.spent_micro_usd

    async def _extra(self, name: Extra, draft: int) -> Any:
        """One of the extras a stage's registry entry asks for (``StageExtras``)."""
        if name == "covered_facts":
            return tuple(await self.sh.memory.covered_facts(self.eid))
        if name == "feedback":
            return await self._feedback(draft)
        if name == "seconds_per_word":
            return self._planned_s_per_word() * await self._pace()
        return "review" not in self.wf  # judge_text: without a script gate, the audio gate reads


def overlaps(episodes: tuple[EpisodeSpec, ...]) -> dict[str, list[str]]:
    """For each episode, the earlier episodes of the batch that share a source with it."""
    found: dict[str, list[str]] = {}
    for i, ep in enumerate(episodes):
        mine = set(ep.sources)
        found[ep.episode_id] = [e.episode_id for e in episodes[:i] if mine & set(e.sources)]
    return found
