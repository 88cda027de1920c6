"""Offline speech: espeak-ng from the espeakng-loader wheel, driven through ctypes.

Why this route: the wheel ships both ``libespeak-ng.so`` and its ``espeak-ng-data``, so
``pip install 'podcast-factory[offline]'`` is all a user needs for episodes without any API
key, and tests and demos get real, measurable speech with no system package and no network.
espeak-ng is GPL-3.0-or-later, which is why it is an optional extra and is only loaded here.

The library is one global synthesizer per process: the voice, the rate and the audio
callback are process-wide state, so this module initializes it once, lazily, and lets one
synthesis run at a time behind a module-level lock. Everything the library returns is
16-bit mono PCM at its native rate (22050 Hz).
"""

from __future__ import annotations

import ctypes
import functools
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from podcast_factory.errors import ProviderError, UserInputError
from podcast_factory.language import LANGUAGES, primary

PROVIDER = "espeak-ng"

DEFAULT_VOICES: tuple[str, str] = ("en-us+m3", "en-us+f3")
"""Host 1 and host 2: a low male and a high female variant of US English, chosen because
their pitch ranges (80-122 Hz against 140-240 Hz in ``voices/!v``) do not overlap."""
DEFAULT_VARIANTS: tuple[str, str] = ("m3", "f3")
"""The same pair for every other language: ``de+m3`` and ``de+f3``, so the two hosts of
a show in any language still sound like two different people."""

MIN_WPM, MAX_WPM = 80, 450
"""The speaking rates espeak-ng accepts; outside them it silently clamps."""

# Constants from espeak-ng's speak_lib.h.
_AUDIO_OUTPUT_SYNCHRONOUS = 2
_INITIALIZE_DONT_EXIT = 0x8000  # otherwise a broken data dir makes the library call exit(1)
_PARAM_RATE = 1
_POS_CHARACTER = 1
_CHARS_UTF8 = 1

_SynthCallback = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p
)

_lock = threading.Lock()
"""Held for initialization and for every synthesis: the library cannot do two at once."""

_engine: _Engine | None = None


def _loader() -> Any:
    """The espeakng_loader module, or a ProviderError that says how to install it."""
    try:
        import espeakng_loader
    except ImportError as exc:
        raise ProviderError(
            PROVIDER,
            "offline speech needs the espeakng-loader package: "
            "pip install 'podcast-factory[offline]'",
        ) from exc
    return espeakng_loader


def _data_dir() -> Path:
    try:
        return Path(_loader().get_data_path())
    except RuntimeError as exc:  # the wheel raises this when espeak-ng-data is missing
        raise ProviderError(PROVIDER, f"espeak-ng data is missing: {exc}") from exc


@dataclass(frozen=True)
class _Catalog:
    """The voices in the data dir, read the way the library reads them."""

    languages: tuple[str, ...]
    aliases: frozenset[str]  # lower-cased names that espeak_SetVoiceByName resolves
    variants: tuple[str, ...]
    by_language: dict[str, str]  # a language code (en-gb) -> the voice that speaks it (en)
    speaks: dict[str, str]  # a lower-cased name check_voice accepts -> its language (en-gb)


def _voice_file_fields(path: Path) -> tuple[str, list[str], str]:
    """(name, languages, dictionary) of a voice file; the dictionary defaults to the
    first language's primary subtag, as in the library's LoadVoice."""
    name, languages, dictionary = "", [], ""
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        words = line.split("//")[0].split(maxsplit=1)
        if len(words) == 2 and words[0] == "name":
            name = words[1].strip()
        elif len(words) == 2 and words[0] == "language":
            languages.append(words[1].split()[0])
        elif len(words) == 2 and words[0] == "dictionary":
            dictionary = words[1].split()[0]
    if not dictionary and languages:
        dictionary = languages[0].split("-")[0]
    return name, languages, dictionary


