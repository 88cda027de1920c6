"""The one retry layer for provider calls.

Vendor errors are converted once, at each adapter's boundary, into
``TransientProviderError`` (worth another try, maybe with the provider's
``Retry-After``) or ``ProviderError`` (retrying cannot help). ``call_with_retries``
retries only the first kind, a bounded number of times, with exponential backoff and
jitter, honouring ``Retry-After``. The SDKs' own retries are switched off
(``max_retries=0``) and the supervisor does not retry provider errors, so one failing
request is tried exactly ``max_attempts`` times in all. Each attempt is a separate
metered call, so every attempt's cost is counted.
"""

from __future__ import annotations

import asyncio
import email.utils
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TypeVar

from podcast_factory.errors import ProviderError, TransientProviderError

T = TypeVar("T")

RETRYABLE_STATUS = frozenset({408, 409, 429, 500, 502, 503, 504, 529})
ADVICE = {
    400: "the request was refused as malformed; check the model name and inputs",
    401: "the API key was refused; check the key in your environment",
    402: "the account needs payment or credits",
    403: "the API key lacks permission for this model, voice or feature",
    404: "the model, voice or endpoint does not exist; check the name in your settings",
    413: "the request is too large; use shorter sources or episodes",
    422: "the request was understood but refused; check voice, model and output format",
}


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently a provider call is retried."""

    max_attempts: int = 4
    base_s: float = 0.5
    max_s: float = 8.0
    max_retry_after_s: float = 60.0
    """Longest Retry-After honoured as given; longer ones are capped."""


def retry_after(headers: Mapping[str, str] | None) -> float | None:
    """Seconds the provider asked us to wait: ``retry-after-ms``, then ``retry-after``
    (seconds or an HTTP date)."""
    if not headers:
        return None
    millis = headers.get("retry-after-ms")
    if millis:
        try:
            return max(0.0, float(millis) / 1000)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        parsed = email.utils.parsedate_to_datetime(value) if value else None
        return max(0.0, parsed.timestamp() - time.time()) if parsed else None


def status_error(
    provider: str, status: int, detail: str, headers: Mapping[str, str] | None
) -> ProviderError:
    """The project's error for an HTTP status from ``provider``."""
    if status in RETRYABLE_STATUS or status >= 500:
        return TransientProviderError(
            provider, detail, status=status, retry_after_s=retry_after(headers)
        )
    advice = ADVICE.get(status, "the provider refused the request")
    return ProviderError(provider, f"{advice} ({detail})", status=status)


async def call_with_retries(
    policy: RetryPolicy,
    attempt: Callable[[], Awaitable[T]],
    *,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> T:
    """Run ``attempt`` until it succeeds, raises a non-transient error, or the attempts
    run out; then the last transient error is raised as a final ProviderError."""
    for n in range(1, policy.max_attempts + 1):
        try:
            return await attempt()
        except TransientProviderError as exc:
            if n == policy.max_attempts:
                raise ProviderError(
                    exc.provider,
                    f"gave up after {n} attempts; last: {exc.message}",
                    status=exc.status,
                ) from exc
            backoff = min(policy.max_s, policy.base_s * 2 ** (n - 1)) * (0.5 + random.random())
            wait = exc.retry_after_s if exc.retry_after_s is not None else backoff
            await sleep(min(wait, policy.max_retry_after_s))
    raise AssertionError("unreachable: max_attempts >= 1")
