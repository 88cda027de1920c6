"""A source's readable text, and how raw bytes become it.

Shared by local files (``sources.read_local``) and fetched pages (``source_fetch``), so
both refuse binary data, undecodable bytes and empty text with the same ``SourceError``
and strip the same terminal escapes: source text reaches scripts, posts and speech.

An HTML page's main text comes from trafilatura, a maintained extractor that tells an
article from the menus, cookie banners, related links and comments around it on pages
in any language (it reads the page's structure, not English words); its Markdown output
keeps headings and list items as ``split_sentences`` expects them. A page it finds no
main text in (a fragment, a page of one short paragraph) is read by the hand-written
``html_text`` instead, as every page was before; the title always comes from there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from podcast_factory.errors import SourceError
from podcast_factory.providers.html_text import html_to_text
from podcast_factory.providers.text import clean_inline

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


def main_text(html: str) -> tuple[str, str]:
    """(title, main text) of an HTML page: trafilatura's main text as Markdown (headings
    as ``#`` lines, list items as ``-``), or the hand-written reader's when trafilatura
    finds none; the title from ``<title>`` or the first heading."""
    import trafilatura  # lxml and its models: 0.3 s, paid only when a page is read

    title, fallback = html_to_text(html)
    try:
        found = trafilatura.extract(
            html,
            output_format="markdown",
            include_formatting=True,
            favor_precision=True,
            include_comments=False,
            include_tables=False,
            include_links=False,
            include_images=False,
        )
    except (ValueError, TypeError, RecursionError):  # a page lxml cannot parse
        found = None
    text = found.strip() if found else ""
    return title, text or fallback


def to_source(source: str, raw: str, is_html: bool, fallback_title: str) -> SourceText:
    """Extract title and readable text; refuse a source with nothing to read."""
    raw = strip_controls(raw)
    if is_html:
        title, text = main_text(raw)
    else:
        title, text = first_heading(raw), raw.strip()
    title, text = strip_controls(title), strip_controls(text).strip()  # entities: &#27;
    if not text.strip():
        raise SourceError(source, "has no readable text; check it is the right source")
    return SourceText(source=source, title=title or strip_controls(fallback_title), text=text)
