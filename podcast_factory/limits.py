"""How hard each provider may be driven, and the gate every provider request passes.

Contracts shared by the settings, the providers and the governor actor: the providers
depend on ``ProviderSlots`` (a protocol), not on the actor that implements it, so the
layers import only downward (contracts -> providers -> actors).
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field, model_validator


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


class ProviderSlots(Protocol):
    """What a provider client needs of the batch's governor: one slot per request
    attempt, held for the attempt and given back when it ends (a 429 raised inside the
    slot pauses the provider for every caller). ``GovernorClient`` implements it."""

    def slot(self, provider: str) -> AbstractAsyncContextManager[Any]: ...
