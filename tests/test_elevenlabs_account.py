"""The account's plan decides ElevenLabs concurrency: GET /v1/user/subscription via the SDK."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from podcast_factory.providers.elevenlabs_account import (
    check_subscription,
    concurrency_of,
    subscription_concurrency,
)
from podcast_factory.testing import server as provider_sim

KEY = "xi-test-FAKEKEY-0123456789abcdef"


@pytest.fixture
def sim() -> Iterator[provider_sim.ProviderSimulator]:
    with provider_sim.ProviderSimulator(api_key=KEY) as running:
        yield running


@pytest.mark.parametrize(
    ("tier", "expected"),
    [("free", 2), ("starter", 3), ("creator", 5), ("pro", 10), ("scale", 15), ("business", 15)],
)
def test_each_plan_gets_its_published_concurrency(
    sim: provider_sim.ProviderSimulator, tier: str, expected: int
) -> None:
    """The tier the account reports maps to the help centre's concurrency for that plan."""
    sim.tier = tier
    assert subscription_concurrency(KEY, sim.url) == (tier, expected)
    assert sim.requests["/v1/user/subscription"] == 1
    assert sim.bills == []  # the look-up is not paid


def test_an_unknown_tier_gives_none_with_a_reason(
    sim: provider_sim.ProviderSimulator, caplog: pytest.LogCaptureFixture
) -> None:
    """An enterprise plan has no published figure: None, and the reason is logged."""
    sim.tier = "enterprise"
    assert subscription_concurrency(KEY, sim.url) is None
    assert "no published concurrency for tier 'enterprise'" in caplog.text
    assert KEY not in caplog.text


def test_a_refused_key_gives_none_and_never_shows_the_key(
    sim: provider_sim.ProviderSimulator,
) -> None:
    """A 401 is a reason, not an exception, and the reason holds no key."""
    wrong = "xi-test-WRONGKEY-99999999999999"
    checked = check_subscription(wrong, sim.url)
    assert (checked.tier, checked.concurrency) == (None, None)
    assert "HTTP 401" in checked.reason and wrong not in checked.reason


def test_an_unreachable_api_gives_none_quickly() -> None:
    """A closed port: None with a reason, within the timeout."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    checked = check_subscription(KEY, f"http://127.0.0.1:{port}", timeout_s=2)
    assert checked.concurrency is None and "failed" in checked.reason


def test_a_5xx_is_not_retried(sim: provider_sim.ProviderSimulator) -> None:
    """One request only, even when the API answers 500 (the preflight must be quick)."""
    sim.inject("500", 1, "/v1/user/subscription")
    assert check_subscription(KEY, sim.url).reason == "the subscription look-up got HTTP 500"
    assert sim.requests["/v1/user/subscription"] == 1


def test_tier_variants_map_to_their_plan() -> None:
    """Trial or annual variants of a plan name read as the plan."""
    assert concurrency_of("Creator") == 5
    assert concurrency_of("pro_annual") == 10
    assert concurrency_of("growing_business") == 15
    assert concurrency_of("enterprise") is None
