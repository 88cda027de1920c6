"""A stage's cost in its manifest is what the ledger holds for it, over every attempt and
every run, though the supervisor no longer asks the ledger at each stage end: the agent
says what its call committed (``StageResult.spent_micro_usd``, summed as its commits
settle) and the episode's book adds it to what the ledger held as the episode began.
An attempt that failed cannot say, so the ledger is read back for it."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from podcast_factory.actors.base import Agent
from podcast_factory.actors.ledger import CostLedger
from podcast_factory.book import EpisodeBook
from podcast_factory.config import RunSettings
from podcast_factory.metering import LocalLedger, StageContext
from podcast_factory.models import EpisodeSpec
from podcast_factory.pool import Turn
from podcast_factory.rundir import RunDir
from podcast_factory.stage_call import StageCall, StageResult
from tests.ledger_reader import PlainLedgerReader


class Note(BaseModel):
    text: str


class RetryOnce:
    """The agent pool as the book asks it: the first failure of a stage is retried."""

    def dispatch(self, stage: str) -> Turn:
        return Turn(0, 0)

    def done(self, stage: str, turn: Turn) -> None:
        pass

    async def should_retry(self, stage: str, exc: Exception, tries: int, turn: Turn) -> bool:
        return tries == 1


class Biller(Agent):
    """An agent whose call bills ``charges`` (micro-USD each) and then, on its first
    attempt when ``fail_first``, fails as a reply that was paid for and unusable."""

    def __init__(self, ledger: LocalLedger, charges: list[int], fail_first: bool) -> None:
        super().__init__(RunSettings(), ledger)
        self.charges = charges
        self.fail_first = fail_first

    async def run_stage(self, call: StageCall) -> StageResult:
        await self.bill(call.ctx)
        if self.fail_first and call.ctx.attempt == 1:
            raise RuntimeError("the reply was paid for and unusable")
        return StageResult(output=Note(text=call.ctx.stage), files={})

    async def bill(self, ctx: StageContext) -> None:
        """A public method of its own, settled on its own (as an agent's helpers are);
        what it committed still counts for the stage that called it."""
        meter = self.meter(ctx)
        for micro in self.charges:
            async with meter.call("anthropic", micro) as charge:
                charge.bill(micro)


def _episode() -> EpisodeSpec:
    from podcast_factory.batchfile import single_episode

    tides = Path(__file__).resolve().parent.parent / "examples" / "sources" / "tides.md"
    return single_episode("How tides work", [str(tides)], 1.0, "tides").episodes[0]


def _run(book: EpisodeBook, ep: EpisodeSpec, stage: str, agent: Biller) -> Any:
    async def work(ctx: StageContext) -> tuple[Any, dict[str, bytes], int | None]:
        result = await agent.run_stage(StageCall(episode=ep, inputs={}, ctx=ctx))
        return result.output, {f"{stage}.md": b"x"}, result.spent_micro_usd

    return book.run_stage(ep, stage, f"fp-{stage}", lambda: None, work, RetryOnce())  # type: ignore[arg-type]


def test_stage_costs_match_the_ledger_over_retries_and_runs(tmp_path: Path) -> None:
    ep = _episode()
    eid = ep.episode_id
    ledger = CostLedger(str(tmp_path / "ledger.jsonl"))
    ledger.reserve("old/research/a1/x/c1", eid, "research", "anthropic", 70)
    ledger.commit("old/research/a1/x/c1", 70)  # a run before this one, cut short
    reader = PlainLedgerReader(ledger)
    book = EpisodeBook((ep,), RunDir(tmp_path), reader)  # type: ignore[arg-type]
    local = LocalLedger(ledger)

    async def run() -> None:
        await book.begin(ep)
        await _run(book, ep, "research", Biller(local, [100], fail_first=True))
        await _run(book, ep, "script", Biller(local, [30, 40], fail_first=False))
        await book.finish(eid, "completed")

    asyncio.run(run())
    manifest = RunDir(tmp_path).load_manifest(eid)
    assert manifest is not None and manifest.status == "completed"
    assert manifest.stages["research"].attempts == 2
    # 70 from the earlier run, 100 from the failed attempt, 100 from the retry
    assert manifest.stages["research"].cost_micro_usd == ledger.spent(eid, "research") == 270
    assert manifest.stages["script"].cost_micro_usd == ledger.spent(eid, "script") == 70
    assert manifest.total_cost_micro_usd == ledger.spent(eid) == 340
    # one read as the episode began, one for the failed attempt; none per stage end
    assert reader.reads == 2


def test_an_agent_says_what_its_call_committed(tmp_path: Path) -> None:
    """The figure the book adds is the sum of the call's settled commits."""
    ep = _episode()
    ledger = CostLedger(None)
    agent = Biller(LocalLedger(ledger), [12, 30], fail_first=False)
    ctx = StageContext(episode_id=ep.episode_id, stage="social", attempt=1)
    result = asyncio.run(agent.run_stage(StageCall(episode=ep, inputs={}, ctx=ctx)))
    assert result.spent_micro_usd == 42 == ledger.spent(ep.episode_id, "social")
