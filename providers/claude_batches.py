"""Economy mode's transport: Claude requests through the Message Batches API.

Requests made by concurrent callers in one agent process within a short window
(``window_s``, or until ``max_requests`` are waiting) go out as one Message Batch
(``messages.batches.create``); the transport polls ``batches.retrieve`` with a growing
pause until the batch has ended, then streams ``batches.results`` and hands each caller
its own ``Message`` (matched by ``custom_id``: results come in any order) or its error.
Batch tokens cost half the standard price (docs/providers.md, Message Batches).

Retries: a failed ``create`` accepted nothing, so each caller's error goes back to its
own retry layer (``providers.retry``), which may send the request again (into a new
batch). Once a batch is accepted its requests are never submitted again by this module:
polling and reading results are free, idempotent reads, retried here through
``call_with_retries``; if they still fail, callers get a non-retryable error naming the
batch (it may yet be billed), never a resubmission.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import anthropic
from anthropic.types import Message

from podcast_factory.errors import ProviderError, TransientProviderError
from podcast_factory.providers.retry import RetryPolicy, call_with_retries, status_error

log = logging.getLogger(__name__)

PROVIDER = "anthropic"
MAX_BATCH_REQUESTS = 100_000
"""The API's limit on requests in one batch (also 256 MB in all)."""
ERROR_STATUS = {
    "invalid_request_error": 400,
    "authentication_error": 401,
    "billing_error": 402,
    "permission_error": 403,
    "not_found_error": 404,
    "request_too_large": 413,
    "rate_limit_error": 429,
    "api_error": 500,
    "timeout_error": 504,
    "overloaded_error": 529,
}
"""The API's error types (https://platform.claude.com/docs/en/api/errors) as statuses,
so an errored batch result is judged transient or not like the same HTTP error."""

T = TypeVar("T")


@dataclass(frozen=True)
class BatchSettings:
    """How the transport groups and waits."""

    window_s: float = 0.5
    """How long the first request waits for others to join its batch."""
    max_requests: int = 100
    """A batch goes out at once when this many requests are waiting."""
    poll_s: float = 1.0
    """First pause between polls; it doubles up to ``poll_max_s``."""
    poll_max_s: float = 60.0
    max_wait_s: float = 24 * 3600.0
    """Past this the batch is canceled and its unfinished requests fail (not retried)."""

    def __post_init__(self) -> None:
        if not 1 <= self.max_requests <= MAX_BATCH_REQUESTS:
            raise ValueError(f"max_requests must be 1..{MAX_BATCH_REQUESTS}")
        if self.window_s < 0 or self.poll_s <= 0 or self.poll_max_s < self.poll_s:
            raise ValueError("window_s >= 0 and 0 < poll_s <= poll_max_s are required")


@dataclass
class _Pending:
    custom_id: str
    params: dict[str, Any]
    future: asyncio.Future[Message] = field(repr=False)


