"""What the provider simulator says, gathered for the routes: text from a prompt, JSON that
fits a schema, Messages API answers and their stream, speech-like PCM, error bodies.

Each concept lives in a module of its own (``prose``, ``schema``, ``messages``, ``sse``,
``speech``); this one keeps the error bodies both providers share and re-exports the rest,
so the routes read ``pay.answer`` and ``pay.synthesize`` from one place. Nothing here is
random: the same request always gets the same answer.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from podcast_factory.testing.messages import CONTEXT_WINDOW as CONTEXT_WINDOW
from podcast_factory.testing.messages import MAX_CACHE_BREAKPOINTS as MAX_CACHE_BREAKPOINTS
from podcast_factory.testing.messages import answer as answer
from podcast_factory.testing.messages import block_text as block_text
from podcast_factory.testing.messages import cache_marks as cache_marks
from podcast_factory.testing.messages import claude_models_page as claude_models_page
from podcast_factory.testing.messages import last_user_text as last_user_text
from podcast_factory.testing.messages import message_body as message_body
from podcast_factory.testing.messages import prompt_pieces as prompt_pieces
from podcast_factory.testing.messages import refused as refused
from podcast_factory.testing.messages import triggers as triggers
from podcast_factory.testing.prose import CHARS_PER_TOKEN as CHARS_PER_TOKEN
from podcast_factory.testing.prose import PAD_LINES as PAD_LINES
from podcast_factory.testing.prose import content_sentences as content_sentences
from podcast_factory.testing.prose import plain_reply as plain_reply
from podcast_factory.testing.prose import sentences as sentences
from podcast_factory.testing.prose import tokens as tokens
from podcast_factory.testing.schema import MAX_FILLED_ITEMS as MAX_FILLED_ITEMS
from podcast_factory.testing.schema import SchemaFiller as SchemaFiller
from podcast_factory.testing.speech import CHARS_PER_SECOND as CHARS_PER_SECOND
from podcast_factory.testing.speech import PCM_RATES as PCM_RATES
from podcast_factory.testing.speech import PEAK as PEAK
from podcast_factory.testing.speech import WORD_GAP_S as WORD_GAP_S
from podcast_factory.testing.speech import pcm_samples as pcm_samples
from podcast_factory.testing.speech import synthesize as synthesize
from podcast_factory.testing.speech import tts_model as tts_model
from podcast_factory.testing.speech import voice_entry as voice_entry
from podcast_factory.testing.speech import voice_pitch_hz as voice_pitch_hz
from podcast_factory.testing.sse import sse_events as sse_events

ANTHROPIC_ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    404: "not_found_error",
    429: "rate_limit_error",
    500: "api_error",
    529: "overloaded_error",
}
ELEVENLABS_ERROR_STATUS = {
    401: "invalid_api_key",
    429: "too_many_concurrent_requests",
    500: "internal_server_error",
    503: "system_busy",
}


def error_body(provider: str, status: int, message: str, kind: str = "") -> dict[str, Any]:
    """The error body each provider sends (Anthropic's ``type: error``, ElevenLabs' ``detail``)."""
    if provider == "anthropic":
        kind = kind or ANTHROPIC_ERROR_TYPES.get(status, "api_error")
        return {"type": "error", "error": {"type": kind, "message": message}}
    kind = kind or ELEVENLABS_ERROR_STATUS.get(status, "error")
    return {"detail": {"status": kind, "message": message}}


def chunks(data: bytes, size: int = 8192) -> Iterator[bytes]:
    """``data`` in pieces of ``size`` bytes, as a chunked response sends it."""
    for start in range(0, len(data), size):
        yield data[start : start + size]
