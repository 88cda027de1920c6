"""Prompt caching that pays, or none: the minimum cacheable prefix per Claude model.

A ``cache_control`` breakpoint caches the whole prompt prefix up to it (tools, then
system, then messages). A prefix shorter than the model's minimum is neither written nor
read: the request succeeds and is billed as plain input, silently. So a breakpoint is
only worth sending when the prefix reaches the minimum, and an estimate must not count
on a cache the API will not make. Caches are per model (and per organisation): calls
share a cache entry only if they use the same model and the same prefix, byte for byte.

Minimums (tokens), from Anthropic's prompt caching page and the reports listed in
``docs/providers.md, Anthropic``. Where sources disagree the larger value is used, so an
estimate never counts on a cache the API may refuse; a model not listed gets the largest
documented minimum for the same reason.
"""

from __future__ import annotations

import math
import re

CHARS_PER_TOKEN = 4
"""Typical English characters per token; sizes a prefix for the caching decision. Too
high a guess only sends a breakpoint the API ignores (no charge for it)."""

MIN_CACHE_TOKENS: dict[str, int] = {
    "claude-haiku-4-5": 4096,
    "claude-sonnet-4-5": 1024,
    "claude-sonnet-4-6": 2048,  # documented 1,024; 2,048 observed (anthropic-sdk-python#1194)
    "claude-opus-4-5": 4096,
    "claude-opus-4-6": 4096,
    "claude-opus-4-7": 4096,  # reported as 2,048 and as 4,096: the larger is used
    "claude-opus-4-8": 1024,
    "claude-opus-5": 512,
    "claude-sonnet-5": 1024,
}
DEFAULT_MIN_CACHE_TOKENS = 4096
"""For a model no source documents (the 5.5 models): the largest documented minimum."""

MAX_OUTPUT_TOKENS: dict[str, int] = {
    "claude-haiku-4-5": 64_000,
    "claude-sonnet-4-5": 64_000,
    "claude-sonnet-4-6": 64_000,
    "claude-opus-4-5": 64_000,
    "claude-opus-4-6": 128_000,
}
DEFAULT_MAX_OUTPUT_TOKENS = 64_000
"""Largest ``max_tokens`` a model accepts; above it the API answers 400."""

CONTEXT_WINDOW_TOKENS = 200_000
"""Input plus output of one request; a longer prompt is refused with a 400."""

_DATED = re.compile(r"-\d{8}$")


def _base(model: str) -> str:
    return _DATED.sub("", model)


def _lookup(table: dict[str, int], model: str, default: int) -> int:
    base = _base(model)
    if base in table:
        return table[base]
    family = next((k for k in sorted(table, key=len, reverse=True) if base.startswith(k)), None)
    return table[family] if family is not None else default


def min_cache_tokens(model: str) -> int:
    """The shortest prefix (tokens) that ``model`` caches."""
    return _lookup(MIN_CACHE_TOKENS, model, DEFAULT_MIN_CACHE_TOKENS)


def max_output_tokens(model: str) -> int:
    """The largest ``max_tokens`` ``model`` accepts."""
    return _lookup(MAX_OUTPUT_TOKENS, model, DEFAULT_MAX_OUTPUT_TOKENS)


def prefix_tokens(texts: list[str] | tuple[str, ...]) -> int:
    """Estimated tokens of a prefix made of these text blocks."""
    return sum(math.ceil(len(t) / CHARS_PER_TOKEN) for t in texts)


def should_cache(model: str, prefix: int) -> bool:
    """Whether a breakpoint after a ``prefix``-token prefix would be honoured."""
    return prefix >= min_cache_tokens(model)


def expected_cache(model: str, prefix: int, first: bool) -> dict[str, int]:
    """How a ``prefix``-token shared prefix will be billed, as ``ClaudeUsage`` fields.

    ``first``: no earlier call of the same model wrote this prefix (within the 5-minute
    lifetime). Under the model's minimum the prefix is plain input; otherwise the first
    call writes it (1.25x input price) and the later ones read it (0.1x)."""
    if not should_cache(model, prefix):
        return {"input_tokens": prefix}
    return {"cache_write_5m_tokens": prefix} if first else {"cache_read_tokens": prefix}
