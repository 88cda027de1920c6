"""Claude through the anthropic SDK: one adapter for every agent that writes or judges.

Each request is metered (reserved before, committed from the response's own ``usage``),
retried only by ``providers.retry`` (the SDK's ``max_retries`` is 0), and converted
from vendor errors to the project's once, here. Structured output goes through
``output_config.format``; what comes back is validated into a pydantic model.

How the API's stop reasons are handled (see docs/providers.md, Anthropic):

- ``refusal``, ``model_context_window_exceeded`` and a 400 "prompt is too long" raise
  ``ModelStopped`` at once: paid once, never bought again.
- ``max_tokens`` gets exactly one more request with a larger cap (doubled, bounded by
  the model's maximum output); a second cut-off fails the stage.
- ``pause_turn`` is continued: the assistant content goes back and the model goes on.

Large requests are streamed (the SDK refuses a non-streaming request that may run past
ten minutes) and every request's timeout is sized from its ``max_tokens``. A request's
params are built by the caller and sent by ``_send(params)``: the one seam where another
transport (the Message Batches API) can be put in.
"""

from __future__ import annotations

import asyncio
import functools
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Generic, TypeVar

import anthropic
import pydantic

from podcast_factory.errors import ModelStopped, ProviderError, TransientProviderError
from podcast_factory.limits import ProviderSlots
from podcast_factory.metering import Meter
from podcast_factory.providers.claude_batches import BatchSettings, BatchTransport
from podcast_factory.providers.claude_cache import max_output_tokens, prefix_tokens, should_cache
from podcast_factory.providers.pricing import ClaudeUsage, PriceTable
from podcast_factory.providers.retry import RetryPolicy, call_with_retries, governed, status_error

PROVIDER = "anthropic"
CHARS_PER_TOKEN_BOUND = 3
"""English runs near 4 characters a token; 3 makes the reservation an upper bound."""
SCHEMA_TOKENS = 600
"""Allowance for the output schema and message framing the API adds to the input."""
SEARCH_RESULT_TOKENS = 8_000
"""Allowance per web search for the result pages the API adds to the input."""
STREAM_ABOVE_TOKENS = 8_192
"""Requests allowed more output tokens than this are streamed."""
OUTPUT_TOKENS_PER_S = 128_000 / 3600
"""The slowest output rate the SDK assumes (128,000 tokens in an hour, see
``_calculate_nonstreaming_timeout``); sizes each request's timeout."""
MAX_CONTINUATIONS = 4
"""``pause_turn`` continuations of one turn at most."""
_TRANSIENT_STREAM_ERRORS = frozenset({"overloaded_error", "api_error", "rate_limit_error"})

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
    """Summed over every request the answer took (continuations, a larger-cap retry)."""
    micro_usd: int
    request_id: str
    citations: tuple[Citation, ...]
    requests: int = 1


@dataclass(frozen=True)
class SearchResult:
    """A plain answer written with web search: its text and what it cited."""

    text: str
    citations: tuple[Citation, ...]
    usage: ClaudeUsage
    micro_usd: int
    requests: int


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


def _citations(message: Any) -> tuple[Citation, ...]:
    found: dict[tuple[str, str], Citation] = {}
    for block in message.content:
        for c in getattr(block, "citations", None) or ():
            if getattr(c, "type", "") == "web_search_result_location":
                cite = Citation(url=c.url, title=c.title or "", cited_text=c.cited_text or "")
                found.setdefault((cite.url, cite.cited_text), cite)
    return tuple(found.values())


def _add(a: ClaudeUsage, b: ClaudeUsage) -> ClaudeUsage:
    return ClaudeUsage(**{k: v + b.as_units()[k] for k, v in a.as_units().items()})


