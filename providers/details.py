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

Stdlib only and deterministic, so the script gate runs it for every writer.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from podcast_factory.models import ResearchDoc, Script, Show

_SMALL = re.findall(
    r"\w+",
    """zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen
    fifteen sixteen seventeen eighteen nineteen""",
)
_TENS = re.findall(r"\w+", "twenty thirty forty fifty sixty seventy eighty ninety")
_WORD_VALUES = {w: i for i, w in enumerate(_SMALL)} | {w: 20 + 10 * i for i, w in enumerate(_TENS)}
_SCALES = {"hundred": 100, "thousand": 1000, "million": 10**6, "billion": 10**9}
_NUMBER_WORD = "|".join([*_WORD_VALUES, *_SCALES])
_WORDS_RUN = re.compile(rf"\b(?:{_NUMBER_WORD})(?:(?:[\s-]+|\s+and\s+)(?:{_NUMBER_WORD}))*\b", re.I)
_DIGITS = re.compile(
    r"(?<![\w.,])(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(?!\d)(?:\s*(hundred|thousand|million|billion)\b)?",
    re.I,
)
_MONTHS = re.findall(
    r"\w+", "January February March April May June July August September October November December"
)
_MONTH = "|".join(_MONTHS)
_DATE = re.compile(rf"\b({_MONTH})(?=\s+\d)|(?<=\d)(?:st|nd|rd|th)?\s+({_MONTH})\b")
_CAP = r"[A-Z][\w'’.-]*"
_NAME = re.compile(rf"{_CAP}(?:\s+(?:(?:of|de|von|van|der|da|du|la|le)\s+)?{_CAP})+")
_I = frozenset(["I", "I'm", "I’m", "I've", "I’ve", "I'd", "I’d", "I'll", "I’ll"])
_YEAR = re.compile(r"\b(1[0-9]{3}|20[0-9]{2})\b")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
SMALLEST_WORD_NUMBER = 11
"""Number words below this are ordinary speech; from it up they state a quantity."""


def _decimal(text: str) -> Decimal | None:
    try:
        return Decimal(text.replace(",", "")).normalize()
    except InvalidOperation:
        return None


def _word_value(run: str) -> int:
    """ "twenty-three" -> 23, "a hundred" -> 100 (the "a" is outside the run: 100)."""
    total = current = 0
    for word in re.findall(r"[a-z]+", run.lower()):
        if word in _WORD_VALUES:
            current += _WORD_VALUES[word]
        elif word == "hundred":
            current = max(current, 1) * 100
        elif word in _SCALES:
            total += max(current, 1) * _SCALES[word]
            current = 0
    return total + current


def numbers(text: str, *, all_words: bool = False) -> list[tuple[str, frozenset[Decimal]]]:
    """(as said, its values) of each number in ``text``: digits with an optional scale
    word ("2.3 million" is 2.3 and 2300000), and number words (from eleven up unless
    ``all_words``)."""
    found: list[tuple[str, frozenset[Decimal]]] = []
    for match in _DIGITS.finditer(text):
        value = _decimal(match[1] + (match[2] or ""))
        if value is None:
            continue
        values = {value}
        if match[3]:
            values.add((value * _SCALES[match[3].lower()]).normalize())
        found.append((match[0].strip(), frozenset(values)))
    for match in _WORDS_RUN.finditer(text):
        if text[: match.start()].rstrip()[-1:].isdigit():
            continue  # the scale of a number in digits ("2.3 million"), counted there
        said = _word_value(match[0])
        if all_words or said >= SMALLEST_WORD_NUMBER:
            found.append((match[0], frozenset({Decimal(said).normalize()})))
    return found


def months(text: str) -> list[str]:
    """Months said as part of a date ("September 1928", "6 June")."""
    return [m[1] or m[2] for m in _DATE.finditer(text)]


def names(sentence: str) -> list[str]:
    """Runs of two or more capitalised words, the sentence's first word left out."""
    found = []
    for match in _NAME.finditer(sentence):
        words = [w for w in match[0].split() if w not in _I]
        if match.start() == 0:
            words = words[1:]
        capitalised = [w for w in words if w[0].isupper()]
        if len(capitalised) >= 2:
            found.append(" ".join(words))
    return found


def _word(word: str) -> str:
    return re.sub(r"['’]s$", "", word.strip(".,;:!?'’\"")).casefold()


class Support:
    """What the facts (and the show's own words) let a script say."""

    def __init__(self, texts: Iterable[str]) -> None:
        text = " ".join(texts)
        self.values = {v for _, vs in numbers(text, all_words=True) for v in vs}
        years = sorted({int(y) for y in _YEAR.findall(text)})
        self.values |= {Decimal(b - a) for a in years for b in years if b > a}
        self.words = {_word(w) for w in text.split()}

    def unsupported(self, sentence: str) -> list[str]:
        """The details of ``sentence`` these texts do not give, as said."""
        missing = [said for said, vs in numbers(sentence) if not vs & self.values]
        missing += [m for m in months(sentence) if m.casefold() not in self.words]
        missing += [
            n
            for n in names(sentence)
            if not all(_word(w) in self.words for w in n.split() if w[0].isupper())
        ]
        return list(dict.fromkeys(missing))


def show_words(show: Show | None, topic: str) -> list[str]:
    """What every episode of the show may say whatever its facts: the topic, the show's
    name, tagline, hosts, intro and outro."""
    if show is None:
        return [topic]
    hosts = [h.name for h in show.hosts]
    return [topic, show.name, show.tagline, *hosts, show.intro, show.outro]


def unsupported_details(
    script: Script, doc: ResearchDoc, show: Show | None = None
) -> list[tuple[str, list[str]]]:
    """(sentence, its details no fact gives) for each sentence of the script that
    states a number, date or name found in none of the episode's facts."""
    support = Support(
        [*(f.text for f in doc.facts), *(f.quote for f in doc.facts), *show_words(show, doc.topic)]
    )
    found = []
    for turn in script.turns:
        for sentence in _SENTENCE_END.split(turn.text.strip()):
            missing = support.unsupported(sentence)
            if missing:
                found.append((sentence, missing))
    return found
