"""One awaited round trip per provider request, and every promise of the ledger kept.

A request waits on its admission only (a slot and the reservation, in one call); its
commit and its slot's release go out without waiting, in one message to the governor,
and a stage returns only once its commits are in the ledger. The ledger's side here is
a real ``CostLedger`` behind a client whose acknowledgements the test holds back,
passed in through constructors.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from podcast_factory.actors.base import Agent
from podcast_factory.actors.governor import GovernorClient, ProviderGovernor
from podcast_factory.actors.ledger import CostLedger
from podcast_factory.config import RunSettings
from podcast_factory.errors import BudgetExceeded, TransientProviderError
from podcast_factory.limits import ProviderLimits
from podcast_factory.metering import LedgerClient, LedgerOp, LocalLedger, Meter, StageContext
from podcast_factory.models import CostEntry

CTX = StageContext(episode_id="ep", stage="audio")


class HeldAcks(LedgerClient):
    """A ledger reached over a wire whose answers to commits and releases arrive only
    when the test lets them (``ack``). Counts what a request waited on."""

    def __init__(self, ledger: CostLedger, name: str = "ledger") -> None:
        self.ledger = ledger
        self._name = name
        self.awaited: list[str] = []
        self.sent: list[str] = []
        self._held: list[tuple[asyncio.Future[Any], Callable[[], Any]]] = []

    @property
    def name(self) -> str:
        return self._name

    async def reserve(self, *args: Any) -> CostEntry:
        self.awaited.append("reserve")
        return self.ledger.reserve(*args)

    async def commit(
        self, call_id: str, micro_usd: int, units: dict[str, int] | None = None
    ) -> CostEntry:
        self.awaited.append("commit")
        return self.ledger.commit(call_id, micro_usd, units)

    async def release(self, call_id: str) -> None:
        self.awaited.append("release")
        self.ledger.release(call_id)

    def commit_soon(
        self, call_id: str, micro_usd: int, units: dict[str, int] | None = None
    ) -> Awaitable[Any]:
        self.sent.append("commit")
        return self._hold(lambda: self.ledger.commit(call_id, micro_usd, units))

    def release_soon(self, call_id: str) -> Awaitable[Any]:
        self.sent.append("release")
        return self._hold(lambda: self.ledger.release(call_id))

    def _hold(self, apply: Callable[[], Any]) -> Awaitable[Any]:
        fut: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._held.append((fut, apply))
        return fut

    def ack(self) -> None:
        """The ledger answers every message sent so far."""
        held, self._held = self._held, []
        for fut, apply in held:
            fut.set_result(apply())


class _Remote:
    """One method of a fake governor actor handle: ``.remote(...)`` counts the call."""

    def __init__(self, log: list[str], name: str, fn: Callable[..., Any]) -> None:
        self._log, self._name, self._fn = log, name, fn

    def remote(self, *args: Any) -> Any:
        self._log.append(self._name)
        return self._fn(*args)


class GovernorActor:
    """Stands for the governor actor: a real ``ProviderGovernor`` whose ``admit``
    reserves in the test's ledger and whose ``finish`` settles over the test's wire (as
    the actor forwards both to the ledger actor)."""

    def __init__(self, governor: ProviderGovernor, ledger: CostLedger, wire: HeldAcks) -> None:
        self.calls: list[str] = []

        def finish(ticket: str, outcome: Any, retry: Any, op: LedgerOp, name: str) -> Any:
            governor.release(ticket, outcome, retry)
            return wire.settle_soon(op)

        async def admit(reservation: Any, holder: str, ledger_name: str) -> str:
            ticket = await governor.acquire(reservation.provider, holder)
            try:
                ledger.reserve(*reservation.args())
            except BaseException:
                governor.release(ticket, "error")
                raise
            return ticket

        self.admit = _Remote(self.calls, "admit", admit)
        self.acquire = _Remote(self.calls, "acquire", governor.acquire)
        self.release = _Remote(self.calls, "release", governor.release)
        self.finish = _Remote(self.calls, "finish", finish)


LIMITS = {"elevenlabs": ProviderLimits(max_concurrent=4)}


def test_a_request_waits_on_its_admission_only_and_the_stage_on_one_settle() -> None:
    """Ten requests end while none of their commits is answered yet; each waited on one
    call (admit); the stage's settle waits until the ledger has every commit."""
    ledger = CostLedger(None, budget_micro_usd=10_000_000)
    wire = HeldAcks(ledger)
    governor = ProviderGovernor(LIMITS)
    actor = GovernorActor(governor, ledger, wire)
    slots = GovernorClient(actor, LIMITS, name="governor")
    meter = Meter(wire, CTX)

    async def one(i: int) -> None:
        async with meter.call("elevenlabs", 50_000, {"characters": 100}, slots=slots) as c:
            await asyncio.sleep(0.01)
            c.bill(40_000 + i, {"characters": 100})

    async def scenario() -> None:
        await asyncio.wait_for(asyncio.gather(*(one(i) for i in range(10))), 60)
        assert actor.calls.count("admit") == 10 and "acquire" not in actor.calls
        assert wire.awaited == []  # neither reserve, commit nor release was awaited here
        assert wire.sent == ["commit"] * 10
        assert ledger.spend().committed_micro_usd == 0  # nothing acknowledged yet
        settling = asyncio.ensure_future(meter.settle())
        await asyncio.sleep(0.05)
        assert not settling.done()  # a stage cannot return before its commits land
        wire.ack()
        await asyncio.wait_for(settling, 1)

    asyncio.run(scenario())
    assert ledger.spend().committed_micro_usd == sum(40_000 + i for i in range(10))
    assert ledger.spend().reserved_micro_usd == 0
    # each slot came back with its commit, in one message
    assert actor.calls.count("finish") == 10 and "release" not in actor.calls
    assert governor.state()["elevenlabs"].in_flight == 0


