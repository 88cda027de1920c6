"""The provider governor: one gate that every provider request of a batch passes.

Retries (``providers/retry.py``) make one request patient; they cannot stop fifty
agents on four nodes from each opening their own connection and all hitting a 429
together. So before every attempt a caller asks this one actor for a ticket. Per
provider it keeps an AIMD concurrency window (halved on a 429, +1 per round trip of
successes), a pause that a 429 imposes on everyone, and a requests-per-minute budget
kept as a sliding-window log (never more than ``requests_per_minute`` starts in any
``rpm_window_s`` seconds; stricter than a token bucket, which allows a burst).

A plain class; the supervisor makes it one *async* Ray actor per batch. All methods
then run on the actor's event loop, so the sync ``release`` may touch the futures the
waiting ``acquire`` calls sleep on. Waiters are futures in a FIFO per provider, woken
by ``release`` or by one timer set for the next moment something can change (pause
end, an rpm slot, a lease expiry): no polling.

State is in memory only. A restarted governor starts with full windows and no pause,
and forgets the tickets in flight: their late releases are no-ops (tickets are
random, so never confused with new ones) and, until the old requests end, up to twice
``max_concurrent`` may run. A 429 then pauses the provider again.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict

from podcast_factory.actors.governor_client import GovernorClient as GovernorClient
from podcast_factory.actors.governor_client import Slot as Slot
from podcast_factory.actors.ledger_batch import LedgerBatch
from podcast_factory.limits import Outcome as Outcome
from podcast_factory.limits import ProviderLimits as ProviderLimits
from podcast_factory.limits import default_limits as default_limits
from podcast_factory.metering import ActorLedger, LedgerOp, Reservation

log = logging.getLogger(__name__)

ACTOR_OPTIONS: dict[str, Any] = {
    "max_concurrency": 10_000,  # each queued acquire holds one; release must still get in
    "max_restarts": -1,
    "max_task_retries": -1,  # acquire/release are retried on the restarted actor
    "num_cpus": 0,
}
"""For ``ray.remote(ProviderGovernor).options(name=..., **ACTOR_OPTIONS)``. If queued
acquire calls filled ``max_concurrency``, no release could run until a lease ran out."""


class ProviderState(BaseModel):
    """What the governor is doing for one provider, for progress views and tests."""

    model_config = ConfigDict(frozen=True)

    window: int
    """Requests allowed in flight now (between min_ and max_concurrent)."""
    in_flight: int
    """Tickets handed out and neither released nor expired."""
    waiting: int
    """acquire calls queued for a ticket."""
    paused_until_s: float
    """Seconds from now until a 429 pause ends; 0 if not paused."""
    throttles: int
    """429s reported so far."""
    requests_started: int
    """Tickets handed out so far."""
    leases_expired: int
    """Tickets reclaimed because their holder never released them."""
    held_window: int = 0
    """The largest window reached since the last 429 (or since the start): the
    concurrency that held, which the series memory keeps for the show's next run."""


def _own(exc: Exception) -> Exception:
    """The ledger's own exception (BudgetExceeded, LedgerError) out of Ray's wrapper, so
    the agent receives it wrapped once, as if it had called the ledger itself."""
    from ray.exceptions import RayTaskError

    cause = exc.cause if isinstance(exc, RayTaskError) else None
    return cause if isinstance(cause, Exception) else exc


@dataclass
class _Lane:
    """Mutable per-provider state."""

    limits: ProviderLimits
    window: int
    held: dict[str, tuple[float, int]] = field(default_factory=dict)  # ticket: expiry, gen
    waiters: deque[asyncio.Future[str]] = field(default_factory=deque)
    starts: deque[float] = field(default_factory=deque)  # start times inside rpm window
    paused_until: float = 0.0
    gen: int = 0  # bumped at every window cut
    oks: int = 0  # consecutive successes since the window last changed
    strikes: int = 0  # consecutive throttle events, for the default backoff
    throttles: int = 0
    peak: int = 0  # largest window since the last cut
    started: int = 0
    expired: int = 0
    timer: asyncio.TimerHandle | None = None


def _lane(limits: ProviderLimits) -> _Lane:
    """A provider's lane at the start: its window at ``start_concurrent`` when one was
    learned, else at ``max_concurrent`` (never under ``min_concurrent``)."""
    start = min(limits.max_concurrent, limits.start_concurrent or limits.max_concurrent)
    window = max(limits.min_concurrent, start)
    return _Lane(limits, window, peak=window)


