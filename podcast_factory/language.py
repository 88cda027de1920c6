"""The show's language: one BCP 47 tag (``en``, ``de``, ``es-MX``, ``pt-BR``) that every
stage reads.

A show is in one language. Claude researches, writes, judges and drafts in it whatever
the sources' language; the offline writer speaks only the languages it has lines for
(``OFFLINE``), and a show in another language is refused before anything runs when the
offline writer is chosen. The text processing (sentences, stems, stop words, the checks)
and the default pace and voice are per language: they are looked up here by the tag's
primary subtag, so ``es-MX`` is written, stemmed and checked as ``es`` while the feed and
the manifests keep the tag as given.

Contracts layer: pure data and parsing, no provider import.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from podcast_factory.errors import UserInputError

DEFAULT = "en"

_TAG_RE = re.compile(
    r"^(?P<lang>[A-Za-z]{2,3})"
    r"(?:-(?P<script>[A-Za-z]{4}))?"
    r"(?:-(?P<region>[A-Za-z]{2}|[0-9]{3}))?"
    r"(?P<rest>(?:-[A-Za-z0-9]{5,8}|-[0-9][A-Za-z0-9]{3})*)$"
)
"""A BCP 47 language tag of the forms podcasts use: language, optional script, optional
region, optional variants (RFC 5646 section 2.1, without extensions or private use)."""


@dataclass(frozen=True)
class Language:
    """What the application knows about one language it writes and checks."""

    code: str
    """The primary subtag (ISO 639-1): ``de``."""
    name: str
    """Its English name, for messages: ``German``."""
    native: str
    """Its own name, for listings: ``Deutsch``."""
    words_per_minute: int
    """The default speaking pace of a conversational podcast in this language; a show's
    ``style.words_per_minute`` and its learned pace override it. Words differ in length
    across languages, so one pace for all mis-sizes every non-English script."""
    espeak_voice: str
    """The espeak-ng voice a host gets when the show names none."""
    snowball: str
    """The snowballstemmer algorithm (``snowballstemmer.stemmer(name)``)."""


LANGUAGES: Mapping[str, Language] = MappingProxyType(
    {
        lang.code: lang
        for lang in (
            Language("en", "English", "English", 150, "en-us", "english"),
            Language("de", "German", "Deutsch", 130, "de", "german"),
            Language("es", "Spanish", "Español", 160, "es", "spanish"),
            Language("fr", "French", "Français", 155, "fr", "french"),
            Language("pt", "Portuguese", "Português", 150, "pt", "portuguese"),
        )
    }
)
"""Every language the text processing and the offline writer support."""

OFFLINE: tuple[str, ...] = tuple(LANGUAGES)
"""The languages the offline writer has host lines, openings and closings for."""


def normalise(tag: str, field: str = "show.language") -> str:
    """``tag`` as a canonical BCP 47 tag (``es-mx`` -> ``es-MX``, ``ZH-hant`` ->
    ``zh-Hant``), or ``UserInputError`` naming ``field`` when it is not one."""
    found = _TAG_RE.match(tag.strip())
    if not found:
        raise UserInputError(
            field, f"{tag!r} is not a BCP 47 language tag like en, de, es-MX or pt-BR"
        )
    parts = [found["lang"].lower()]
    if found["script"]:
        parts.append(found["script"].title())
    if found["region"]:
        parts.append(found["region"].upper())
    if found["rest"]:
        parts.extend(v.lower() for v in found["rest"].strip("-").split("-"))
    return "-".join(parts)


def primary(tag: str) -> str:
    """The tag's language subtag: ``pt-BR`` -> ``pt``."""
    return tag.split("-", 1)[0].lower()


def lookup(tag: str) -> Language | None:
    """The language of ``tag`` when the application supports it, else None."""
    return LANGUAGES.get(primary(tag))


def supported(tag: str) -> Language:
    """The language of ``tag``; English for a tag we have no text processing for (its
    text is still split and checked, with English rules, when Claude writes it)."""
    return LANGUAGES.get(primary(tag), LANGUAGES[DEFAULT])


def offline_language(tag: str, field: str = "show.language") -> Language:
    """The language of ``tag`` when the offline writer speaks it, else ``UserInputError``
    naming the languages it has."""
    lang = LANGUAGES.get(primary(tag))
    if lang is None or lang.code not in OFFLINE:
        have = ", ".join(f"{c} ({LANGUAGES[c].name})" for c in OFFLINE)
        raise UserInputError(
            field,
            f"the offline writer has no lines in {tag!r}; it writes {have}. "
            "Give one of those, or write with Claude (--llm claude with ANTHROPIC_API_KEY)",
        )
    return lang


def rss_language(tag: str) -> str:
    """The tag as RSS 2.0's ``<language>`` is conventionally written (``es-mx``)."""
    return tag.lower()
