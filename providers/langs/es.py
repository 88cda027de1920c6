"""Spanish: abbreviations (Sr., Sra., p. ej., EE. UU.) and inverted punctuation, the words
that point back (Esto, Este, Ella, Su), how numbers and dates are said, and the hosts'
lines as a Spanish-speaking podcast says them."""

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

_L = "a-záéíóúñü"
_CAPWORD = f"[{UPPER}][{_L}]+"

SENTENCES = Sentences(
    never_end=frozenset(
        [
            "st",
            "sr",
            "sra",
            "srta",
            "sres",
            "dr",
            "dra",
            "lic",
            "ing",
            "prof",
            "profa",
            "av",
            "avda",
            "pág",
            "págs",
            "núm",
            "aprox",
            "ej",
            "ee",
            "vol",
            "cap",
            "fig",
            "art",
            "ud",
            "uds",
            "vd",
            "vds",
            "sto",
            "sta",
            "dña",
            "dn",
            "gral",
            "cía",
        ]
    ),
    may_end=frozenset(["etc", "uu"]),
    openers=frozenset(
        [
            "el",
            "la",
            "los",
            "las",
            "un",
            "una",
            "unos",
            "unas",
            "en",
            "por",
            "para",
            "con",
            "de",
            "del",
            "al",
            "a",
            "y",
            "pero",
            "sin",
            "sobre",
            "este",
            "esta",
            "estos",
            "estas",
            "eso",
            "esto",
            "ese",
            "esa",
            "hoy",
            "ya",
            "también",
            "cuando",
            "mientras",
            "después",
            "antes",
            "entonces",
            "así",
            "se",
            "su",
            "sus",
            "lo",
            "le",
            "les",
            "no",
            "muchos",
            "muchas",
            "algunos",
            "algunas",
            "todos",
            "todas",
            "cada",
            "qué",
            "cómo",
            "dónde",
            "cuándo",
            "por",
        ]
    ),
    before_digits=frozenset({"n", "núm"}),
)

ROLE = (
    r"(?:bacteriólog[oa]|biólog[oa]|químic[oa]|bioquímic[oa]|microbiólog[oa]|físic[oa]|"
    r"patólog[oa]|matemátic[oa]|científic[oa]|ingenier[oa]|inventor(?:a)?|investigador(?:a|es)?|"
    r"astrónom[oa]|colega|asistente|paciente|panader[oa]|médic[oa]|doctor(?:a)?|profesor(?:a)?|"
    r"filósof[oa]|escritor(?:a)?)"
)
_MONTHS = tuple(
    [
        "enero",
        "febrero",
        "marzo",
        "abril",
        "mayo",
        "junio",
        "julio",
        "agosto",
        "septiembre",
        "octubre",
        "noviembre",
        "diciembre",
    ]
)
CHECKS = Checks(
    anaphoric=re.compile(
        r"^(?:esto|este|esta|estos|estas|eso|ese|esa|esos|esas|ello|él|ella|ellos|ellas|su|sus|"
        r"allí|ahí|así|tal|tales|por eso|por ello|por tanto|por lo tanto|sin embargo|además|"
        r"también|entonces|luego|después|en cambio|en consecuencia|como resultado|ambos|ambas|"
        r"el resultado|los resultados|lo mismo|fue|fueron|era|eran|"
        r"(?:los|las) (?:dos|tres|cuatro|cinco|seis|siete|ocho|nueve|diez)|"
        r"(?:décadas|años|meses|semanas|días|un año|una década|una semana|un día|dos \w+) "
        r"(?:después|más tarde)|"
        r"(?:uno|una|dos|tres|muchos|muchas|algunos|algunas|todos|todas|la mayoría|ninguno|"
        r"ninguna|cada uno) de (?:ellos|ellas|estos|estas|esos|esas))\b",
        re.IGNORECASE,
    ),
    personal=re.compile(
        r"^(?:él|ella|ellos|ellas|su|sus|esto|estos|estas|el resultado)\b", re.IGNORECASE
    ),
    pronoun=re.compile(r"\b(él|ella)\b", re.IGNORECASE),
    personal_any=re.compile(r"\b(?:él|ella|ellos|ellas)\b", re.IGNORECASE),
    leans_more=re.compile(r"^(?:pero|y|aunque|o|ni|por eso|por esta razón|por ello)\b", re.I),
    rewrite=re.compile(rf"(Él|Ella) (?=[{_L}])"),
    generic="""cómo como por qué porqué qué funciona funcionan historia cosa cosas manera forma
        hacer hecho hizo surgen surge""",
    role=ROLE,
    placeish=frozenset(
        [
            "universidad",
            "hospital",
            "revista",
            "bahía",
            "golfo",
            "mar",
            "océano",
            "laboratorio",
            "premio",
            "departamento",
            "escuela",
            "instituto",
            "empresa",
            "costa",
            "cuenca",
            "nobel",
            "real",
            "nuevo",
            "nueva",
        ]
    )
    | set(_MONTHS)
    | stop_words("es"),
    three=re.compile(rf"\b(?:a|por|con|y|entre) ({_CAPWORD}), ({_CAPWORD}),? y ({_CAPWORD})\b"),
    story_year=re.compile(r"\b(1[0-9]{3}|20[0-9]{2})\b"),
)