class ClaudeClient:
    """Metered, retried calls to the Messages API."""

    def __init__(
        self,
        *,
        api_key: str,
        base_url: str | None,
        prices: PriceTable,
        policy: RetryPolicy,
        timeout_s: float = 120.0,
        governor: ProviderSlots | None = None,
        batches: BatchSettings | None = None,
    ) -> None:
        self._governor = governor
        self._client = anthropic.AsyncAnthropic(
            api_key=api_key, base_url=base_url, max_retries=0, timeout=timeout_s
        )
        # Economy mode: requests go through the Message Batches API at batch prices.
        self._batches = BatchTransport(self._client, policy, batches) if batches else None
        self._base_timeout_s = timeout_s
        self._prices = prices
        self._policy = policy

    # -- what a call costs at most -----------------------------------------------------------
    def reservation(
        self,
        model: str,
        system: str | Sequence[str],
        prompt: str,
        max_tokens: int,
        searches: int,
    ) -> int:
        """An upper bound of one request's cost, reserved before it is made."""
        blocks = (system,) if isinstance(system, str) else tuple(system)
        return self._estimate(self.params(model, blocks, prompt, max_tokens, None, searches))

    def params(
        self,
        model: str,
        system: Sequence[str],
        prompt: str,
        max_tokens: int,
        schema: dict[str, Any] | None,
        searches: int = 0,
    ) -> Params:
        """The request for one prompt; a breakpoint only where the model would cache."""
        blocks = tuple(t for t in system if t)
        return Params(
            model=model,
            system=blocks,
            messages=({"role": "user", "content": prompt},),
            max_tokens=min(max_tokens, max_output_tokens(model)),
            schema=schema,
            searches=searches,
            cache=should_cache(model, prefix_tokens(blocks)),
        )

    def _estimate(self, p: Params) -> int:
        system = sum(math.ceil(len(t) / CHARS_PER_TOKEN_BOUND) for t in p.system)
        messages = sum(
            math.ceil(len(json.dumps(m["content"], default=str)) / CHARS_PER_TOKEN_BOUND)
            for m in p.messages
        )
        fresh = messages + SCHEMA_TOKENS + p.searches * SEARCH_RESULT_TOKENS
        return self._prices.claude_cost(
            p.model,
            ClaudeUsage(
                input_tokens=fresh + (0 if p.cache else system),
                cache_write_5m_tokens=system if p.cache else 0,
                output_tokens=p.max_tokens,
                web_search_requests=p.searches,
            ),
            batch=self._batches is not None,
        )

    # -- calls -------------------------------------------------------------------------------
    async def structured(
        self,
        meter: Meter,
        *,
        model: str,
        system: str | Sequence[str],
        prompt: str,
        output: type[M],
        max_tokens: int,
        web_searches: int = 0,
        schema_from: type[pydantic.BaseModel] | None = None,
    ) -> ClaudeResult[M]:
        """Ask for ``output``: the reply is validated against it.

        ``system`` blocks form the shared prefix, cached when long enough for ``model``.
        ``schema_from`` is a stricter model whose JSON schema is sent instead of
        ``output``'s: the limits it has and ``output`` lacks are ones the API cannot
        enforce (``transform_schema`` moves them into descriptions), so a reply that
        breaks them is repaired by the caller, not bought again."""
        if web_searches:  # citations and structured outputs cannot be combined (400)
            raise ProviderError(
                PROVIDER, "web search cannot be combined with structured output; use search()"
            )
        blocks = (system,) if isinstance(system, str) else tuple(system)
        params = self.params(model, blocks, prompt, max_tokens, _schema(schema_from or output))
        message, usage, cost, requests = await self._complete(meter, params)
        return ClaudeResult(
            output=_parse(message, output),
            usage=usage,
            micro_usd=cost,
            request_id=str(getattr(message, "_request_id", "") or ""),
            citations=_citations(message),
            requests=requests,
        )

    async def search(
        self,
        meter: Meter,
        *,
        model: str,
        system: str | Sequence[str],
        prompt: str,
        max_searches: int,
        max_tokens: int,
    ) -> SearchResult:
        """A plain answer written with the web search tool, with what it cited."""
        blocks = (system,) if isinstance(system, str) else tuple(system)
        params = self.params(model, blocks, prompt, max_tokens, None, max_searches)
        message, usage, cost, requests = await self._complete(meter, params)
        text = "".join(b.text for b in message.content if getattr(b, "type", "") == "text")
        return SearchResult(text, _citations(message), usage, cost, requests)

    async def _complete(self, meter: Meter, params: Params) -> tuple[Any, ClaudeUsage, int, int]:
        """Requests until the turn ends: continues ``pause_turn``, gives ``max_tokens`` one
        larger cap, stops for good on a refusal or a full context window."""
        usage, cost, requests = ClaudeUsage(), 0, 0
        content: list[Any] = []
        enlarged = False
        continuations = 0
        while True:
            message, one_usage, one_cost = await self._request(meter, params)
            usage, cost, requests = _add(usage, one_usage), cost + one_cost, requests + 1
            reason = message.stop_reason
            if reason == "refusal":
                details = getattr(message, "stop_details", None)
                why = getattr(details, "explanation", None) or "the model declined to answer"
                raise ModelStopped(PROVIDER, "refusal", why)
            if reason == "model_context_window_exceeded":
                raise ModelStopped(
                    PROVIDER,
                    "model_context_window_exceeded",
                    "the prompt and answer do not fit the model's context window; use "
                    "shorter sources or episodes",
                )
            if reason == "pause_turn" and continuations < MAX_CONTINUATIONS:
                continuations += 1
                content += list(message.content)
                turn = [b.model_dump(exclude_none=True) for b in content]
                params = replace(
                    params,
                    messages=(*params.messages[:1], {"role": "assistant", "content": turn}),
                )
                continue
            if reason == "pause_turn":
                raise ProviderError(
                    PROVIDER, f"the turn was still paused after {MAX_CONTINUATIONS} continuations"
                )
            if reason == "max_tokens" and not enlarged:
                bigger = min(params.max_tokens * 2, max_output_tokens(params.model))
                if bigger > params.max_tokens:
                    enlarged = True
                    params = replace(params, max_tokens=bigger)
                    continue
            if reason == "max_tokens":
                raise ProviderError(
                    PROVIDER,
                    f"the reply was cut off at max_tokens={params.max_tokens} even after one "
                    "retry with a larger cap",
                )
            if content:  # a continued turn: the answer is everything said in it
                message = message.model_copy(update={"content": content + list(message.content)})
            return message, usage, cost, requests

    async def _request(self, meter: Meter, params: Params) -> tuple[Any, ClaudeUsage, int]:
        """One metered request, retried on transient faults; each attempt reserved alone."""
        estimate = self._estimate(params)

        async def attempt() -> tuple[Any, ClaudeUsage, int]:
            batched = self._batches is not None  # a batch holds no slot while it waits
            async with (
                governed(None if batched else self._governor, PROVIDER),
                meter.call(PROVIDER, estimate, {"max_tokens": params.max_tokens}) as charge,
            ):
                message = await self._send(params)
                usage = ClaudeUsage.from_sdk(message.usage)
                cost = self._prices.claude_cost(params.model, usage, batch=batched)
                charge.bill(cost, usage.as_units())
                return message, usage, charge.micro_usd

        return await call_with_retries(self._policy, attempt)

    async def _send(self, params: Params) -> Any:
        """One request (streamed when large); vendor errors become the project's here."""
        timeout = request_timeout_s(params.max_tokens, self._base_timeout_s)
        kwargs = params.kwargs()
        if self._batches is not None:  # economy: errors are converted by the transport
            return await self._batches.send(kwargs)
        try:
            if params.max_tokens > STREAM_ABOVE_TOKENS:  # whole stream bounded, not each read
                message = await asyncio.wait_for(self._stream(kwargs, timeout), timeout)
            else:
                message = await self._client.messages.create(**kwargs, timeout=timeout)
        except anthropic.APIStatusError as exc:
            raise _status(exc) from None
        except (anthropic.APITimeoutError, TimeoutError):
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

    async def _stream(self, kwargs: dict[str, Any], timeout: float) -> Any:
        async with self._client.messages.stream(**kwargs, timeout=timeout) as stream:
            return await stream.get_final_message()

    async def close(self) -> None:
        if self._batches is not None:
            await self._batches.close()
        await self._client.close()


