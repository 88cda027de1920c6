"""One Messages request as data, built before it is sent, and the time it may take.

The client builds a ``Params`` per request and changes it (a larger cap, a continued
turn) with ``dataclasses.replace``; keeping it apart lets the batch transport and the
estimate read the same request the client sends.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

OUTPUT_TOKENS_PER_S = 128_000 / 3600
"""The slowest output rate the SDK assumes (128,000 tokens in an hour, see
``_calculate_nonstreaming_timeout``); sizes each request's timeout."""


@dataclass(frozen=True)
class Params:
    """One Messages request, as built before it is sent."""

    model: str
    system: tuple[str, ...]
    messages: tuple[dict[str, Any], ...]
    max_tokens: int
    schema: dict[str, Any] | None = None
    searches: int = 0
    cache: bool = False
    """A ``cache_control`` breakpoint on the last system block."""
    extra: dict[str, Any] = field(default_factory=dict)

    def kwargs(self) -> dict[str, Any]:
        """The keyword arguments of ``messages.create`` / ``messages.stream``."""
        system: list[dict[str, Any]] = [{"type": "text", "text": t} for t in self.system]
        if self.cache and system:
            system[-1]["cache_control"] = {"type": "ephemeral"}
        out: dict[str, Any] = {
            "model": self.model,
            "max_tokens": self.max_tokens,
            "messages": list(self.messages),
        }
        if system:
            out["system"] = system
        if self.schema is not None:
            out["output_config"] = {"format": {"type": "json_schema", "schema": self.schema}}
        if self.searches:
            out["tools"] = [
                {"type": "web_search_20250305", "name": "web_search", "max_uses": self.searches}
            ]
        return {**out, **self.extra}


def request_timeout_s(max_tokens: int, base_s: float) -> float:
    """Seconds one request may take: ``base_s`` plus ``max_tokens`` at the slowest rate."""
    return base_s + max_tokens / OUTPUT_TOKENS_PER_S
