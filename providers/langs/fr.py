"""French: abbreviations (M., p. ex., J.-C.) and elisions (l', d'), the words that point
back (Il, Elle, Cela, Cette, Son), how numbers and dates are said, and the hosts' lines as
a French podcast says them. A French "il" or "elle" as often means a thing as a person,
so the misheard-person check does not judge French."""

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
)
from podcast_factory.providers.lexicon import stop_words

_L = "a-zàâçéèêëîïôûùüÿœ"
_CAPWORD = f"[{UPPER}][{_L}]+"

SENTENCES = Sentences(
    never_end=frozenset(
        [
            "st",
            "mm",
            "mme",
            "mlle",
            "dr",
            "pr",
            "prof",
            "st",
            "ste",
            "env",
            "cf",
            "ex",
            "vol",
            "chap",
            "apr",
            "éd",
            "coll",
            "art",
            "ibid",
            "op",
            "cit",
            "av",
            "bd",
        ]
    ),
    may_end=frozenset(["etc", "j.-c"]),
    openers=frozenset(
        [
            "le",
            "la",
            "les",
            "l",
            "un",
            "une",
            "des",
            "de",
            "du",
            "d",
            "en",
            "au",
            "aux",
            "à",
            "il",
            "elle",
            "ils",
            "elles",
            "on",
            "nous",
            "je",
            "ce",
            "cette",
            "ces",
            "cela",
            "ça",
            "c",
            "mais",
            "et",
            "ou",
            "donc",
            "puis",
            "alors",
            "aujourd'hui",
            "depuis",
            "dès",
            "lors",
            "quand",
            "pendant",
            "après",
            "avant",
            "ainsi",
            "aussi",
            "selon",
            "son",
            "sa",
            "ses",
            "leur",
            "leurs",
            "plusieurs",
            "certains",
            "tous",
            "toutes",
            "chaque",
            "qu",
        ]
    ),
    before_digits=frozenset({"n", "no"}),
)

ROLE = (
    r"(?:bactériologiste|biologiste|chimiste|biochimiste|microbiologiste|physicien(?:ne)?|"
    r"pathologiste|mathématicien(?:ne)?|scientifique|ingénieure?|inventeur|inventrice|"
    r"chercheur|chercheuse|astronome|collègue|assistante?|patiente?|boulangère?|boulanger|"
    r"médecin|docteur|professeure?|philosophe|écrivaine?)"
)
_MONTHS = tuple(
    [
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ]
)
CHECKS = Checks(
    anaphoric=re.compile(
        r"^(?:il|elle|ils|elles|ce|cet|cette|ces|cela|ceci|ça|c'est|c’est|son|sa|ses|leur|leurs|"
        r"y|là|ainsi|donc|pourtant|cependant|toutefois|en revanche|par conséquent|de plus|aussi|"
        r"alors|puis|ensuite|tous deux|toutes deux|le résultat|les résultats|le même|"
        r"les (?:deux|trois|quatre|cinq|six|sept|huit|neuf|dix)|"
        r"la même|"
        r"(?:des décennies|des années|des mois|des semaines|des jours|un an|une décennie|"
        r"une semaine|un jour|\w+ ans) plus tard|"
        r"(?:l'un|l'une|deux|trois|beaucoup|certains|certaines|tous|toutes|la plupart|aucun|"
        r"aucune|chacun) d'entre (?:eux|elles))\b",
        re.IGNORECASE,
    ),
    personal=re.compile(
        r"^(?:il|elle|ils|elles|son|sa|ses|leur|leurs|ces|cela|le résultat)\b", re.IGNORECASE
    ),
    pronoun=None,
    personal_any=re.compile(r"\b(?:il|elle|ils|elles|lui)\b", re.IGNORECASE),
    leans_more=re.compile(
        r"^(?:mais|et|pourtant|ou|ni|car|c'est pourquoi|pour cette raison)\b", re.I
    ),
    rewrite=re.compile(
        rf"(Il|Elle) (?!(?:y|faut|fallut|fallait|s'agit|semble|existe)\b)(?=[{_L}])"
    ),
    generic="""comment pourquoi quoi fonctionne fonctionnent marche marchent histoire chose
        choses façon manière faire fait naissent naît""",
    role=ROLE,
    placeish=frozenset(
        [
            "université",
            "hôpital",
            "revue",
            "journal",
            "baie",
            "golfe",
            "mer",
            "océan",
            "laboratoire",
            "prix",
            "département",
            "école",
            "institut",
            "société",
            "côte",
            "bassin",
            "nobel",
            "royal",
            "royale",
            "nouveau",
            "nouvelle",
            "saint",
            "sainte",
        ]
    )
    | set(_MONTHS)
    | stop_words("fr"),
    three=re.compile(rf"\b(?:à|par|avec|et|entre) ({_CAPWORD}), ({_CAPWORD}),? et ({_CAPWORD})\b"),
    story_year=re.compile(r"\b(1[0-9]{3}|20[0-9]{2})\b"),
)

