"""The verbs that make, price and report on batches on this machine: ``run``, ``batch``,
``estimate`` and ``report``.

Each takes the parsed flags and returns an exit code (``podcast_factory.cli_args``);
errors propagate to ``main``, which turns them into messages and codes in one place.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

from rich.console import Console

from podcast_factory.batchfile import check_urls, load_batch_file
from podcast_factory.calibration import cost_history
from podcast_factory.cli_args import (
    OK,
    SOME_FAILED,
    confirm,
    settings_from_args,
    spec_from_args,
    workflow_from_args,
)
from podcast_factory.config import Credentials
from podcast_factory.errors import UserInputError
from podcast_factory.estimate import estimate_batch
from podcast_factory.failure_view import failure_details, failure_table
from podcast_factory.failures import by_cause
from podcast_factory.jobs import RESULT_PREFIX
from podcast_factory.memory_file import default_memory_dir
from podcast_factory.models import BatchResult
from podcast_factory.offline_checks import check_offline_language
from podcast_factory.runpage import write_run_page
from podcast_factory.verify import verify_run_dir
from podcast_factory.views import ProgressView, calibration_table, estimate_tables, result_table


def produce(args: argparse.Namespace, err: Console) -> int:
    """``run`` and ``batch``: make the episodes, showing progress; with ``--job`` (the
    driver of a Ray job) print the result as one line the submitting side reads back."""
    from podcast_factory.api import check_out_dir, ensure_ray, prepare, run_batch

    spec = spec_from_args(args)
    out = check_out_dir(args.out)
    creds = Credentials.from_env(os.environ)
    field = "--language" if args.verb == "run" else "show.language"
    settings = prepare(spec, out, settings_from_args(args, creds, err), language_field=field)
    settings = check_urls(spec, settings)
    check_offline_language(spec, settings, language_field=field)  # the URLs fetched now
    settings = confirm(args, settings, creds, err)
    plain = Console(stderr=True, force_terminal=False, markup=False) if args.job else err
    say = lambda line: err.print(line, style="dim", highlight=False, markup=False)  # noqa: E731
    ensure_ray(args.address, announce=say)  # run_batch reuses it
    with ProgressView(plain, len(spec.episodes), spec.workflow.order) as view:
        result = run_batch(
            spec,
            out,
            settings,
            creds=creds,
            on_progress=view.update,
            address=args.address,
            confirm=False,
            stop_on_signals=True,
        )
    page = _run_page(out, err)
    if args.job:  # the submitting side reads this one line back out of the job's logs
        err.print(result_table(result.episodes, out))
        print(RESULT_PREFIX + result.model_dump_json(), flush=True)
    else:
        _show_result(result, out, args.json, err)
    if page is not None:
        shown = err if args.json or args.job else Console(markup=False)
        shown.print(f"run page: {page}", highlight=False, soft_wrap=True, markup=False)
    for note in result.notes:  # a batch-level problem (a full disk): said last, in red
        err.print(f"error: {note}", style="red", highlight=False, markup=False, soft_wrap=True)
    return OK if result.ok else SOME_FAILED


def _run_page(out: Path, err: Console) -> Path | None:
    """Write the run page at the end of every batch; a page that cannot be written
    (a full disk) is said, never a failed batch."""
    try:
        return write_run_page(out)
    except (OSError, UserInputError) as exc:
        err.print(f"note: no run page: {exc}", style="yellow", highlight=False, markup=False)
        return None


def _show_result(result: BatchResult, out: Path, as_json: bool, err: Console) -> None:
    """The result on stdout, as JSON or a table with the path of every episode's audio
    (the WAV master and, once mastered, the MP3 to publish)."""
    if as_json:
        print(result.model_dump_json(indent=2))
        return
    console = Console(markup=False)
    console.print(result_table(result.episodes, out))
    for e in result.episodes:
        wav = out / e.episode_id / "audio.wav"
        if wav.is_file():
            console.print(f"audio: {wav}", highlight=False, soft_wrap=True, markup=False)
        mp3 = out / e.episode_id / "audio.mp3"
        if mp3.is_file():
            console.print(f"mp3: {mp3}", highlight=False, soft_wrap=True, markup=False)
    console.print(
        f"{sum(e.status == 'completed' for e in result.episodes)}/"
        f"{len(result.episodes)} completed in {result.wall_s:.1f} s",
        highlight=False,
    )
    failures = failure_table(result.episodes)
    if failures is not None:
        console.print(failures)
        console.print(f"why, in full: podcast-factory report {out}", highlight=False)


def price(args: argparse.Namespace, err: Console) -> int:
    """``estimate``: what the batch would cost with these flags, spending nothing."""
    spec = load_batch_file(args.file)
    spec = spec.model_copy(update={"workflow": workflow_from_args(args, spec.workflow)})
    creds = Credentials.from_env(os.environ)
    settings = settings_from_args(args, creds, err, need_keys=False)
    settings = confirm(args, settings, creds, err)  # asks only the providers with a key
    if settings.memory and settings.memory_dir is None:
        settings = settings.model_copy(update={"memory_dir": default_memory_dir(os.environ)})
    history = cost_history(settings, spec.show.name) if settings.memory else None
    estimate = estimate_batch(spec, settings, history=history)
    if args.json:
        data = estimate.model_dump(mode="json")
        data["total_micro_usd"] = estimate.total_micro_usd
        print(json.dumps(data, indent=2))
    else:
        console = Console(markup=False)
        for table in estimate_tables(estimate, console.width):
            console.print(table)
        calibration = estimate.calibration
        if calibration is not None and estimate.total_micro_usd:  # offline: all free
            if calibration.batches:
                console.print(calibration_table(calibration))
            else:
                console.print(
                    f"Expected cost: {calibration.summary()} (each batch of the show made "
                    "with series memory on records it, and later estimates learn from it)",
                    highlight=False,
                    soft_wrap=True,
                )
    return OK


def report(args: argparse.Namespace) -> int:
    """Status, quality and cost of a run directory, verified: every artifact a manifest
    records is checked (size, sha256); what is damaged is named and the exit code is 1."""
    found = verify_run_dir(args.dir)
    if not found.states and not found.damage:
        raise UserInputError(args.dir, "holds no episode manifests; is it a run directory?")
    damaged = found.damaged_episodes()
    if args.json:
        episodes = [
            {**s.model_dump(mode="json"), "damage": [str(d) for d in found.damage
                                                     if d.episode_id == s.episode_id]}
            for s in found.states
        ]  # fmt: skip
        damage = [vars(d) for d in found.damage]
        causes = by_cause(found.states)
        print(
            json.dumps(
                {
                    "batch": found.batch,
                    "episodes": episodes,
                    "damaged": damage,
                    "failures_by_cause": causes,
                },
                indent=2,
            )
        )
    else:
        estimates = {
            e["episode_id"]: sum(e["stages"].values())
            for e in (found.batch.get("estimate") or {}).get("episodes", [])
        }
        shown = [
            s.model_copy(update={"status": "damaged"}) if s.episode_id in damaged else s
            for s in found.states
        ]
        console = Console(markup=False)
        console.print(result_table(shown, found.root.resolve(), estimates or None))
        for d in found.damage:
            console.print(f"damaged: {d}", style="red", highlight=False, soft_wrap=True)
        failures = failure_table(shown)
        if failures is not None:
            console.print(failures)
            for block in failure_details(shown):
                console.print(block, soft_wrap=True, highlight=False)
    if getattr(args, "html", False):
        page = write_run_page(found.root, found)
        said = Console(stderr=args.json, markup=False)  # --json keeps stdout JSON
        said.print(f"run page: {page}", highlight=False, soft_wrap=True, markup=False)
    completed = all(s.status == "completed" for s in found.states)
    return OK if completed and found.intact else SOME_FAILED
