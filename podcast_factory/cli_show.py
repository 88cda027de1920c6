"""The show of the ``run`` verb: ``--show``, ``--hosts``, ``--voices`` and ``--show-file``.

A show file holds what a batch file's ``show:`` block holds (a batch file itself is
accepted too: its ``show:`` block is read). The flags are laid over it, or over the
default show. Every mistake is a ``UserInputError`` naming the flag the user typed
(``--voices``), or the file and the field in it (``show.yaml: hosts[1].voice``).
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from podcast_factory.batchfile import build_show, default_show
from podcast_factory.errors import ProviderError, UserInputError
from podcast_factory.models import Show
from podcast_factory.providers.espeak import check_voice
from podcast_factory.safeyaml import load_yaml, quote

ELEVENLABS_ID = re.compile(r"[A-Za-z0-9]{8,40}")
"""What an ElevenLabs voice id looks like (``21m00Tcm4TlvDq8ikWAM``)."""


def show_from_args(args: argparse.Namespace, speech: str) -> Show | None:
    """The show the flags describe, or None when no show flag was given (the default
    show). ``speech`` is the speech provider the run will use: ``--voices`` names its
    voices."""
    flags = (args.show, args.hosts, args.voices, args.show_file, args.language)
    if all(v is None for v in flags):
        return None
    data: dict[str, Any] = dict(_show_file(args.show_file)) if args.show_file else {}
    if not args.show_file:
        default = default_show()
        data = {"name": default.name, "hosts": [h.name for h in default.hosts]}
        data["tagline"] = default.tagline
    if args.show is not None:
        data["name"] = args.show
    if args.language is not None:
        data["language"] = args.language
    hosts = _host_entries(data.get("hosts"))
    if args.hosts is not None:
        names = _pair("--hosts", args.hosts, 'two names separated by a comma, like "Nora,Eli"')
        hosts = [{**hosts[i], "name": names[i]} for i in range(2)]
    if args.voices is not None:
        voices = _pair("--voices", args.voices, "two voices separated by a comma, like "
                       '"en-us+f3,en-us+m3"')  # fmt: skip
        for i, voice in enumerate(voices):
            _check_voice(speech, voice)
            before = hosts[i].get("voice")
            mapping = dict(before) if isinstance(before, Mapping) else {}
            hosts[i] = {**hosts[i], "voice": {**mapping, speech: voice}}
    if args.hosts is not None or args.voices is not None:
        data["hosts"] = hosts
    try:
        return build_show(data)
    except UserInputError as exc:
        raise UserInputError(_field(exc.field, args), exc.problem) from None


def _show_file(path: str) -> Mapping[str, Any]:
    """The show block of a show file (or of a batch file)."""
    file = Path(path)
    if not file.is_file():
        raise UserInputError("--show-file", f"{path}: " + ("not found" if not file.exists()
                                                           else "is not a file"))  # fmt: skip
    try:
        data = load_yaml(file.read_text(encoding="utf-8"), "--show-file")
    except UnicodeDecodeError:
        raise UserInputError("--show-file", f"{path} is not UTF-8 text") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise UserInputError("--show-file", f"{path} is not valid YAML{where}") from None
    if isinstance(data, Mapping) and isinstance(data.get("show"), Mapping):
        data = data["show"]  # a batch file: its show block
    if not isinstance(data, Mapping):
        raise UserInputError("--show-file", f"{path} must be a mapping with name and hosts")
    return data


def _host_entries(raw: Any) -> list[dict[str, Any]]:
    """The hosts as two mappings, so a flag can change one field and keep the others;
    anything malformed is left for ``build_show`` to name."""
    if not isinstance(raw, list) or len(raw) != 2:
        return [{}, {}]
    entries = []
    for host in raw:
        if isinstance(host, str):
            entries.append({"name": host})
        elif isinstance(host, Mapping):
            entries.append(dict(host))
        else:
            entries.append({})
    return entries


def _pair(flag: str, value: str, what: str) -> tuple[str, str]:
    parts = [p.strip() for p in value.split(",")]
    if len(parts) != 2 or not all(parts):
        raise UserInputError(flag, f"give {what}; got {quote(value)}")
    return parts[0], parts[1]


def _check_voice(speech: str, voice: str) -> None:
    """A voice the speech provider in use can speak with (an ElevenLabs id can only be
    checked by the API, so only its form is)."""
    if speech == "espeak":
        try:
            check_voice(voice)
        except ProviderError as exc:
            detail = exc.message.partition(": ")[2]
            raise UserInputError("--voices", f"espeak-ng: {detail}") from None
        return
    if not ELEVENLABS_ID.fullmatch(voice):
        raise UserInputError(
            "--voices",
            f"{quote(voice)} is not an ElevenLabs voice id (the speech provider is "
            "elevenlabs; pass --tts espeak for espeak-ng voices); run "
            "'podcast-factory voices' to list valid names",
        )


def _field(field: str, args: argparse.Namespace) -> str:
    """The flag (or file and field) a ``build_show`` error is about."""
    if field == "show.name" and args.show is not None:
        return "--show"
    if field == "show.language" and args.language is not None:
        return "--language"
    if field.startswith("show.hosts") and ".voice" in field and args.voices is not None:
        return "--voices"
    if field.startswith("show.hosts") and args.hosts is not None:
        return "--hosts"
    if args.show_file:
        return f"{args.show_file}: {field.removeprefix('show.')}"
    return field