@functools.cache
def _catalog() -> _Catalog:
    """Scan lang/ and voices/!v once. A language whose ``*_dict`` file the wheel does not
    ship (0.2.4 lacks fo, kaa and xex) is left out: the library would accept it and then
    speak nothing but error messages to stderr."""
    data = _data_dir()
    languages: list[str] = []
    aliases: set[str] = set()
    by_language: dict[str, str] = {}
    speaks: dict[str, str] = {}
    for path in sorted((data / "lang").rglob("*")):
        if not path.is_file():
            continue
        name, langs, dictionary = _voice_file_fields(path)
        if not langs or not (data / f"{dictionary}_dict").is_file():
            continue
        identifier = path.relative_to(data / "lang").as_posix()
        languages.append(path.name.lower())
        names = {path.name.lower(), identifier.lower(), name.lower()}
        aliases.update(names)
        speaks.update(dict.fromkeys(names, langs[0].lower()))
        by_language.setdefault(langs[0].lower(), path.name.lower())
    variant_dir = data / "voices" / "!v"
    variants = sorted((p.name for p in variant_dir.iterdir() if p.is_file()), key=str.lower)
    return _Catalog(
        tuple(sorted(languages)), frozenset(aliases), tuple(variants), by_language, speaks
    )


def list_languages() -> list[str]:
    """Language voices, e.g. ``en-us``, ``en-gb-x-rp``, ``fr``; each takes any variant."""
    return list(_catalog().languages)


def list_variants() -> list[str]:
    """Voice variants from ``voices/!v`` (m1..m8, f1..f5, klatt, Alex, ...); case matters."""
    return list(_catalog().variants)


def list_voices() -> list[str]:
    """Voice names to offer a user: every language alone, then every variant of US English.

    Not exhaustive on purpose (any language takes any variant, e.g. ``fr+f3``, which
    ``check_voice`` accepts); listing all ~14,000 pairs would help nobody.
    """
    catalog = _catalog()
    return [*catalog.languages, *(f"en-us+{variant}" for variant in catalog.variants)]


def voice_language(voice: str) -> str | None:
    """The language ``voice`` speaks, as its voice file names it (``en-us+f3`` ->
    ``en-us``, ``en`` -> ``en-gb``, ``de+m3`` -> ``de``); None for a name espeak-ng lacks."""
    return _catalog().speaks.get(voice.partition("+")[0].lower())


def language_voice(tag: str) -> str | None:
    """The espeak-ng voice that speaks the BCP 47 ``tag`` best, or None when it has none:
    the tag's own voice (``pt-BR`` -> ``pt-br``, ``fr-BE`` -> ``fr-be``), Latin American
    Spanish for a Spanish outside Spain (``es-MX`` -> ``es-419``), else the language's
    (``de-AT`` -> ``de``)."""
    catalog = _catalog()
    lang, _, region = tag.lower().partition("-")
    if tag.lower() in catalog.by_language:
        return catalog.by_language[tag.lower()]
    if lang == "es" and region and region != "es" and "es-419" in catalog.aliases:
        return "es-419"
    known = LANGUAGES.get(lang)
    if known is not None and known.espeak_voice in catalog.aliases:
        return known.espeak_voice
    return catalog.by_language.get(lang) or (lang if lang in catalog.aliases else None)


def default_voices(tag: str = "en") -> tuple[str, str]:
    """Host 1's and host 2's voice in a show in ``tag`` that names none: a male and a
    female variant of the language's voice. English keeps ``DEFAULT_VOICES`` whatever
    its region (episodes made before shows had a language sound as they did). A
    ``UserInputError`` naming ``show.language`` when espeak-ng speaks no such language."""
    if primary(tag) == "en":
        return DEFAULT_VOICES
    base = language_voice(tag)
    if base is None:
        raise UserInputError(
            "show.language",
            f"espeak-ng has no voice for {tag!r}: give each host a voice "
            "(run 'podcast-factory voices' to list them) or speak with ElevenLabs",
        )
    male, female = DEFAULT_VARIANTS
    return f"{base}+{male}", f"{base}+{female}"


def check_voice(voice: str) -> None:
    """Raise a non-retryable ProviderError unless ``voice`` is ``language[+variant]``.

    The library itself is too lenient to rely on: an unknown variant is silently ignored
    and a bare variant name (``m3``) is taken as a voice with no language at all.
    """
    base, plus, variant = voice.partition("+")
    catalog = _catalog()
    if base.lower() not in catalog.aliases or (plus and variant not in catalog.variants):
        raise ProviderError(PROVIDER, f"unknown voice {voice!r}{_hint(base, plus, variant)}")


