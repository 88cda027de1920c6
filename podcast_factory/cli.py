"""``podcast-factory``: the command line.

Exit codes: 0 every episode completed; 1 some episode did not; 2 bad input or usage,
in which case nothing ran and nothing was written.
130 / 143: stopped by SIGINT / SIGTERM; the unfinished episodes are ``interrupted``
and a rerun resumes.

The grammar is in ``cli_parser``; each verb's module is imported when that verb runs,
so a verb says what it is doing within a second or two, before Ray and the SDKs load.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Sequence

from rich.console import Console

from podcast_factory.cli_parser import BAD_INPUT as BAD_INPUT
from podcast_factory.cli_parser import OK as OK
from podcast_factory.cli_parser import SOME_FAILED as SOME_FAILED
from podcast_factory.cli_parser import build_parser as build_parser
from podcast_factory.errors import RunError, UserInputError
from podcast_factory.interrupt import BatchInterrupted

API_FIELDS_AS_FLAGS: dict[str, str] = {"out_dir": "--out", "address": "--address"}
"""The API's field names (``run_batch(out_dir=...)``) that a command line gives as
flags; the library's errors name the field, the command line names its flag."""
RUN_FIELDS_AS_FLAGS: dict[str, str] = {"workflow.inputs_from": "--from"}
"""Fields that ``run`` fills from flags (``batch`` reads them from its file, whose
field names its errors keep)."""


def in_flags(exc: UserInputError, verb: str) -> str:
    """The error as a command-line user reads it: a field of the API named by its flag."""
    flags = {**API_FIELDS_AS_FLAGS, **(RUN_FIELDS_AS_FLAGS if verb == "run" else {})}
    flag = flags.get(exc.field)
    return str(exc) if flag is None else f"{flag}: {exc.problem}"


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    err = Console(stderr=True, markup=False)  # user text is printed as typed, never as markup
    try:
        return _dispatch(args, err)
    except UserInputError as exc:
        err.print(f"error: {in_flags(exc, args.verb)}", style="red", highlight=False, markup=False)
        return BAD_INPUT
    except BatchInterrupted as exc:  # SIGINT / SIGTERM: stopped cleanly, resumable
        err.print(f"{exc}", style="yellow", highlight=False, markup=False, soft_wrap=True)
        return 128 + exc.signal
    except KeyboardInterrupt:  # Ctrl-C before the batch started, or pressed twice
        err.print("interrupted", style="yellow", highlight=False)
        return 128 + signal.SIGINT
    except RunError as exc:  # the cluster could not be reached or refused the job
        err.print(f"error: {exc}", style="red", highlight=False, markup=False)
        return SOME_FAILED


def _dispatch(args: argparse.Namespace, err: Console) -> int:
    """Run the verb, importing only what it needs."""
    if args.verb == "report":
        from podcast_factory.cli_run import report

        return report(args)
    if args.verb == "publish":
        from podcast_factory.cli_publish import publish

        return publish(args, Console(markup=False), err)
    if args.verb == "submit":
        from podcast_factory.cli_jobs import submit

        return submit(args, err)
    if args.verb == "job":
        from podcast_factory.cli_jobs import follow

        return follow(args.address, args.job_id, args.json, err)
    if args.verb == "memory":
        from podcast_factory.memory_file import default_memory_dir
        from podcast_factory.memory_view import show_memory

        memory_dir = args.memory_dir or default_memory_dir(os.environ)
        return show_memory(args.show, memory_dir, args.json, Console(markup=False))
    if args.verb == "voices":
        from podcast_factory.cli_voices import voices

        return voices(args, err)
    if args.verb == "prompts":
        return _export_prompts(args.dir, args.force)
    if args.verb == "estimate":
        from podcast_factory.cli_run import price

        return price(args, err)
    # run, batch: Ray and the SDKs take seconds to load; say what is happening first
    what = "the episode" if args.verb == "run" else args.file
    err.print(f"Checking {what}...", style="dim", highlight=False, markup=False)
    from podcast_factory.cli_run import produce

    return produce(args, err)


def _export_prompts(folder: str, force: bool) -> int:
    """``prompts export DIR``: the default templates, and what each may say."""
    from pathlib import Path

    from podcast_factory.prompt_files import export_prompts
    from podcast_factory.prompts import COMMON, TEMPLATES

    def names(found: Sequence[str]) -> str:
        return " ".join(f"{{{name}}}" for name in found)

    out = Console(markup=False, highlight=False, soft_wrap=True)
    for path, template in zip(export_prompts(Path(folder), force), TEMPLATES.values(), strict=True):
        out.print(f"{path}: {template.about}")
        if template.placeholders:
            out.print(f"    {names(template.placeholders)}")
    out.print(f"every template may also use {names([*COMMON, 'avoid'])}")
    out.print(f"use them with `prompts: {folder}` in a batch file (relative to the file)")
    return OK


if __name__ == "__main__":
    sys.exit(main())
