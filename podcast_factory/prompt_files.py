"""Prompt templates as files: exported to a folder, edited there, read back before a run.

Each template is ``<name>.txt`` (``TEMPLATES``); the file ends with one newline, which
is not part of the template (editors add it), so an exported file read back unchanged
is the default, byte for byte. A folder may hold only some of them: a missing file
keeps its default. A file that is not a template, a placeholder the template does not
have, or text that is not UTF-8 is a ``UserInputError`` naming the file: exit 2,
before anything runs.
"""

from __future__ import annotations

import os
from pathlib import Path

from podcast_factory.errors import UserInputError
from podcast_factory.prompts import TEMPLATES, Prompts, fields

MAX_TEMPLATE_CHARS = 20_000
"""A template longer than this is a mistake (the payloads are filled in, not pasted)."""


def _names() -> str:
    return ", ".join(t.file for t in TEMPLATES.values())


def read_template(path: Path, shown: str) -> str:
    """One template file's text, checked: its name, encoding, size and placeholders."""
    template = TEMPLATES.get(path.stem) if path.suffix == ".txt" else None
    if template is None or not path.is_file():
        raise UserInputError(
            shown, f"is not a prompt template; a prompts folder holds only {_names()}"
        )
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise UserInputError(shown, "is not UTF-8 text") from None
    except OSError as exc:
        raise UserInputError(shown, f"cannot be read: {exc.strerror or exc}") from None
    text = text.removesuffix("\n")
    if len(text) > MAX_TEMPLATE_CHARS:
        raise UserInputError(shown, f"is {len(text)} characters long; at most {MAX_TEMPLATE_CHARS}")
    try:
        used = fields(text)
    except ValueError as exc:
        raise UserInputError(shown, str(exc)) from None
    unknown = [name for name in used if name not in template.allowed]
    if unknown:
        allowed = ", ".join(f"{{{name}}}" for name in template.allowed)
        raise UserInputError(
            shown, f"unknown placeholder {{{unknown[0]}}}; {template.file} may use {allowed}"
        )
    return text


def load_prompts(folder: Path, shown: str = "prompts") -> Prompts:
    """The templates of ``folder`` (hidden files ignored); ``shown`` is the folder as the
    user wrote it, for messages."""
    if not folder.is_dir():
        problem = "does not exist" if not folder.exists() else "is not a folder"
        raise UserInputError("prompts", f"{shown} {problem}")
    texts = {}
    for path in sorted(folder.iterdir()):
        if path.name.startswith("."):
            continue
        texts[path.stem] = read_template(path, f"{shown.rstrip('/')}/{path.name}")
    return Prompts.of(texts)


def export_prompts(folder: Path, force: bool = False) -> list[Path]:
    """Write every default template into ``folder`` (created if need be). An existing
    file is refused, before any is written, unless ``force``."""
    paths = [folder / t.file for t in TEMPLATES.values()]
    if folder.exists() and not folder.is_dir():
        raise UserInputError(str(folder), "exists and is not a folder")
    existing = [p for p in paths if p.exists()]
    if existing and not force:
        more = f" (and {len(existing) - 1} more)" if len(existing) > 1 else ""
        raise UserInputError(str(existing[0]), f"exists{more}; pass --force to overwrite")
    folder.mkdir(parents=True, exist_ok=True)
    for path, template in zip(paths, TEMPLATES.values(), strict=True):
        part = path.with_name(f".{path.name}.part")
        part.write_text(template.default + "\n", encoding="utf-8")
        os.replace(part, path)
    return paths
