"""A show's voices against its language: checked where the show is read, before anything
runs.

A host's espeak-ng voice speaks one language (``de+f3`` German): in a show in another
language it would read every line with the wrong phonetics, so it is refused, naming
the field and how to list the voices that fit. A show whose hosts name no voice gets
its language's default pair (``providers.espeak.default_voices``); a language espeak-ng
has no voice for is refused when espeak-ng is to speak. ElevenLabs voices are not
checked: a multilingual model speaks any of them in the show's language.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from podcast_factory.errors import UserInputError
from podcast_factory.language import LANGUAGES, primary
from podcast_factory.models import Show
from podcast_factory.providers.espeak import default_voices, voice_language


def _named(tag: str) -> str:
    """``German (de)``, or the tag alone for a language the application does not name."""
    known = LANGUAGES.get(primary(tag))
    return f"{known.name} ({tag})" if known else repr(tag)


def check_host_voices(show: Show, raw_hosts: Sequence[Any] = ()) -> None:
    """Refuse a host's espeak-ng voice that does not speak the show's language.
    ``raw_hosts``: the hosts as the file wrote them, so the field is named as written
    (``show.hosts[0].voice`` for a name, ``show.hosts[0].voice.espeak`` for a mapping)."""
    for i, host in enumerate(show.hosts):
        voice = host.voices.get("espeak")
        spoken = voice_language(voice) if voice else None
        if voice is None or spoken is None or primary(spoken) == primary(show.language):
            continue
        raw = raw_hosts[i] if i < len(raw_hosts) else None
        mapped = isinstance(raw, Mapping) and isinstance(raw.get("voice"), Mapping)
        field = f"show.hosts[{i}].voice" + (".espeak" if mapped else "")
        raise UserInputError(
            field,
            f"{voice!r} speaks {_named(spoken)}, but the show is in {_named(show.language)}; "
            f"'podcast-factory voices --language {primary(show.language)}' lists the "
            "voices that speak it",
        )


def check_speech(show: Show, tts: str) -> None:
    """With espeak-ng speaking, every host without a voice of its own needs a default
    voice in the show's language (``UserInputError`` naming ``show.language`` if
    espeak-ng has none)."""
    if tts == "espeak" and any("espeak" not in h.voices for h in show.hosts):
        default_voices(show.language)
