"""Anthropic's errors converted to the project's, once, at the client boundary.

A refused request (an HTTP status) and an error event inside a stream (status 200)
both arrive as ``anthropic.APIStatusError``; each becomes the ``ProviderError`` that
``providers.retry`` knows whether to retry. The detail carries the API's own error type
and message, never the request, which holds the key.
"""

from __future__ import annotations

import anthropic

from podcast_factory.errors import ModelStopped, ProviderError, TransientProviderError
from podcast_factory.providers.retry import status_error

PROVIDER = "anthropic"
_TRANSIENT_STREAM_ERRORS = frozenset({"overloaded_error", "api_error", "rate_limit_error"})


def converted(exc: anthropic.APIStatusError) -> ProviderError:
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