_UNITS = ["cero", "uno", "dos", "tres", "cuatro", "cinco", "seis", "siete", "ocho", "nueve"]
_TEENS = [
    "diez",
    "once",
    "doce",
    "trece",
    "catorce",
    "quince",
    "dieciséis",
    "diecisiete",
    "dieciocho",
    "diecinueve",
]
_TENS = ["veinte", "treinta", "cuarenta", "cincuenta", "sesenta", "setenta", "ochenta", "noventa"]
_TWENTIES = [
    "veintiuno",
    "veintidós",
    "veintitrés",
    "veinticuatro",
    "veinticinco",
    "veintiséis",
    "veintisiete",
    "veintiocho",
    "veintinueve",
]
_HUNDREDS = [
    "ciento",
    "doscientos",
    "trescientos",
    "cuatrocientos",
    "quinientos",
    "seiscientos",
    "setecientos",
    "ochocientos",
    "novecientos",
]
_WORDS = (
    {w: i for i, w in enumerate(_UNITS)}
    | {"un": 1, "una": 1, "veintiún": 21, "cien": 100}
    | {w: 10 + i for i, w in enumerate(_TEENS)}
    | {w: 20 + 10 * i for i, w in enumerate(_TENS)}
    | {w: 21 + i for i, w in enumerate(_TWENTIES)}
    | {w: 100 * (i + 1) for i, w in enumerate(_HUNDREDS)}
    | {w[:-2] + "as": 100 * (i + 2) for i, w in enumerate(_HUNDREDS[1:])}
)
_MONTH = "|".join(_MONTHS)
NUMBERS = Numbers(
    word_values=_WORDS,
    scales={"mil": 1000, "millón": 10**6, "millones": 10**6},
    joiner="y",
    digits=re.compile(
        r"(?<![\w.,])(\d{1,3}(?:\.\d{3})+|\d+)(,\d+)?(?!\d)"
        r"(?:\s*(mil|millones|millón)(?!\w))?",
        re.I,
    ),
    thousands=".",
    decimal=",",
    months=_MONTHS,
    date=re.compile(rf"\b({_MONTH})(?=\s+(?:de\s+)?\d)|(?<=\d)\s+de\s+({_MONTH})\b", re.I),
    name=re.compile(rf"[{UPPER}][\w'’.-]*(?:\s+(?:(?:de|del|la|los|las)\s+)?[{UPPER}][\w'’.-]*)+"),
)