class BatchTransport:
    """Sends Messages requests through the Message Batches API, one caller at a time."""

    def __init__(
        self,
        client: anthropic.AsyncAnthropic,
        policy: RetryPolicy,
        settings: BatchSettings | None = None,
        *,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._client = client
        self._policy = policy
        self.settings = settings or BatchSettings()
        self._sleep = sleep
        self._waiting: list[_Pending] = []
        self._timer: asyncio.Task[None] | None = None
        self._running: set[asyncio.Task[None]] = set()
        self.batch_ids: list[str] = []
        """Every batch this transport created, oldest first."""

    async def send(self, params: dict[str, Any]) -> Message:
        """The ``Message`` for ``params`` (Messages API parameters, not streamed), or the
        project's error for its result."""
        loop = asyncio.get_running_loop()
        pending = _Pending(f"pf_{uuid.uuid4().hex}", dict(params), loop.create_future())
        self._waiting.append(pending)
        if len(self._waiting) >= self.settings.max_requests:
            self._flush()
        elif self._timer is None:
            self._timer = loop.create_task(self._flush_later())
        return await asyncio.shield(pending.future)

    async def _flush_later(self) -> None:
        await self._sleep(self.settings.window_s)
        self._timer = None
        self._flush()

    def _flush(self) -> None:
        if self._timer is not None and self._timer is not asyncio.current_task():
            self._timer.cancel()
        self._timer = None
        batch, self._waiting = self._waiting, []
        if batch:
            task = asyncio.get_running_loop().create_task(self._run(batch))
            self._running.add(task)
            task.add_done_callback(self._running.discard)

    async def _run(self, batch: list[_Pending]) -> None:
        by_id = {p.custom_id: p for p in batch}
        try:
            batch_id = await self._create(batch)
        except ProviderError as exc:  # nothing was accepted: each caller may retry
            _fail(by_id.values(), exc)
            return
        except BaseException as exc:  # a bug or a cancel: no caller must hang
            _fail(by_id.values(), ProviderError(PROVIDER, f"batch not sent ({type(exc).__name__})"))
            raise
        try:
            await self._wait_until_ended(batch_id)
            async for line in await self._read(
                lambda: self._client.messages.batches.results(batch_id)
            ):
                pending = by_id.pop(line.custom_id, None)
                if pending is not None and not pending.future.done():
                    _settle(pending, line.result, batch_id)
            _fail(
                by_id.values(),
                TransientProviderError(
                    PROVIDER, f"batch {batch_id} returned no result for this request"
                ),
            )
        except ProviderError as exc:
            lost = ProviderError(
                PROVIDER,
                f"lost track of batch {batch_id} after it was accepted (not resubmitted; "
                f"it may still be billed): {exc.message}",
                status=exc.status,
            )
            _fail(by_id.values(), lost)
        except BaseException as exc:
            _fail(
                by_id.values(), ProviderError(PROVIDER, f"batch {batch_id}: {type(exc).__name__}")
            )
            raise

    async def _create(self, batch: list[_Pending]) -> str:
        requests: Any = [{"custom_id": p.custom_id, "params": p.params} for p in batch]
        created = await _converted(self._client.messages.batches.create(requests=requests))
        self.batch_ids.append(created.id)
        log.info("message batch %s: %d requests", created.id, len(batch))
        return str(created.id)

    async def _wait_until_ended(self, batch_id: str) -> None:
        pause = self.settings.poll_s
        deadline = time.monotonic() + self.settings.max_wait_s
        canceled = False
        while True:
            status = await self._read(lambda: self._client.messages.batches.retrieve(batch_id))
            if status.processing_status == "ended":
                return
            if not canceled and time.monotonic() > deadline:
                log.warning("message batch %s: past max_wait_s, canceling it", batch_id)
                await self._read(lambda: self._client.messages.batches.cancel(batch_id))
                canceled = True
            await self._sleep(pause)
            pause = min(self.settings.poll_max_s, pause * 2)

    async def _read(self, call: Callable[[], Awaitable[T]]) -> T:
        """A free, idempotent read, retried by the project's one retry layer."""

        async def attempt() -> T:
            return await _converted(call())

        return await call_with_retries(self._policy, attempt, sleep=self._sleep)

    async def close(self) -> None:
        """Wait for the batches in flight (their callers are owed an answer)."""
        if self._waiting:
            self._flush()
        if self._running:
            await asyncio.gather(*self._running, return_exceptions=True)


async def _converted(call: Awaitable[T]) -> T:
    """Vendor errors of a batches endpoint as the project's errors."""
    try:
        return await call
    except anthropic.APIStatusError as exc:
        raise status_error(
            PROVIDER, exc.status_code, _detail(exc.body), exc.response.headers
        ) from None
    except anthropic.APITimeoutError:
        raise TransientProviderError(PROVIDER, "a batches request timed out") from None
    except anthropic.APIConnectionError:
        raise TransientProviderError(PROVIDER, "could not connect") from None
    except (anthropic.APIResponseValidationError, ValueError) as exc:
        raise TransientProviderError(PROVIDER, f"malformed reply ({type(exc).__name__})") from None


def _detail(body: object) -> str:
    """The API's error type and message, never the request (which holds the key)."""
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict) and isinstance(error.get("error"), dict):
        error = error["error"]  # an errored result nests the error response
    if not isinstance(error, dict):
        return "error"
    kind, message = str(error.get("type", "error")), str(error.get("message", ""))
    text = f"{kind}: {message}" if message else kind
    return text if len(text) < 300 else text[:297] + "..."


def result_error(result: Any, batch_id: str) -> ProviderError:
    """The project's error for a batch result that is not ``succeeded``.

    ``errored``: as the same error from the Messages API would be (an invalid request is
    final, a server error is worth another try); ``expired``: the batch ran out of time
    before the request was processed, worth another try; ``canceled``: someone canceled
    the batch (or it passed ``max_wait_s``), so trying again is not this module's call."""
    kind = getattr(result, "type", "")
    if kind == "errored":
        body = result.error.model_dump() if hasattr(result.error, "model_dump") else {}
        inner = body.get("error") if isinstance(body, dict) else None
        error_type = inner.get("type", "api_error") if isinstance(inner, dict) else "api_error"
        status = ERROR_STATUS.get(str(error_type), 500)
        return status_error(PROVIDER, status, f"in batch {batch_id}: {_detail(body)}", None)
    if kind == "expired":
        return TransientProviderError(PROVIDER, f"the request expired in batch {batch_id}")
    if kind == "canceled":
        return ProviderError(PROVIDER, f"the request was canceled in batch {batch_id}")
    return TransientProviderError(PROVIDER, f"unknown result type {kind!r} in batch {batch_id}")


def _settle(pending: _Pending, result: Any, batch_id: str) -> None:
    if getattr(result, "type", "") == "succeeded":
        pending.future.set_result(result.message)
    else:
        pending.future.set_exception(result_error(result, batch_id))


def _fail(pendings: Any, exc: BaseException) -> None:
    for pending in pendings:
        if not pending.future.done():
            pending.future.set_exception(exc)
            with contextlib.suppress(Exception):
                pending.future.exception()  # retrieved: no "never retrieved" warning