class ProviderGovernor:
    """Hands out tickets per provider within its limits; learns from their outcomes."""

    def __init__(
        self,
        limits: Mapping[str, ProviderLimits] | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        lease_s: float = 300.0,
        rpm_window_s: float = 60.0,
        backoff_s: float = 1.0,
        max_pause_s: float = 60.0,
    ) -> None:
        self.limits = dict(default_limits() if limits is None else limits)
        self._clock = clock
        self._lease_s = lease_s
        self._rpm_window_s = rpm_window_s
        self._backoff_s = backoff_s
        self._max_pause_s = max_pause_s
        self._lanes = {p: _lane(lim) for p, lim in self.limits.items()}
        self._owner: dict[str, str] = {}  # ticket -> provider
        self._holder: dict[str, str] = {}  # ticket -> who holds it (an actor id)
        self._ledgers: dict[str, LedgerBatch] = {}  # queues to the ledger actors, by name

    async def acquire(self, provider: str, holder: str = "") -> str:
        """Wait for a ticket to make one request to ``provider``; FIFO per provider.
        ``holder`` names the caller so that its tickets can be freed if it crashes."""
        ticket = await self._acquire(provider)
        if holder and ticket in self._owner:
            self._holder[ticket] = holder
        return ticket

    async def admit(self, reservation: Reservation, holder: str, ledger_name: str) -> str:
        """A ticket, then the reservation in the ledger actor ``ledger_name``: the one
        round trip an agent waits on per request. The slot comes first, so a queued
        request holds no budget; the reservation is made before this answers, so no
        call is made unreserved. Refused (BudgetExceeded), the ticket is given back.
        Retried by Ray on a restarted governor, it asks again; the ledger answers a
        repeated reservation of the same call id with the one it granted."""
        ticket = await self.acquire(reservation.provider, holder)
        try:
            await self._ledger(ledger_name).submit(LedgerOp("reserve", reservation.args()))
        except Exception as exc:
            self.release(ticket, "error")
            raise _own(exc) from None
        except BaseException:
            self.release(ticket, "error")
            raise
        return ticket

    async def finish(
        self,
        ticket: str,
        outcome: Outcome,
        retry_after_s: float | None,
        op: LedgerOp,
        ledger_name: str,
    ) -> Any:
        """A request has ended: its ticket back (as ``release``), then its reservation
        settled in the ledger actor ``ledger_name`` (``op``: commit or release), with the
        other requests' operations in one call; answers once the ledger has it (the
        commit's entry, or None). Retried by Ray on a restarted governor, it settles
        again: the ledger answers a repeated commit with the first."""
        self.release(ticket, outcome, retry_after_s)
        try:
            return await self._ledger(ledger_name).submit(op)
        except Exception as exc:
            raise _own(exc) from None

    def _ledger(self, name: str) -> LedgerBatch:
        """The queue to the ledger actor ``name`` (one per ledger this governor serves)."""
        batch = self._ledgers.get(name)
        if batch is None:
            batch = self._ledgers[name] = LedgerBatch(ActorLedger(name))
        return batch

    def ledger_calls(self) -> tuple[int, int]:
        """Actor calls sent to the ledgers so far, and the operations they carried."""
        return (
            sum(b.calls for b in self._ledgers.values()),
            sum(b.ops for b in self._ledgers.values()),
        )

    def release_holder(self, holder: str) -> int:
        """Free every ticket ``holder`` still has: it crashed and restarted, so those
        requests died with it. Without this their slots would wait out the lease."""
        tickets = [t for t, h in self._holder.items() if h == holder]
        for ticket in tickets:
            self.release(ticket, "error")
        return len(tickets)

    async def _acquire(self, provider: str) -> str:
        lane = self._lanes.get(provider)
        if lane is None:
            return f"unlimited-{uuid.uuid4().hex}"
        now = self._clock()
        self._reclaim(provider, lane, now)
        if not lane.waiters and self._blocked_until(lane, now) is None:
            return self._grant(provider, lane, now)
        fut: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        lane.waiters.append(fut)
        self._pump(provider, lane)
        try:
            return await fut
        except asyncio.CancelledError:
            if fut.done() and not fut.cancelled():  # granted, but the caller is gone
                self.release(fut.result(), "error")
            elif fut in lane.waiters:
                lane.waiters.remove(fut)
                self._pump(provider, lane)
            raise

    def release(self, ticket: str, outcome: Outcome, retry_after_s: float | None = None) -> None:
        """Give a ticket back with what became of its request. Unknown, expired or
        already released tickets are ignored, so a repeated release is harmless."""
        provider = self._owner.pop(ticket, None)
        self._holder.pop(ticket, None)
        if provider is None:
            return
        lane = self._lanes[provider]
        _, gen = lane.held.pop(ticket)
        now = self._clock()
        if outcome == "throttled":
            self._throttled(lane, gen, now, retry_after_s)
        elif outcome == "ok":
            lane.strikes = 0
            lane.oks += 1
            if lane.oks >= lane.window and lane.window < lane.limits.max_concurrent:
                lane.window += 1
                lane.peak = max(lane.peak, lane.window)
                lane.oks = 0
        self._pump(provider, lane)

    def state(self) -> dict[str, ProviderState]:
        """A snapshot of every governed provider."""
        now = self._clock()
        out = {}
        for provider, lane in self._lanes.items():
            self._reclaim(provider, lane, now)
            out[provider] = ProviderState(
                window=lane.window,
                in_flight=len(lane.held),
                waiting=sum(not f.done() for f in lane.waiters),
                paused_until_s=max(0.0, lane.paused_until - now),
                throttles=lane.throttles,
                requests_started=lane.started,
                leases_expired=lane.expired,
                held_window=lane.peak,
            )
        return out

    def _throttled(self, lane: _Lane, gen: int, now: float, retry_after_s: float | None) -> None:
        """A 429: pause everyone, halve the window. Requests started before the last
        cut were sent under the old window, so their 429s (often a burst of them) extend
        the pause but do not cut again: one cut per round trip, as in TCP."""
        lane.throttles += 1
        if gen == lane.gen:
            lane.gen += 1
            lane.strikes += 1
            lane.oks = 0
            lane.window = max(lane.limits.min_concurrent, lane.window // 2)
            lane.peak = lane.window
        if retry_after_s is None:
            retry_after_s = self._backoff_s * 2 ** max(0, lane.strikes - 1)
        pause = min(max(0.0, retry_after_s), self._max_pause_s)
        lane.paused_until = max(lane.paused_until, now + pause)

    def _blocked_until(self, lane: _Lane, now: float) -> float | None:
        """None if a ticket may be granted now, else when that may change."""
        if lane.paused_until > now:
            return lane.paused_until
        if len(lane.held) >= lane.window:
            return min(expiry for expiry, _ in lane.held.values())
        rpm = lane.limits.requests_per_minute
        while lane.starts and lane.starts[0] <= now - self._rpm_window_s:
            lane.starts.popleft()
        if rpm is not None and len(lane.starts) >= rpm:
            return lane.starts[0] + self._rpm_window_s
        return None

    def _grant(self, provider: str, lane: _Lane, now: float) -> str:
        ticket = f"{provider}-{uuid.uuid4().hex}"
        lane.held[ticket] = (now + self._lease_s, lane.gen)
        self._owner[ticket] = provider
        lane.started += 1
        if lane.limits.requests_per_minute is not None:
            lane.starts.append(now)
        return ticket

    def _reclaim(self, provider: str, lane: _Lane, now: float) -> None:
        """Free the slots of tickets whose holders outlived their lease (likely dead)."""
        for ticket in [t for t, (expiry, _) in lane.held.items() if expiry <= now]:
            del lane.held[ticket]
            del self._owner[ticket]
            self._holder.pop(ticket, None)
            lane.expired += 1
            log.warning("governor: %s ticket expired unreleased; slot reclaimed", provider)

    def _pump(self, provider: str, lane: _Lane) -> None:
        """Grant tickets to the head of the queue while the limits allow, then arm one
        timer for the moment the head might be served."""
        if lane.timer is not None:
            lane.timer.cancel()
            lane.timer = None
        now = self._clock()
        self._reclaim(provider, lane, now)
        while lane.waiters:
            head = lane.waiters[0]
            if head.done():  # its caller was cancelled
                lane.waiters.popleft()
                continue
            wake = self._blocked_until(lane, now)
            if wake is not None:
                delay = max(0.0, wake - now)
                lane.timer = asyncio.get_running_loop().call_later(
                    delay, self._pump, provider, lane
                )
                return
            lane.waiters.popleft()
            head.set_result(self._grant(provider, lane, now))
