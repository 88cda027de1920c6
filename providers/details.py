"""Details a script states that none of its facts give: numbers, dates and names.

A host who says "about 2.5 million doses" when the research says 2.3 million, or names a
"Sir Howard Fleming" nobody in the sources is called, tells the listener something the
episode cannot back. Whatever writes the script (a model paraphrasing, a template
echoing a fact), each line's checkable details must be found in the episode's facts
(their text or the quote they rest on), or in what the show itself asks to be said (its
name, hosts, intro, outro, the topic):

- numbers written in digits ("1928", "6,400", "2.3 million", "47%"), and in words from
  eleven up ("forty", "twenty-three", "a hundred"): "forty" is the fact's "40". Smaller
  number words ("one of the", "the two of them") are how people talk, not claims. A
  number that is the gap between two years the facts give ("16 years after 1928") is
  arithmetic on them, not a new claim;
- dates: a month said next to a number ("October 1928") must be the facts' month;
- names: two or more capitalised words together, not counting a sentence's first word
  ("Howard Florey", "St Mary's Hospital", "Bay of Fundy"); each word must be in the facts.

Deterministic, so the script gate runs it for every writer. Numbers, months and names
are read as the show's language says them (``providers/langs``): "dreiundzwanzig",
"6.400" and "2,3 Millionen" in German, "treinta y tres" and "6 de junio" in Spanish.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal
from functools import lru_cache

from podcast_factory.models import ResearchDoc, Script, Show
from podcast_factory.providers.langs import Numbers, decimal_value, rules

_YEAR = re.compile(r"\b(1[0-9]{3}|20[0-9]{2})\b")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
SMALLEST_WORD_NUMBER = 11
"""Number words below this are ordinary speech; from it up they state a quantity."""


@lru_cache(maxsize=16)
def _word_patterns(lang: str) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """(a run of number words, one number word) in the language."""
    said = rules(lang).numbers
    listed = [w for w in [*said.word_values, *said.scales] if "." not in w]
    if rules(lang).code != "en":  # the longest first: "dreiundzwanzig" before "drei"
        listed = sorted(listed, key=len, reverse=True)
    one = "|".join(re.escape(w) for w in listed)
    run = rf"\b(?:{one})(?:(?:[\s-]+|\s+{said.joiner}\s+)(?:{one}))*\b"
    return re.compile(run, re.I), re.compile(rf"\b(?:{one})\b")


def _word_value(run: str, lang: str = "en") -> int:
    """ "twenty-three" -> 23, "a hundred" -> 100 (the "a" is outside the run: 100)."""
    said: Numbers = rules(lang).numbers
    total = current = 0
    for word in _word_patterns(lang)[1].findall(run.lower()):
        if word in said.word_values:
            current += said.word_values[word]
        elif said.scales.get(word) == 100:
            current = max(current, 1) * 100
        elif word in said.scales:
            total += max(current, 1) * said.scales[word]
            current = 0
    return total + current


def numbers(
    text: str, *, all_words: bool = False, lang: str = "en"
) -> list[tuple[str, frozenset[Decimal]]]:
    """(as said, its values) of each number in ``text``: digits with an optional scale
    word ("2.3 million" is 2.3 and 2300000), and number words (from eleven up unless
    ``all_words``)."""
    said = rules(lang).numbers
    found: list[tuple[str, frozenset[Decimal]]] = []
    for match in said.digits.finditer(text):
        value = decimal_value(match[1] + (match[2] or ""), said.thousands, said.decimal)
        if value is None:
            continue
        values = {value}
        if match[3]:
            values.add((value * said.scales[match[3].lower()]).normalize())
        found.append((match[0].strip(), frozenset(values)))
    for match in _word_patterns(lang)[0].finditer(text):
        if text[: match.start()].rstrip()[-1:].isdigit():
            continue  # the scale of a number in digits ("2.3 million"), counted there
        spoken = _word_value(match[0], lang)
        if all_words or spoken >= SMALLEST_WORD_NUMBER:
            found.append((match[0], frozenset({Decimal(spoken).normalize()})))
    return found


def months(text: str, *, lang: str = "en") -> list[str]:
    """Months said as part of a date ("September 1928", "6 June", "6. Juni")."""
    return [m[1] or m[2] for m in rules(lang).numbers.date.finditer(text)]


def names(sentence: str, *, lang: str = "en") -> list[str]:
    """Runs of two or more capitalised words, the sentence's first word left out."""
    said = rules(lang).numbers
    found = []
    first = len(sentence) - len(sentence.lstrip("¿¡"))
    for match in said.name.finditer(sentence):
        words = [w for w in match[0].split() if w not in said.not_names]
        if match.start() == first:
            words = words[1:]
        capitalised = [w for w in words if w[0].isupper()]
        if len(capitalised) >= 2:
            found.append(" ".join(words))
    return found


def _word(word: str) -> str:
    return re.sub(r"['’]s$", "", word.strip(".,;:!?'’\"")).casefold()


class Support:
    """What the facts (and the show's own words) let a script say."""

    def __init__(self, texts: Iterable[str], *, lang: str = "en") -> None:
        text = " ".join(texts)
        self.lang = lang
        self.values = {v for _, vs in numbers(text, all_words=True, lang=lang) for v in vs}
        years = sorted({int(y) for y in _YEAR.findall(text)})
        self.values |= {Decimal(b - a) for a in years for b in years if b > a}
        self.words = {_word(w) for w in text.split()}

    def unsupported(self, sentence: str) -> list[str]:
        """The details of ``sentence`` these texts do not give, as said."""
        lang = self.lang
        missing = [said for said, vs in numbers(sentence, lang=lang) if not vs & self.values]
        missing += [m for m in months(sentence, lang=lang) if m.casefold() not in self.words]
        missing += [
            n
            for n in names(sentence, lang=lang)
            if not all(_word(w) in self.words for w in n.split() if w[0].isupper())
        ]
        return list(dict.fromkeys(missing))


def show_words(show: Show | None, topic: str) -> list[str]:
    """What every episode of the show may say whatever its facts: the topic, the show's
    name, tagline, hosts, intro and outro; in a language that capitalises its nouns, the
    offline writer's own lines too ("das Thema Gezeiten" names no one)."""
    if show is None:
        return [topic]
    hosts = [h.name for h in show.hosts]
    said = [topic, show.name, show.tagline, *hosts, show.intro, show.outro]
    if rules(show.language).code != "en":
        lines, react = rules(show.language).lines, rules(show.language).reactions
        said += [*lines.openings, *lines.closings, *lines.welcomes, *lines.thanks]
        said += [lines.no_term_closing, *react.templates.values()]
    return said


def unsupported_details(
    script: Script, doc: ResearchDoc, show: Show | None = None
) -> list[tuple[str, list[str]]]:
    """(sentence, its details no fact gives) for each sentence of the script that
    states a number, date or name found in none of the episode's facts."""
    lang = show.language if show is not None else "en"
    support = Support(
        [*(f.text for f in doc.facts), *(f.quote for f in doc.facts), *show_words(show, doc.topic)],
        lang=lang,
    )
    found = []
    for turn in script.turns:
        for sentence in _SENTENCE_END.split(turn.text.strip()):
            missing = support.unsupported(sentence)
            if missing:
                found.append((sentence, missing))
    return found
