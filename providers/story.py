"""Offline research that a listener can follow: facts that stand alone, told as a story.

A source sentence is written to be read after the one before it. Said on its own, "Its
mould..." or "The result is a spring tide" points at nothing, and "the University of
Oxford gave him a doctorate" names whoever was mentioned last. So the research's facts
are *units*: a sentence that leans on the one before it ("It", "This", "He", "So",
"Decades later", a he/his with no name before it) is rewritten with its referent where
that is safe ("He devised..." -> "Heatley devised..." when the sentence before names one
person), else joined with its antecedent (up to three sentences), else left out.

Then the episode is ordered as a story, not by score: the topic's core story first (the
unit of the source's opening that best matches the topic's key terms; the source's own
lead wins ties), then the rest in time order where the units give years (a unit without
a year keeps its place after the one before it in its source), else in the sources' order.
Cause and effect stay together because "So..." and "As a result..." are joined to their
cause. Deterministic. In every language the offline writer speaks: what leans back
("Es wurde...", "Esto...", "Il...", "Ele...") and which he/she may become a surname are
the show language's data (``providers/langs``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from podcast_factory.providers.langs import LOWER, UPPER, rules
from podcast_factory.providers.script_checks import generic, people
from podcast_factory.providers.text import rank_sentences, tokenize

MAX_UNIT_SENTENCES = 3
MAX_UNIT_WORDS = 70
LEAD_SHARE = 0.3
"""The opening share of a source in which its lead (the core story) is looked for."""
CORE_SHARE = 0.45
"""The largest share of an episode's fact words its core story may take."""
_CAPITAL = {
    "en": re.compile(r"\b[A-Z][a-z]+\b"),
    "other": re.compile(rf"\b[{UPPER}][{LOWER}]+\b"),
}


@dataclass(frozen=True)
class Unit:
    """A fact that can be said on its own: sentences ``first``..``last`` of one source."""

    text: str
    source: int
    first: int
    last: int
    context: str
    """The source sentence before ``first`` ("" at the start of a source)."""
    lang: str = "en"
    """The source's language (the show's), which says what a year looks like."""

    @property
    def year(self) -> int | None:
        match = rules(self.lang).checks.story_year.search(self.text)
        return int(match.group(1)) if match else None


def leans_back(sentence: str, *, lang: str = "en") -> bool:
    """Whether a sentence needs the one before it to make sense."""
    checks = rules(lang).checks
    opening = sentence.lstrip("¿¡")
    if checks.anaphoric.match(opening) or checks.leans_more.match(opening):
        return True
    if checks.subject_pronoun is not None and checks.subject_pronoun.match(opening):
        return True
    pronoun = checks.personal_any.search(sentence)
    if pronoun is None:
        return False
    before = sentence[: pronoun.start()]
    capital = _CAPITAL["en" if rules(lang).code == "en" else "other"]
    return not people(before, lang=lang) and not capital.search(before[1:])


def _rewrite(sentence: str, before: str, lang: str = "en") -> str | None:
    """ "He ..." / "She ..." (``Er``, ``Él``, ``Il``, ``Ele``...) as "<Surname> ..." when
    ``before`` names exactly one person and nothing else in the sentence leans back;
    else None."""
    checks = rules(lang).checks
    match = checks.rewrite.match(sentence) if checks.rewrite is not None else None
    if match is None:
        return None
    rest = sentence[match.end() :]
    named = people(before, lang=lang)
    if len(named) != 1 or leans_back(rest, lang=lang) or checks.personal_any.search(rest):
        return None
    return f"{named[0].split()[-1]} {rest}"


def units(sentences: Sequence[str], source_of: Sequence[int], *, lang: str = "en") -> list[Unit]:
    """Every sentence as a unit that stands alone, or nothing if it cannot be made one."""
    out: list[Unit] = []
    made: dict[int, Unit] = {}
    for i, sentence in enumerate(sentences):
        src = source_of[i]
        prev_ok = i > 0 and source_of[i - 1] == src
        context = sentences[i - 1] if prev_ok else ""
        unit: Unit | None = Unit(sentence, src, i, i, context, lang)
        if leans_back(sentence, lang=lang):
            fixed = _rewrite(sentence, context, lang) if prev_ok else None
            if fixed is not None:
                unit = Unit(fixed, src, i, i, context, lang)
            elif prev_ok and i - 1 in made:
                base = made[i - 1]
                text = f"{base.text} {sentence}"
                size = i - base.first + 1
                ok = size <= MAX_UNIT_SENTENCES and len(text.split()) <= MAX_UNIT_WORDS
                unit = Unit(text, src, base.first, i, base.context, lang) if ok else None
            else:
                unit = None
        if unit is not None:
            made[i] = unit
            out.append(unit)
    return out


