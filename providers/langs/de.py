"""German: abbreviations and ordinal dots, the words that point back (Es, Dies, Er), how
numbers and dates are said, and the hosts' lines as a German podcast says them."""

from __future__ import annotations

import re

from podcast_factory.providers.langs import (
    UPPER,
    Checks,
    HostLines,
    LanguageRules,
    Numbers,
    Reactions,
    Sentences,
    number_words,
)
from podcast_factory.providers.lexicon import stop_words

_W = "[A-Za-zÄÖÜäöüß]"
_CAPWORD = f"[{UPPER}]{_W}+"
_VERBS = (
    "war|ist|sind|waren|wurde|wurden|hat|hatte|hatten|führte|bedeutet|bedeutete|heißt|"
    "geschah|passierte|liegt|lag|gilt|galt|macht|machte|zeigt|zeigte|kann|konnte|ging|geht"
)

SENTENCES = Sentences(
    never_end=frozenset(
        [
            "ca",
            "nr",
            "dr",
            "prof",
            "st",
            "bzw",
            "vgl",
            "jh",
            "mio",
            "mrd",
            "sog",
            "evtl",
            "ggf",
            "inkl",
            "hl",
            "str",
            "abb",
            "bd",
            "hrsg",
            "ff",
            "geb",
            "gest",
            "mind",
            "max",
            "min",
            "zb",
            "dh",
            "ua",
            "usf",
            "bspw",
            "insb",
        ]
    ),
    may_end=frozenset(["usw", "etc", "chr"]),
    openers=frozenset(
        [
            "der",
            "die",
            "das",
            "den",
            "dem",
            "des",
            "ein",
            "eine",
            "einer",
            "es",
            "er",
            "sie",
            "wir",
            "ich",
            "man",
            "im",
            "in",
            "am",
            "an",
            "auf",
            "aus",
            "bei",
            "mit",
            "nach",
            "von",
            "vor",
            "zu",
            "zum",
            "zur",
            "für",
            "über",
            "unter",
            "durch",
            "als",
            "wenn",
            "während",
            "nachdem",
            "bevor",
            "aber",
            "und",
            "oder",
            "doch",
            "so",
            "dann",
            "danach",
            "heute",
            "diese",
            "dieser",
            "dieses",
            "dies",
            "damals",
            "dort",
            "seit",
            "schon",
            "auch",
            "erst",
            "noch",
            "viele",
            "einige",
            "alle",
            "jede",
            "jeder",
            "jedes",
        ]
    ),
    ordinal_dots=True,
)

_DATIVE_UNIT = re.compile(r"\b(Jahre|Tage|Meter|Kilometer|Zentimeter)n\b")
"""A unit in the dative plural ("vor 500 Jahren", "in 16 Metern") as said on its own
("500 Jahre")."""

ROLE = (
    r"(?:Bakteriolog(?:e|in)|Biolog(?:e|in)|Chemiker(?:in)?|Biochemiker(?:in)?|"
    r"Mikrobiolog(?:e|in)|Physiker(?:in)?|Patholog(?:e|in)|Mathematiker(?:in)?|"
    r"Wissenschaftler(?:in)?|Ingenieur(?:in)?|Erfinder(?:in)?|Forscher(?:in)?|Astronom(?:in)?|"
    r"Kolleg(?:e|in)|Assistent(?:in)?|Patient(?:in)?|Bäcker(?:in)?|Arzt|Ärztin|"
    r"Professor(?:in)?|Philosoph(?:in)?|Schriftsteller(?:in)?)"
)
_MONTHS = tuple(
    [
        "Januar",
        "Februar",
        "März",
        "April",
        "Mai",
        "Juni",
        "Juli",
        "August",
        "September",
        "Oktober",
        "November",
        "Dezember",
    ]
)
_PLACES = """universität krankenhaus klinik zeitschrift bucht golf meer ozean labor
    laboratorium preis nobelpreis abteilung schule institut firma küste becken nobel neu neue
    sankt st royal"""
