"""How an agent spends money: admit (slot + reservation), call, commit (or release).

Agents hold a ``LedgerClient``: in Ray it forwards to the ledger actor, in unit tests it
wraps a plain ``CostLedger``. ``Meter.call`` is the only way an agent makes a provider
call, so no call can skip the reservation.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict

from podcast_factory.errors import TransientProviderError
from podcast_factory.limits import Admission, Outcome
from podcast_factory.models import CostEntry

log = logging.getLogger(__name__)


class StageContext(BaseModel):
    """Which episode, stage and attempt a call belongs to (it names the call ids)."""

    model_config = ConfigDict(frozen=True)

    episode_id: str
    stage: str
    attempt: int = 1


@dataclass(frozen=True)
class LedgerOp:
    """One ledger method call as data (``CostLedger.apply`` runs a list of them), so
    that the operations of many requests travel to the ledger in one actor call."""

    op: Literal["reserve", "commit", "release"]
    args: tuple[Any, ...]

    @classmethod
    def settling(cls, call_id: str, charge: Charge, *, failed: bool) -> LedgerOp:
        """How a request's reservation ends: released if it failed unbilled, else
        committed at what the provider billed."""
        if failed and not charge.billed:
            return cls("release", (call_id,))
        return cls("commit", (call_id, charge.micro_usd, charge.units))


class LedgerClient:
    """What an agent needs of the ledger: reserve, commit, release, awaited.

    Subclasses say how each of the three reaches a ledger (the actor, or a plain
    ``CostLedger`` in this process); the ledger's own methods document them."""

    async def reserve(
        self,
        call_id: str,
        episode_id: str,
        stage: str,
        provider: str,
        micro_usd: int,
        units: dict[str, int] | None = None,
    ) -> CostEntry:
        raise NotImplementedError

    async def commit(
        self, call_id: str, micro_usd: int, units: dict[str, int] | None = None
    ) -> CostEntry:
        raise NotImplementedError

    async def release(self, call_id: str) -> None:
        raise NotImplementedError

    def commit_soon(
        self, call_id: str, micro_usd: int, units: dict[str, int] | None = None
    ) -> Awaitable[Any]:
        """Send a commit without waiting for it; await the result to know it is durable.

        A request must not wait for its commit (it is off the critical path); the stage
        awaits every one at its end (``Meter.settle``), before its result is returned."""
        return asyncio.ensure_future(self.commit(call_id, micro_usd, units))

    def release_soon(self, call_id: str) -> Awaitable[Any]:
        """Send a release without waiting for it (see ``commit_soon``)."""
        return asyncio.ensure_future(self.release(call_id))

    def settle_soon(self, op: LedgerOp) -> Awaitable[Any]:
        """Send a commit or a release (``LedgerOp.settling``) without waiting for it."""
        if op.op == "commit":
            return self.commit_soon(*op.args)
        return self.release_soon(*op.args)


class Ledger(Protocol):
    """The three methods of ``CostLedger`` an agent's calls use (it lives a layer up)."""

    def reserve(
        self,
        call_id: str,
        episode_id: str,
        stage: str,
        provider: str,
        micro_usd: int,
        units: dict[str, int] | None = None,
    ) -> CostEntry: ...

    def commit(
        self, call_id: str, micro_usd: int, units: dict[str, int] | None = None
    ) -> CostEntry: ...

    def release(self, call_id: str) -> None: ...


LEDGER_PATIENCE_S = 120.0
"""How long a call waits for a restarting ledger actor before failing the stage."""


