"""The floor: the same agents as plain Python objects in one asyncio pipeline, no Ray.

Why: orchestration overhead is only meaningful against what the same work costs with
no orchestration at all. This pipeline calls the very agent classes the supervisor
runs as actors (``actors/*.py``), with the same settings, simulator, governor logic
(a local ``ProviderGovernor``) and ledger logic (a plain ``CostLedger`` behind
``LocalLedger``, as ``tests/test_agents.py`` does), and writes the same deliverables
(research, script, audio, quality, summary and social files) with plain writes. It
leaves out what only orchestration adds: actor processes, object transfer, manifests
with checksums after every stage, reuse fingerprints, crash retries, the progress view.

Episodes run under an ``asyncio.Semaphore(concurrency)`` in batch order, each through
research -> script -> review (the script gate, Claude's judgement) -> audio -> quality
(the audio gate) -> summary and social side by side (when the verdict passed), then
master if the batch's workflow has it: the full workflow's first draft.
"""

from __future__ import annotations

import asyncio
import resource
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from podcast_factory.actors.audio import AudioSynthesizer
from podcast_factory.actors.governor import GovernorClient, ProviderGovernor
from podcast_factory.actors.ledger import CostLedger
from podcast_factory.actors.master import MasteringAgent
from podcast_factory.actors.quality import QualityEvaluator
from podcast_factory.actors.research import ResearchAgent
from podcast_factory.actors.script import ScriptWriter
from podcast_factory.actors.social import SocialAgent
from podcast_factory.actors.summary import SummaryAgent
from podcast_factory.config import Credentials, RunSettings
from podcast_factory.metering import LocalLedger, StageContext
from podcast_factory.models import BatchSpec, EpisodeSpec, Feedback
from podcast_factory.providers.offline_notes import notes_markdown
from podcast_factory.render import script_markdown
from podcast_factory.rundir import to_json_bytes


@dataclass(frozen=True)
class FloorResult:
    run_s: float
    cpu_s: float
    """CPU seconds this process used (every thread), the simulator's not included."""
    statuses: dict[str, int]


class Floor:
    """Every agent once, in this process; ``run`` pushes a batch through them."""

    def __init__(self, out: Path, settings: RunSettings, creds: Credentials) -> None:
        self.out = out
        settings = settings.model_copy(update={"speech_cache_dir": str(out / ".cache" / "speech")})
        self.ledger = LocalLedger(CostLedger(str(out / "ledger.jsonl")))
        governor = GovernorClient(ProviderGovernor(settings.provider_limits))
        args = (settings, self.ledger, creds, governor)
        self.research = ResearchAgent(*args)
        self.writer = ScriptWriter(*args)
        self.audio = AudioSynthesizer(*args)
        self.quality = QualityEvaluator(*args)
        self.summary = SummaryAgent(*args)
        self.social = SocialAgent(*args)
        self.master = MasteringAgent(*args)
        self.mastering = True

    async def _write(self, ep: EpisodeSpec, files: dict[str, bytes]) -> None:
        folder = self.out / ep.episode_id

        def write() -> None:
            folder.mkdir(parents=True, exist_ok=True)
            for name, data in files.items():
                (folder / name).write_bytes(data)

        await asyncio.to_thread(write)

    async def episode(self, ep: EpisodeSpec) -> str:
        def ctx(stage: str) -> StageContext:
            return StageContext(episode_id=ep.episode_id, stage=stage)

        doc = await self.research.research(ep, ctx("research"))
        await self._write(ep, {"research.json": to_json_bytes(doc)})
        script = await self.writer.write(ep, doc, ctx("script"), Feedback())
        md = script_markdown(script, doc).encode()
        await self._write(ep, {"script.json": to_json_bytes(script), "script.md": md})
        review = await self.quality.review(
            ep, doc, script, 60 / ep.show.style.words_per_minute, ctx("review")
        )
        await self._write(ep, {"review.json": to_json_bytes(review)})
        if not review.passed:
            return "rejected"
        synth = await self.audio.synthesize(script, ep.show, ctx("audio"))
        audio = {"audio.json": to_json_bytes(synth.asset), "audio.wav": synth.wav}
        await self._write(ep, audio)
        report = await self.quality.evaluate(ep, doc, script, synth.wav, ctx("quality"), text=False)
        await self._write(ep, {"quality.json": to_json_bytes(report)})
        if not report.passed:
            return "rejected"
        notes, posts = await asyncio.gather(
            self.summary.notes(ep, doc, script, synth.asset, ctx("summary")),
            self.social.posts(ep, doc, script, ctx("social")),
        )
        await self._write(
            ep,
            {
                "summary.json": to_json_bytes(notes),
                "summary.md": notes_markdown(notes).encode(),
                "social.json": to_json_bytes(posts),
            },
        )
        if self.mastering:
            await self.master_episode(ep, script, synth, notes)
        return "completed"

    async def master_episode(self, ep: EpisodeSpec, script: Any, synth: Any, notes: Any) -> None:
        """The master stage: the MP3, transcripts and chapters, in a worker thread as the
        mastering agent runs it."""
        args = (ep, script, synth.asset, notes, synth.wav)
        result = await asyncio.to_thread(self.master.master, *args)
        await self._write(ep, {"master.json": to_json_bytes(result.output), **result.files})

    async def run(self, batch: BatchSpec) -> FloorResult:
        self.mastering = "master" in batch.workflow
        gate = asyncio.Semaphore(batch.concurrency)

        async def one(ep: EpisodeSpec) -> str:
            async with gate:
                return await self.episode(ep)

        began, cpu = time.monotonic(), _cpu()
        statuses = await asyncio.gather(*(one(ep) for ep in batch.episodes))
        return FloorResult(time.monotonic() - began, _cpu() - cpu, dict(Counter(statuses)))


async def close_clients(floor: Floor) -> None:
    """Let the SDK clients close on this loop, after the clock: dropped after
    ``asyncio.run`` returns, each would schedule its close on a closed loop and print a
    "Task exception was never retrieved" traceback."""
    import gc

    floor.__dict__.clear()
    gc.collect()
    await asyncio.sleep(0.1)


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def run_floor(
    batch: BatchSpec, out: Path, settings: RunSettings, creds: Credentials
) -> FloorResult:
    """The batch through the in-process pipeline; agents are built before the clock."""

    async def go() -> FloorResult:
        floor = Floor(out, settings, creds)
        result = await floor.run(batch)
        await close_clients(floor)
        return result

    out.mkdir(parents=True, exist_ok=True)
    return asyncio.run(go())
