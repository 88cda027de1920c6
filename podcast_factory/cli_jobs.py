"""The verbs that run a batch as a Ray job on a cluster: ``submit`` and ``job``.

The batch file and its flags are checked here before the cluster sees them; on the
cluster the job runs the ``batch`` verb with the flags ``submit`` was given
(``FORWARDED``), and its result comes back through ``follow``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console

from podcast_factory.cli_args import OK, SOME_FAILED, spec_from_args
from podcast_factory.jobs import submit_batch, wait_for_job
from podcast_factory.views import result_table

FORWARDED = (
    "llm", "tts", "research_model", "script_model", "quality_model", "tts_model",
    "max_concurrent", "rpm", "attempts", "web_searches", "workflow", "revisions",
    "inputs_from", "budget", "episode_cap", "concurrency", "no_memory", "economy", "dialogue",
    "allow_private_sources", "analyse_failures", "replicas",
)  # fmt: skip
"""The ``submit`` options handed on to the ``batch`` verb that runs on the cluster."""


def _batch_options(args: argparse.Namespace) -> list[str]:
    """The job's ``batch`` flags from the options given to ``submit``."""
    options: list[str] = []
    for name in FORWARDED:
        flag = "--from" if name == "inputs_from" else "--" + name.replace("_", "-")
        value = getattr(args, name, None)
        if value is None or value is False or value == []:
            continue
        if value is True:
            options.append(flag)
        elif isinstance(value, list):
            for item in value:
                options += [flag, str(item)]
        else:
            options += [flag, str(value)]
    return options


def submit(args: argparse.Namespace, err: Console) -> int:
    """``submit``: hand the batch to the cluster, then follow it unless ``--no-wait``."""
    spec_from_args(args)  # the file and its flags checked here, before the cluster sees them
    options = _batch_options(args)
    job_id = submit_batch(args.file, args.address, out=args.out, options=options,
                          forward_keys=args.forward_keys)  # fmt: skip
    err.print(f"submitted job {job_id} to {args.address}", highlight=False, markup=False)
    if args.no_wait:
        print(job_id)
        return OK
    return follow(args.address, job_id, args.json, err)


def follow(address: str, job_id: str, as_json: bool, err: Console) -> int:
    """``job``, and ``submit`` after submitting: stream the job's log lines to stderr until
    it ends, then print its result."""
    outcome = wait_for_job(address, job_id, on_line=lambda line: err.print(
        line, highlight=False, markup=False, soft_wrap=True))  # fmt: skip
    if as_json:
        print(outcome.model_dump_json(indent=2))
    elif outcome.result is not None:
        out = Path(outcome.result.out_dir)
        Console(markup=False).print(result_table(outcome.result.episodes, out))
        Console(markup=False).print(
            f"job {job_id}: {outcome.status}; run directory on the head node: {out}",
            highlight=False,
            soft_wrap=True,
        )
    if outcome.result is None:
        err.print(
            f"job {job_id} ended {outcome.status} without a result: {outcome.message}",
            style="red",
            highlight=False,
        )
        return SOME_FAILED
    return OK if outcome.result.ok else SOME_FAILED