REACTIONS = Reactions(
    called=re.compile(
        r"\b(?:llamad[oa]s?|conocid[oa]s? como|denominad[oa]s?|bautizad[oa]s? como|"
        r"se (?:le |la |les |los )?(?:llama|llaman|denomina|denominan|conoce como|conocen como))"
        r"\s+(?:el |la |los |las )?((?:[\w-]+\s+){0,2}?[\w-]+)"
        r"(?=[.,;:]|\s+(?:y|o|que|porque|después|para|en)\b|$)"
    ),
    superlative=re.compile(
        r"\b((?:[Ee]l|[Ll]a|[Ll]os|[Ll]as) (?:primer|primera|primeros|primeras|mayor|mayores|"
        rf"menor|más antigu[oa]|más alt[oa]|más grande) [{_L}]+(?: de [{_L}]+)?(?: del mundo)?)"
    ),
    number=re.compile(
        r"\b((?:unos|unas|alrededor de|aproximadamente|casi|solo|sólo|más de|hasta)\s+)?"
        r"(\d[\d.,]*\s*(?:por ciento|%|grados(?: centígrados| Celsius)?|kilómetros|metros|"
        r"centímetros|kilos|kilogramos|toneladas|veces(?: por segundo)?|horas(?: y \d+ minutos)?|"
        rf"minutos|días|años|millones(?: de [{_L}]+)?|milisegundos))"
    ),
    person=re.compile(
        rf"\b(?P<article>el|la) (?P<role>{ROLE})(?: [{_L}]+)? "
        rf"(?P<name>(?:{_CAPWORD} ){{0,2}}{_CAPWORD})"
    ),
    because=re.compile(r"\bporque\s+([^,.;]{8,80})"),
    contrast=re.compile(r"\bno\s+([^,.;]{4,50}?),?\s+sino\s+([^,.;]{4,60})"),
    templates={
        "gap": "O sea, {gap} años después de {year}. || Eso es {gap} años después de {year}.",
        "person": "Ah, {name}, {the_role}.",
        "name": "Así que a eso se le llama {named}.",
        "most": "¿{most}? No lo sabía.",
        "contrast": "O sea, no {a}, sino {b}.",
        "cause": "Porque {why}. Tiene sentido.",
        "number": "Espera, ¿{number}? || ¿En serio, {number}?",
        "year": "¿Ya en {year}? No tenía ni idea.",
    },
    named=lambda phrase: phrase,
    most=lambda phrase: phrase[:1].upper() + phrase[1:],
    small=tuple(
        [
            "cero",
            "uno",
            "dos",
            "tres",
            "cuatro",
            "cinco",
            "seis",
            "siete",
            "ocho",
            "nueve",
            "diez",
            "once",
            "doce",
        ]
    ),
    per_kind=2,
)

LINES = HostLines(
    openings=(
        "Bueno, {subject}. ¿Por dónde empieza la historia, {a}?",
        "Te confieso que hasta esta semana yo de {subject} no sabía casi nada.",
        "Muy bien, {subject}. Cuéntamelo desde el principio.",
        "Lo de {subject} resultó ser mucho mejor historia de lo que esperaba.",
        "Entonces hoy toca hablar de {subject}. ¿Por dónde empezamos?",
        "Tenía muchas ganas de hablar de {subject}. Adelante, {a}.",
    ),
    closings=(
        "Empecé sin saber nada de {subject}, y ahora quiero saber más de eso que llaman {term}.",
        "A mí lo que se me queda grabado es el concepto de {term}.",
        "Así que eso es {subject}, y la palabra {term} ya no me va a sonar igual.",
        "Me llevo una palabra nueva para el resto de la semana: {term}.",
        "Si tengo que quedarme con una sola cosa de hoy, me quedo con esto: {term}.",
    ),
    no_term_closing="Cuánto material para un solo episodio, {a}.",
    welcomes=(
        "Bienvenidos a {show}. Soy {a}, estoy aquí con {b}, y el tema de hoy: {topic}.",
        "Están escuchando {show}, con {a} y {b}. Nuestro tema: {topic}.",
    ),
    thanks=(
        "Y hasta aquí el episodio de hoy. Gracias por escuchar {show}.",
        "Gracias por escuchar {show}.",
    ),
    articles=frozenset({"el", "la", "los", "las"}),
    contractions=((" de el ", " del "), (" a el ", " al "), ("Lo de el ", "Lo del ")),
)

RULES = LanguageRules(
    code="es",
    sentences=SENTENCES,
    checks=CHECKS,
    numbers=NUMBERS,
    reactions=REACTIONS,
    lines=LINES,
)
