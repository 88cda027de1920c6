"""Claude through the anthropic SDK: one adapter for every agent that writes or judges.

Each request is metered (reserved before, committed from the response's own ``usage``),
retried only by ``providers.retry`` (the SDK's ``max_retries`` is 0), and converted
from vendor errors to the project's once, here (by ``claude_errors``). Structured output
goes through ``output_config.format``; what comes back is validated into a pydantic model
(``claude_replies``). A request is a ``claude_params.Params``.

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
import json
import math
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import anthropic
import pydantic

from podcast_factory.errors import ModelStopped, ProviderError, TransientProviderError
from podcast_factory.limits import ProviderSlots
from podcast_factory.metering import Meter
from podcast_factory.providers.claude_batches import BatchSettings, BatchTransport
from podcast_factory.providers.claude_cache import max_output_tokens, prefix_tokens, should_cache
from podcast_factory.providers.claude_errors import converted
from podcast_factory.providers.claude_params import OUTPUT_TOKENS_PER_S as OUTPUT_TOKENS_PER_S
from podcast_factory.providers.claude_params import Params as Params
from podcast_factory.providers.claude_params import request_timeout_s as request_timeout_s
from podcast_factory.providers.claude_replies import Citation as Citation
from podcast_factory.providers.claude_replies import ClaudeResult as ClaudeResult
from podcast_factory.providers.claude_replies import (
    M,
    add_usage,
    citations_of,
    output_schema,
    parse_reply,
)
from podcast_factory.providers.claude_replies import SearchResult as SearchResult
from podcast_factory.providers.pricing import ClaudeUsage, PriceTable
from podcast_factory.providers.retry import RetryPolicy, call_with_retries

PROVIDER = "anthropic"
CHARS_PER_TOKEN_BOUND = 3
"""English runs near 4 characters a token; 3 makes the reservation an upper bound."""
SCHEMA_TOKENS = 600
"""Allowance for the output schema and message framing the API adds to the input."""
SEARCH_RESULT_TOKENS = 8_000
"""Allowance per web search for the result pages the API adds to the input."""
STREAM_ABOVE_TOKENS = 8_192
"""Requests allowed more output tokens than this are streamed."""
MAX_CONTINUATIONS = 4
"""``pause_turn`` continuations of one turn at most."""


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
        params = self.params(
            model, blocks, prompt, max_tokens, output_schema(schema_from or output)
        )
        message, usage, cost, requests = await self._complete(meter, params)
        return ClaudeResult(
            output=parse_reply(message, output),
            usage=usage,
            micro_usd=cost,
            request_id=str(getattr(message, "_request_id", "") or ""),
            citations=citations_of(message),
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
        return SearchResult(text, citations_of(message), usage, cost, requests)

    async def _complete(self, meter: Meter, params: Params) -> tuple[Any, ClaudeUsage, int, int]:
        """Requests until the turn ends: continues ``pause_turn``, gives ``max_tokens`` one
        larger cap, stops for good on a refusal or a full context window."""
        usage, cost, requests = ClaudeUsage(), 0, 0
        content: list[Any] = []
        enlarged = False
        continuations = 0
        while True:
            message, one_usage, one_cost = await self._request(meter, params)
            usage, cost, requests = add_usage(usage, one_usage), cost + one_cost, requests + 1
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
            async with meter.call(
                PROVIDER,
                estimate,
                {"max_tokens": params.max_tokens},
                slots=None if batched else self._governor,
            ) as charge:
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
            raise converted(exc) from None
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
