"""Claude through the anthropic SDK: one adapter for every agent that writes or judges.

Each call is metered (reserved before, committed from the response's own ``usage``),
retried only by ``providers.retry`` (the SDK's ``max_retries`` is 0), and converted
from vendor errors to the project's once, here. Structured output goes through
``messages.parse(output_format=Model)``, so what comes back is a validated handoff.
The show's system prompt is sent as a cached block, so a batch pays full price for it
once and cache-read prices after.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import anthropic
import pydantic

from actors.governor import GovernorClient
from podcast_factory.errors import TransientProviderError
from podcast_factory.metering import Meter
from providers.pricing import ClaudeUsage, PriceTable
from providers.retry import RetryPolicy, call_with_retries, governed, status_error

PROVIDER = "anthropic"
CHARS_PER_TOKEN_BOUND = 3
"""English runs near 4 characters a token; 3 makes the reservation an upper bound."""
SCHEMA_TOKENS = 600
"""Allowance for the output schema and message framing the API adds to the input."""
SEARCH_RESULT_TOKENS = 8_000
"""Allowance per web search for the result pages the API adds to the input."""

M = TypeVar("M", bound=pydantic.BaseModel)


@dataclass(frozen=True)
class Citation:
    """A web search result the answer cited: where, what, and the quoted span."""

    url: str
    title: str
    cited_text: str


@dataclass(frozen=True)
class ClaudeResult(Generic[M]):
    output: M
    usage: ClaudeUsage
    micro_usd: int
    request_id: str
    citations: tuple[Citation, ...]


def _citations(message: Any) -> tuple[Citation, ...]:
    found: dict[tuple[str, str], Citation] = {}
    for block in message.content:
        for c in getattr(block, "citations", None) or ():
            if getattr(c, "type", "") == "web_search_result_location":
                cite = Citation(url=c.url, title=c.title or "", cited_text=c.cited_text or "")
                found.setdefault((cite.url, cite.cited_text), cite)
    return tuple(found.values())


class ClaudeClient:
    """Metered, retried structured calls to the Messages API."""

    def __init__(
        self,
        *,
        api_key: str,
        base_url: str | None,
        prices: PriceTable,
        policy: RetryPolicy,
        timeout_s: float = 120.0,
        governor: GovernorClient | None = None,
    ) -> None:
        self._governor = governor
        self._client = anthropic.AsyncAnthropic(
            api_key=api_key, base_url=base_url, max_retries=0, timeout=timeout_s
        )
        self._prices = prices
        self._policy = policy

    def reservation(
        self, model: str, system: str, prompt: str, max_tokens: int, searches: int
    ) -> int:
        """An upper bound of one call's cost, reserved before it is made."""
        return self._prices.claude_cost(
            model,
            ClaudeUsage(
                input_tokens=math.ceil(len(prompt) / CHARS_PER_TOKEN_BOUND)
                + SCHEMA_TOKENS
                + searches * SEARCH_RESULT_TOKENS,
                cache_write_5m_tokens=math.ceil(len(system) / CHARS_PER_TOKEN_BOUND),
                output_tokens=max_tokens,
                web_search_requests=searches,
            ),
        )

    async def structured(
        self,
        meter: Meter,
        *,
        model: str,
        system: str,
        prompt: str,
        output: type[M],
        max_tokens: int,
        web_searches: int = 0,
    ) -> ClaudeResult[M]:
        """Ask for ``output``; the show's ``system`` prompt is a cached block."""
        estimate = self.reservation(model, system, prompt, max_tokens, web_searches)

        async def attempt() -> ClaudeResult[M]:
            async with (
                governed(self._governor, PROVIDER),
                meter.call(PROVIDER, estimate, {"max_tokens": max_tokens}) as charge,
            ):
                message = await self._send(model, system, prompt, output, max_tokens, web_searches)
                usage = ClaudeUsage.from_sdk(message.usage)
                # Billed from here on: a reply that fails validation was still paid for.
                charge.bill(self._prices.claude_cost(model, usage), usage.as_units())
                parsed = _parse(message, output)
                return ClaudeResult(
                    output=parsed,
                    usage=usage,
                    micro_usd=charge.micro_usd,
                    request_id=str(getattr(message, "_request_id", "") or ""),
                    citations=_citations(message),
                )

        return await call_with_retries(self._policy, attempt)

    async def _send(
        self, model: str, system: str, prompt: str, output: type[M], max_tokens: int, searches: int
    ) -> Any:
        """One request; vendor errors become the project's errors here and only here."""
        tools: Any = (
            [{"type": "web_search_20250305", "name": "web_search", "max_uses": searches}]
            if searches
            else anthropic.omit
        )
        try:
            message = await self._client.messages.create(
                model=model,
                max_tokens=max_tokens,
                system=[{"type": "text", "text": system, "cache_control": {"type": "ephemeral"}}],
                messages=[{"role": "user", "content": prompt}],
                output_config={"format": {"type": "json_schema", "schema": _schema(output)}},
                tools=tools,
            )
        except anthropic.APIStatusError as exc:
            raise status_error(
                PROVIDER, exc.status_code, _detail(exc), exc.response.headers
            ) from None
        except anthropic.APITimeoutError:
            raise TransientProviderError(PROVIDER, "the request timed out") from None
        except anthropic.APIConnectionError:
            raise TransientProviderError(PROVIDER, "could not connect") from None
        except (anthropic.APIResponseValidationError, ValueError) as exc:
            raise TransientProviderError(
                PROVIDER, f"malformed reply ({type(exc).__name__})"
            ) from None
        if not hasattr(message, "usage"):  # a non-JSON body comes back as a bare string
            raise TransientProviderError(PROVIDER, "malformed reply (not a message)")
        return message

    async def close(self) -> None:
        await self._client.close()


@functools.cache
def _schema(output: type[pydantic.BaseModel]) -> dict[str, Any]:
    """The output model as the API's JSON schema (limits moved into descriptions)."""
    return anthropic.transform_schema(output)


def _parse(message: Any, output: type[M]) -> M:
    """The structured answer: the last text block, validated against ``output``."""
    texts = [b.text for b in message.content if getattr(b, "type", "") == "text"]
    if not texts:
        raise TransientProviderError(PROVIDER, "the reply held no text")
    if message.stop_reason == "max_tokens":
        raise TransientProviderError(PROVIDER, "the reply was cut off at max_tokens")
    try:
        return output.model_validate_json(texts[-1])
    except pydantic.ValidationError as exc:
        raise TransientProviderError(
            PROVIDER, f"the reply did not fit the schema ({exc.error_count()} errors)"
        ) from None


def _detail(exc: anthropic.APIStatusError) -> str:
    """The API's own error type and message, never the request (which holds the key)."""
    body = exc.body if isinstance(exc.body, dict) else {}
    error = body.get("error") if isinstance(body.get("error"), dict) else {}
    kind = error.get("type", "error") if isinstance(error, dict) else "error"
    message = error.get("message", "") if isinstance(error, dict) else ""
    text = f"{kind}: {message}" if message else str(kind)
    return text if len(text) < 300 else text[:297] + "..."
