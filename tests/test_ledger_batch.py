"""Many requests' ledger operations in one call to the ledger, every promise kept.

``CostLedger.apply`` runs a batch in order with one write, answering each operation as
its own method would (a refusal in the middle fails only that one); ``LedgerBatch``
(the governor's side) gathers the operations that arrive while a call is on its way
into the next call, and answers each caller only once the ledger has answered it.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from podcast_factory.actors.ledger import CostLedger
from podcast_factory.actors.ledger_batch import LedgerBatch
from podcast_factory.errors import BudgetExceeded, LedgerError
from podcast_factory.metering import LedgerOp
from podcast_factory.models import CostEntry


def _reserve(call_id: str, micro: int) -> LedgerOp:
    return LedgerOp("reserve", (call_id, "ep", "audio", "elevenlabs", micro, {}))


def test_apply_answers_each_operation_and_writes_them_all(tmp_path: Path) -> None:
    path = tmp_path / "ledger.jsonl"
    ledger = CostLedger(str(path), budget_micro_usd=100)
    out = ledger.apply(
        [
            _reserve("a", 60),
            _reserve("b", 60),  # over the budget: refused, the others go on
            LedgerOp("commit", ("a", 50, {"characters": 5})),
            LedgerOp("commit", ("zz", 1, {})),  # never reserved
            _reserve("c", 40),
            LedgerOp("release", ("c",)),
        ]
    )
    assert isinstance(out[0], CostEntry) and out[0].op == "reserve"
    assert isinstance(out[1], BudgetExceeded)
    assert isinstance(out[2], CostEntry) and out[2].micro_usd == 50
    assert isinstance(out[3], LedgerError)
    assert isinstance(out[4], CostEntry) and out[5] is None
    lines = [json.loads(x) for x in path.read_text().splitlines()]
    assert [(e["op"], e["call_id"]) for e in lines] == [
        ("reserve", "a"),
        ("commit", "a"),
        ("reserve", "c"),
        ("release", "c"),
    ]
    reloaded = CostLedger(str(path), budget_micro_usd=100)
    assert reloaded.spend().committed_micro_usd == 50
    assert reloaded.spend().reserved_micro_usd == 0


class SlowLedger:
    """The ledger actor as ``LedgerBatch`` reaches it (``ActorLedger.apply``): a real
    ``CostLedger`` that answers each call only when the test lets it (``answer``)."""

    def __init__(self, ledger: CostLedger) -> None:
        self.ledger = ledger
        self.calls: list[int] = []  # operations per call
        self.gate = asyncio.Event()

    async def apply(self, ops: list[LedgerOp]) -> list[Any]:
        self.calls.append(len(ops))
        await self.gate.wait()
        return self.ledger.apply(ops)


def test_operations_arriving_during_a_call_go_together_in_the_next() -> None:
    ledger = CostLedger(None, budget_micro_usd=1_000)
    slow = SlowLedger(ledger)
    batch = LedgerBatch(slow)

    async def scenario() -> list[Any]:
        first = asyncio.ensure_future(batch.submit(_reserve("r0", 100)))
        await asyncio.sleep(0.01)  # the first call is on its way, unanswered
        rest = [asyncio.ensure_future(batch.submit(_reserve(f"r{i}", 100))) for i in range(1, 12)]
        await asyncio.sleep(0.01)
        assert not first.done() and not any(r.done() for r in rest)
        assert ledger.spend().reserved_micro_usd == 0  # nothing sent yet has landed
        slow.gate.set()
        return await asyncio.gather(first, *rest, return_exceptions=True)

    got = asyncio.run(scenario())
    assert slow.calls == [1, 11]  # twelve operations, two calls
    granted = [g for g in got if isinstance(g, CostEntry)]
    refused = [g for g in got if isinstance(g, BudgetExceeded)]
    assert len(granted) == 10 and len(refused) == 2  # 10 x 100 fit in 1,000
    assert ledger.spend().reserved_micro_usd == 1_000
    assert (batch.calls, batch.ops) == (2, 12)


def test_a_ledger_out_of_reach_fails_every_waiting_operation() -> None:
    class Gone:
        async def apply(self, ops: list[LedgerOp]) -> list[Any]:
            raise ConnectionError("the ledger actor is gone")

    batch = LedgerBatch(Gone())

    async def scenario() -> None:
        with pytest.raises(ConnectionError):
            await asyncio.wait_for(batch.submit(_reserve("x", 1)), 5)

    asyncio.run(scenario())
