"""Portuguese: abbreviations (Sr., Sra., p. ex.), the words that point back (Ele, Ela,
Isso, Este, Seu), how numbers and dates are said, and the hosts' lines as a Portuguese-
speaking podcast says them."""

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

_L = "a-záâãàçéêíóôõúü"
_CAPWORD = f"[{UPPER}][{_L}]+"

SENTENCES = Sentences(
    never_end=frozenset(
        [
            "st",
            "sr",
            "sra",
            "srta",
            "dr",
            "dra",
            "prof",
            "profa",
            "av",
            "pág",
            "págs",
            "nº",
            "aprox",
            "ex",
            "vol",
            "cap",
            "fig",
            "art",
            "séc",
            "exmo",
            "exma",
        ]
    ),
    may_end=frozenset(["etc"]),
    openers=frozenset(
        [
            "o",
            "a",
            "os",
            "as",
            "um",
            "uma",
            "uns",
            "umas",
            "em",
            "no",
            "na",
            "nos",
            "nas",
            "por",
            "para",
            "com",
            "de",
            "do",
            "da",
            "dos",
            "das",
            "ao",
            "à",
            "e",
            "mas",
            "sem",
            "sobre",
            "este",
            "esta",
            "estes",
            "estas",
            "isso",
            "isto",
            "esse",
            "essa",
            "hoje",
            "já",
            "também",
            "quando",
            "enquanto",
            "depois",
            "antes",
            "então",
            "assim",
            "se",
            "seu",
            "sua",
            "seus",
            "suas",
            "ele",
            "ela",
            "eles",
            "elas",
            "muitos",
            "muitas",
            "alguns",
            "algumas",
            "todos",
            "todas",
            "cada",
        ]
    ),
    before_digits=frozenset({"n"}),
)

ROLE = (
    r"(?:bacteriologista|biólog[oa]|químic[oa]|bioquímic[oa]|microbiologista|físic[oa]|"
    r"patologista|matemátic[oa]|cientista|engenheir[oa]|inventor(?:a)?|pesquisador(?:a)?|"
    r"investigador(?:a)?|astrônom[oa]|astrónom[oa]|colega|assistente|paciente|padeir[oa]|"
    r"médic[oa]|doutor(?:a)?|professor(?:a)?|filósof[oa]|escritor(?:a)?)"
)
_MONTHS = tuple(
    [
        "janeiro",
        "fevereiro",
        "março",
        "abril",
        "maio",
        "junho",
        "julho",
        "agosto",
        "setembro",
        "outubro",
        "novembro",
        "dezembro",
    ]
)
CHECKS = Checks(
    anaphoric=re.compile(
        r"^(?:ele|ela|eles|elas|isso|isto|aquilo|este|esta|estes|estas|esse|essa|esses|essas|"
        r"aquele|aquela|seu|sua|seus|suas|lá|ali|aí|assim|tal|tais|por isso|portanto|"
        r"no entanto|contudo|porém|além disso|também|então|depois|em contrapartida|"
        r"como resultado|ambos|ambas|o resultado|os resultados|o mesmo|a mesma|foi|foram|era|"
        r"(?:os|as) (?:dois|duas|três|quatro|cinco|seis|sete|oito|nove|dez)|"
        r"eram|"
        r"(?:décadas|anos|meses|semanas|dias|um ano|uma década|uma semana|um dia|dois \w+|"
        r"duas \w+) (?:depois|mais tarde)|"
        r"(?:um|uma|dois|duas|três|muitos|muitas|alguns|algumas|todos|todas|a maioria|nenhum|"
        r"nenhuma|cada um) (?:deles|delas|destes|destas|desses|dessas))\b",
        re.IGNORECASE,
    ),
    personal=re.compile(
        r"^(?:ele|ela|eles|elas|seu|sua|seus|suas|isso|isto|estes|estas|o resultado)\b",
        re.IGNORECASE,
    ),
    pronoun=re.compile(r"\b(ele|ela|dele|dela)\b", re.IGNORECASE),
    personal_any=re.compile(r"\b(?:ele|ela|eles|elas|dele|dela|deles|delas)\b", re.IGNORECASE),
    leans_more=re.compile(r"^(?:mas|e|porém|ou|nem|por isso|por esse motivo)\b", re.I),
    rewrite=re.compile(rf"(Ele|Ela) (?=[{_L}])"),
    generic="""como por que porque quê funciona funcionam história coisa coisas maneira forma
        fazer feito fez surgem surge""",
    role=ROLE,
    placeish=frozenset(
        [
            "universidade",
            "hospital",
            "revista",
            "baía",
            "golfo",
            "mar",
            "oceano",
            "laboratório",
            "prêmio",
            "prémio",
            "departamento",
            "escola",
            "instituto",
            "empresa",
            "costa",
            "bacia",
            "nobel",
            "real",
            "novo",
            "nova",
        ]
    )
    | set(_MONTHS)
    | stop_words("pt"),
    three=re.compile(rf"\b(?:a|por|com|e|entre) ({_CAPWORD}), ({_CAPWORD}),? e ({_CAPWORD})\b"),
    story_year=re.compile(r"\b(1[0-9]{3}|20[0-9]{2})\b"),
)