def story_order(chosen: Sequence[Unit], core: Sequence[Unit]) -> list[Unit]:
    """The core story first, then time order where years are given (a unit without one
    inherits the year of the unit before it in its source), else source order."""
    by_place = sorted(chosen, key=lambda u: (u.source, u.first))
    keyed = []
    last: dict[int, float] = {}
    for u in by_place:
        year = u.year
        when = float(year) if year is not None else last.get(u.source, float("-inf"))
        last[u.source] = when
        first = u in core
        keyed.append(((not first, 0.0 if first else when, u.source, u.first), u))
    return [u for _, u in sorted(keyed, key=lambda pair: pair[0])]


def core_story(
    topic: str,
    found: Sequence[Unit],
    source_sizes: dict[int, int],
    budget_words: float,
    *,
    lang: str = "en",
) -> list[Unit]:
    """The topic's core story, told first: the first source's opening unit (where its
    author put the core story), the unit of its opening ``LEAD_SHARE`` sharing most of the
    topic's key terms (the earliest wins ties), and the units between them that still fit
    in ``CORE_SHARE`` of the episode's fact words, in the source's order."""
    if not found:
        return []
    first = [u for u in found if u.source == min(u.source for u in found)]
    terms = {t for t in tokenize(topic, lang=lang) if t not in generic(lang)}
    window = max(2.0, LEAD_SHARE * source_sizes.get(first[0].source, 0))
    best = min(
        (u for u in first if u.first <= window),
        key=lambda u: (-len(terms & set(tokenize(u.text, lang=lang))), u.first),
        default=first[0],
    )
    cap = CORE_SHARE * budget_words
    openings = [u for u in first if u.first == first[0].first and u.last < best.first]
    fitting = [u for u in openings if len(u.text.split()) + len(best.text.split()) <= cap]
    opening = max(fitting or openings or [first[0]], key=lambda u: (u.last, u is not best))
    core = [opening] if best.first <= opening.last else [opening, best]
    words = sum(len(u.text.split()) for u in core)
    for u in first:
        n = len(u.text.split())
        between = opening.last < u.first and u.last < best.first
        if between and words + n <= cap and not any(c.last >= u.first for c in core[1:]):
            core.append(u)
            words += n
    return sorted(core, key=lambda u: u.first)


def pick(
    topic: str,
    sentences: Sequence[str],
    source_of: Sequence[int],
    budget_words: float,
    repeat: Callable[[str], bool] | None = None,
    *,
    lang: str = "en",
) -> list[tuple[Unit, float]]:
    """The episode's facts, in the order to say them, each with its relevance score.

        Units are ranked against the topic (BM25 and fact-likeness, see ``rank_sentences``);
        the core story is kept first whatever its rank; units sharing a sentence with one already
        kept are skipped, and so are units ``repeat`` says other episodes of the series already
    said (unless nothing else is left). ``lang``: the show's language."""
    found = units(sentences, source_of, lang=lang)
    if not found:
        return []
    sizes: dict[int, int] = {}
    for src in source_of:
        sizes[src] = sizes.get(src, 0) + 1
    fresh = [u for u in found if not (repeat and repeat(u.text))] or found
    ranked = rank_sentences(topic, [u.text for u in fresh], len(fresh), lang=lang)
    core = core_story(topic, fresh, sizes, budget_words, lang=lang)
    order = [fresh.index(u) for u in core]
    order += [i for i, _ in _interleave(ranked, [u.source for u in fresh]) if i not in order]
    scores = dict(ranked)
    kept: list[Unit] = []
    taken: set[tuple[int, int]] = set()
    words = 0
    for i in order:
        u = fresh[i]
        span = {(u.source, k) for k in range(u.first, u.last + 1)}
        n = len(u.text.split())
        if span & taken or (kept and words + n > budget_words):
            continue  # said already, or too long: a shorter unit further down may fit
        kept.append(u)
        taken |= span
        words += n
        if words >= budget_words:
            break
    ordered = story_order(kept, core)
    return [(u, scores.get(fresh.index(u), 0.0)) for u in ordered]


def _interleave(ranked: list[tuple[int, float]], source_of: list[int]) -> list[tuple[int, float]]:
    """Ranked units taken from each source in turn, so two sources are both heard."""
    seen: dict[int, int] = {}
    keyed = []
    for position, (i, score) in enumerate(ranked):
        src = source_of[i]
        seen[src] = seen.get(src, 0) + 1
        keyed.append(((seen[src], position), (i, score)))
    return [item for _, item in sorted(keyed)]
