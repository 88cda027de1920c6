"""The voices a user can give a host, per speech provider, as the provider itself lists them.

espeak-ng: ``espeak_ListVoices`` of the library in the espeakng-loader wheel (the wheel
ships no ``espeak-ng`` binary, so ``espeak-ng --voices`` is not available). Called with
no spec it lists the language voices; with a spec whose language is ``variant`` it lists
the variants (``voices/!v``). A voice is used as ``LANGUAGE`` or ``LANGUAGE+VARIANT``
(``en-us+f3``), the names ``providers.espeak.check_voice`` accepts; a language whose
dictionary the wheel lacks is left out, as ``check_voice`` leaves it out.

ElevenLabs: ``GET /v1/voices`` through the SDK (``client.voices.get_all()``), free, the
voices the key's account can use: premade and its own. See docs/providers.md.

A language (``--language de``) keeps the voices that speak it: an espeak-ng voice whose
voice file's language has the same language subtag (``de``; ``en-us`` for ``en-GB``
too), an ElevenLabs voice whose ``verified_languages`` (or ``language`` label) name it.
A multilingual model speaks any voice in any language it has, so an ElevenLabs voice
that names no language is not refused for a show, only left out of the list.
"""

from __future__ import annotations

import ctypes
from dataclasses import dataclass

import httpx

from podcast_factory.errors import ProviderError
from podcast_factory.language import primary
from podcast_factory.providers import espeak


@dataclass(frozen=True)
class VoiceInfo:
    """One voice as a user names it in ``--voices`` or a batch file's ``voice:``."""

    name: str
    """What to write: ``en-us`` (a language; add ``+f3`` for a variant) or a voice id."""
    description: str
    """The provider's own name for it: ``English (America)``, ``Rachel``."""
    details: str = ""
    """Languages (espeak-ng) or category and labels (ElevenLabs)."""
    languages: tuple[str, ...] = ()
    """The language tags it speaks: its voice file's (espeak-ng), the verified ones
    (ElevenLabs; empty when the API names none)."""

    def speaks(self, tag: str) -> bool:
        """Whether it speaks the language of the BCP 47 ``tag`` (by language subtag)."""
        return any(primary(lang) == primary(tag) for lang in self.languages)


class _Voice(ctypes.Structure):
    """``espeak_VOICE`` of speak_lib.h."""

    _fields_ = [
        ("name", ctypes.c_char_p),
        ("languages", ctypes.c_void_p),
        ("identifier", ctypes.c_char_p),
        ("gender", ctypes.c_ubyte),
        ("age", ctypes.c_ubyte),
        ("variant", ctypes.c_ubyte),
        ("xx1", ctypes.c_ubyte),
        ("score", ctypes.c_int),
        ("spare", ctypes.c_void_p),
    ]


_GENDER = {1: "male", 2: "female"}


def _languages(address: int | None) -> list[str]:
    """The ``languages`` field: (priority byte, NUL-terminated name) pairs, then a 0."""
    found: list[str] = []
    offset = 0
    while address:
        if ctypes.c_ubyte.from_address(address + offset).value == 0:
            break
        name = ctypes.string_at(address + offset + 1)
        found.append(name.decode("utf-8", "replace"))
        offset += len(name) + 2
    return found


def _list(spec_language: bytes | None) -> list[tuple[str, str, list[str], int]]:
    """(name, identifier, languages, gender) of each voice the library lists, decoded
    at once: the next ``espeak_ListVoices`` call frees what this one returned."""
    lib = espeak._get_engine().lib
    lib.espeak_ListVoices.restype = ctypes.POINTER(ctypes.POINTER(_Voice))
    lib.espeak_ListVoices.argtypes = [ctypes.POINTER(_Voice)]
    spec = None
    language = ctypes.c_char_p(spec_language) if spec_language else None
    if language is not None:
        spec = _Voice()
        spec.languages = ctypes.cast(language, ctypes.c_void_p)
    found = []
    with espeak._lock:
        array = lib.espeak_ListVoices(ctypes.byref(spec) if spec is not None else None)
        i = 0
        while array[i]:
            v = array[i].contents
            found.append(
                (
                    (v.name or b"").decode("utf-8", "replace"),
                    (v.identifier or b"").decode("utf-8", "replace"),
                    _languages(v.languages),
                    int(v.gender),
                )
            )
            i += 1
    return found


def espeak_voices() -> tuple[list[VoiceInfo], list[VoiceInfo]]:
    """(languages, variants) that the installed espeak-ng library lists and that
    ``check_voice`` accepts."""
    usable = set(espeak.list_languages())
    languages: list[VoiceInfo] = []
    for description, identifier, langs, _ in _list(None):
        name = identifier.rsplit("/", 1)[-1].lower()
        if name in usable and not identifier.startswith("mb/"):
            languages.append(VoiceInfo(name, description, ", ".join(langs), tuple(langs[:1])))
    known = set(espeak.list_variants())
    variants = [
        VoiceInfo(identifier.rsplit("/", 1)[-1], description, _GENDER.get(gender, ""))
        for description, identifier, _, gender in _list(b"variant")
        if identifier.rsplit("/", 1)[-1] in known
    ]
    languages.sort(key=lambda i: i.name)
    variants.sort(key=lambda i: i.name.lower())
    return languages, variants


def elevenlabs_voices(
    api_key: str, base_url: str | None, timeout_s: float = 15.0
) -> list[VoiceInfo]:
    """The account's voices from ``GET /v1/voices`` (free); a refusal or an endpoint not
    reached is a ``ProviderError`` saying which."""
    from elevenlabs import ElevenLabs  # here: listing espeak-ng voices needs no SDK
    from elevenlabs.core.api_error import ApiError

    try:
        with httpx.Client(timeout=timeout_s) as http:
            client = ElevenLabs(
                api_key=api_key, base_url=base_url, timeout=timeout_s, httpx_client=http
            )
            reply = client.voices.get_all(request_options={"max_retries": 0})
    except ApiError as exc:
        status = exc.status_code or 0
        hint = ": check ELEVENLABS_API_KEY" if status in (401, 403) else ""
        raise ProviderError("elevenlabs", f"listing voices got HTTP {status}{hint}") from None
    except httpx.HTTPError as exc:
        raise ProviderError("elevenlabs", f"listing voices failed: {type(exc).__name__}") from None
    except ValueError:
        raise ProviderError("elevenlabs", "the voices reply was not understood") from None
    found = []
    for voice in reply.voices:
        labels = voice.labels or {}
        details = ", ".join(
            [str(voice.category or "")]
            + [labels[k] for k in ("gender", "accent", "age") if labels.get(k)]
        ).strip(", ")
        spoken = [v.language for v in voice.verified_languages or [] if v.language]
        if labels.get("language"):
            spoken.append(labels["language"])
        langs = tuple(dict.fromkeys(spoken))
        found.append(VoiceInfo(voice.voice_id, voice.name or "", details, langs))
    return sorted(found, key=lambda i: i.description.lower())
