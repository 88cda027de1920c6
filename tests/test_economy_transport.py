"""Economy mode's batch transport and the simulator's Message Batches API, through the real
anthropic SDK (no Ray)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import anthropic
import pytest

from podcast_factory.errors import ProviderError, TransientProviderError
from podcast_factory.providers.claude_batches import BatchSettings, BatchTransport
from podcast_factory.providers.retry import RetryPolicy, call_with_retries
from podcast_factory.testing import server as provider_sim

KEY = "sk-sim-economy-0a1b2c3d4e5f"
HAIKU = "claude-haiku-4-5"
TOPICS = ["volcanoes", "glaciers", "lighthouses", "beekeeping", "telescopes"]
FAST = BatchSettings(window_s=0.1, max_requests=100, poll_s=0.02, poll_max_s=0.1)
POLICY = RetryPolicy(max_attempts=3, base_s=0.01, max_s=0.05)


@pytest.fixture
def sim() -> Iterator[provider_sim.ProviderSimulator]:
    simulator = provider_sim.ProviderSimulator(api_key=KEY)
    simulator.batch_processing_s = 0.2
    with simulator:
        yield simulator


def _params(topic: str) -> dict[str, Any]:
    prompt = f"Write two sentences about {topic}. Mention {topic} by name."
    return {"model": HAIKU, "max_tokens": 300, "messages": [{"role": "user", "content": prompt}]}


def _run(sim: provider_sim.ProviderSimulator, settings: BatchSettings, work: Any) -> Any:
    async def main() -> Any:
        client = anthropic.AsyncAnthropic(api_key=KEY, base_url=sim.url, max_retries=0)
        transport = BatchTransport(client, POLICY, settings)
        try:
            return await work(transport), transport.batch_ids
        finally:
            await transport.close()
            await client.close()

    return asyncio.run(main())


def _text(message: Any) -> str:
    return " ".join(b.text for b in message.content if b.type == "text")


def test_concurrent_callers_share_one_batch_and_each_gets_its_own_answer(sim) -> None:
    """Five concurrent requests go out as one batch and each caller's answer is its own."""

    async def work(t: BatchTransport) -> list[Any]:
        return await asyncio.gather(*(t.send(_params(topic)) for topic in TOPICS))

    messages, batch_ids = _run(sim, FAST, work)
    assert len(batch_ids) == 1 and sim.requests.get("/v1/messages/batches") == 1
    for topic, message in zip(TOPICS, messages, strict=True):
        assert topic in _text(message).lower()
    assert len(sim.bills) == len(TOPICS)


def test_max_requests_splits_callers_into_several_batches(sim) -> None:
    """With at most two requests a batch, five callers need three batches."""
    settings = BatchSettings(window_s=5.0, max_requests=2, poll_s=0.02, poll_max_s=0.1)

    async def work(t: BatchTransport) -> list[Any]:
        return await asyncio.gather(*(t.send(_params(topic)) for topic in TOPICS))

    messages, batch_ids = _run(sim, settings, work)
    assert len(messages) == 5
    assert len(batch_ids) == 3
    assert sorted(len(b.requests) for b in sim.batches) == [1, 2, 2]


def test_batch_tokens_are_billed_at_half_the_messages_price(sim) -> None:
    """The same requests cost at most 55% through a batch of what they cost one by one."""

    async def direct() -> int:
        client = anthropic.AsyncAnthropic(api_key=KEY, base_url=sim.url, max_retries=0)
        for topic in TOPICS:
            await client.messages.create(**_params(topic))
        await client.close()
        return sim.billed_micro_usd()

    standard = asyncio.run(direct())

    async def work(t: BatchTransport) -> list[Any]:
        return await asyncio.gather(*(t.send(_params(topic)) for topic in TOPICS))

    _run(sim, FAST, work)
    batched = sim.billed_micro_usd() - standard
    assert 0 < batched <= standard * 0.55


@pytest.mark.parametrize(
    ("kind", "transient", "status"),
    [("errored_api", True, 500), ("errored_invalid", False, 400), ("expired", True, None)],
)
def test_a_failed_result_fails_only_its_own_caller(sim, kind, transient, status) -> None:
    """An errored or expired result fails its caller (transient or not), not the others."""
    sim.fail_batch_requests(kind, 1)

    async def work(t: BatchTransport) -> list[Any]:
        return await asyncio.gather(
            *(t.send(_params(topic)) for topic in TOPICS[:3]), return_exceptions=True
        )

    outcomes, _ = _run(sim, FAST, work)
    errors = [o for o in outcomes if isinstance(o, BaseException)]
    assert len(errors) == 1 and len(sim.bills) == 2
    assert isinstance(errors[0], ProviderError)
    assert isinstance(errors[0], TransientProviderError) is transient
    assert errors[0].retryable is transient and errors[0].status == status
    assert "batch msgbatch_" in str(errors[0])