_WORDS = {
    w: i
    for i, w in enumerate(
        ["zéro", "un", "deux", "trois", "quatre", "cinq", "six", "sept", "huit", "neuf"]
    )
} | {"une": 1}
_WORDS |= {
    w: 10 + i
    for i, w in enumerate(
        [
            "dix",
            "onze",
            "douze",
            "treize",
            "quatorze",
            "quinze",
            "seize",
            "dix-sept",
            "dix-huit",
            "dix-neuf",
        ]
    )
}
_WORDS |= {"vingt": 20, "trente": 30, "quarante": 40, "cinquante": 50, "soixante": 60}
_WORDS |= {"quatre-vingt": 80, "quatre-vingts": 80}
_MONTH = "|".join(_MONTHS)
NUMBERS = Numbers(
    word_values=_WORDS,
    scales={
        "cent": 100,
        "cents": 100,
        "mille": 1000,
        "million": 10**6,
        "millions": 10**6,
        "milliard": 10**9,
        "milliards": 10**9,
    },
    joiner="et",
    digits=re.compile(
        r"(?<![\w.,])(\d{1,3}(?:[ \u00a0\u202f.]\d{3})+|\d+)(,\d+)?(?!\d)"
        r"(?:\s*(cents?|mille|millions?|milliards?)(?!\w))?",
        re.I,
    ),
    thousands=" \u00a0\u202f.",
    decimal=",",
    months=_MONTHS,
    date=re.compile(rf"\b({_MONTH})(?=\s+\d)|(?<=\d)(?:er)?\s+({_MONTH})\b", re.I),
    name=re.compile(rf"[{UPPER}][\w'’.-]*(?:\s+(?:(?:de|du|des|la|le)\s+)?[{UPPER}][\w'’.-]*)+"),
)

REACTIONS = Reactions(
    called=re.compile(
        r"\b(?:appelée?s?|nommée?s?|baptisée?s?|qu'on appelle|que l'on appelle|"
        r"connue?s? sous le nom d[e'])\s*(?:le |la |les |l')?"
        r"((?:[\w'-]+\s+){0,2}?[\w'-]+)(?=[.,;:]|\s+(?:et|ou|qui|parce|après|pour|en)\b|$)"
    ),
    superlative=re.compile(
        r"\b((?:[Ll]e|[Ll]a|[Ll]es) (?:premier|première|premiers|premières|plus grande?s?|"
        rf"plus ancienne?s?|plus haute?s?) [{_L}-]+(?: d[eu] [{_L}-]+)?)"
    ),
    number=re.compile(
        r"\b((?:environ|près de|presque|seulement|plus de|jusqu'à)\s+)?"
        r"(\d[\d.,]*\s*(?:pour cent|%|degrés(?: Celsius)?|kilomètres|mètres|centimètres|kilos|"
        r"kilogrammes|tonnes|fois(?: par seconde)?|heures(?: et \d+ minutes)?|minutes|jours|ans|"
        rf"années|millions(?: de [{_L}]+)?|millisecondes))"
    ),
    person=re.compile(
        rf"\b(?P<article>le |la |l')(?P<role>{ROLE})(?: [{_L}]+)? "
        rf"(?P<name>(?:{_CAPWORD} ){{0,2}}{_CAPWORD})"
    ),
    because=re.compile(r"\b(?:parce qu'|parce que |car )\s*([^,.;]{8,80})"),
    contrast=re.compile(r"\bpas\s+([^,.;]{4,50}?),?\s+mais\s+([^,.;]{4,60})"),
    templates={
        "gap": "Donc {gap} ans après {year}. || Ça fait {gap} ans de plus qu'en {year}.",
        "person": "Ah, voilà donc {name}, {the_role}.",
        "name": "C'est donc ça qu'on appelle {named}.",
        "most": "{most} ? Je l'ignorais.",
        "contrast": "Donc pas {a}, mais {b}.",
        "cause": "Parce que {why}. Ça se tient.",
        "number": "Attends, {number} ? || Vraiment, {number} ?",
        "year": "Dès {year} ? Je ne savais pas.",
    },
    named=lambda phrase: phrase,
    most=lambda phrase: phrase[:1].upper() + phrase[1:],
    small=tuple(
        [
            "zéro",
            "un",
            "deux",
            "trois",
            "quatre",
            "cinq",
            "six",
            "sept",
            "huit",
            "neuf",
            "dix",
            "onze",
            "douze",
        ]
    ),
    per_kind=2,
)

LINES = HostLines(
    openings=(
        "Alors, {subject}. Par où commence l'histoire, {a} ?",
        "J'avoue que je ne connaissais presque rien à {subject} avant cette semaine.",
        "D'accord, {subject}. Reprends depuis le début.",
        "{Subject}, c'est une bien meilleure histoire que je ne le pensais.",
        "Allez, on se lance : {subject}. Par quoi on commence ?",
        "J'attendais cet épisode sur {subject} avec impatience. Vas-y, {a}.",
    ),
    closings=(
        "En arrivant, je ne savais rien sur {subject}, et maintenant j'ai envie d'en savoir "
        "plus sur ce qu'on appelle {term}.",
        "Moi, ce que je retiens, c'est cette histoire de {term}.",
        "Voilà pour {subject}, et je n'entendrai plus jamais parler de {term} de la même façon.",
        "Je vais parler de {term} à tout le monde cette semaine.",
        "De tout ce qu'on a entendu aujourd'hui, je garde un mot : {term}.",
    ),
    no_term_closing="Ça fait beaucoup pour un seul épisode, {a}.",
    welcomes=(
        "Bienvenue dans {show}. Je suis {a}, avec {b}, et notre sujet du jour : {topic}.",
        "Vous écoutez {show}, avec {a} et {b}. Au programme : {topic}.",
    ),
    thanks=(
        "C'est tout pour aujourd'hui. Merci d'avoir écouté {show}.",
        "Merci d'avoir écouté {show}.",
    ),
    articles=frozenset({"le", "la", "les"}),
    contractions=(
        (" à le ", " au "),
        (" à les ", " aux "),
        (" de le ", " du "),
        (" de les ", " des "),
    ),
)

RULES = LanguageRules(
    code="fr",
    sentences=SENTENCES,
    checks=CHECKS,
    numbers=NUMBERS,
    reactions=REACTIONS,
    lines=LINES,
    elisions=frozenset(
        ["l", "d", "j", "m", "n", "s", "t", "c", "qu", "jusqu", "lorsqu", "puisqu", "quoiqu"]
    ),
)