def _status(exc: anthropic.APIStatusError) -> ProviderError:
    """The project's error for a refused request or an error event inside a stream."""
    kind, message = _error(exc)
    detail = _detail(kind, message)
    if exc.status_code == 400 and "prompt is too long" in message:
        return ModelStopped(PROVIDER, "prompt_too_long", detail)
    if exc.status_code < 400 and kind in _TRANSIENT_STREAM_ERRORS:  # an error event mid-stream
        return TransientProviderError(PROVIDER, detail)
    if exc.status_code < 400:
        return ProviderError(PROVIDER, detail)
    return status_error(PROVIDER, exc.status_code, detail, exc.response.headers)


@functools.cache
def _schema(output: type[pydantic.BaseModel]) -> dict[str, Any]:
    """The output model as the API's JSON schema (limits moved into descriptions)."""
    return anthropic.transform_schema(output)


def _parse(message: Any, output: type[M]) -> M:
    """The structured answer: the last text block, validated against ``output``."""
    texts = [b.text for b in message.content if getattr(b, "type", "") == "text"]
    if not texts:
        raise TransientProviderError(PROVIDER, "the reply held no text")
    try:
        return output.model_validate_json(texts[-1])
    except pydantic.ValidationError as exc:
        raise TransientProviderError(
            PROVIDER, f"the reply did not fit the schema ({exc.error_count()} errors)"
        ) from None


def _error(exc: anthropic.APIStatusError) -> tuple[str, str]:
    body = exc.body if isinstance(exc.body, dict) else {}
    error = body.get("error") if isinstance(body.get("error"), dict) else {}
    kind = error.get("type", "error") if isinstance(error, dict) else "error"
    message = error.get("message", "") if isinstance(error, dict) else ""
    return str(kind), str(message)


def _detail(kind: str, message: str) -> str:
    """The API's own error type and message, never the request (which holds the key)."""
    text = f"{kind}: {message}" if message else kind
    return text if len(text) < 300 else text[:297] + "..."