class ActorLedger(LedgerClient):
    """Forwards to the ledger actor; awaits refs, never blocks.

    It holds the ledger's actor *name*, not its handle: an actor handle among an actor's
    constructor arguments stops Ray from restarting that actor reliably
    (ray-project/ray#53727), and agents must restart."""

    def __init__(self, name: str) -> None:
        self._name = name
        self._resolved: Any = None

    @property
    def name(self) -> str:
        """The ledger actor's name: the governor's ``admit`` reserves there (in a batch
        the two are one actor, ``actors.treasury``)."""
        return self._name

    def __getstate__(self) -> dict[str, Any]:
        return {"_name": self._name, "_resolved": None}

    async def reserve(
        self,
        call_id: str,
        episode_id: str,
        stage: str,
        provider: str,
        micro_usd: int,
        units: dict[str, int] | None = None,
    ) -> CostEntry:
        entry: CostEntry = await self._patiently(
            lambda ledger: ledger.reserve.remote(
                call_id, episode_id, stage, provider, micro_usd, units
            )
        )
        return entry

    async def commit(
        self, call_id: str, micro_usd: int, units: dict[str, int] | None = None
    ) -> CostEntry:
        entry: CostEntry = await self._patiently(
            lambda ledger: ledger.commit.remote(call_id, micro_usd, units)
        )
        return entry

    async def release(self, call_id: str) -> None:
        """Sent as ``apply``: the batch's ledger actor is also its governor
        (``actors.treasury``), whose own ``release`` gives a request slot back."""
        await self._patiently(lambda ledger: ledger.apply.remote([_release(call_id)]))

    def commit_soon(
        self, call_id: str, micro_usd: int, units: dict[str, int] | None = None
    ) -> Awaitable[Any]:
        """Sent now (calls from one process reach the actor in order), awaited later."""
        return self._soon(lambda ledger: ledger.commit.remote(call_id, micro_usd, units))

    def release_soon(self, call_id: str) -> Awaitable[Any]:
        return self._soon(lambda ledger: ledger.apply.remote([_release(call_id)]))

    async def apply(self, ops: list[LedgerOp]) -> list[Any]:
        """Run ``ops`` in one actor call (``CostLedger.apply``): for each, its entry,
        None (a release) or the exception the ledger answered it with."""
        results: list[Any] = await self._patiently(lambda ledger: ledger.apply.remote(ops))
        return results

    def _soon(self, send: Callable[[Any], Awaitable[Any]]) -> Awaitable[Any]:
        first = send(self._ledger())
        return asyncio.ensure_future(self._patiently(send, first))

    def _ledger(self) -> Any:
        if self._resolved is None:
            import ray

            self._resolved = ray.get_actor(self._name)
        return self._resolved

    async def _patiently(
        self, send: Callable[[Any], Awaitable[Any]], sent: Awaitable[Any] | None = None
    ) -> Any:
        """Send a call to the ledger actor until it answers (``sent``: the first try,
        already on its way). Every ledger method is idempotent by call id, so a call
        that met a restarting ledger is simply sent again; giving up would lose a
        commit the provider billed."""
        return await patiently(lambda: send(self._ledger()), sent)


def _release(call_id: str) -> LedgerOp:
    return LedgerOp("release", (call_id,))


async def patiently(send: Callable[[], Awaitable[Any]], sent: Awaitable[Any] | None = None) -> Any:
    """Send a call to an actor that restarts (the ledger, the governor) until it answers
    (``sent``: the first try, already on its way). The calls sent this way are
    idempotent (by call id, or by ticket), so one that met a restarting actor is simply
    sent again; giving up would lose a commit the provider billed."""
    from ray.exceptions import ActorUnavailableError

    pause = 0.05
    deadline = time.monotonic() + LEDGER_PATIENCE_S
    while True:
        try:
            return await (sent if sent is not None else send())
        except ActorUnavailableError:
            if time.monotonic() > deadline:
                raise
            sent = None
            await asyncio.sleep(pause)
            pause = min(2.0, pause * 2)


class LocalLedger(LedgerClient):
    """Calls a plain ``CostLedger`` in this process (tests, one-process use)."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger

    async def reserve(
        self,
        call_id: str,
        episode_id: str,
        stage: str,
        provider: str,
        micro_usd: int,
        units: dict[str, int] | None = None,
    ) -> CostEntry:
        return self.ledger.reserve(call_id, episode_id, stage, provider, micro_usd, units)

    async def commit(
        self, call_id: str, micro_usd: int, units: dict[str, int] | None = None
    ) -> CostEntry:
        return self.ledger.commit(call_id, micro_usd, units)

    async def release(self, call_id: str) -> None:
        self.ledger.release(call_id)

    def commit_soon(
        self, call_id: str, micro_usd: int, units: dict[str, int] | None = None
    ) -> Awaitable[Any]:
        """In this process a commit costs no round trip: done at once (and durable)."""
        return _done(self.ledger.commit(call_id, micro_usd, units))

    def release_soon(self, call_id: str) -> Awaitable[Any]:
        self.ledger.release(call_id)
        return _done(None)


def _done(value: Any) -> Awaitable[Any]:
    fut: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
    fut.set_result(value)
    return fut


@dataclass(frozen=True)
class Reservation:
    """One request's reservation, as ``Admission.admit`` forwards it to the ledger."""

    call_id: str
    episode_id: str
    stage: str
    provider: str
    micro_usd: int
    units: dict[str, int]

    def args(self) -> tuple[str, str, str, str, int, dict[str, int]]:
        """The arguments of ``LedgerClient.reserve``, in order."""
        return (
            self.call_id,
            self.episode_id,
            self.stage,
            self.provider,
            self.micro_usd,
            self.units,
        )


