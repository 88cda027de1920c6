"""The supervisor's side of the ledger (``clients.LedgerReader``) over a plain
``CostLedger`` in this process, for tests of the episode book without Ray."""

from __future__ import annotations

from podcast_factory.actors.ledger import CostLedger


class PlainLedgerReader:
    """Answers as ``LedgerReader`` does, counting its reads (each would be a round trip
    to the ledger actor)."""

    def __init__(self, ledger: CostLedger | None = None) -> None:
        self.ledger = ledger if ledger is not None else CostLedger(None)
        self.reads = 0

    async def spent(self, episode_id: str, stage: str | tuple[str, ...] | None = None) -> int:
        self.reads += 1
        return self.ledger.spent(episode_id, stage)

    async def spent_by_stage(self, episode_id: str) -> dict[str, int]:
        self.reads += 1
        return self.ledger.spent_by_stage(episode_id)