CHECKS = Checks(
    anaphoric=re.compile(
        r"^(?:(?i:es|er|sie|ihm|ihn|ihr|ihre[mnrs]?|sein|seine[mnrs]?|dies|diese[mnrs]?|dort|"
        r"damals|daher|deshalb|deswegen|darum|dadurch|dabei|danach|davor|so|somit|also|jedoch|"
        r"allerdings|außerdem|zudem|auch|dann|trotzdem|stattdessen|beide|beides|solche[mnrs]?|"
        r"das ergebnis|die folge|genauso|ebenso|"
        r"(?:jahrzehnte|jahre|monate|wochen|tage|ein jahr|ein jahrzehnt|eine woche|einen tag|"
        r"zwei \w+) später|"
        r"(?:einer|eine|eines|zwei|drei|viele|einige|alle|manche|keiner|keine|die meisten|"
        r"jede[rs]?) (?:davon|von ihnen|dieser|von diesen))\b"
        rf"|(?:Das|Die|Der)(?=\s+(?:{_VERBS})\b)"
        r"|Die (?:beiden|zwei|drei|vier|fünf|sechs|sieben|acht|neun|zehn)\b)"
    ),
    personal=re.compile(
        r"^(?:es|er|sie|ihn|ihm|sein|seine[mnrs]?|ihr|ihre[mnrs]?|diese[mnrs]?|das ergebnis)\b",
        re.IGNORECASE,
    ),
    pronoun=re.compile(r"\b(er|ihn|ihm)\b", re.IGNORECASE),
    personal_any=re.compile(r"\b(?:er|ihn|ihm|sein|seine[mnrs]?|ihr|ihre[mnrs]?)\b", re.I),
    leans_more=re.compile(r"^(?:aber|und|doch|oder|denn|deshalb|daher|deswegen|darum)\b", re.I),
    rewrite=re.compile(r"(Er) (?=[a-zäöüß])"),
    generic="""wie warum was weshalb wieso funktioniert funktionieren entstehen entsteht
        entstand geschichte ding dinge art weise macht machen gemacht wurde wurden werden wird""",
    role=ROLE,
    placeish=frozenset(_PLACES.split()) | {m.lower() for m in _MONTHS} | stop_words("de"),
    three=re.compile(
        rf"\b(?:an|von|mit|und|durch) ({_CAPWORD}), ({_CAPWORD}),? und ({_CAPWORD})\b"
    ),
    story_year=re.compile(r"\b(1[0-9]{3}|20[0-9]{2})(?:er)?\b(?!\s*(?:Kilo|Meter|km|Grad|Mal))"),
    subject_pronoun=re.compile(r"^[^,;:]{0,50}?\s[a-zäöüß]+\s(?:sie|er)\b"),
)

_UNITS = ["null", "eins", "zwei", "drei", "vier", "fünf", "sechs", "sieben", "acht", "neun"]
_WORDS = number_words(
    _UNITS,
    [
        "zehn",
        "elf",
        "zwölf",
        "dreizehn",
        "vierzehn",
        "fünfzehn",
        "sechzehn",
        "siebzehn",
        "achtzehn",
        "neunzehn",
    ],
    ["zwanzig", "dreißig", "vierzig", "fünfzig", "sechzig", "siebzig", "achtzig", "neunzig"],
    lambda ten, unit: (
        ("ein" if unit == 1 else _UNITS[unit])
        + "und"
        + ["zwanzig", "dreißig", "vierzig", "fünfzig", "sechzig", "siebzig", "achtzig", "neunzig"][
            ten // 10 - 2
        ]
    ),
)
_WORDS |= {("ein" if n == 1 else _UNITS[n]) + "hundert": 100 * n for n in range(1, 10)}
_MONTH = "|".join(_MONTHS)
NUMBERS = Numbers(
    word_values=_WORDS,
    scales={
        "hundert": 100,
        "tausend": 1000,
        "million": 10**6,
        "millionen": 10**6,
        "mio.": 10**6,
        "milliarde": 10**9,
        "milliarden": 10**9,
        "mrd.": 10**9,
    },
    joiner="und",
    digits=re.compile(
        r"(?<![\w.,])(\d{1,3}(?:\.\d{3})+|\d+)(,\d+)?(?!\d)"
        r"(?:\s*(hundert|tausend|Millionen|Million|Mio\.|Milliarden|Milliarde|Mrd\.)(?!\w))?",
        re.I,
    ),
    thousands=".",
    decimal=",",
    months=_MONTHS,
    date=re.compile(rf"\b({_MONTH})(?=\s+\d)|(?<=\d)\.?\s+({_MONTH})\b"),
    name=re.compile(
        rf"[{UPPER}][\w'’.-]*(?:\s+(?:(?:von|van|der|de|zu|vom)\s+)?[{UPPER}][\w'’.-]*)+"
    ),
)

