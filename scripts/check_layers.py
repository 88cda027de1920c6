#!/usr/bin/env python3
"""The layers contract: every module of podcast_factory imports only its own layer or
the layers below it.

    contracts -> providers -> actors -> supervisor -> application

(an arrow points at the layers that may import it). Lazy imports inside functions and
imports under ``TYPE_CHECKING`` count too: a cycle hidden in a function is still a cycle.
Run by ``scripts/check``; exits 1 naming each import that goes up.
"""

from __future__ import annotations

import ast
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "podcast_factory"

LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "contracts",
        (
            "podcast_factory",
            "podcast_factory.errors",
            "podcast_factory.models",
            "podcast_factory.state",
            "podcast_factory.handoff",
            "podcast_factory.config",
            "podcast_factory.limits",
            "podcast_factory.metering",
            "podcast_factory.rundir",
            "podcast_factory.exchange",
            "podcast_factory.layout",
            "podcast_factory.episode_files",
            "podcast_factory.runlock",
            "podcast_factory.redact",
            "podcast_factory.safeyaml",
            "podcast_factory.workflow",
            "podcast_factory.workflow_shape",
            "podcast_factory.workflow_checks",
            "podcast_factory.workflow_build",
            "podcast_factory.conditions",
            "podcast_factory.user_agents",
            "podcast_factory.interrupt",
            "podcast_factory.memory_file",
            "podcast_factory.stages",
            "podcast_factory.stage_call",
            "podcast_factory.render",
            "podcast_factory.style",
            "podcast_factory.language",
            "podcast_factory.prompts",
            "podcast_factory.prompt_files",
        ),
    ),
    ("providers", ("podcast_factory.providers",)),
    ("actors", ("podcast_factory.actors",)),
    (
        "supervisor",
        (
            "podcast_factory.supervisor",
            "podcast_factory.episode",
            "podcast_factory.pool",
            "podcast_factory.book",
            "podcast_factory.handover",
            "podcast_factory.clients",
            "podcast_factory.reuse",
            "podcast_factory.inputs",
            "podcast_factory.estimate",
            "podcast_factory.diagnosis",
            "podcast_factory.failures",
            "podcast_factory.calibration",
            "podcast_factory.batch_actors",
            "podcast_factory.episode_end",
        ),
    ),
    (
        "application",
        (
            "podcast_factory.api",
            "podcast_factory.batchfile",
            "podcast_factory.cli",
            "podcast_factory.cli_args",
            "podcast_factory.cli_parser",
            "podcast_factory.cli_show",
            "podcast_factory.cli_voices",
            "podcast_factory.voice_checks",
            "podcast_factory.__main__",
            "podcast_factory.cli_run",
            "podcast_factory.offline_checks",
            "podcast_factory.cli_jobs",
            "podcast_factory.jobs",
            "podcast_factory.views",
            "podcast_factory.failure_view",
            "podcast_factory.verify",
            "podcast_factory.memory_view",
            "podcast_factory.feed_fields",
            "podcast_factory.style_fields",
            "podcast_factory.feed",
            "podcast_factory.published",
            "podcast_factory.cli_publish",
            "podcast_factory.runpage",
            "podcast_factory.runpage_charts",
            "podcast_factory.runpage_assets",
            "podcast_factory.testing",
        ),
    ),
)


PACKAGE_ROOTS = ("podcast_factory", "podcast_factory.actors", "podcast_factory.providers")
"""Packages whose ``__init__`` the layout block leaves out (they only gather)."""


def layer_of(module: str) -> int | None:
    """The index of the layer a module belongs to (the longest matching prefix)."""
    best: tuple[int, int] | None = None
    for index, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if module == prefix or module.startswith(prefix + "."):
                if prefix == "podcast_factory" and module != prefix:
                    continue  # the package's __init__ only
                if best is None or len(prefix) > best[0]:
                    best = (len(prefix), index)
    return None if best is None else best[1]


def modules() -> dict[str, Path]:
    """Every module of the package by dotted name (links followed once)."""
    found: dict[str, Path] = {}
    paths = [
        Path(folder, name)
        for folder, _, files in os.walk(PACKAGE, followlinks=True)
        for name in files
        if name.endswith(".py")
    ]
    for path in sorted(paths):
        rel = path.relative_to(PACKAGE).with_suffix("")
        parts = [p for p in rel.parts if p != "__init__"]
        found[".".join(["podcast_factory", *parts])] = path
    return found


def imports(path: Path, module: str) -> list[tuple[int, str]]:
    """(line, imported module) for every import of a podcast_factory module."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found += [(node.lineno, f"{base}.{a.name}") for a in node.names]
            found.append((node.lineno, base))
    return [(line, name) for line, name in found if name.startswith("podcast_factory")]


def shown_path(path: Path) -> str:
    """A module's path as the repository shows it: ``actors/``, ``providers/`` and
    ``supervisor.py`` at the top (the package holds links to them)."""
    rel = path.relative_to(PACKAGE)
    if rel.parts[0] in ("actors", "providers") or rel.name == "supervisor.py" == str(rel):
        return str(rel)
    return str(path.relative_to(ROOT))


def tree() -> str:
    """The README's layout block: each layer, then one line per file (the first line
    of its docstring). ``tests/test_layout.py`` compares it with the README."""
    lines: list[str] = []
    by_layer: dict[int, list[tuple[str, str]]] = {}
    for module, path in modules().items():
        index = layer_of(module)
        if index is None or (path.name == "__init__.py" and module in PACKAGE_ROOTS):
            continue
        doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
        first = doc.strip().splitlines()[0] if doc.strip() else ""
        by_layer.setdefault(index, []).append((shown_path(path), first))
    for index, (name, _) in enumerate(LAYERS):
        lines.append(f"{name}:")
        lines += [f"  {p:<45}{d}".rstrip() for p, d in sorted(by_layer.get(index, []))]
    return "\n".join(lines)


def main() -> int:
    if sys.argv[1:] == ["--tree"]:
        print(tree())
        return 0
    names = modules()
    problems: list[str] = []
    for module, path in names.items():
        mine = layer_of(module)
        if mine is None:
            problems.append(f"{path.relative_to(ROOT)}: {module} is in no layer; add it")
            continue
        for line, target in imports(path, module):
            while target not in names and "." in target:
                target = target.rpartition(".")[0]  # an imported name, not a module
            theirs = layer_of(target)
            if theirs is not None and theirs > mine:
                problems.append(
                    f"{path.relative_to(ROOT)}:{line}: {module} ({LAYERS[mine][0]}) imports "
                    f"{target} ({LAYERS[theirs][0]}), a layer above it"
                )
    problems = list(dict.fromkeys(problems))  # one line per import, however many names
    for problem in problems:
        print(problem)
    print(f"layers: {len(names)} modules, {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
