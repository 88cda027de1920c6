"""What a Claude call hands back, and how a Messages API reply is read into it.

Apart from the client (``claude.py``) so that the result types and the reading of a
reply (its citations, its structured answer, the output schema sent for it) can be
imported and tested without the request loop.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import anthropic
import pydantic

from podcast_factory.errors import TransientProviderError
from podcast_factory.providers.pricing import ClaudeUsage

PROVIDER = "anthropic"

M = TypeVar("M", bound=pydantic.BaseModel)


@dataclass(frozen=True)
class Citation:
    """A web search result the answer cited: where, what, and the quoted span."""

    url: str
    title: str
    cited_text: str


@dataclass(frozen=True)
class ClaudeResult(Generic[M]):
    """A structured answer with what it took: agents record the usage and cost beside it."""

    output: M
    usage: ClaudeUsage
    """Summed over every request the answer took (continuations, a larger-cap retry)."""
    micro_usd: int
    request_id: str
    citations: tuple[Citation, ...]
    requests: int = 1


@dataclass(frozen=True)
class SearchResult:
    """A plain answer written with web search: its text and what it cited."""

    text: str
    citations: tuple[Citation, ...]
    usage: ClaudeUsage
    micro_usd: int
    requests: int


def citations_of(message: Any) -> tuple[Citation, ...]:
    """The web search results a reply cites, each (url, quoted span) once."""
    found: dict[tuple[str, str], Citation] = {}
    for block in message.content:
        for c in getattr(block, "citations", None) or ():
            if getattr(c, "type", "") == "web_search_result_location":
                cite = Citation(url=c.url, title=c.title or "", cited_text=c.cited_text or "")
                found.setdefault((cite.url, cite.cited_text), cite)
    return tuple(found.values())


def add_usage(a: ClaudeUsage, b: ClaudeUsage) -> ClaudeUsage:
    """The usage of two requests of one answer, summed field by field."""
    return ClaudeUsage(**{k: v + b.as_units()[k] for k, v in a.as_units().items()})


@functools.cache
def output_schema(output: type[pydantic.BaseModel]) -> dict[str, Any]:
    """The output model as the API's JSON schema (limits moved into descriptions)."""
    return anthropic.transform_schema(output)


def parse_reply(message: Any, output: type[M]) -> M:
    """The structured answer: the last text block, validated against ``output``."""
    texts = [b.text for b in message.content if getattr(b, "type", "") == "text"]
    if not texts:
        raise TransientProviderError(PROVIDER, "the reply held no text")
    try:
        return output.model_validate_json(texts[-1])
    except pydantic.ValidationError as exc:
        raise TransientProviderError(
            PROVIDER, f"the reply did not fit the schema ({exc.error_count()} errors)"
        ) from None