def _hint(base: str, plus: str, variant: str) -> str:
    """What to write instead: the voice that speaks ``base`` (en-gb is spoken by
    ``en``), a variant in the right case, and where every name is listed."""
    catalog = _catalog()
    better = base if base.lower() in catalog.aliases else catalog.by_language.get(base.lower())
    cased = {v.lower(): v for v in catalog.variants}
    fixed = cased.get(variant.lower()) if plus else ""
    close = ""
    if better and fixed is not None:
        close = f" (did you mean {better}{plus}{fixed}?)"
    return f"{close}; run 'podcast-factory voices' to list valid names (e.g. en-us+f3)"


class _Engine:
    """The initialized library and the audio its callback has collected so far."""

    def __init__(self) -> None:
        loader = _loader()
        data = _data_dir()
        if not (data / "phontab").is_file():
            raise ProviderError(PROVIDER, f"{data} has no phontab; the wheel is incomplete")
        lib = ctypes.CDLL(loader.get_library_path())
        lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
        lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
        lib.espeak_Synth.argtypes = [
            ctypes.c_char_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int,
            ctypes.c_uint, ctypes.c_uint, ctypes.c_void_p, ctypes.c_void_p,
        ]  # fmt: skip
        # The path is the directory that CONTAINS espeak-ng-data (1.52 also takes the data
        # dir itself, older builds do not).
        rate = lib.espeak_Initialize(
            _AUDIO_OUTPUT_SYNCHRONOUS, 0, os.fsencode(data.parent), _INITIALIZE_DONT_EXIT
        )
        if rate <= 0:
            raise ProviderError(PROVIDER, f"espeak_Initialize failed with {rate}")
        self.lib = lib
        self.sample_rate = int(rate)
        self.voice: str | None = None
        self.chunks: list[bytes] = []
        # The library keeps only a raw function pointer: this reference keeps it alive.
        self.callback = _SynthCallback(self._collect)
        lib.espeak_SetSynthCallback(self.callback)

    def _collect(self, wav: Any, numsamples: int, events: Any) -> int:
        """Synth callback: copy the samples out (the buffer is reused); 0 means go on."""
        if wav and numsamples > 0:
            self.chunks.append(ctypes.string_at(wav, numsamples * 2))
        return 0

    def synthesize(self, text: str, voice: str, wpm: int) -> bytes:
        """Speak ``text``; the caller holds ``_lock``."""
        if voice != self.voice:
            self.voice = None  # a failed switch may leave the library half-changed
            status = self.lib.espeak_SetVoiceByName(voice.encode("utf-8"))
            if status != 0:
                raise ProviderError(PROVIDER, f"espeak-ng refused voice {voice!r} ({status})")
            self.voice = voice
        self.lib.espeak_SetParameter(_PARAM_RATE, wpm, 0)
        data = text.replace("\x00", " ").encode("utf-8")
        self.chunks.clear()
        try:
            status = self.lib.espeak_Synth(
                data, len(data) + 1, 0, _POS_CHARACTER, 0, _CHARS_UTF8, None, None
            )
            if status != 0:
                raise ProviderError(PROVIDER, f"espeak_Synth failed with status {status}")
            self.lib.espeak_Synchronize()
            return b"".join(self.chunks)
        finally:
            self.chunks.clear()


def _get_engine() -> _Engine:
    """The process's one engine, initialized on first use."""
    global _engine
    with _lock:
        if _engine is None:
            _engine = _Engine()
        return _engine


class EspeakTTS:
    """Text to 16-bit mono PCM with espeak-ng, free and offline.

    Holds only its settings, so it pickles into a Ray actor; the library is loaded in
    whichever process first uses it. The constructor loads it right away all the same, so
    that a missing install fails when the provider is set up, not halfway through a run.
    """

    def __init__(self, *, wpm: int = 165) -> None:
        if not MIN_WPM <= wpm <= MAX_WPM:
            raise UserInputError("wpm", f"must be between {MIN_WPM} and {MAX_WPM}, got {wpm}")
        self.wpm = wpm
        _get_engine()

    @property
    def sample_rate(self) -> int:
        """Sample rate of the PCM that ``synthesize`` returns (22050 with this library)."""
        return _get_engine().sample_rate

    def synthesize(self, text: str, voice: str) -> bytes:
        """Speak ``text`` in ``voice`` (e.g. ``en-us+f3``); blank text gives ``b""``."""
        check_voice(voice)
        if not text.strip():
            return b""
        engine = _get_engine()
        with _lock:
            return engine.synthesize(text, voice, self.wpm)
