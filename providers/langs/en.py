"""English: the rules and lines the offline path had before it spoke any other language.

Moved here unchanged from ``text``, ``story``, ``script_checks``, ``details`` and
``reactions``, so an English show's scripts and checks stay exactly as they were.
"""

from __future__ import annotations

import re

from podcast_factory.providers.langs import (
    Checks,
    HostLines,
    LanguageRules,
    Numbers,
    Reactions,
    Sentences,
)


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


SENTENCES = Sentences(
    # A period after these never ends a sentence (titles, Latin, references).
    never_end=_words("""mr mrs ms dr prof st vs e.g i.e cf fig figs approx ca gen gov sen rep
        dept mt lt col capt sgt vol pp ed eds esp resp viz"""),
    # These may end a sentence too; split after them only when a typical opener follows.
    may_end=_words("etc inc ltd co corp jr sr al ph.d"),
    openers=_words("""the a an it its this that these those there they we he she i you our
        their his her in on at by for from with as if when while after before but and or so
        yet however also then today most many some all each one"""),
    before_digits=frozenset({"no", "nos"}),
)
STOP = _words("""a about after again all also am an and any are as at be because been before
    being between both but by can could did do does doing down during each few for from
    further had has have having he her here hers him his how i if in into is it its just me
    more most my no nor not now of off on once only or other our out over own same she should
    so some such than that the their them then there these they this those through to too
    under until up very was we were what when where which while who whom why will with would
    you your""")

ROLE = (
    r"(?:bacteriologist|biologist|chemist|biochemist|microbiologist|physicist|pathologist|"
    r"mathematician|scientist|engineer|inventor|researcher|researchers|astronomer|"
    r"colleague|assistant|patient|baker|physician|doctor|professor|philosopher|writer)"
)
CHECKS = Checks(
    anaphoric=re.compile(
        r"^(?:it|its|it's|this|that|these|those|they|their|them|he|his|him|she|her|there|"
        r"such|both|so|thus|hence|however|instead|also|then|the results?|the same|as a result|"
        r"in contrast|in the same|by contrast|that is why|this is why|all (?:of )?this|"
        r"(?:each|one|both|some|many|none|all|most) of (?:these|those|them|this)|"
        r"(?:one|two|three|four|five|six|seven|eight|nine|ten|half|most|many|some|all|none|"
        r"each|both|several|few) of the|"
        r"(?:decades|years|months|weeks|days|a year|a decade|a week|a day|two \w+) later)\b",
        re.IGNORECASE,
    ),
    personal=re.compile(
        r"^(?:it|its|they|their|them|he|his|him|she|her|these|those|the result)\b", re.IGNORECASE
    ),
    pronoun=re.compile(r"\b(he|him|his|she|her|himself|herself)\b", re.IGNORECASE),
    personal_any=re.compile(r"\b(?:he|him|his|she|her|hers|they|them|their)\b", re.I),
    leans_more=re.compile(r"^(?:but|and|yet|or|nor|because of this|for this reason)\b", re.I),
    rewrite=re.compile(r"(He|She) (?=[a-z])"),
    generic="how why what work works history story thing things way make made",
    role=ROLE,
    placeish=frozenset(
        re.findall(
            r"\w+",
            """university hospital journal bay gulf sea ocean laboratory prize department school
    institute company coast basin head nobel september october november december january
    february march april may june july august the in on at of and new royal""",
        )
    ),
    three=re.compile(r"\b(?:to|by|with|and) ([A-Z][a-z]+), ([A-Z][a-z]+),? and ([A-Z][a-z]+)\b"),
    story_year=re.compile(r"\b(1[0-9]{3}|20[0-9]{2})s?\b(?!\s*(?:kilo|met|km|degree|times|per))"),
)

_SMALL = re.findall(
    r"\w+",
    """zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen
    fifteen sixteen seventeen eighteen nineteen""",
)
_TENS = re.findall(r"\w+", "twenty thirty forty fifty sixty seventy eighty ninety")
_MONTHS = tuple(
    re.findall(
        r"\w+",
        "January February March April May June July August September October November December",
    )
)
_MONTH = "|".join(_MONTHS)
_CAP = r"[A-Z][\w'’.-]*"
NUMBERS = Numbers(
    word_values={w: i for i, w in enumerate(_SMALL)}
    | {w: 20 + 10 * i for i, w in enumerate(_TENS)},
    scales={"hundred": 100, "thousand": 1000, "million": 10**6, "billion": 10**9},
    joiner="and",
    digits=re.compile(
        r"(?<![\w.,])(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(?!\d)"
        r"(?:\s*(hundred|thousand|million|billion)\b)?",
        re.I,
    ),
    thousands=",",
    decimal=".",
    months=_MONTHS,
    date=re.compile(rf"\b({_MONTH})(?=\s+\d)|(?<=\d)(?:st|nd|rd|th)?\s+({_MONTH})\b"),
    name=re.compile(rf"{_CAP}(?:\s+(?:(?:of|de|von|van|der|da|du|la|le)\s+)?{_CAP})+"),
    not_names=frozenset(["I", "I'm", "I’m", "I've", "I’ve", "I'd", "I’d", "I'll", "I’ll"]),
)


