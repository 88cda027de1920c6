"""Which languages each ElevenLabs model speaks, and which requests may name the language.

A show in any language but English is spoken by a multilingual model: every model in
``providers/prices.yaml`` is one (``eleven_multilingual_v2``, ``eleven_v3``,
``eleven_flash_v2_5``, ``eleven_turbo_v2_5``); the English-only ones (``eleven_flash_v2``,
``eleven_turbo_v2``, ``eleven_monolingual_v1``) are not priced, so they are refused before
a run. The request field ``language_code`` (ISO 639-1) enforces the language and its text
normalisation on the models that take it; ``eleven_multilingual_v2`` does not (it detects
the language from the text, and ignores the field), so it is never sent there. An English
show sends no ``language_code`` at all, as before shows had a language. What the API does
with each case, and where that was found: docs/providers.md, "ElevenLabs: languages".
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from podcast_factory.language import primary

_V2 = (
    "en", "ja", "zh", "de", "hi", "fr", "ko", "pt", "it", "es", "id", "nl", "tr", "fil", "pl",
    "sv", "bg", "ro", "ar", "cs", "el", "fi", "hr", "ms", "sk", "da", "ta", "uk", "ru",
)  # fmt: skip
_V3 = (
    "af", "ar", "hy", "as", "az", "be", "bn", "bs", "bg", "ca", "ceb", "ny", "hr", "cs", "da",
    "nl", "en", "et", "fil", "fi", "fr", "gl", "ka", "de", "el", "gu", "ha", "he", "hi", "hu",
    "is", "id", "ga", "it", "ja", "jv", "kn", "kk", "ky", "ko", "lv", "ln", "lt", "lb", "mk",
    "ms", "ml", "zh", "mr", "ne", "no", "ps", "fa", "pl", "pt", "pa", "ro", "ru", "sr", "sd",
    "sk", "sl", "so", "es", "sw", "sv", "ta", "te", "th",
)  # fmt: skip

MODEL_LANGUAGES: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        "eleven_multilingual_v2": frozenset(_V2),
        "eleven_flash_v2_5": frozenset([*_V2, "hu", "no", "vi"]),
        "eleven_turbo_v2_5": frozenset([*_V2, "hu", "no", "vi"]),
        "eleven_v3": frozenset(_V3),
    }
)
"""ISO 639-1 codes (639-3 where a language has none: ``fil``, ``ceb``) each model speaks,
from https://elevenlabs.io/docs/overview/models (v2 and v2.5) and the help centre's list
for v3 (https://help.elevenlabs.io/hc/en-us/articles/17883183930129, as far as it was
read: its first 69 languages, Afrikaans to Thai). ``GET /v1/models`` gives the same per model
(``languages[].language_id``); the simulator answers with this table."""

IGNORES_LANGUAGE_CODE = frozenset({"eleven_multilingual_v2"})
"""Models that take no ``language_code``: they detect the language from the text."""


def language_code(model: str, tag: str) -> str | None:
    """The ``language_code`` a request to ``model`` sends for a show in ``tag``: the
    tag's language subtag (``es-MX`` -> ``es``), or None for an English show or a model
    that takes none."""
    lang = primary(tag)
    if lang == "en" or model in IGNORES_LANGUAGE_CODE:
        return None
    return lang
