"""The conventions every handoff model follows: frozen, strict, money in integer micro-USD.

Its own module so that ``models`` (what the work is) and ``state`` (how far a run has
got) share them without importing each other. Each module declares its own private
``_Frozen(BaseModel)`` with ``FROZEN`` so linters see a pydantic model at once.
"""

from __future__ import annotations

from decimal import Decimal

from pydantic import ConfigDict

MICRO = 1_000_000
"""Micro-USD in a dollar: every amount of money is an integer of these."""

FROZEN = ConfigDict(frozen=True, extra="forbid")
"""Immutable and strict: Ray pickles handoffs between actors, and a field nobody
declared is a mistake, not data to carry along."""


def usd(micro_usd: int) -> Decimal:
    """Integer micro-USD as an exact Decimal of dollars."""
    return (Decimal(micro_usd) / MICRO).quantize(Decimal("0.000001"))
