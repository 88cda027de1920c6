"""The words published notes and posts say around the facts, per language.

The notes' headings and chapter names, the sentence saying what the episode does, the
posts' openings, and the episode's length said the way the language says it.

The facts are the sources' (or Claude's) sentences in the show's language; everything
else a listener reads in the notes and posts comes from here, so a German episode's
notes say "Kapitel" and "Quellen", never "Chapters" and "Sources". English is written
exactly as before this table existed. A language without a row (a show Claude writes
in Italian) falls back to English here, as ``podcast_factory.language.supported`` does.

Lengths are said with CLDR's unit names through babel (``1 Minute und 16 Sekunden``,
``1 minuto y 16 segundos``, ``1 minute et 16 secondes``): the exact length, where
English says "a 1-minute listen".
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType

from babel import Locale, UnknownLocaleError
from babel.lists import format_list
from babel.units import format_unit

from podcast_factory.language import supported


@dataclass(frozen=True)
class Words:
    """One language's published words. Templates take ``{a}``/``{b}`` (the hosts),
    ``{topic}``, ``{question}``, ``{length}``, ``{show}``, ``{title}``, ``{n}``."""

    chapters: str
    sources: str
    intro: str
    closing: str
    part: str
    about: str
    """A chapter named by one common noun: "About {term}"."""
    named: str
    """A chapter named by one proper name: "The {term}"."""
    and_: str
    """What joins two terms in a chapter title: " and "."""
    explain: tuple[str, str]
    """What the episode does for a topic that is an indirect question ("how tides
    work"): without and with the length."""
    look: tuple[str, str]
    """... for a topic that is a subject ("the history of penicillin")."""
    ask: tuple[str, str]
    """... for a topic that is a direct question ("Why do cats purr?")."""
    question_words: tuple[str, ...]
    new_on: str
    new_episode: str
    explain_it: str
    learn: str
    sources_line: str
    question_mark: str = "?"


WORDS: Mapping[str, Words] = MappingProxyType(
    {
        "en": Words(
            chapters="Chapters",
            sources="Sources",
            intro="Introduction",
            closing="Closing thoughts",
            part="Part {n}",
            about="About {term}",
            named="The {term}",
            and_=" and ",
            explain=("{a} and {b} explain {topic}.", "{a} and {b} explain {topic} in {length}."),
            look=("{a} and {b} look at {topic}.", "{a} and {b} look at {topic} in {length}."),
            ask=("{a} and {b} ask: {question}", "{a} and {b} ask, in {length}: {question}"),
            question_words=("how", "why", "what", "when", "where", "which", "who", "whether"),
            new_on="New on {show}: ",
            new_episode="New episode of {show}: {title}",
            explain_it="{a} and {b} explain it in {length}.",
            learn="What you will learn:",
            sources_line="Sources: {sources}",
        ),
        "de": Words(
            chapters="Kapitel",
            sources="Quellen",
            intro="Einleitung",
            closing="Zum Schluss",
            part="Teil {n}",
            about="Über {term}",
            named="{term}",
            and_=" und ",
            explain=(
                "{a} und {b} erklären, {topic}.",
                "{a} und {b} erklären in {length}, {topic}.",
            ),
            look=(
                "{a} und {b} im Gespräch: {topic}.",
                "{a} und {b} im Gespräch ({length}): {topic}.",
            ),
            ask=("{a} und {b} fragen: {question}", "{a} und {b} fragen in {length}: {question}"),
            question_words=("wie", "warum", "wieso", "weshalb", "was", "wann", "wo", "wer", "ob"),
            new_on="Neu bei {show}: ",
            new_episode="Neue Folge von {show}: {title}",
            explain_it="{a} und {b} erklären es in {length}.",
            learn="In dieser Folge:",
            sources_line="Quellen: {sources}",
        ),
        "es": Words(
            chapters="Capítulos",
            sources="Fuentes",
            intro="Introducción",
            closing="Para terminar",
            part="Parte {n}",
            about="Sobre {term}",
            named="{term}",
            and_=" y ",
            explain=("{a} y {b} explican {topic}.", "{a} y {b} explican en {length} {topic}."),
            look=("{a} y {b} hablan sobre {topic}.", "{a} y {b} hablan en {length} sobre {topic}."),
            ask=(
                "{a} y {b} se preguntan: {question}",
                "{a} y {b} se preguntan, en {length}: {question}",
            ),
            question_words=("cómo", "por qué", "qué", "cuándo", "dónde", "cuál", "quién", "si"),
            new_on="Nuevo en {show}: ",
            new_episode="Nuevo episodio de {show}: {title}",
            explain_it="{a} y {b} lo explican en {length}.",
            learn="En este episodio:",
            sources_line="Fuentes: {sources}",
        ),
        "fr": Words(
            chapters="Chapitres",
            sources="Sources",
            intro="Introduction",
            closing="Pour conclure",
            part="Partie {n}",
            about="{term}",
            named="{term}",
            and_=" et ",
            explain=(
                "{a} et {b} expliquent {topic}.",
                "{a} et {b} expliquent en {length} {topic}.",
            ),
            look=(
                "{a} et {b} se penchent sur {topic}.",
                "{a} et {b} se penchent en {length} sur {topic}.",
            ),
            ask=(
                "{a} et {b} se demandent\u00a0: {question}",
                "{a} et {b} se demandent, en {length}\u00a0: {question}",
            ),
            question_words=("comment", "pourquoi", "quand", "où", "quel", "quelle", "qui", "si"),
            new_on="Nouveau sur {show}\u00a0: ",
            new_episode="Nouvel épisode de {show}\u00a0: {title}",
            explain_it="{a} et {b} l'expliquent en {length}.",
            learn="Dans cet épisode :",
            sources_line="Sources\u00a0: {sources}",
            question_mark="\u202f?",
        ),
        "pt": Words(
            chapters="Capítulos",
            sources="Fontes",
            intro="Introdução",
            closing="Para terminar",
            part="Parte {n}",
            about="Sobre {term}",
            named="{term}",
            and_=" e ",
            explain=("{a} e {b} explicam {topic}.", "{a} e {b} explicam em {length} {topic}."),
            look=("{a} e {b} falam sobre {topic}.", "{a} e {b} falam em {length} sobre {topic}."),
            ask=("{a} e {b} perguntam: {question}", "{a} e {b} perguntam, em {length}: {question}"),
            question_words=("como", "por que", "porque", "o que", "quando", "onde", "qual", "quem"),
            new_on="Novo em {show}: ",
            new_episode="Novo episódio de {show}: {title}",
            explain_it="{a} e {b} explicam tudo em {length}.",
            learn="Neste episódio:",
            sources_line="Fontes: {sources}",
        ),
    }
)  # fmt: skip
"""The published words of each language the application writes."""


def words_for(lang: str) -> Words:
    """The published words of ``lang`` (a BCP 47 tag); English when it has no row."""
    return WORDS.get(supported(lang).code, WORDS["en"])


@lru_cache(maxsize=32)
def locale(tag: str) -> Locale:
    """The CLDR locale of a show's tag (``es-MX`` -> es_MX), its language alone when
    CLDR lacks the region, English when it lacks the language."""
    for candidate in (tag, tag.split("-", 1)[0]):
        try:
            return Locale.parse(candidate, sep="-")
        except (UnknownLocaleError, ValueError):
            continue
    return Locale.parse("en")


def listen(seconds: float, lang: str = "en") -> str:
    """The length as a reader is told it. English: ``a 1-minute listen`` for 1:16
    (rounded to the nearest minute), ``a 45-second listen`` under a minute. Other
    languages: the exact length in CLDR's words, ``1 Minute und 16 Sekunden``,
    ``45 segundos``."""
    if supported(lang).code == "en":
        if seconds < 59.5:
            return f"a {max(1, int(seconds + 0.5))}-second listen"
        return f"a {max(1, math.floor(seconds / 60 + 0.5))}-minute listen"
    return spoken_length(seconds, lang)


def spoken_length(seconds: float, lang: str) -> str:
    """``76`` -> ``1 Minute und 16 Sekunden`` (de), ``1 minuto y 16 segundos`` (es):
    hours, minutes and seconds in the locale's unit names, joined as its lists are."""
    where = locale(lang)
    total = max(1, int(seconds + 0.5))
    h, rem = divmod(total, 3600)
    m, s = divmod(rem, 60)
    units = (("duration-hour", h), ("duration-minute", m), ("duration-second", s))
    parts = [format_unit(n, unit, length="long", locale=where) for unit, n in units if n]
    return format_list(parts, style="standard", locale=where)


def question(topic: str, lang: str) -> str:
    """``topic`` as a direct question in ``lang``: capitalised, ending in its question
    mark, a Spanish question opened with "¿"."""
    text = topic.strip()
    code = supported(lang).code
    if code == "es" and not text.startswith("¿"):
        text = "¿" + text[:1].upper() + text[1:]
    text = text[:1].upper() + text[1:]
    if not text.endswith("?"):
        text = re.sub(r"[.!\s]+$", "", text) + words_for(lang).question_mark
    return text