REACTIONS = Reactions(
    called=re.compile(
        r"\b(?:so ?genannte[nmrs]?|nennt man(?: das| dies| diese\w*| sie| ihn| es)?|"
        rf"heißen|heißt|hießen|hieß)\s+[„\"]?({_CAPWORD})|\b({_CAPWORD})[“\"]? genannt\b"
    ),
    superlative=re.compile(
        r"\b((?:[Dd]er|[Dd]ie|[Dd]as) (?:erste|größte|kleinste|älteste|höchste|niedrigste|"
        rf"längste|schnellste|stärkste|wichtigste) {_CAPWORD}(?: der Welt)?)"
    ),
    number=re.compile(
        r"\b((?:etwa|rund|ungefähr|nur|mehr als|fast|knapp|über|bis zu)\s+)?"
        r"(\d[\d.,]*\s*(?:Prozent|Grad(?: Celsius)?|Kilometern?|Metern?|Zentimetern?|Kilogramm|"
        r"Tonnen|Mal|Stunden(?: und \d+ Minuten)?|Minuten|Tagen?|Jahren?|"
        r"Millionen(?: [A-ZÄÖÜ]\w+)?|"
        r"Milliarden(?: [A-ZÄÖÜ]\w+)?)(?!\w))"
    ),
    person=re.compile(
        rf"\b(?P<article>der|die) (?:[a-zäöüß]+e[nr]? )?(?P<role>{ROLE}) "
        rf"(?P<name>(?:{_CAPWORD} ){{0,2}}{_CAPWORD})"
    ),
    because=re.compile(r"\bweil\s+([^,.;]{8,80})"),
    contrast=re.compile(r"\bnicht\s+([^,.;]{4,50}?),?\s+sondern\s+([^,.;]{4,60})"),
    templates={
        "gap": "Also {gap} Jahre nach {year}. || Da sind wir also schon {gap} Jahre weiter.",
        "person": "{name} also, {the_role}.",
        "name": "Aha, {named} nennt man das also.",
        "most": "{most}? Das wusste ich nicht.",
        "contrast": "Also nicht {a}, sondern {b}.",
        "cause": "Weil {why}. Das leuchtet ein.",
        "number": "Moment, {number}? || Wirklich {number}?",
        "year": "Echt, schon {year}? || Im Jahr {year} also.",
    },
    named=lambda phrase: phrase[:1].upper() + phrase[1:],
    most=lambda phrase: phrase[:1].upper() + phrase[1:],
    quantity=lambda phrase: _DATIVE_UNIT.sub(lambda m: m[1], phrase),
    small=tuple(
        [
            "null",
            "eins",
            "zwei",
            "drei",
            "vier",
            "fünf",
            "sechs",
            "sieben",
            "acht",
            "neun",
            "zehn",
            "elf",
            "zwölf",
        ]
    ),
    per_kind=2,
)

LINES = HostLines(
    openings=(
        "Also, {subject}. Wo fängt die Geschichte an, {a}?",
        "Ich geb's zu: Über {subject} wusste ich bis letzte Woche so gut wie nichts.",
        "Okay, {subject}. Erzähl mal von vorne.",
        "{Subject} – da steckt mehr dahinter, als ich gedacht hätte.",
        "Dann steigen wir mal ein: {subject}. Womit fangen wir an?",
        "Auf das Thema {subject} habe ich mich richtig gefreut. Leg los, {a}.",
    ),
    closings=(
        "Ich wusste vorher kaum etwas über {subject}, und jetzt geht mir das Stichwort „{term}“ "
        "nicht mehr aus dem Kopf.",
        "Hängen bleibt bei mir vor allem das Stichwort „{term}“.",
        "Das war's also zum Thema {subject}, und beim Wort „{term}“ werde ich ab jetzt immer "
        "hinhören.",
        "Stichwort „{term}“: Davon erzähle ich diese Woche bestimmt jedem.",
        "Von allem heute merke ich mir vor allem eins: {term}.",
    ),
    no_term_closing="Ganz schön viel Stoff für eine Folge, {a}.",
    welcomes=(
        "Willkommen bei {show}. Ich bin {a}, hier mit {b}, und unser Thema heute: {topic}.",
        "Das ist {show}, mit {a} und {b}. Unser Thema: {topic}.",
    ),
    thanks=(
        "Das war unsere Folge für heute. Danke fürs Zuhören bei {show}.",
        "Danke fürs Zuhören bei {show}.",
    ),
    articles=frozenset({"der", "die", "das"}),
    lower_subject=False,
    article_kept=False,
)

RULES = LanguageRules(
    code="de",
    sentences=SENTENCES,
    checks=CHECKS,
    numbers=NUMBERS,
    reactions=REACTIONS,
    lines=LINES,
)
