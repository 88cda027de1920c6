"""Facts checked against their sources: a fact is kept only when its quote is there.

A model asked for "the verbatim span it rests on" usually gives it, but not always: it
may quote a sentence it half remembers, or one it made up along with the fact. Such a
fact must never be said. So each fact's ``quote`` is looked for in the text of the
source it names, after undoing what a model changes without changing the content:
Unicode forms (NFKC), curly quotes and apostrophes, dashes, whitespace and case, an
ellipsis standing for words it left out (each piece must be there, in order), and the
quote marks or final stop around the span. Words are never normalised: a quote with one
number or name changed is not found.

The text searched is the source both as read (markdown and all) and as the model was
shown it (its clean sentences, ``split_sentences``), so a span that crosses removed
markup is found either way. Web facts carry the ``cited_text`` of a search result
the API itself extracted from a page we do not have: they are kept as cited.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from podcast_factory.models import Fact, ResearchDoc
from podcast_factory.providers.sources import SourceText
from podcast_factory.providers.text import split_sentences

_QUOTES = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "`": "'",
        "\u00b4": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2033": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2015": "-",
        "\u2212": "-",
    }
)
_ELLIPSIS = re.compile(r"\s*(?:\.\s*\.\s*\.|\u2026|\[\s*(?:\.\.\.|\u2026)\s*\])\s*")
_EDGES = " \t\n'\".,;:!?()[]"


def normalise(text: str) -> str:
    """``text`` as quotes are compared: NFKC, straight quotes, one kind of dash with no
    space around it, single spaces, case-folded. Words and digits are left alone."""
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES)
    text = re.sub(r"\s*-\s*", "-", text)
    return " ".join(text.split()).casefold()


def quote_found(quote: str, text: str) -> bool:
    """Whether ``quote`` is a span of ``text`` as a reader would check it. An ellipsis in
    the quote stands for left-out words: each piece is looked for after the one before.
    An empty quote is found nowhere: a fact must rest on something."""
    haystack = normalise(text)
    pieces = [normalise(p).strip(_EDGES) for p in _ELLIPSIS.split(quote)]
    pieces = [p for p in pieces if p]
    if not pieces:
        return False
    at = 0
    for piece in pieces:
        found = haystack.find(piece, at)
        if found < 0:
            return False
        at = found + len(piece)
    return True


def source_views(source: SourceText, lang: str = "en") -> tuple[str, str]:
    """A source as read and as the research prompt shows it (its clean sentences, split
    as the show's language splits them)."""
    return source.text, " ".join(split_sentences(source.text, lang=lang))


def verify_facts(doc: ResearchDoc, texts: Sequence[SourceText], *, lang: str = "en") -> ResearchDoc:
    """``doc`` keeping only the facts whose quote is in the source they name; the others
    move to ``unverified`` (with their count), so the research document says what was
    left out and why. A fact naming a source that is not among ``texts`` (a web search
    result) is kept: its quote is the API's own extract of that page."""
    views = {t.source: source_views(t, lang) for t in texts}
    kept: list[Fact] = []
    dropped: list[Fact] = list(doc.unverified)
    for fact in doc.facts:
        view = views.get(fact.source)
        if view is None or any(quote_found(fact.quote, v) for v in view):
            kept.append(fact)
        else:
            dropped.append(fact)
    left = {"unverified": tuple(dropped), "unverified_facts": len(dropped)}
    return doc.model_copy(update={"facts": tuple(kept), **left})
