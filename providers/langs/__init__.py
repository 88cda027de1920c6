"""What the offline path knows of each language it writes: one module a language.

Splitting sentences, ranking them, the listener's checks and the offline writer's host
lines are the same code for every show; what differs is data: which abbreviations a
period does not end (``z. B.``, ``Sra.``, ``p. ex.``), which first words point back at
something said before (``Es``, ``Esto``, ``Cela``, ``Isso``), how numbers and months are
said, and the lines a host says. Each language's module (``en``, ``de``, ``es``, ``fr``,
``pt``) fills these records; ``rules(lang)`` gives the one for a show's BCP 47 tag, and
English for a tag we have no data for (as ``podcast_factory.language.supported`` does).

The English data is what the offline path used before any other language existed, moved
here unchanged, so English shows keep their output.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from importlib import import_module

from podcast_factory.language import supported

UPPER = "A-ZÀ-ÖØ-ÞŒŠŽŸ"
"""Capital letters of the Latin-script languages we write, for regex classes."""
LOWER = "a-zß-öø-ÿœšžſ"
"""Small letters of the same, for regex classes."""


@dataclass(frozen=True)
class Sentences:
    """Where a period ends a sentence."""

    never_end: frozenset[str]
    """Abbreviations (lowercase, without their last period) a period never ends."""
    may_end: frozenset[str]
    """Abbreviations that may end a sentence: split after them only before an opener."""
    openers: frozenset[str]
    """Typical first words of a sentence (lowercase)."""
    before_digits: frozenset[str] = frozenset()
    """Abbreviations a period does not end before a number ("No. 5", "núm. 5")."""
    ordinal_dots: bool = False
    """A period after one or two digits marks an ordinal ("am 3. Mai"), not an end."""


@dataclass(frozen=True)
class Checks:
    """What the listener's checks and the story's standalone-fact logic look for."""

    anaphoric: re.Pattern[str]
    """First words of a sentence that point back at something said before it."""
    personal: re.Pattern[str]
    """Openers a host line may not start with before any fact was said."""
    pronoun: re.Pattern[str] | None
    """Personal pronouns a misheard-person check can follow (None: not judged)."""
    personal_any: re.Pattern[str]
    """A personal pronoun anywhere: a sentence with one and no name before leans back."""
    leans_more: re.Pattern[str]
    """Connectives that make a sentence lean on the one before ("But", "Aber")."""
    rewrite: re.Pattern[str] | None
    """A line-opening he/she that may be replaced by the surname named just before."""
    generic: str
    """Topic words that name no subject ("how", "wie", "cómo"), as text."""
    role: str
    """Regex alternation of words that introduce a person ("chemist", "Chemiker")."""
    placeish: frozenset[str]
    """Lowercase words that make a capitalised pair a place or date, not a person."""
    three: re.Pattern[str]
    """Three surnames in a list ("to Fleming, Florey and Chain")."""
    story_year: re.Pattern[str]
    """A year in a fact (group 1), not a quantity."""
    subject_pronoun: re.Pattern[str] | None = None
    """A main clause whose subject is a pronoun after a fronted phrase ("Im Mai 1940
    testeten sie..."): it leans back though a capitalised noun comes before it."""


@dataclass(frozen=True)
class Numbers:
    """How numbers, dates and names are said, for the unsupported-details check."""

    word_values: Mapping[str, int]
    """Number words (lowercase) and their values (not the scale words)."""
    scales: Mapping[str, int]
    """Scale words: hundred, thousand, million..."""
    joiner: str
    """The word inside a spoken number ("and", "und", "y", "et", "e")."""
    digits: re.Pattern[str]
    """Digits (group 1), decimals (group 2), a scale word (group 3)."""
    thousands: str
    """The thousands separators the digits may hold."""
    decimal: str
    """The decimal mark."""
    months: tuple[str, ...]
    date: re.Pattern[str]
    """A month said as part of a date (group 1 or 2)."""
    name: re.Pattern[str]
    """A run of capitalised words (and name particles)."""
    not_names: frozenset[str] = frozenset()
    """Capitalised words that are never part of a name ("I", "I'm")."""

    def scale_of(self, word: str) -> int:
        return self.scales.get(word.lower(), 1)


@dataclass(frozen=True)
class Reactions:
    """What the listening host says back, built from the fact's own words: each pattern
    finds something in the fact, each template says it back."""

    called: re.Pattern[str]
    """A name the fact gives something (group 1)."""
    superlative: re.Pattern[str] | None
    """A first, largest, oldest... (the whole match is said back)."""
    number: re.Pattern[str]
    """A quantity with its unit (groups 1 and 2)."""
    person: re.Pattern[str]
    """A person introduced by role: groups role, name and (if any) article."""
    because: re.Pattern[str]
    contrast: re.Pattern[str]
    templates: Mapping[str, str]
    """The line for each kind: gap, person, name, most, contrast, cause, number, year
    (alternatives separated by " || ", said in turn when a kind comes again)."""
    named: Callable[[str], str]
    """A name as said after "So that's" (English adds "the" to a common noun)."""
    most: Callable[[str], str]
    """A superlative as said back, first letter up."""
    quantity: Callable[[str], str] = lambda phrase: phrase
    """A quantity as said back on its own: German takes the dative of "vor 500 Jahren"
    back to "500 Jahre"."""
    small: tuple[str, ...] = ()
    """Numbers said as words in a reaction (index = value): "zwei Jahre", not "2 Jahre"."""
    per_kind: int | None = None
    """How often one kind of reaction may come in a script (three "So that's N years
    after..." in one episode sound assembled); None: no limit."""


@dataclass(frozen=True)
class HostLines:
    """The offline writer's own lines: openings, closings, the welcome and thanks."""

    openings: tuple[str, ...]
    """The second host's first line: ``{subject}``, ``{Subject}``, ``{a}``."""
    closings: tuple[str, ...]
    """The summing-up line: ``{subject}``, ``{term}``, ``{a}``."""
    no_term_closing: str
    """A closing when the facts name nothing memorable."""
    welcomes: tuple[str, ...]
    """The first host's welcome: ``{show}``, ``{topic}``, ``{a}``, ``{b}``."""
    thanks: tuple[str, ...]
    """The last line: ``{show}``, ``{topic}``."""
    articles: frozenset[str]
    """Articles kept with the topic's subject ("the sky", "las mareas")."""
    lower_subject: bool = True
    """The subject is lowercased (not in German: nouns keep their capital)."""
    article_kept: bool = True
    """The article comes with the subject (German leaves it: "das Thema Gezeiten")."""
    contractions: tuple[tuple[str, str], ...] = ()
    """A preposition and an article said as one word once filled in ("de el" -> "del")."""


@dataclass(frozen=True)
class LanguageRules:
    """Everything the offline path knows of one language."""

    code: str
    sentences: Sentences
    checks: Checks
    numbers: Numbers
    reactions: Reactions
    lines: HostLines
    stop: frozenset[str] | None = None
    """Stop words for ranking (None: ``lexicon.stop_words``)."""
    elisions: frozenset[str] = field(default_factory=frozenset)
    """Elided words before an apostrophe that are not part of the word ("l'", "d'")."""


@cache
def _load(code: str) -> LanguageRules:
    found: LanguageRules = import_module(f"{__name__}.{code}").RULES
    return found


def rules(lang: str = "en") -> LanguageRules:
    """The rules for a show's language tag (``de``, ``es-MX``); English when we have none."""
    return _load(supported(lang).code)


def number_words(
    units: list[str], teens: list[str], tens: list[str], compound: Callable[[int, int], str]
) -> dict[str, int]:
    """Every number word below a hundred: ``units`` 0-9, ``teens`` 10-19, ``tens`` 20-90,
    ``compound(ten, unit)`` the word for the others (e.g. 23)."""
    words = {w: i for i, w in enumerate(units)} | {w: 10 + i for i, w in enumerate(teens)}
    for i, ten in enumerate(tens):
        words[ten] = 20 + 10 * i
        for unit in range(1, 10):
            words[compound(20 + 10 * i, unit)] = 20 + 10 * i + unit
    return words


def decimal_value(text: str, thousands: str, mark: str) -> Decimal | None:
    """Digits as written in the language ("6.400" in German, "2,3") as a Decimal."""
    from decimal import InvalidOperation

    for sep in thousands:
        text = text.replace(sep, "")
    try:
        return Decimal(text.replace(mark, ".")).normalize()
    except InvalidOperation:
        return None