def test_a_refused_reservation_gives_the_slot_back_and_the_call_is_never_made() -> None:
    """Thirty requests of 70,000 against a budget of 1,000,000 through two slots: the
    budget is never overshot, a refused request never reaches the provider, and every
    slot comes back."""
    ledger = CostLedger(None, budget_micro_usd=1_000_000)
    governor = ProviderGovernor({"elevenlabs": ProviderLimits(max_concurrent=2)})
    slots = GovernorClient(governor)
    meter = Meter(LocalLedger(ledger), CTX)
    made: list[int] = []
    worst = 0

    async def one(i: int) -> bool:
        nonlocal worst
        try:
            async with meter.call("elevenlabs", 70_000, slots=slots) as charge:
                made.append(i)
                spend = ledger.spend()
                worst = max(worst, spend.committed_micro_usd + spend.reserved_micro_usd)
                await asyncio.sleep(0.005)
                charge.bill(70_000)
        except BudgetExceeded:
            return False
        return True

    async def scenario() -> list[bool]:
        got = await asyncio.gather(*(one(i) for i in range(30)))
        await meter.settle()
        return list(got)

    granted = asyncio.run(scenario())
    assert sum(granted) == len(made) == 14  # 14 x 70,000 fit in 1,000,000; a 15th does not
    assert worst <= 1_000_000
    assert ledger.spend().committed_micro_usd == 14 * 70_000
    state = governor.state()["elevenlabs"]
    assert state.in_flight == 0 and state.waiting == 0


def test_a_429_inside_the_call_pauses_the_provider_and_releases_the_reservation() -> None:
    """A throttled request is not paid: its reservation is released, and the governor
    hears of the 429 (the provider is paused for everyone)."""
    ledger = CostLedger(None, budget_micro_usd=1_000_000)
    governor = ProviderGovernor(LIMITS)
    meter = Meter(LocalLedger(ledger), CTX)

    async def scenario() -> None:
        with pytest.raises(TransientProviderError):
            async with meter.call("elevenlabs", 70_000, slots=GovernorClient(governor)):
                raise TransientProviderError("elevenlabs", "busy", status=429, retry_after_s=5)
        await meter.settle()

    asyncio.run(scenario())
    spend = ledger.spend()
    assert spend.committed_micro_usd == spend.reserved_micro_usd == 0
    state = governor.state()["elevenlabs"]
    assert state.throttles == 1 and state.paused_until_s > 4 and state.in_flight == 0


class Narrator(Agent):
    """A user's agent: two metered requests per call, then it returns (or fails)."""

    async def run(self, fail: bool) -> int:
        meter = self.meter(CTX)
        for cost in (30_000, 12_000):
            async with meter.call("elevenlabs", 50_000) as charge:
                charge.bill(cost)
        if fail:
            raise RuntimeError("the agent failed after paying")
        return meter.unsettled


@pytest.mark.parametrize("fail", [False, True], ids=["returns", "raises"])
def test_an_agent_method_returns_only_once_its_commits_are_in_the_ledger(
    tmp_path: Path, fail: bool
) -> None:
    """Whether the agent's method returns or raises, the ledger file holds both commits
    by then (the acknowledgements arrive late, on the ledger's schedule)."""
    path = tmp_path / "ledger.jsonl"
    ledger = CostLedger(str(path))
    wire = HeldAcks(ledger)
    agent = Narrator(RunSettings(), wire)

    async def scenario() -> Any:
        loop = asyncio.get_running_loop()
        for delay in (0.05, 0.1, 0.2):  # the ledger answers a while later
            loop.call_later(delay, wire.ack)
        return await agent.run(fail)

    if fail:
        with pytest.raises(RuntimeError):
            asyncio.run(scenario())
    else:
        assert asyncio.run(scenario()) == 2  # both still unanswered as the body ended
    commits = [line for line in path.read_text().splitlines() if '"op":"commit"' in line]
    assert len(commits) == 2
    assert CostLedger(str(path)).spend().committed_micro_usd == 42_000
