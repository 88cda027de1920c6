"""What the listening host says back: a reaction built from the fact just said.

A fixed rotation of fillers ("Huh, I never thought about it like that.") is what makes
an extractive script sound machine-made, and it repeats across every episode of a show.
Here each reaction is made from the fact's own words: a name the fact calls something
("So that's the tidal force."), a number or a year echoed as a question ("Wait, 1928?"),
a superlative ("The largest tidal range in the world?"), a contrast ("So not the
pull itself, but how it changes."), or a cause ("Because gravity weakens with
distance."). A fact that offers none of these gets no reaction, which is better than a
canned one. Openings and closings are built around the topic's subject and picked so an
episode does not reuse a frame the show's earlier episodes used.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Sequence

from podcast_factory.providers.script_checks import GENERIC, norm
from podcast_factory.providers.text import tokenize
from podcast_factory.style import says_any

_CALLED = re.compile(
    r"\b(?:called|known as|call (?:this|it|them)|named)\s+(?:the\s+)?"
    r"((?:[A-Za-z-]+\s+){0,3}?[A-Za-z-]+)(?=[.,;:]|\s+(?:and|or|which|because|after|for|in)\b|$)"
)
_SUPERLATIVE = re.compile(
    r"\b(?:the|its)\s+((?:first|largest|smallest|biggest|oldest|earliest|highest|lowest|"
    r"fastest|most|least|longest|clearest|key)\s+(?:(?!(?:to|who|which|that|a|an|the)\b)"
    r"[a-z-]+\s+){0,3}?(?!(?:to|who|which|that|a|an|the)\b)[a-z-]+(?<!ed)(?<!ly))"
    r"(?=\s+(?:in|of|on|to|for|that|which|was|is|were|are|ever)\b|[.,;])"
)
_NUMBER = re.compile(
    r"\b((?:about|roughly|around|only|more than|nearly|almost)\s+)?"
    r"(\d[\d,.]*\s*(?:percent|degrees(?: Celsius)?|kilometres|metres|centimetres|kilograms|"
    r"times(?: per second)?|hours(?: and \d+ minutes)?|minutes|days|years|million(?: \w+)?|"
    r"milliseconds|hour period))"
)
_YEAR = re.compile(r"\b(1[0-9]{3}|20[0-9]{2})\b")
_PERSON = re.compile(
    r"\bthe (?:[A-Z][a-z]+ )?(bacteriologist|biologist|chemist|physicist|mathematician|"
    r"inventor|engineer|pathologist|microbiologist|astronomer|physician|veterinarian) "
    r"((?:[A-Z][a-z]+ ){0,2}[A-Z][a-z]+)"
)
_BECAUSE = re.compile(r"\bbecause\s+([^,.;]{8,80})")
_CONTRAST = re.compile(r"\bnot\s+([^,.;]{4,50}?),?\s+but\s+([^,.;]{4,60})")

OPENINGS = (
    "So, {subject}. Where does the story start, {a}?",
    "I'll admit I knew very little about {subject} before this week.",
    "Okay, {subject}. Take me back to the beginning.",
    "{Subject} turned out to be a better story than I expected.",
    "Let's get into {subject}, then. Where do we begin?",
    "I have been looking forward to {subject}. Go on, {a}.",
)
CLOSINGS = (
    "I came in knowing nothing about {subject}, and now I want to hear about {term} again.",
    "For me the part that sticks is {term}.",
    "So that's {subject}, and I won't hear about {term} the same way again.",
    "I'm going to be telling people about {term} all week.",
    "Of everything today, {term} is the bit I'll remember.",
)


def subject(topic: str) -> str:
    """The topic's subject as said in a sentence: its first word that names something
    ("How tides work" -> "tides", "Why the sky is blue" -> "the sky")."""
    words = re.findall(r"[A-Za-z][A-Za-z'-]*", topic)
    for i, word in enumerate(words):
        stems = tokenize(word)
        if stems and stems[0] not in GENERIC:
            article = words[i - 1].lower() if i and words[i - 1].lower() in ("the", "a") else ""
            return f"{article} {word.lower()}".strip()
    return topic.strip().lower() or "this"


def _frame(template: str) -> str:
    """The fixed words of a template: what two episodes that used it have in common."""
    return norm(re.sub(r"\{[a-zA-Z]+\}", " ", template))


def fresh_template(templates: Sequence[str], said_before: Sequence[str], key: str) -> str:
    """A template whose fixed words no earlier episode said, starting at a place that
    depends on ``key`` (the episode), so a batch written side by side varies too; the
    least used one when all have been said."""
    start = zlib.crc32(key.encode()) % len(templates)
    spoken = [norm(s) for s in said_before]
    ranked = [*templates[start:], *templates[:start]]

    def uses(t: str) -> int:
        frame = _frame(t)
        parts = [p for p in re.split(r"\s{2,}|\{", frame) if len(p.split()) >= 2] or [frame]
        return sum(1 for s in spoken if any(p.strip() and p.strip() in s for p in parts))

    best: str = min(ranked, key=lambda t: (uses(t), ranked.index(t)))
    return best


def fill(template: str, topic: str, a: str, term: str = "") -> str:
    what = subject(topic)
    text = template.format(subject=what, Subject=what[:1].upper() + what[1:], a=a, term=term)
    return text


def memorable_term(facts: Sequence[str]) -> str:
    """Something a fact names (a coined term, else a superlative) for the closing."""
    for pattern in (_CALLED, _SUPERLATIVE):
        for fact in facts:
            match = pattern.search(fact)
            if match:
                return (
                    "the " + match.group(1).strip()
                    if pattern is _SUPERLATIVE
                    else _named(match.group(1))
                )
    return ""


def _named(phrase: str) -> str:
    phrase = re.sub(r"^(?:a|an|the)\s+", "", phrase.strip())
    return phrase if phrase[:1].isupper() else "the " + phrase


def reaction(
    fact: str,
    previous_kind: str,
    used: set[str],
    previous_year: int | None = None,
    avoid: Sequence[str] = (),
) -> tuple[str, str]:
    """(reaction line, its kind) for a fact, or ("", "") if the fact offers nothing to
    react to or only the kind just used. ``used``: lines already in the script;
    ``previous_year``: the year the story was at before this fact, if any; ``avoid``:
    phrases the show never says (a reaction saying one gives way to the next kind)."""
    options: list[tuple[str, str]] = []
    match = _YEAR.search(fact)
    if match and previous_year is not None and int(match.group(1)) > previous_year:
        gap = int(match.group(1)) - previous_year
        options.append(("gap", f"So that's {gap} years after {previous_year}."))
    match = _PERSON.search(fact)
    if match:
        options.append(("person", f"{match.group(2)}, the {match.group(1)}. Okay."))
    match = _CALLED.search(fact)
    if match:
        options.append(("name", f"So that's {_named(match.group(1))}."))
    match = _SUPERLATIVE.search(fact)
    if match:
        options.append(("most", f"The {match.group(1)}? I didn't know that."))
    match = _CONTRAST.search(fact)
    if match:
        options.append(("contrast", f"So not {match.group(1)}, but {match.group(2)}."))
    match = _BECAUSE.search(fact)
    if match:
        options.append(("cause", f"Because {match.group(1)}. That makes sense."))
    match = _NUMBER.search(fact)
    if match:
        options.append(("number", f"Hang on, {(match.group(1) or '') + match.group(2)}?"))
    match = _YEAR.search(fact)
    if match:
        options.append(("year", f"Wait, back in {match.group(1)}?"))
    for kind, line in options:
        fresh = kind != previous_kind and norm(line) not in used and len(line.split()) <= 22
        if fresh and not says_any(avoid, line):
            return line, kind
    return "", ""
