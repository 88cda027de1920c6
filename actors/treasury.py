"""The batch's cost ledger and provider governor in one actor: admission is one call.

Every paid request is admitted twice over: a provider slot (the governor) and its money
held against the budget (the ledger). With the two in separate actors the governor's
``admit`` forwarded the reservation to the ledger and waited for it, so each request's
one awaited round trip was really two chained hops, every request's commit crossed a
second process, and the ledger was a worker process of its own (~100 MiB, ~15 ms of CPU
an episode, ``docs/benchmarks.md``). ``Treasury`` is a ``ProviderGovernor`` that keeps
the batch's ``CostLedger`` in its own process: ``admit`` takes the slot and makes the
reservation there and then, ``finish`` gives the slot back and commits, and the
operations that arrive in one turn of the event loop are written with one fsync
(``ledger_batch.InProcess``) before any caller is answered.

Each promise holds as before. The ledger's methods run on the actor's one event loop,
one at a time, so a budget is never overshot. Each is idempotent by call id, and the
constructor replays ``ledger.jsonl``: a restarted treasury (it restarts forever, and Ray
retries the calls that met the crash) answers a repeated reservation or commit with the
first, and forgets its tickets as a restarted governor always did. The ledger's reads
(``spent``, ``spent_by_stage``, ``spend``) and writes (``reserve``, ``commit``,
``apply``) are served under their ``CostLedger`` names, so ``metering.ActorLedger`` and
``clients.LedgerReader`` talk to it as to a ledger; its ``release`` is the governor's
(a ticket back), and a reservation is released through ``apply``, as ``ActorLedger``
does.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from podcast_factory.actors.governor import ACTOR_OPTIONS as GOVERNOR_OPTIONS
from podcast_factory.actors.governor import ProviderGovernor
from podcast_factory.actors.ledger import CostLedger, Spend
from podcast_factory.actors.ledger_batch import InProcess, LedgerBatch
from podcast_factory.limits import ProviderLimits
from podcast_factory.metering import LedgerOp
from podcast_factory.models import CostEntry

ACTOR_OPTIONS: dict[str, Any] = dict(GOVERNOR_OPTIONS)
"""For ``ray.remote(Treasury).options(name=..., **ACTOR_OPTIONS)``: the governor's
(async, high ``max_concurrency`` so that releases get past queued acquires, restarts
forever, calls retried). Add a node affinity: the ledger's file is on the run
directory's node."""


class Treasury(ProviderGovernor):
    """The provider governor of a batch, keeping the batch's ledger in its process."""

    def __init__(
        self,
        name: str,
        limits: Mapping[str, ProviderLimits] | None,
        ledger_path: str | None,
        budget_micro_usd: int | None = None,
        episode_cap_micro_usd: int | None = None,
        run_id: str = "",
    ) -> None:
        super().__init__(limits)
        self.name = name
        """This actor's name: the ledger name its clients forward to."""
        self.ledger = CostLedger(ledger_path, budget_micro_usd, episode_cap_micro_usd, run_id)
        self._own_batch = LedgerBatch(InProcess(self.ledger))

    def _ledger(self, name: str) -> LedgerBatch:
        """Its own ledger when asked for by its name (a batch's agents always are);
        another ledger actor over Ray, as a plain governor does."""
        if name == self.name:
            return self._own_batch
        return super()._ledger(name)

    def ledger_calls(self) -> tuple[int, int]:
        """Batches written to the ledger so far (one fsync each), and the operations
        they carried, the ledger in this process included."""
        calls, ops = super().ledger_calls()
        return calls + self._own_batch.calls, ops + self._own_batch.ops

    # -- the ledger's methods, under their CostLedger names (not ``release``) --------

    def reserve(
        self,
        call_id: str,
        episode_id: str,
        stage: str,
        provider: str,
        micro_usd: int,
        units: dict[str, int] | None = None,
    ) -> CostEntry:
        return self.ledger.reserve(call_id, episode_id, stage, provider, micro_usd, units)

    def commit(
        self, call_id: str, micro_usd: int, units: dict[str, int] | None = None
    ) -> CostEntry:
        return self.ledger.commit(call_id, micro_usd, units)

    def apply(self, ops: list[LedgerOp]) -> list[CostEntry | Exception | None]:
        return self.ledger.apply(ops)

    def spent(self, episode_id: str, stage: str | tuple[str, ...] | None = None) -> int:
        return self.ledger.spent(episode_id, stage)

    def spent_by_stage(self, episode_id: str) -> dict[str, int]:
        return self.ledger.spent_by_stage(episode_id)

    def spend(self) -> Spend:
        return self.ledger.spend()