@dataclass
class Charge:
    """Filled in by the caller inside ``Meter.call`` with what the provider reported."""

    micro_usd: int = 0
    units: dict[str, int] = field(default_factory=dict)
    billed: bool = False
    """True once the provider reported usage: the cost is then committed even if the
    caller fails afterwards (an unusable reply that was paid for is still paid for)."""

    def bill(self, micro_usd: int, units: dict[str, int] | None = None) -> None:
        self.micro_usd = micro_usd
        if units is not None:
            self.units = dict(units)
        self.billed = True


class Meter:
    """Numbers the calls of one stage attempt and brackets each with the ledger.

    A call id is ``episode/stage/a<attempt>/<nonce>/c<seq>``: the nonce is drawn afresh
    for every Meter, so ids are unique for the life of a run directory whatever happens
    to its manifests (a deleted episode folder or a lost manifest numbers its attempts
    from 1 again). The ledger refuses to grant a reservation for an id it has already
    committed or released, so a paid call always has a line of its own. The same id is
    only ever sent again by a retry of the same ledger method, which the ledger
    answers idempotently.

    Each request waits on one round trip, its admission (``Meter.call``); its commit or
    release is sent without waiting and kept until ``settle``, which the stage awaits
    before it returns (``actors.base.Agent`` does it for every agent method), so a
    stage's spend is in ``ledger.jsonl`` before its manifest says completed."""

    def __init__(self, ledger: LedgerClient, ctx: StageContext) -> None:
        self._ledger = ledger
        self._ctx = ctx
        self._seq = 0
        self._nonce = secrets.token_hex(6)
        self._unsettled: list[Awaitable[Any]] = []
        self.committed_micro_usd = 0
        """What the commits settled so far put in the ledger (``settle``)."""

    @asynccontextmanager
    async def call(
        self,
        provider: str,
        estimate_micro_usd: int,
        units: dict[str, int] | None = None,
        slots: Admission | None = None,
    ) -> AsyncIterator[Charge]:
        """Admit one request: a slot from ``slots`` (the governor, if it governs
        ``provider``) and a reservation of ``estimate_micro_usd``, in one awaited call.
        On success the charge is committed, on error released (committed if the
        provider billed it); the slot goes back with the outcome (a 429 pauses the
        provider for everyone). Neither is awaited here: see ``settle``.

        Raises BudgetExceeded (from the ledger) before the call is made if the
        reservation is refused."""
        self._seq += 1
        ctx = self._ctx
        call_id = f"{ctx.episode_id}/{ctx.stage}/a{ctx.attempt}/{self._nonce}/c{self._seq}"
        wanted = Reservation(
            call_id, ctx.episode_id, ctx.stage, provider, estimate_micro_usd, dict(units or {})
        )
        ticket: str | None = None
        if slots is not None and slots.governs(provider):
            ticket = await slots.admit(wanted, self._ledger)
        else:
            await self._ledger.reserve(*wanted.args())
        charge = Charge(units=dict(units or {}))
        outcome: Outcome = "ok"
        retry_after_s: float | None = None
        try:
            yield charge
        except TransientProviderError as exc:
            outcome = "throttled" if exc.status == 429 else "error"
            retry_after_s = exc.retry_after_s
            raise
        except BaseException:
            outcome = "error"
            raise
        finally:
            op = LedgerOp.settling(call_id, charge, failed=outcome != "ok")
            self._unsettled.append(self._finish(slots, ticket, outcome, retry_after_s, op))

    def _finish(
        self,
        slots: Admission | None,
        ticket: str | None,
        outcome: Outcome,
        retry_after_s: float | None,
        op: LedgerOp,
    ) -> Awaitable[Any]:
        """The slot back and the reservation settled, in one message to the governor when
        the request had a slot; else the reservation settled in the ledger."""
        if ticket is not None and slots is not None:
            try:
                return slots.finish_soon(ticket, outcome, retry_after_s, op, self._ledger)
            except Exception:  # the lease reclaims the slot; the ledger must still hear
                log.warning("governor: release of %s failed", ticket, exc_info=True)
        return self._ledger.settle_soon(op)

    @property
    def unsettled(self) -> int:
        """Commits and releases sent and not yet known to be in the ledger."""
        return len(self._unsettled)

    async def settle(self) -> None:
        """Wait until every commit and release sent so far is in the ledger (each is
        re-sent to a restarted ledger until it answers; the ledger is idempotent by call
        id, so none is lost or counted twice). Raises the first that failed for good."""
        pending, self._unsettled = self._unsettled, []
        results = await asyncio.gather(*pending, return_exceptions=True)
        self.committed_micro_usd += sum(r.micro_usd for r in results if isinstance(r, CostEntry))
        failed = next((r for r in results if isinstance(r, BaseException)), None)
        if failed is not None:
            raise failed

    @property
    def context(self) -> StageContext:
        """The stage attempt whose calls this meter numbers."""
        return self._ctx
