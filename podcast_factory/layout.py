"""The names a run directory uses at its top level, so no episode may take one.

Kept apart from ``rundir`` (which imports the models) so that the models can check an
episode id against these names without an import cycle.
"""

from __future__ import annotations

RUN_FORMAT = "podcast-factory-run/1"
"""Written into ``batch.json`` (``"format"``) and the lock file: what marks a folder as
a run directory of ours."""

BATCH_NAME = "batch.json"
LEDGER_NAME = "ledger.jsonl"
LOCK_NAME = ".podcast-factory.lock"
CACHE_NAME = ".cache"
INDEX_NAME = "index.html"

RESERVED_NAMES: frozenset[str] = frozenset(
    {BATCH_NAME, LEDGER_NAME, LOCK_NAME, CACHE_NAME, INDEX_NAME}
)
"""Every file and folder the run directory keeps beside the episode folders."""


def reserved_name(name: str) -> str | None:
    """The reserved name that ``name`` would collide with, or None.

    Compared without case (a case-insensitive file system makes ``Batch.JSON`` the
    same file), and a reserved file's side files (``ledger.jsonl.1``,
    ``batch.json.bak``) are reserved with it."""
    low = name.lower()
    for taken in sorted(RESERVED_NAMES):
        if low == taken or low.startswith(taken + "."):
            return taken
    return None


def reserved_problem(name: str) -> str | None:
    """The message for an episode id that is reserved, or None when it is free."""
    taken = reserved_name(name)
    if taken is None:
        return None
    return f"{name!r} is reserved: the run directory keeps its own {taken} there; choose another id"
