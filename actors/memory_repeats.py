"""When a fact is one the show already told: token overlap of two facts, in the show's
language, above a threshold. Kept apart from the memory actor because research (which
leaves out what earlier episodes covered) and the memory both ask it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from podcast_factory.providers.text import tokenize

REPEAT_THRESHOLD = 0.6
"""Token Jaccard from which two facts count as the same fact. Rewordings of one
sentence ("completed" / "finished") stay above it; two facts sharing a subject but
saying different things fall below it."""


def _tokens(text: str, lang: str = "en") -> frozenset[str]:
    """Content tokens of a fact in the show's language; a fact of stopwords only is
    compared by its whole text."""
    return frozenset(tokenize(text, lang=lang)) or frozenset({" ".join(text.lower().split())})


def _similar(a: frozenset[str], b: frozenset[str], threshold: float) -> bool:
    return len(a & b) / len(a | b) >= threshold


def is_repeat(
    fact: str, covered: Sequence[str], threshold: float = REPEAT_THRESHOLD, *, lang: str = "en"
) -> bool:
    """Is ``fact`` one of ``covered``, perhaps reworded? Blank text never repeats anything."""
    if not fact.strip():
        return False
    mine = _tokens(fact, lang)
    return any(_similar(mine, _tokens(c, lang), threshold) for c in covered if c.strip())


def repeats(
    facts: Iterable[str],
    covered: Sequence[str],
    threshold: float = REPEAT_THRESHOLD,
    *,
    lang: str = "en",
) -> int:
    """How many of ``facts`` repeat something in ``covered``."""
    seen = [_tokens(c, lang) for c in covered if c.strip()]
    mine = (_tokens(f, lang) for f in facts if f.strip())
    return sum(1 for t in mine if any(_similar(t, s, threshold) for s in seen))
