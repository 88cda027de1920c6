"""A page's readable text by hand: the fallback when trafilatura finds no main text.

``source_text`` asks trafilatura (a maintained main-content extractor) first; a page it
returns nothing for (a tiny page, a fragment, a page of one paragraph) is read here, as
every HTML source was before: navigation, headers, footers, scripts and code dropped,
``<main>``/``<article>`` preferred, headings as ``# `` lines and list items as ``- ``.
The page's title always comes from here (``<title>``, else the first heading).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_SKIP = _words("script style nav header footer aside noscript template svg form pre")
_MAIN = _words("main article")
_BLOCKS = _words("""p div section article main blockquote ul ol table tr dl dt dd figure
    figcaption address hr li h1 h2 h3 h4 h5 h6""")
# What a start tag writes: headings become "# " lines and list items "- " lines, so that
# split_sentences treats HTML and markdown the same.
_START = {"br": "\n", "li": "\n- ", **{f"h{n}": "\n\n# " for n in range(1, 7)}}


class _Reader(HTMLParser):
    """Collects the readable text of a page, and separately the text inside <main>/<article>."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.title = ""
        self.parts: list[str] = []
        self.main_parts: list[str] = []
        self._skip = self._main = 0
        self._in_title = False

    def _emit(self, text: str) -> None:
        self.parts.append(text)
        if self._main:
            self.main_parts.append(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._skip += tag in _SKIP
        self._in_title = self._in_title or tag == "title"
        self._main += tag in _MAIN
        if tag in _BLOCKS or tag == "br":
            self._emit(_START.get(tag, "\n\n"))

    def handle_endtag(self, tag: str) -> None:
        self._skip = max(0, self._skip - (tag in _SKIP))
        self._in_title = self._in_title and tag != "title"
        if tag in _BLOCKS:
            self._emit("\n\n")
        self._main = max(0, self._main - (tag in _MAIN))

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
        elif not self._skip:
            self._emit(re.sub(r"\s+", " ", data))


def html_to_text(html: str) -> tuple[str, str]:
    """(title, readable text) of an HTML page.

    Navigation, headers, footers, scripts, styles and code blocks are dropped; if the page
    marks its content with <main> or <article>, only that is kept. Paragraphs are separated by
    blank lines, headings come out as ``# Heading`` lines (so ``split_sentences`` drops
    them) and list items as ``- item``. The title is <title>, else the first heading.
    """
    reader = _Reader()
    # A "<" whose tag never closes before the next "<" is text; escaping it up front keeps
    # html.parser linear on malformed pages (it rescans unclosed tags to the end).
    reader.feed(re.sub(r"<(?=[^<>]*(?:<|$))", "&lt;", html))
    reader.close()
    main = "".join(reader.main_parts)
    raw = main if main.strip() else "".join(reader.parts)
    lines = [re.sub(r"[ \t\f\v\xa0]+", " ", line).strip() for line in raw.split("\n")]
    kept = "\n".join(line for line in lines if line not in ("#", "-"))
    text = re.sub(r"\n{3,}", "\n\n", kept).strip()
    title = re.sub(r"\s+", " ", reader.title).strip()
    if not title:
        heading = re.search(r"^# (.+)$", text, re.MULTILINE)
        title = heading.group(1).strip() if heading else ""
    return title, text
