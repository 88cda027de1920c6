"""Which language a source is written in, cheaply: enough to refuse a source the offline
writer cannot use.

The offline writer reads its facts out of the sources as written; it cannot translate,
so a German show made offline from an English page would air English sentences between
German host lines. Before anything runs, each source of an offline run is checked: the
share of its words that are each supported language's stop words ("der", "und", "the",
"las", "les", "não"...) says the language of any paragraph of prose reliably (on the
examples, the right language's share is 0.48 to 0.60 and the next one's under 0.36),
with no model to load. A source too short to tell is not judged.
"""

from __future__ import annotations

from podcast_factory.language import LANGUAGES, supported
from podcast_factory.providers.lexicon import stop_words, words

MIN_WORDS = 30
"""Below this many words a source is not judged (a title, a list of names)."""
MIN_SHARE = 0.2
"""A language whose stop words are under this share of the words is not a guess."""
MARGIN = 0.6
"""The show's language must reach this fraction of the best language's share."""


def shares(text: str) -> dict[str, float]:
    """Each supported language's stop words as a share of the text's words."""
    found = words(text)
    if not found:
        return {code: 0.0 for code in LANGUAGES}
    return {code: sum(1 for w in found if w in stop_words(code)) / len(found) for code in LANGUAGES}


def guess_language(text: str) -> str | None:
    """The supported language the text is most likely in (``de``), or None when it is
    too short or matches none."""
    if len(words(text)) < MIN_WORDS:
        return None
    by_share = shares(text)
    best = max(by_share, key=lambda code: by_share[code])
    return best if by_share[best] >= MIN_SHARE else None


def foreign_language(text: str, show_language: str) -> str | None:
    """The language the text is in when it is clearly not the show's (``en`` for an
    English page in a German show), else None."""
    best = guess_language(text)
    show = supported(show_language).code
    if best is None or best == show:
        return None
    by_share = shares(text)
    return best if by_share[show] < MARGIN * by_share[best] else None
