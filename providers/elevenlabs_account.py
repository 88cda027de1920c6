"""What the ElevenLabs account allows: concurrent requests by subscription tier.

ElevenLabs limits how many requests an account may have in flight by plan (help centre,
"API Error Code 429", https://help.elevenlabs.io/hc/en-us/articles/19571824571921):
Free 2, Starter 3, Creator 5, Pro 10, Scale 15, Business 15. A request over the limit is
answered 429 ``too_many_concurrent_requests``. ``GET /v1/user/subscription``
(``client.user.subscription.get()``) names the account's ``tier``; this module maps it
to that limit so the governor can default to what the account really allows.

The look-up is free (no credits), synchronous, made once before a batch, and never
raises: any failure gives None with the reason, and the caller keeps its default.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import httpx

log = logging.getLogger(__name__)

CONCURRENCY_BY_TIER: dict[str, int] = {
    "free": 2,
    "starter": 3,
    "creator": 5,
    "pro": 10,
    "scale": 15,
    "business": 15,
}
"""Concurrent requests per plan, from the help centre article above (December 2026)."""


@dataclass(frozen=True)
class SubscriptionCheck:
    """The account's tier and its concurrency, or why they could not be known."""

    tier: str | None
    concurrency: int | None
    reason: str = ""


def concurrency_of(tier: str) -> int | None:
    """Concurrent requests of a plan named ``tier``; None for a plan the table lacks
    (enterprise and custom plans have limits of their own)."""
    name = tier.strip().lower()
    if name in CONCURRENCY_BY_TIER:
        return CONCURRENCY_BY_TIER[name]
    # variants seen in tier names: "creator_trial", "pro_annual", "growing_business"
    for plan in sorted(CONCURRENCY_BY_TIER, key=len, reverse=True):
        if plan in name.replace("-", "_").split("_"):
            return CONCURRENCY_BY_TIER[plan]
    return None


def check_subscription(
    api_key: str, base_url: str | None, timeout_s: float = 10.0
) -> SubscriptionCheck:
    """Ask ElevenLabs for the account's tier (one unpaid request, no retries)."""
    from elevenlabs import ElevenLabs  # here: the driver loads the SDK only with a key
    from elevenlabs.core.api_error import ApiError

    try:
        with httpx.Client(timeout=timeout_s) as http:
            client = ElevenLabs(
                api_key=api_key, base_url=base_url, timeout=timeout_s, httpx_client=http
            )
            subscription = client.user.subscription.get(request_options={"max_retries": 0})
    except ApiError as exc:
        status = exc.status_code or 0
        hint = " (the key was refused)" if status == 401 else ""
        return SubscriptionCheck(None, None, f"the subscription look-up got HTTP {status}{hint}")
    except httpx.TimeoutException:
        return SubscriptionCheck(None, None, "the subscription look-up timed out")
    except httpx.HTTPError as exc:
        return SubscriptionCheck(
            None, None, f"the subscription look-up failed: {type(exc).__name__}"
        )
    except ValueError:  # a body that is not the documented JSON
        return SubscriptionCheck(None, None, "the subscription reply was not understood")
    tier = getattr(subscription, "tier", None)
    if not isinstance(tier, str) or not tier:
        return SubscriptionCheck(None, None, "the subscription reply names no tier")
    concurrency = concurrency_of(tier)
    if concurrency is None:
        return SubscriptionCheck(tier, None, f"no published concurrency for tier {tier!r}")
    return SubscriptionCheck(tier, concurrency)


def subscription_concurrency(
    api_key: str, base_url: str | None, timeout_s: float = 10.0
) -> tuple[str, int] | None:
    """(tier, concurrent requests) of the account, or None (the reason is logged at
    WARNING, never the key). The caller keeps its default on None."""
    checked = check_subscription(api_key, base_url, timeout_s)
    if checked.tier is None or checked.concurrency is None:
        log.warning("ElevenLabs concurrency from the plan unknown: %s", checked.reason)
        return None
    return checked.tier, checked.concurrency