def _named(phrase: str) -> str:
    phrase = re.sub(r"^(?:a|an|the)\s+", "", phrase.strip())
    return phrase if phrase[:1].isupper() else "the " + phrase


REACTIONS = Reactions(
    called=re.compile(
        r"\b(?:called|known as|call (?:this|it|them)|named)\s+(?:the\s+)?"
        r"((?:[A-Za-z-]+\s+){0,3}?[A-Za-z-]+)"
        r"(?=[.,;:]|\s+(?:and|or|which|because|after|for|in)\b|$)"
    ),
    superlative=re.compile(
        r"\b(?:the|its)\s+((?:first|largest|smallest|biggest|oldest|earliest|highest|lowest|"
        r"fastest|most|least|longest|clearest|key)\s+(?:(?!(?:to|who|which|that|a|an|the)\b)"
        r"[a-z-]+\s+){0,3}?(?!(?:to|who|which|that|a|an|the)\b)[a-z-]+(?<!ed)(?<!ly))"
        r"(?=\s+(?:in|of|on|to|for|that|which|was|is|were|are|ever)\b|[.,;])"
    ),
    number=re.compile(
        r"\b((?:about|roughly|around|only|more than|nearly|almost)\s+)?"
        r"(\d[\d,.]*\s*(?:percent|degrees(?: Celsius)?|kilometres|metres|centimetres|kilograms|"
        r"times(?: per second)?|hours(?: and \d+ minutes)?|minutes|days|years|million(?: \w+)?|"
        r"milliseconds|hour period))"
    ),
    person=re.compile(
        r"\bthe (?:[A-Z][a-z]+ )?(?P<role>bacteriologist|biologist|chemist|physicist|"
        r"mathematician|inventor|engineer|pathologist|microbiologist|astronomer|physician|"
        r"veterinarian) (?P<name>(?:[A-Z][a-z]+ ){0,2}[A-Z][a-z]+)"
    ),
    because=re.compile(r"\bbecause\s+([^,.;]{8,80})"),
    contrast=re.compile(r"\bnot\s+([^,.;]{4,50}?),?\s+but\s+([^,.;]{4,60})"),
    templates={
        "gap": "So that's {gap} years after {year}.",
        "person": "{name}, the {role}. Okay.",
        "name": "So that's {named}.",
        "most": "The {most}? I didn't know that.",
        "contrast": "So not {a}, but {b}.",
        "cause": "Because {why}. That makes sense.",
        "number": "Hang on, {number}?",
        "year": "Wait, back in {year}?",
    },
    named=_named,
    most=lambda phrase: phrase,
)

LINES = HostLines(
    openings=(
        "So, {subject}. Where does the story start, {a}?",
        "I'll admit I knew very little about {subject} before this week.",
        "Okay, {subject}. Take me back to the beginning.",
        "{Subject} turned out to be a better story than I expected.",
        "Let's get into {subject}, then. Where do we begin?",
        "I have been looking forward to {subject}. Go on, {a}.",
    ),
    closings=(
        "I came in knowing nothing about {subject}, and now I want to hear about {term} again.",
        "For me the part that sticks is {term}.",
        "So that's {subject}, and I won't hear about {term} the same way again.",
        "I'm going to be telling people about {term} all week.",
        "Of everything today, {term} is the bit I'll remember.",
    ),
    no_term_closing="That's a lot of ground for one episode, {a}.",
    welcomes=(
        "Welcome to {show}. I'm {a}, here with {b}, and today we're talking about {topic}.",
        "This is {show}, with {a} and {b}. Our topic: {topic}.",
    ),
    thanks=(
        "That's our episode on {topic}. Thanks for listening to {show}.",
        "Thanks for listening to {show}.",
    ),
    articles=frozenset({"the", "a"}),
)

RULES = LanguageRules(
    code="en",
    sentences=SENTENCES,
    checks=CHECKS,
    numbers=NUMBERS,
    reactions=REACTIONS,
    lines=LINES,
    stop=STOP,
)
