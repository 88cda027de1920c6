"""The governor's line to the ledger: many requests' operations in one write.

Every provider request passes the governor twice: ``admit`` (its slot, then its
reservation) and ``finish`` (its slot back, then its commit or release). Applying each
reservation and each commit on its own made the ledger the busiest process of a batch
after the supervisor (two calls per request, each with its fsync). ``LedgerBatch``
queues them instead: the operations that arrive while one ``CostLedger.apply`` is on
its way (or, with the ledger in the governor's process, ``actors.treasury``, in the
same turn of the event loop) wait for the next, which takes all of them with one
fsync. A caller is answered only when the ledger has answered its operation, so each
promise of the ledger holds as before: a reservation is made (or refused) before
``admit`` answers, a commit is durable before ``finish`` answers, and the ledger still
runs the operations one at a time, so a budget is never overshot.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, Protocol

from podcast_factory.metering import LedgerOp

if TYPE_CHECKING:
    from podcast_factory.actors.ledger import CostLedger


class Applies(Protocol):
    """Where a batch goes: the ledger actor (``metering.ActorLedger``) or a ledger in
    this process (``InProcess``)."""

    async def apply(self, ops: list[LedgerOp]) -> list[Any]: ...


class InProcess:
    """A ledger in the governor's own process (``actors.treasury``): ``apply`` runs
    there and then, on the event loop, so the ledger's operations still run one at a
    time and each batch is written with one fsync before any caller is answered."""

    def __init__(self, ledger: CostLedger) -> None:
        self._ledger = ledger

    async def apply(self, ops: list[LedgerOp]) -> list[Any]:
        return self._ledger.apply(ops)


class LedgerBatch:
    """Queues ledger operations and sends them to one ledger in batches."""

    def __init__(self, ledger: Applies) -> None:
        self._ledger = ledger
        self._queue: list[tuple[LedgerOp, asyncio.Future[Any]]] = []
        self._sender: asyncio.Task[None] | None = None
        self.calls = 0
        """Actor calls sent so far (each carries one or more operations)."""
        self.ops = 0
        """Operations sent so far."""

    async def submit(self, op: LedgerOp) -> Any:
        """What the ledger answers ``op`` with (an entry, or None); raises what it
        refused it with (BudgetExceeded, LedgerError), or why it could not be reached."""
        fut: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._queue.append((op, fut))
        if self._sender is None or self._sender.done():
            self._sender = asyncio.ensure_future(self._send())
        return await fut

    async def _send(self) -> None:
        """Send what is queued, one call at a time, until nothing is."""
        await asyncio.sleep(0)  # the operations of this turn of the loop go together
        while self._queue:
            batch, self._queue = self._queue, []
            self.calls += 1
            self.ops += len(batch)
            try:
                results = await self._ledger.apply([op for op, _ in batch])
            except Exception as exc:  # the ledger could not be reached for good
                for _, fut in batch:
                    if not fut.done():
                        fut.set_exception(exc)
                continue
            for (_, fut), result in zip(batch, results, strict=True):
                if fut.done():  # its caller was cancelled; the ledger has it all the same
                    continue
                if isinstance(result, Exception):
                    fut.set_exception(result)
                else:
                    fut.set_result(result)
