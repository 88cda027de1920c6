"""The one retry layer, and splitting text for ElevenLabs, without any network."""

from __future__ import annotations

import asyncio

import pytest

from podcast_factory.errors import ProviderError, TransientProviderError
from podcast_factory.providers.elevenlabs_tts import chunk_text, sample_rate_of
from podcast_factory.providers.retry import (
    RetryPolicy,
    call_with_retries,
    retry_after,
    status_error,
)


class _Flaky:
    """Fails with the given errors in turn, then answers 'ok'."""

    def __init__(self, *errors: Exception) -> None:
        self.errors = list(errors)
        self.calls = 0

    async def __call__(self) -> str:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "ok"


def _run(policy: RetryPolicy, flaky: _Flaky) -> tuple[str, list[float]]:
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    return asyncio.run(call_with_retries(policy, flaky, sleep=sleep)), waits


def test_transient_errors_are_retried_honouring_retry_after() -> None:
    """A 429 with Retry-After waits what the provider asked; then the call succeeds."""
    flaky = _Flaky(status_error("claude", 429, "slow down", {"retry-after": "1.5"}))
    result, waits = _run(RetryPolicy(max_attempts=3), flaky)
    assert result == "ok" and flaky.calls == 2
    assert waits == [1.5]


def test_backoff_grows_when_no_retry_after_is_given() -> None:
    """Without Retry-After the pauses grow exponentially (with jitter)."""
    errors = [TransientProviderError("x", "boom", status=500) for _ in range(3)]
    _, waits = _run(RetryPolicy(max_attempts=4, base_s=1.0, max_s=100), _Flaky(*errors))
    assert len(waits) == 3
    assert 0.5 <= waits[0] <= 1.5 and 1.0 <= waits[1] <= 3.0 and 2.0 <= waits[2] <= 6.0


def test_attempts_are_bounded_and_the_final_error_is_not_retryable() -> None:
    """After max_attempts the last error comes back as a plain ProviderError."""
    errors = [TransientProviderError("x", "overloaded", status=529) for _ in range(5)]
    flaky = _Flaky(*errors)
    with pytest.raises(ProviderError) as info:
        _run(RetryPolicy(max_attempts=3, base_s=0), flaky)
    assert flaky.calls == 3
    assert not info.value.retryable
    assert "gave up after 3 attempts" in str(info.value)


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422])
def test_client_errors_fail_at_once_with_advice(status: int) -> None:
    """4xx (but 408/409/429) fail on the first attempt, naming provider, status, remedy."""
    flaky = _Flaky(status_error("anthropic", status, "nope", {}))
    with pytest.raises(ProviderError) as info:
        _run(RetryPolicy(max_attempts=5), flaky)
    assert flaky.calls == 1
    message = str(info.value)
    assert message.startswith(f"anthropic (HTTP {status}): ")
    assert "check" in message or "permission" in message


def test_retry_after_headers() -> None:
    """retry-after-ms wins over retry-after; seconds and absent headers are understood."""
    assert retry_after({"retry-after-ms": "250", "retry-after": "9"}) == 0.25
    assert retry_after({"retry-after": "2"}) == 2.0
    assert retry_after({}) is None


def test_chunks_respect_limit_and_sentence_boundaries() -> None:
    """Every chunk fits the limit; sentences are not cut unless longer than the limit."""
    text = " ".join(f"Sentence number {i} is here." for i in range(40))
    chunks = chunk_text(text, 100)
    assert all(len(c) <= 100 for c in chunks)
    assert all(c.endswith(".") for c in chunks)
    assert " ".join(chunks) == text
    long = "word " * 60
    assert all(len(c) <= 50 for c in chunk_text(long, 50))
    assert " ".join(chunk_text(long, 50)) == long.strip()


def test_only_raw_pcm_formats_are_accepted() -> None:
    """The audio agent stitches raw PCM, so mp3 output is refused up front."""
    assert sample_rate_of("pcm_24000") == 24000
    with pytest.raises(ValueError, match="not raw PCM"):
        sample_rate_of("mp3_44100_128")