_UNITS = ["zero", "um", "dois", "três", "quatro", "cinco", "seis", "sete", "oito", "nove"]
_TEENS = [
    "dez",
    "onze",
    "doze",
    "treze",
    "catorze",
    "quinze",
    "dezesseis",
    "dezessete",
    "dezoito",
    "dezenove",
]
_TENS = ["vinte", "trinta", "quarenta", "cinquenta", "sessenta", "setenta", "oitenta", "noventa"]
_HUNDREDS = [
    "cento",
    "duzentos",
    "trezentos",
    "quatrocentos",
    "quinhentos",
    "seiscentos",
    "setecentos",
    "oitocentos",
    "novecentos",
]
_WORDS = (
    {w: i for i, w in enumerate(_UNITS)}
    | {"uma": 1, "duas": 2, "cem": 100, "quatorze": 14}
    | {"dezasseis": 16, "dezassete": 17, "dezanove": 19}
    | {w: 10 + i for i, w in enumerate(_TEENS)}
    | {w: 20 + 10 * i for i, w in enumerate(_TENS)}
    | {w: 100 * (i + 1) for i, w in enumerate(_HUNDREDS)}
    | {w[:-2] + "as": 100 * (i + 2) for i, w in enumerate(_HUNDREDS[1:])}
)
_MONTH = "|".join(_MONTHS)
NUMBERS = Numbers(
    word_values=_WORDS,
    scales={"mil": 1000, "milhão": 10**6, "milhões": 10**6, "bilhão": 10**9, "bilhões": 10**9},
    joiner="e",
    digits=re.compile(
        r"(?<![\w.,])(\d{1,3}(?:\.\d{3})+|\d+)(,\d+)?(?!\d)"
        r"(?:\s*(mil|milhões|milhão|bilhões|bilhão)(?!\w))?",
        re.I,
    ),
    thousands=".",
    decimal=",",
    months=_MONTHS,
    date=re.compile(rf"\b({_MONTH})(?=\s+(?:de\s+)?\d)|(?<=\d)\s+de\s+({_MONTH})\b", re.I),
    name=re.compile(rf"[{UPPER}][\w'’.-]*(?:\s+(?:(?:de|da|do|dos|das)\s+)?[{UPPER}][\w'’.-]*)+"),
)

