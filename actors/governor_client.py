"""The caller's side of the provider governor: a slot per request attempt.

``GovernorClient`` is what agents and provider clients hold. Its ``admit`` is the one
awaited round trip of a metered request (``metering.Meter.call``): over the governor
actor it asks ``ProviderGovernor.admit``, which takes the slot and makes the reservation
before it answers (in a batch the ledger is in the governor's own process,
``actors.treasury``); ``finish_soon`` gives the ticket back and settles the reservation
in one more call, not awaited by the request (the stage awaits it as it settles). The
governor writes both to the ledger in batches (``actors.ledger_batch``). ``slot`` keeps
the older shape (acquire, body, release) for callers that spend nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from podcast_factory.errors import TransientProviderError
from podcast_factory.limits import Outcome, ProviderLimits
from podcast_factory.metering import LedgerClient, LedgerOp, Reservation, patiently

if TYPE_CHECKING:
    from podcast_factory.actors.governor import ProviderGovernor

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Slot:
    """A granted request slot; ``ticket`` is None for a provider with no limits."""

    provider: str
    ticket: str | None


class GovernorClient:
    """What a caller holds: ``async with client.slot("anthropic"):`` around one attempt.

    Built over a local ProviderGovernor (one process, not picklable), an actor name, or
    an actor handle plus ``name=``. It pickles as the name alone and looks the actor up
    lazily: an actor handle among an actor's constructor arguments stops Ray from
    restarting that actor reliably (ray-project/ray#53727)."""

    def __init__(
        self,
        governor: Any,
        limits: Mapping[str, ProviderLimits] | None = None,
        *,
        name: str | None = None,
    ) -> None:
        self._local: ProviderGovernor | None = None
        self._name: str | None = None
        self._resolved: Any = None
        if isinstance(governor, str):
            self._name = governor
        elif hasattr(governor.acquire, "remote"):
            if name is None:
                raise ValueError("GovernorClient over an actor handle needs name=")
            self._name, self._resolved = name, governor
        else:
            self._local = governor
            limits = governor.limits if limits is None else limits
        # None: the limits are not known here, so every provider costs a round trip.
        self._limited = None if limits is None else frozenset(limits)

    def __getstate__(self) -> dict[str, Any]:
        if self._name is None:
            raise TypeError("a GovernorClient over a local governor cannot be pickled")
        return {"_local": None, "_name": self._name, "_resolved": None, "_limited": self._limited}

    @property
    def _handle(self) -> Any:
        if self._resolved is None:
            import ray

            assert self._name is not None, "only a client over an actor has no local"
            self._resolved = ray.get_actor(self._name)
        return self._resolved

    @property
    def holder(self) -> str:
        """This caller's name for the governor: its Ray actor id (kept across restarts)."""
        if self._local is not None:
            return ""
        import ray

        actor_id = ray.get_runtime_context().get_actor_id() if ray.is_initialized() else None
        return actor_id or ""

    def reclaim_own_tickets(self) -> None:
        """Called by an agent as it starts: if it is a restart, free the tickets its
        previous incarnation died holding. Fire and forget; calls from one process reach
        the governor in order, so this lands before the agent's first acquire."""
        holder = self.holder
        if holder and self._local is None:
            self._handle.release_holder.remote(holder)

    def governs(self, provider: str) -> bool:
        """Whether ``provider`` has limits here (unknown limits: ask the governor)."""
        return self._limited is None or provider in self._limited

    async def admit(self, reservation: Reservation, ledger: LedgerClient) -> str:
        """A slot and the reservation, in one awaited round trip when both the governor
        and the ledger are actors (the governor forwards the reservation, see
        ``ProviderGovernor.admit``). Raises BudgetExceeded with the slot given back."""
        ledger_name = getattr(ledger, "name", None)
        if self._local is None and isinstance(ledger_name, str):
            ticket: str = await self._handle.admit.remote(reservation, self.holder, ledger_name)
            return ticket
        ticket = await self.acquire(reservation.provider)
        try:
            await ledger.reserve(*reservation.args())
        except BaseException:
            self.release_soon(ticket, "error")
            raise
        return ticket

    def release_soon(
        self, ticket: str, outcome: Outcome, retry_after_s: float | None = None
    ) -> None:
        """Give a ticket back without waiting: calls from one process reach the actor in
        order and Ray retries them on a restarted governor; one lost in a crash is
        reclaimed when its lease runs out."""
        if self._local is not None:
            self._local.release(ticket, outcome, retry_after_s)
        else:
            self._handle.release.remote(ticket, outcome, retry_after_s)

    def finish_soon(
        self,
        ticket: str,
        outcome: Outcome,
        retry_after_s: float | None,
        op: LedgerOp,
        ledger: LedgerClient,
    ) -> Awaitable[Any]:
        """The ticket back and the request's reservation settled (``op``), in one call
        to the governor actor, which forwards ``op`` to the ledger actor with other
        requests' (``ProviderGovernor.finish``); sent now, answered once the ledger has
        it. Over a local governor, or a ledger that is no actor, the two go apart."""
        ledger_name = getattr(ledger, "name", None)
        if self._local is None and isinstance(ledger_name, str):
            args = (ticket, outcome, retry_after_s, op, ledger_name)
            first = self._handle.finish.remote(*args)
            return asyncio.ensure_future(
                patiently(lambda: self._handle.finish.remote(*args), first)
            )
        self.release_soon(ticket, outcome, retry_after_s)
        return ledger.settle_soon(op)

    async def acquire(self, provider: str) -> str:
        if self._local is not None:
            return await self._local.acquire(provider)
        ticket: str = await self._handle.acquire.remote(provider, self.holder)
        return ticket

    async def release(
        self, ticket: str, outcome: Outcome, retry_after_s: float | None = None
    ) -> None:
        if self._local is not None:
            self._local.release(ticket, outcome, retry_after_s)
        else:
            await self._handle.release.remote(ticket, outcome, retry_after_s)

    @contextlib.asynccontextmanager
    async def slot(self, provider: str) -> AsyncIterator[Slot]:
        """Hold a ticket for the body; release it as ok, throttled (a 429, with its
        Retry-After) or error. The body's exception is re-raised unchanged."""
        if self._limited is not None and provider not in self._limited:
            yield Slot(provider, None)
            return
        ticket = await self.acquire(provider)
        outcome: Outcome = "ok"
        retry_after_s: float | None = None
        try:
            yield Slot(provider, ticket)
        except TransientProviderError as exc:
            outcome = "throttled" if exc.status == 429 else "error"
            retry_after_s = exc.retry_after_s
            raise
        except BaseException:
            outcome = "error"
            raise
        finally:
            try:
                await self.release(ticket, outcome, retry_after_s)
            except Exception:  # the lease reclaims the slot; keep the body's outcome
                log.warning("governor: release of %s failed", ticket, exc_info=True)
