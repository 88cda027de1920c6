"""Words per language: the primitives every text tool of the offline path builds on.

A show is in one language (``podcast_factory.language``); ranking, key terms, the
checks and the offline writer compare words, and what counts as a word, a stop word or
the same word in another form is a property of the language. These come from maintained
packages rather than hand-written English lists:

- stems: ``snowballstemmer`` (the Snowball project's stemmers, pure Python);
- stop words: ``stop-words`` (the lists of the Snowball, Ranks NL and ISO projects);
- words: Unicode letters, so "Gezeiten", "mareas" and "órbita" are words (an ASCII
  pattern cuts "Größe" into "gr" and "e").

``lang`` is a BCP 47 tag or its primary subtag; a language without data falls back to
English, as ``podcast_factory.language.supported`` does.
"""

from __future__ import annotations

import re
from functools import lru_cache

import snowballstemmer
from stop_words import get_stop_words

from podcast_factory.language import supported

WORD_RE = re.compile(r"[^\W_]+(?:['\u2019][^\W_]+)*", re.UNICODE)
"""A word: letters and digits of any script, with inner apostrophes (don't, aujourd'hui)."""


def words(text: str) -> list[str]:
    """The words of ``text``, lowercase, in order (curly apostrophes made straight)."""
    return [w.replace("\u2019", "'") for w in WORD_RE.findall(text.lower())]


@lru_cache(maxsize=16)
def stop_words(lang: str = "en") -> frozenset[str]:
    """The language's stop words, lowercase: what ranking and key terms ignore."""
    code = supported(lang).code
    return frozenset(w.lower().replace("\u2019", "'") for w in get_stop_words(code))


@lru_cache(maxsize=16)
def _stemmer(lang: str) -> snowballstemmer.Stemmer:
    return snowballstemmer.stemmer(supported(lang).snowball)


@lru_cache(maxsize=65536)
def stem(word: str, lang: str = "en") -> str:
    """The word's Snowball stem in the language (``Gezeiten`` -> ``gezeit``)."""
    found: str = _stemmer(supported(lang).code).stemWord(word.lower())
    return found


def content_words(text: str, lang: str = "en") -> list[str]:
    """The words of ``text`` that carry meaning: stop words and one-letter words out."""
    stops = stop_words(lang)
    return [w for w in words(text) if len(w) > 1 and w not in stops]


def content_stems(text: str, lang: str = "en") -> list[str]:
    """The stems of ``text``'s content words, in order: how two texts are compared."""
    return [stem(w, lang) for w in content_words(text, lang)]
