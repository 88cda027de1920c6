"""Building the configured providers inside an agent, from settings and credentials.

Agents call these in their constructors (so a restarted agent rebuilds its clients);
the keys arrive as ``SecretStr`` in ``Credentials`` and are revealed only here, to the
SDK client that sends them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from podcast_factory.config import Credentials, RunSettings
from podcast_factory.errors import UserInputError
from podcast_factory.limits import ProviderSlots
from podcast_factory.providers.elevenlabs_tts import ElevenLabsTTS
from podcast_factory.providers.pricing import PriceTable
from podcast_factory.providers.retry import RetryPolicy
from podcast_factory.providers.speech import ElevenLabsEngine, EspeakEngine, SpeechEngine

if TYPE_CHECKING:  # the anthropic SDK takes seconds of CPU to import: only when Claude is used
    from podcast_factory.providers.claude import ClaudeClient
    from podcast_factory.providers.claude_batches import BatchSettings
    from podcast_factory.providers.claude_writer import ClaudeWriter


def retry_policy(settings: RunSettings) -> RetryPolicy:
    return RetryPolicy(
        max_attempts=settings.provider_attempts,
        base_s=settings.backoff_base_s,
        max_s=settings.backoff_max_s,
    )


def economy_batches(settings: RunSettings) -> BatchSettings | None:
    """The batch transport's settings in economy mode, else None (the Messages API)."""
    c = settings.claude
    if not c.economy:
        return None
    from podcast_factory.providers.claude_batches import BatchSettings

    return BatchSettings(
        window_s=c.batch_window_s,
        max_requests=c.batch_max_requests,
        poll_s=c.batch_poll_s,
        poll_max_s=max(60.0, c.batch_poll_s),
    )


def claude_writer(
    settings: RunSettings, creds: Credentials, governor: ProviderSlots | None = None
) -> ClaudeWriter | None:
    """The Claude writer when Claude is the configured LLM, else None (offline)."""
    client = claude_client(settings, creds, governor)
    if client is None:
        return None
    from podcast_factory.providers.claude_writer import ClaudeWriter

    return ClaudeWriter(client, settings.claude, settings.fact_share, settings.prompts)


def claude_client(
    settings: RunSettings, creds: Credentials, governor: ProviderSlots | None = None
) -> ClaudeClient | None:
    """The Claude client when Claude is the configured LLM, else None (offline)."""
    if settings.llm != "claude":
        return None
    if creds.anthropic_api_key is None:
        raise UserInputError("ANTHROPIC_API_KEY", "is not set; Claude needs it")
    from podcast_factory.providers.claude import ClaudeClient

    return ClaudeClient(
        api_key=creds.anthropic_api_key.get_secret_value(),
        base_url=creds.anthropic_base_url,
        prices=PriceTable.load(),
        policy=retry_policy(settings),
        timeout_s=settings.request_timeout_s,
        governor=governor,
        batches=economy_batches(settings),
    )


def speech_engine(
    settings: RunSettings, creds: Credentials, governor: ProviderSlots | None = None
) -> SpeechEngine:
    if settings.tts == "espeak":
        return EspeakEngine(settings.wpm)
    if creds.elevenlabs_api_key is None:
        raise UserInputError("ELEVENLABS_API_KEY", "is not set; ElevenLabs needs it")
    el = settings.elevenlabs
    return ElevenLabsEngine(
        ElevenLabsTTS(
            api_key=creds.elevenlabs_api_key.get_secret_value(),
            base_url=creds.elevenlabs_base_url,
            model_id=el.model_id,
            output_format=el.output_format,
            prices=PriceTable.load(),
            policy=retry_policy(settings),
            chunk_chars=el.chunk_chars,
            timeout_s=settings.request_timeout_s,
            governor=governor,
        ),
        cache_dir=settings.speech_cache_dir,
    )