REACTIONS = Reactions(
    called=re.compile(
        r"\b(?:chamad[oa]s?|conhecid[oa]s? como|denominad[oa]s?|batizad[oa]s? de|"
        r"(?:se )?chama(?:m)?(?:-se)?)\s+(?:de\s+)?(?:o |a |os |as )?"
        r"((?:[\w-]+\s+){0,2}?[\w-]+)(?=[.,;:]|\s+(?:e|ou|que|porque|depois|para|em)\b|$)"
    ),
    superlative=re.compile(
        r"\b((?:[Oo]|[Aa]|[Oo]s|[Aa]s) (?:primeir[oa]s?|maior|maiores|menor|mais antig[oa]|"
        rf"mais alt[oa]) [{_L}]+(?: d[eo] [{_L}]+)?(?: do mundo)?)"
    ),
    number=re.compile(
        r"\b((?:cerca de|aproximadamente|quase|apenas|só|mais de|até)\s+)?"
        r"(\d[\d.,]*\s*(?:por cento|%|graus(?: Celsius)?|quilômetros|quilómetros|metros|"
        r"centímetros|quilos|quilogramas|toneladas|vezes(?: por segundo)?|"
        rf"horas(?: e \d+ minutos)?|minutos|dias|anos|milhões(?: de [{_L}]+)?|milissegundos))"
    ),
    person=re.compile(
        rf"\b(?P<article>o|a) (?P<role>{ROLE})(?: [{_L}]+)? "
        rf"(?P<name>(?:{_CAPWORD} ){{0,2}}{_CAPWORD})"
    ),
    because=re.compile(r"\bporque\s+([^,.;]{8,80})"),
    contrast=re.compile(r"\bnão\s+([^,.;]{4,50}?),?\s+(?:mas|e sim|mas sim)\s+([^,.;]{4,60})"),
    templates={
        "gap": "Ou seja, {gap} anos depois de {year}. || Isso dá {gap} anos depois de {year}.",
        "person": "Ah, então é {name}, {the_role}.",
        "name": "Então é isso que se chama {named}.",
        "most": "{most}? Eu não sabia disso.",
        "contrast": "Ou seja, não {a}, mas {b}.",
        "cause": "Porque {why}. Faz sentido.",
        "number": "Espera, {number}? || Sério, {number}?",
        "year": "Já em {year}? Eu não fazia ideia.",
    },
    named=lambda phrase: phrase,
    most=lambda phrase: phrase[:1].upper() + phrase[1:],
    small=tuple(
        [
            "zero",
            "um",
            "dois",
            "três",
            "quatro",
            "cinco",
            "seis",
            "sete",
            "oito",
            "nove",
            "dez",
            "onze",
            "doze",
        ]
    ),
    per_kind=2,
)

LINES = HostLines(
    openings=(
        "Então, {subject}. Por onde começa essa história, {a}?",
        "Confesso que até esta semana eu não sabia quase nada sobre {subject}.",
        "Muito bem, {subject}. Conta tudo desde o começo.",
        "A história de {subject} é bem melhor do que eu esperava.",
        "Vamos lá, então: {subject}. Por onde começamos?",
        "Faz tempo que eu queria falar sobre {subject}. Pode começar, {a}.",
    ),
    closings=(
        "Eu cheguei sem saber nada sobre {subject}, e agora quero ouvir mais sobre isso que "
        "chamam de {term}.",
        "Para mim, o que fica é essa história de {term}.",
        "Então é isso: {subject}. E eu nunca mais vou ouvir falar de {term} do mesmo jeito.",
        "Vou passar a semana falando de {term} para todo mundo.",
        "De tudo o que ouvimos hoje, eu fico com isto: {term}.",
    ),
    no_term_closing="Foi muita coisa para um episódio só, {a}.",
    welcomes=(
        "Olá e bem-vindos a mais um episódio de {show}. Eu sou {a}, aqui com {b}, e o tema de "
        "hoje é: {topic}.",
        "Você está ouvindo {show}, com {a} e {b}. Nosso tema: {topic}.",
    ),
    thanks=("E por hoje é só. Obrigado por ouvir {show}.", "Obrigado por ouvir {show}."),
    articles=frozenset({"o", "a", "os", "as"}),
    contractions=(
        (" de o ", " do "),
        (" de a ", " da "),
        (" de os ", " dos "),
        (" de as ", " das "),
    ),
)

RULES = LanguageRules(
    code="pt",
    sentences=SENTENCES,
    checks=CHECKS,
    numbers=NUMBERS,
    reactions=REACTIONS,
    lines=LINES,
)
