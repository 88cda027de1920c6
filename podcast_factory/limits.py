"""How hard each provider may be driven, and the gate every provider request passes.

Contracts shared by the settings, the providers and the governor actor: the providers
depend on ``ProviderSlots`` (a protocol), not on the actor that implements it, so the
layers import only downward (contracts -> providers -> actors).
"""

from __future__ import annotations

from collections.abc import Awaitable
from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING, Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, model_validator

if TYPE_CHECKING:
    from podcast_factory.metering import LedgerClient, LedgerOp, Reservation

Outcome = Literal["ok", "throttled", "error"]
"""What became of a request, as the governor learns from it."""


class ProviderLimits(BaseModel):
    """How hard one provider may be driven by a whole batch."""

    model_config = ConfigDict(frozen=True)

    max_concurrent: int = Field(ge=1)
    """Requests in flight at the start, and the ceiling the window grows back to."""
    min_concurrent: int = Field(default=1, ge=1)
    """Floor of the window however many 429s arrive."""
    requests_per_minute: int | None = Field(default=None, ge=1)
    """Starts allowed per ``rpm_window_s`` (60 s); None: no rate limit."""
    start_concurrent: int | None = Field(default=None, ge=1)
    """Requests in flight at the start when lower than ``max_concurrent``: the window
    that held in the show's last run that was throttled (learned by the series
    memory), so a new run does not meet the same 429s again before finding it."""

    @model_validator(mode="after")
    def _floor_below_ceiling(self) -> ProviderLimits:
        if self.min_concurrent > self.max_concurrent:
            raise ValueError("min_concurrent must not exceed max_concurrent")
        return self


def default_limits() -> dict[str, ProviderLimits]:
    """Limits that keep a batch inside the providers' entry tiers (a free ElevenLabs
    account allows 2 concurrent requests; Anthropic's first tier 50 requests/minute)."""
    return {
        "anthropic": ProviderLimits(max_concurrent=8, requests_per_minute=50),
        "elevenlabs": ProviderLimits(max_concurrent=2),
    }


class Admission(Protocol):
    """What ``Meter.call`` needs of the batch's governor: a slot and the reservation in
    one awaited call, and the slot given back without waiting.

    A request used to wait on four actor round trips around its provider call (slot,
    reservation, commit, release); now it waits on one, ``admit``, which takes the slot
    and then reserves in the ledger before it answers, so no call is made unreserved."""

    def governs(self, provider: str) -> bool:
        """Whether requests to ``provider`` need a slot (else only the reservation)."""
        ...

    async def admit(self, reservation: Reservation, ledger: LedgerClient) -> str:
        """Wait for a slot, then reserve; give the slot back if the reservation is
        refused (BudgetExceeded is raised). Returns the slot's ticket."""
        ...

    def release_soon(
        self, ticket: str, outcome: Outcome, retry_after_s: float | None = None
    ) -> None:
        """Give a ticket back with its request's outcome; not awaited (a lost release
        is reclaimed when its lease runs out, and releases are idempotent)."""
        ...

    def finish_soon(
        self,
        ticket: str,
        outcome: Outcome,
        retry_after_s: float | None,
        op: LedgerOp,
        ledger: LedgerClient,
    ) -> Awaitable[Any]:
        """Give a ticket back and settle its request's reservation (``op``: the commit
        or the release) in one message, sent now; the result (the commit's entry, or
        None) once the ledger has it. The governor forwards ``op`` to the ledger with
        the other requests' operations, so a request costs two actor calls, not four."""
        ...


class ProviderSlots(Admission, Protocol):
    """What a provider client needs of the batch's governor: one slot per request
    attempt, held for the attempt and given back when it ends (a 429 raised inside the
    slot pauses the provider for every caller). ``GovernorClient`` implements it; the
    provider clients hand it to ``Meter.call``, which admits each attempt in one call."""

    def slot(self, provider: str) -> AbstractAsyncContextManager[Any]: ...
