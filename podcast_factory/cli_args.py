"""What the command line's flags mean: a ``BatchSpec`` and ``RunSettings`` from them.

Shared by every verb that reads a batch (``run``, ``batch``, ``estimate``, ``submit``), so
a flag means the same everywhere and a bad one is a ``UserInputError`` naming the flag
(``--revisions``) before anything runs. Also the exit codes the verbs return.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from rich.console import Console

from podcast_factory.actors.governor import default_limits
from podcast_factory.batchfile import (
    check_concurrency,
    load_batch_file,
    parse_usd,
    single_episode,
)
from podcast_factory.cli_parser import BAD_INPUT as BAD_INPUT
from podcast_factory.cli_parser import OK as OK
from podcast_factory.cli_parser import SOME_FAILED as SOME_FAILED
from podcast_factory.cli_show import show_from_args
from podcast_factory.config import (
    ClaudeSettings,
    Credentials,
    ElevenLabsSettings,
    RunSettings,
    choose_providers,
)
from podcast_factory.errors import UserInputError
from podcast_factory.models import BatchSpec
from podcast_factory.providers.lifecycle import CLI_NAMES, check_models
from podcast_factory.providers.pricing import PriceTable
from podcast_factory.workflow import MAX_REVISIONS, Workflow, validate


def spec_from_args(args: argparse.Namespace) -> BatchSpec:
    """The batch a verb reads (one episode for ``run``, else the batch file) with the
    command line's budget, cap, concurrency and workflow flags laid over it."""
    if args.verb == "run":
        show = show_from_args(args, speech_provider(args))
        if not args.source:
            raise UserInputError("--source", "give at least one source file or URL")
        spec = single_episode(args.topic, args.source, args.minutes, args.episode_id, show)
    else:
        spec = load_batch_file(args.file)
    update: dict[str, object] = {}
    if args.budget is not None:
        update["budget_micro_usd"] = parse_usd("--budget", args.budget)
    if args.episode_cap is not None:
        update["episode_cap_micro_usd"] = parse_usd("--episode-cap", args.episode_cap)
    if getattr(args, "concurrency", None) is not None:
        update["concurrency"] = check_concurrency("--concurrency", args.concurrency)
    workflow = workflow_from_args(args, spec.workflow)
    if workflow is not spec.workflow:
        update["workflow"] = workflow
    return spec.model_copy(update=update)


def speech_provider(args: argparse.Namespace) -> str:
    """The speech provider the run will use: ``--tts``, else the key in the environment
    (as ``choose_providers`` decides)."""
    creds = Credentials.from_env(os.environ)
    return str(args.tts or ("elevenlabs" if creds.elevenlabs_api_key else "espeak"))


def workflow_from_args(args: argparse.Namespace, workflow: Workflow) -> Workflow:
    """The batch's workflow with the command line's preset, revisions and --from."""
    changes: dict[str, object] = {}
    if args.workflow is not None:
        workflow = Workflow.preset(args.workflow, revisions=workflow.revisions)
        changes["inputs_from"] = workflow.inputs_from
    if args.revisions is not None:
        if not 0 <= args.revisions <= MAX_REVISIONS:
            raise UserInputError("--revisions", f"must be from 0 to {MAX_REVISIONS}")
        changes["revisions"] = args.revisions
    if args.inputs_from is not None and args.verb == "submit":
        changes["inputs_from"] = args.inputs_from  # a directory on the cluster's head node
    elif args.inputs_from is not None:
        source = Path(args.inputs_from).expanduser().resolve()
        if not source.is_dir():
            raise UserInputError("--from", f"{source} is not a run directory")
        changes["inputs_from"] = str(source)
    if not changes:
        return workflow
    return validate(workflow.model_copy(update=changes), "--workflow")


def settings_from_args(
    args: argparse.Namespace, creds: Credentials, err: Console, *, need_keys: bool = True
) -> RunSettings:
    """Providers from the flags, else from the keys in the environment, with a notice;
    ``need_keys`` False for a verb that calls no paid API (``estimate``)."""
    llm, tts, notices = choose_providers(args.llm, args.tts, creds, need_keys=need_keys)
    for notice in notices:
        err.print(f"note: {notice}", style="yellow", highlight=False, markup=False)
    claude = ClaudeSettings().model_copy(
        update={
            k: v
            for k, v in (
                ("research_model", args.research_model),
                ("script_model", args.script_model),
                ("quality_model", args.quality_model),
                ("web_searches", args.web_searches),
                ("economy", getattr(args, "economy", False) or None),
            )
            if v is not None
        }
    )
    if not 0 <= claude.web_searches <= 20:
        raise UserInputError("--web-searches", "must be from 0 to 20")
    elevenlabs = ElevenLabsSettings(dialogue=bool(getattr(args, "dialogue", False)))
    if args.tts_model:
        elevenlabs = elevenlabs.model_copy(update={"model_id": args.tts_model})
    limits = dict(default_limits())
    for flag, field, items, top in (
        ("--max-concurrent", "max_concurrent", args.max_concurrent, 1000),
        ("--rpm", "requests_per_minute", args.rpm, 100_000),
    ):
        for item in items:
            provider, _, number = item.partition("=")
            if provider not in limits or not number.isdigit() or not 1 <= int(number) <= top:
                raise UserInputError(
                    flag,
                    f"{item!r}: give PROVIDER=N with PROVIDER one of {', '.join(limits)} "
                    f"and N from 1 to {top}",
                )
            limits[provider] = limits[provider].model_copy(update={field: int(number)})
    replicas: dict[str, int] = {}
    for item in getattr(args, "replicas", []):
        stage, _, number = item.partition("=")
        if not stage or not number.isdigit() or not 1 <= int(number) <= 1024:
            raise UserInputError("--replicas", f"{item!r}: give STAGE=N with N from 1 to 1024")
        replicas[stage] = int(number)
    if args.attempts is not None and not 1 <= args.attempts <= 10:
        raise UserInputError("--attempts", "must be from 1 to 10")
    settings = RunSettings(
        llm=llm,
        tts=tts,
        claude=claude,
        elevenlabs=elevenlabs,
        provider_limits=limits,
        provider_attempts=args.attempts or RunSettings().provider_attempts,
        memory=not getattr(args, "no_memory", False),
        provider_latency_s=max(0.0, getattr(args, "provider_latency", 0.0)),
        memory_dir=getattr(args, "memory_dir", None),
        allow_private_sources=bool(getattr(args, "allow_private_sources", False)),
        analyse_failures=bool(getattr(args, "analyse_failures", False)),
        agent_replicas=replicas,
    )
    for notice in check_models(settings, PriceTable.load(), CLI_NAMES):
        err.print(f"note: {notice}", style="yellow", highlight=False, markup=False)
    return settings


def confirm(
    args: argparse.Namespace, settings: RunSettings, creds: Credentials, err: Console
) -> RunSettings:
    """Ask the models endpoints and the speech account (free) before any paid call, once
    per run; ElevenLabs concurrency follows the plan unless --max-concurrent set it."""
    from podcast_factory.api import preflight

    explicit = any(item.startswith("elevenlabs=") for item in args.max_concurrent)
    settings, notices = preflight(settings, creds, size_speech=not explicit, names=CLI_NAMES)
    for notice in notices:
        err.print(f"note: {notice}", style="yellow", highlight=False, markup=False)
    return settings
