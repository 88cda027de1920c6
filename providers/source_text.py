"""A source's readable text, and how raw bytes become it.

Shared by local files (``sources.read_local``) and fetched pages (``source_fetch``), so
both refuse binary data, undecodable bytes and empty text with the same ``SourceError``
and strip the same terminal escapes: source text reaches scripts, posts and speech.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from podcast_factory.errors import SourceError
from podcast_factory.providers.text import clean_inline, html_to_text

MAX_SOURCE_BYTES = 2_000_000


@dataclass(frozen=True)
class SourceText:
    """A source's readable text. ``source`` is the path or URL as the user wrote it, a
    URL without its credentials (``redact_url``). Title and text hold no control
    characters but newlines and tabs."""

    source: str
    title: str
    text: str


_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI: colours, cursor moves, screen clears
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC: window titles, links
    r"|\x1b[P^_X][^\x1b]*(?:\x1b\\)?"  # DCS, PM, APC, SOS strings
    r"|\x1b[ -/]*[0-~]?"  # any other escape
    r"|\x9b[0-?]*[ -/]*[@-~]"  # 8-bit CSI
)
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def strip_controls(text: str) -> str:
    """``text`` without terminal escape sequences and control characters (NUL, BEL,
    ESC, C1...), newlines and tabs kept. Source text reaches scripts, posts and
    speech; none of them has a use for these."""
    return _CONTROLS.sub("", _ESCAPES.sub("", text))


def first_heading(text: str) -> str:
    """The first markdown ``#`` heading, as plain text; empty if there is none."""
    match = re.search(r"^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$", text, re.MULTILINE)
    return clean_inline(match.group(1)) if match else ""


def size_label(n: int) -> str:
    """A byte count as a person reads it in an error message."""
    return f"{n / 1_000_000:.1f} MB" if n >= 100_000 else f"{n:,} bytes"


def decode(source: str, data: bytes, encoding: str, fix: str) -> str:
    """Bytes as text, or a SourceError (ending in ``fix``) if they are not text."""
    if b"\x00" in data:
        raise SourceError(source, f"is binary data, not text; {fix}")
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise SourceError(
            source, f"is not valid {encoding} text (bad byte at offset {exc.start}); {fix}"
        ) from None
    return text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def to_source(source: str, raw: str, is_html: bool, fallback_title: str) -> SourceText:
    """Extract title and readable text; refuse a source with nothing to read."""
    raw = strip_controls(raw)
    if is_html:
        title, text = html_to_text(raw)
    else:
        title, text = first_heading(raw), raw.strip()
    title, text = strip_controls(title), strip_controls(text).strip()  # entities: &#27;
    if not text.strip():
        raise SourceError(source, "has no readable text; check it is the right source")
    return SourceText(source=source, title=title or strip_controls(fallback_title), text=text)
