"""``podcast-factory voices``: the voices a host can have, per speech provider.

espeak-ng's come from the installed library (``providers.voice_list``); ElevenLabs'
from the account, with a key (one free request). Calls nothing that costs money.
``--language de`` keeps the voices that speak German (``VoiceInfo.speaks``).
"""

from __future__ import annotations

import argparse
import json
import os

from rich.console import Console
from rich.table import Table
from rich.text import Text

from podcast_factory.cli_parser import OK, SOME_FAILED
from podcast_factory.config import Credentials
from podcast_factory.errors import ProviderError
from podcast_factory.language import LANGUAGES, normalise, primary
from podcast_factory.providers.voice_list import VoiceInfo, elevenlabs_voices, espeak_voices


def voices(args: argparse.Namespace, err: Console) -> int:
    """List each provider's voices; exit 1 if a provider asked for could not list them."""
    creds = Credentials.from_env(os.environ)
    tag = normalise(args.language, "--language") if args.language else None
    wanted = [args.tts] if args.tts else ["espeak", "elevenlabs"]
    found: dict[str, dict[str, list[VoiceInfo]]] = {}
    failed = False
    if "espeak" in wanted:
        try:
            languages, variants = espeak_voices()
            languages = [v for v in languages if tag is None or v.speaks(tag)]
            found["espeak"] = {"languages": languages, "variants": variants}
        except ProviderError as exc:  # the offline extra is not installed
            err.print(f"error: {exc}", style="red", highlight=False, markup=False)
            failed = True
    if "elevenlabs" in wanted:
        key = creds.elevenlabs_api_key
        if key is None:
            message = "ElevenLabs voices need ELEVENLABS_API_KEY (listing them is free)"
            err.print(f"note: {message}", style="yellow", highlight=False, markup=False)
            failed = failed or args.tts == "elevenlabs"
        else:
            try:
                listed = elevenlabs_voices(key.get_secret_value(), creds.elevenlabs_base_url)
                listed = [v for v in listed if tag is None or v.speaks(tag)]
                found["elevenlabs"] = {"voices": listed}
            except ProviderError as exc:
                err.print(f"error: {exc}", style="red", highlight=False, markup=False)
                failed = True
    if args.json:
        data = {p: {k: [vars(v) for v in vs] for k, vs in d.items()} for p, d in found.items()}
        print(json.dumps(data, indent=2))
    else:
        _print(found, Console(markup=False), tag)
    return SOME_FAILED if failed else OK


def _print(
    found: dict[str, dict[str, list[VoiceInfo]]], out: Console, tag: str | None = None
) -> None:
    if "espeak" in found:
        languages = found["espeak"]["languages"]
        known = LANGUAGES.get(primary(tag)) if tag else None
        named = f"{len(languages)} voices speaking {known.name if known else tag}"
        table = _table(
            f"espeak-ng (offline): {named if tag else f'{len(languages)} languages'}",
            ("voice", "language", "speaks"),
        )
        for v in languages:
            table.add_row(Text(v.name), Text(v.description), Text(v.details))
        out.print(table)
        variants = found["espeak"]["variants"]
        out.print(
            f"Variants ({len(variants)}), added to any language with '+': "
            + ", ".join(f"{v.name}" for v in variants),
            highlight=False,
        )
        first = languages[0].name if tag and languages else "en-us"
        out.print(
            f"Use: --voices {first}+f3,{first}+m3 (a female and a male variant), or in a "
            f"batch file voice: {{espeak: {first}+m3}}. m1-m8 are male, f1-f5 female.",
            highlight=False,
        )
    if "elevenlabs" in found:
        listed = found["elevenlabs"]["voices"]
        verified = f" verified in {tag}" if tag else ""
        table = _table(f"ElevenLabs: {len(listed)} voices{verified}", ("voice id", "name", "kind"))
        for v in listed:
            table.add_row(Text(v.name), Text(v.description), Text(v.details))
        out.print(table)
        out.print(
            "Use: --tts elevenlabs --voices ID1,ID2, or in a batch file voice: {elevenlabs: ID}.",
            highlight=False,
        )


def _table(title: str, columns: tuple[str, ...]) -> Table:
    table = Table(title=title, title_justify="left")
    for name in columns:
        table.add_column(name, overflow="fold")
    return table
