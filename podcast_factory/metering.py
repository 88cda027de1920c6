"""How an agent spends money: reserve, call, commit (or release), one call at a time.

Agents hold a ``LedgerClient``: in Ray it forwards to the ledger actor, in unit tests it
wraps a plain ``CostLedger``. ``Meter.call`` is the only way an agent makes a provider
call, so no call can skip the reservation.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict

from podcast_factory.models import CostEntry


class StageContext(BaseModel):
    """Which episode, stage and attempt a call belongs to (it names the call ids)."""

    model_config = ConfigDict(frozen=True)

    episode_id: str
    stage: str
    attempt: int = 1


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
        await self._patiently(lambda ledger: ledger.release.remote(call_id))

    async def _patiently(self, send: Callable[[Any], Awaitable[Any]]) -> Any:
        """Send a call to the ledger actor until it answers. Every ledger method is
        idempotent by call id, so a call that met a restarting ledger is simply sent
        again; giving up would lose a commit the provider billed."""
        import ray
        from ray.exceptions import ActorUnavailableError

        if self._resolved is None:
            self._resolved = ray.get_actor(self._name)
        pause = 0.05
        deadline = time.monotonic() + LEDGER_PATIENCE_S
        while True:
            try:
                return await send(self._resolved)
            except ActorUnavailableError:
                if time.monotonic() > deadline:
                    raise
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
    answers idempotently."""

    def __init__(self, ledger: LedgerClient, ctx: StageContext) -> None:
        self._ledger = ledger
        self._ctx = ctx
        self._seq = 0
        self._nonce = secrets.token_hex(6)

    @asynccontextmanager
    async def call(
        self, provider: str, estimate_micro_usd: int, units: dict[str, int] | None = None
    ) -> AsyncIterator[Charge]:
        """Reserve ``estimate_micro_usd``; commit the charge on success, release on error.

        Raises BudgetExceeded (from the ledger) before the call is made if the
        reservation is refused."""
        self._seq += 1
        ctx = self._ctx
        call_id = f"{ctx.episode_id}/{ctx.stage}/a{ctx.attempt}/{self._nonce}/c{self._seq}"
        await self._ledger.reserve(
            call_id, ctx.episode_id, ctx.stage, provider, estimate_micro_usd, units
        )
        charge = Charge(units=dict(units or {}))
        try:
            yield charge
        except BaseException:
            if charge.billed:
                await self._ledger.commit(call_id, charge.micro_usd, charge.units)
            else:
                await self._ledger.release(call_id)
            raise
        await self._ledger.commit(call_id, charge.micro_usd, charge.units)