def test_a_refused_create_is_retried_by_the_caller_and_submitted_once(sim) -> None:
    """A 429 on create accepts nothing; the retry layer sends it again into one batch."""
    sim.inject("429", 1, path_prefix="/v1/messages/batches")

    async def work(t: BatchTransport) -> Any:
        return await call_with_retries(POLICY, lambda: t.send(_params("volcanoes")))

    message, batch_ids = _run(sim, FAST, work)
    assert "volcanoes" in _text(message).lower()
    assert sim.requests.get("fault:429") == 1
    assert len(batch_ids) == 1 and len(sim.batches) == 1 and len(sim.bills) == 1


def test_a_failed_poll_never_resubmits_an_accepted_batch(sim) -> None:
    """5xx answers while polling are retried as reads; the batch is created only once."""

    async def work(t: BatchTransport) -> Any:
        sending = asyncio.ensure_future(t.send(_params("glaciers")))
        while not sim.batches:
            await asyncio.sleep(0.01)
        sim.inject("500", 2, path_prefix="/v1/messages/batches/")
        return await sending

    message, batch_ids = _run(sim, FAST, work)
    assert "glaciers" in _text(message).lower()
    assert len(batch_ids) == 1 and sim.requests.get("fault:500") == 2
    assert sim.requests.get("/v1/messages/batches") == 1 and len(sim.bills) == 1


def test_a_poll_that_keeps_failing_is_final_and_names_the_batch(sim) -> None:
    """If polling never works, the caller gets a non-retryable error, not a resubmission."""

    async def work(t: BatchTransport) -> Any:
        sending = asyncio.ensure_future(t.send(_params("glaciers")))
        while not sim.batches:
            await asyncio.sleep(0.01)
        sim.inject("500", 50, path_prefix="/v1/messages/batches/")
        with pytest.raises(ProviderError) as caught:
            await sending
        return caught.value

    error, _ = _run(sim, FAST, work)
    assert not error.retryable and "not resubmitted" in str(error)
    assert sim.requests.get("/v1/messages/batches") == 1


def test_a_batch_past_max_wait_is_canceled_and_nothing_is_billed(sim) -> None:
    """Past max_wait_s the batch is canceled; its callers fail for good, unbilled."""
    sim.batch_processing_s = 30.0
    settings = BatchSettings(window_s=0.05, poll_s=0.02, poll_max_s=0.05, max_wait_s=0.1)

    async def work(t: BatchTransport) -> list[Any]:
        return await asyncio.gather(
            *(t.send(_params(topic)) for topic in TOPICS[:2]), return_exceptions=True
        )

    outcomes, _ = _run(sim, settings, work)
    assert all(isinstance(o, ProviderError) and not o.retryable for o in outcomes)
    assert all("canceled" in str(o) for o in outcomes)
    assert sim.bills == []


def test_simulated_batch_reports_progress_like_the_api() -> None:
    """In progress: counts say processing and no results_url; ended: results by custom_id."""
    with provider_sim.ProviderSimulator(api_key=KEY) as sim:
        sim.batch_processing_s = 0.3
        client = anthropic.Anthropic(api_key=KEY, base_url=sim.url, max_retries=0)
        with pytest.raises(anthropic.BadRequestError):
            client.messages.batches.create(
                requests=[{"custom_id": "bad id!", "params": _params("x")}]  # type: ignore[typeddict-item]
            )
        requests: Any = [
            {"custom_id": f"req-{n}", "params": _params(t)} for n, t in enumerate(TOPICS)
        ]
        created = client.messages.batches.create(requests=requests)
        assert created.processing_status == "in_progress" and created.results_url is None
        assert created.request_counts.processing == 5
        with pytest.raises(anthropic.AnthropicError):
            client.messages.batches.results(created.id)
        while client.messages.batches.retrieve(created.id).processing_status != "ended":
            pass
        ended = client.messages.batches.retrieve(created.id)
        assert ended.request_counts.succeeded == 5 and ended.results_url is not None
        results = {r.custom_id: r.result for r in client.messages.batches.results(created.id)}
        assert set(results) == {f"req-{n}" for n in range(5)}
        for n, topic in enumerate(TOPICS):
            result = results[f"req-{n}"]
            assert result.type == "succeeded" and topic in _text(result.message).lower()
        client.close()
