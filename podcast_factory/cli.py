"""``podcast-factory``: the command line.

Exit codes: 0 every episode completed; 1 some episode did not; 2 bad input or usage,
in which case nothing ran and nothing was written.
130 / 143: stopped by SIGINT / SIGTERM; the unfinished episodes are ``interrupted``
and a rerun resumes.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

from rich.console import Console

from podcast_factory.actors.governor import default_limits
from podcast_factory.actors.memory import default_memory_dir
from podcast_factory.batchfile import (
    check_concurrency,
    check_urls,
    load_batch_file,
    parse_usd,
    single_episode,
)
from podcast_factory.config import (
    ClaudeSettings,
    Credentials,
    ElevenLabsSettings,
    RunSettings,
    choose_providers,
)
from podcast_factory.errors import RunError, UserInputError
from podcast_factory.estimate import estimate_batch
from podcast_factory.interrupt import BatchInterrupted
from podcast_factory.jobs import RESULT_PREFIX, submit_batch, wait_for_job
from podcast_factory.memory_view import show_memory
from podcast_factory.models import BatchResult, BatchSpec
from podcast_factory.providers.lifecycle import CLI_NAMES, check_models
from podcast_factory.providers.pricing import PriceTable
from podcast_factory.verify import verify_run_dir
from podcast_factory.views import ProgressView, estimate_table, result_table
from podcast_factory.workflow import MAX_REVISIONS, PRESETS, Workflow, validate

OK, SOME_FAILED, BAD_INPUT = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    """argparse that exits 2 with our message format on usage errors (its default is 2)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(BAD_INPUT, f"error: {message}\n")


def _add_provider_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--llm",
        choices=["offline", "claude"],
        help="research/script/judge provider (default: claude if ANTHROPIC_API_KEY "
        "is set, else offline)",
    )
    p.add_argument(
        "--tts",
        choices=["espeak", "elevenlabs"],
        help="speech provider (default: elevenlabs if ELEVENLABS_API_KEY is set, else espeak)",
    )
    for flag, what in (
        ("--research-model", "research"),
        ("--script-model", "script writing"),
        ("--quality-model", "judging"),
    ):
        p.add_argument(flag, metavar="MODEL", help=f"Claude model for {what}")
    p.add_argument("--tts-model", metavar="MODEL", help="ElevenLabs model")
    p.add_argument(
        "--max-concurrent",
        action="append",
        default=[],
        metavar="PROVIDER=N",
        help="requests a provider may have open at once, batch-wide (default anthropic=8, "
        "elevenlabs=2, a free ElevenLabs tier); repeat for each provider",
    )
    p.add_argument(
        "--rpm",
        action="append",
        default=[],
        metavar="PROVIDER=N",
        help="requests a minute a provider may get, batch-wide (default anthropic=50)",
    )
    p.add_argument(
        "--attempts",
        type=int,
        metavar="N",
        help="tries per provider request on 429, 529, 5xx, timeouts (default 4)",
    )
    p.add_argument(
        "--web-searches",
        type=int,
        metavar="N",
        help="web searches Claude research may make per episode (default 0)",
    )
    p.add_argument(
        "--economy",
        action="store_true",
        help="send Claude requests through the Message Batches API: half the token "
        "price, results in minutes to hours (web searches cost the same)",
    )
    p.add_argument(
        "--dialogue",
        action="store_true",
        help="voice both hosts through ElevenLabs Text to Dialogue (eleven_v3): several "
        "turns a request, each turn's timing kept",
    )


def _add_run_options(p: argparse.ArgumentParser) -> None:
    _add_provider_options(p)
    p.add_argument("--out", required=True, help="run directory (created; reruns resume)")
    p.add_argument("--budget", metavar="USD", help="batch budget in dollars (default: none)")
    p.add_argument("--episode-cap", metavar="USD", help="most one episode may cost")
    p.add_argument("--address", help="Ray cluster address (default: a local Ray instance)")
    p.add_argument("--json", action="store_true", help="print the result as JSON on stdout")
    p.add_argument("--job", action="store_true", help=argparse.SUPPRESS)  # a Ray job's driver
    # a pause before every provider call: slows a batch down for demos and tests
    p.add_argument("--provider-latency", type=float, default=0.0, help=argparse.SUPPRESS)
    _add_workflow_options(p)
    p.add_argument(
        "--memory-dir",
        metavar="DIR",
        help="where series memory is kept (default: $PODCAST_FACTORY_MEMORY or "
        "~/.podcast-factory/memory)",
    )
    p.add_argument(
        "--no-memory",
        action="store_true",
        help="neither read nor write the show's series memory",
    )
    _add_private_sources_option(p)


def _add_private_sources_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--allow-private-sources",
        action="store_true",
        help="fetch source URLs on this machine or your own network (loopback, private and "
        "link-local addresses); refused by default",
    )


def _add_workflow_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--workflow",
        choices=sorted(PRESETS),
        help="a preset instead of the batch file's workflow: full (default), script-only "
        "(research and script), revoice (speak existing scripts again, no research or "
        "writing paid)",
    )
    p.add_argument(
        "--revisions",
        type=int,
        metavar="N",
        help="times a script the quality check fails is revised and voiced again (0-5, default 1)",
    )
    p.add_argument(
        "--from",
        dest="inputs_from",
        metavar="DIR",
        help="run directory to take existing research and scripts from (revoice)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="podcast-factory", description="Topics and sources in, finished two-host episodes out."
    )
    sub = parser.add_subparsers(dest="verb", required=True, parser_class=_Parser)

    run = sub.add_parser(
        "run",
        help="make one episode",
        description="Make one episode of TOPIC from the given sources.",
    )
    run.add_argument("topic", metavar="TOPIC")
    run.add_argument(
        "--source",
        action="append",
        default=[],
        metavar="P",
        help="a .md/.txt/.html file or http(s) URL; repeat for more",
    )
    run.add_argument("--minutes", type=float, default=3.0, help="target length (default 3)")
    run.add_argument("--id", dest="episode_id", help="episode id (default: from the topic)")
    _add_run_options(run)

    batch = sub.add_parser(
        "batch",
        help="make many episodes from a YAML batch file",
        description="Make every episode of a YAML batch file.",
    )
    batch.add_argument("file", metavar="FILE")
    batch.add_argument("--concurrency", type=int, help="episodes at once (default 4)")
    _add_run_options(batch)

    estimate = sub.add_parser(
        "estimate",
        help="what a batch would cost, spending nothing",
        description="Expected cost per episode and stage with the configured providers. "
        "Calls no API.",
    )
    estimate.add_argument("file", metavar="FILE")
    _add_provider_options(estimate)
    _add_workflow_options(estimate)
    estimate.add_argument("--json", action="store_true", help="machine-readable output")

    report = sub.add_parser(
        "report",
        help="status, quality and cost of a run directory",
        description="Show what a run directory holds.",
    )
    report.add_argument("dir", metavar="DIR")
    report.add_argument("--json", action="store_true", help="machine-readable output")

    submit = sub.add_parser(
        "submit",
        help="run a batch as a Ray job on a cluster",
        description="Submit FILE as a Ray job to the cluster at --address (its dashboard, "
        "e.g. http://HEAD:8265), follow its progress and print its result. The code, the "
        "batch file and its local sources travel with the job; the run directory is "
        "written on the head node. The cluster's token is read from RAY_AUTH_TOKEN, "
        "RAY_AUTH_TOKEN_PATH or ~/.ray/auth_token.",
    )
    submit.add_argument("file", metavar="FILE")
    submit.add_argument("--address", required=True, help="the cluster's dashboard address")
    submit.add_argument(
        "--out",
        help="run directory on the head node (default ~/podcast-factory/runs/<job id>)",
    )
    submit.add_argument(
        "--no-wait", action="store_true", help="print the job id and return at once"
    )
    submit.add_argument(
        "--forward-keys",
        action="store_true",
        help="send ANTHROPIC_API_KEY / ELEVENLABS_API_KEY with the job (Ray keeps a job's "
        "environment in its job table; by default the cluster's own keys are used)",
    )
    submit.add_argument("--json", action="store_true", help="print the result as JSON")
    submit.add_argument("--budget", metavar="USD", help="batch budget in dollars")
    submit.add_argument("--episode-cap", metavar="USD", help="most one episode may cost")
    submit.add_argument("--concurrency", type=int, help="episodes at once (default 4)")
    submit.add_argument("--no-memory", action="store_true", help="no series memory")
    _add_private_sources_option(submit)
    _add_provider_options(submit)
    _add_workflow_options(submit)

    job = sub.add_parser(
        "job",
        help="follow or fetch the result of a submitted batch",
        description="Follow the job ID on the cluster at --address until it ends, then "
        "print its result.",
    )
    job.add_argument("job_id", metavar="ID")
    job.add_argument("--address", required=True, help="the cluster's dashboard address")
    job.add_argument("--json", action="store_true", help="print the result as JSON")

    memory = sub.add_parser(
        "memory",
        help="what a show's series memory holds",
        description="Episodes produced, facts covered and lessons learned for SHOW (its "
        "name as in the batch file).",
    )
    memory.add_argument("show", metavar="SHOW")
    memory.add_argument("--memory-dir", metavar="DIR", help="where series memory is kept")
    memory.add_argument("--json", action="store_true", help="machine-readable output")
    return parser


def _spec_from_args(args: argparse.Namespace) -> BatchSpec:
    if args.verb == "run":
        if not args.source:
            raise UserInputError("--source", "give at least one source file or URL")
        spec = single_episode(args.topic, args.source, args.minutes, args.episode_id)
    else:
        spec = load_batch_file(args.file)
    update: dict[str, object] = {}
    if args.budget is not None:
        update["budget_micro_usd"] = parse_usd("--budget", args.budget)
    if args.episode_cap is not None:
        update["episode_cap_micro_usd"] = parse_usd("--episode-cap", args.episode_cap)
    if getattr(args, "concurrency", None) is not None:
        update["concurrency"] = check_concurrency("--concurrency", args.concurrency)
    workflow = _workflow_from_args(args, spec.workflow)
    if workflow is not spec.workflow:
        update["workflow"] = workflow
    return spec.model_copy(update=update)


def _workflow_from_args(args: argparse.Namespace, workflow: Workflow) -> Workflow:
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


def _settings(args: argparse.Namespace, creds: Credentials, err: Console) -> RunSettings:
    """Providers from the flags, else from the keys in the environment, with a notice."""
    llm, tts, notices = choose_providers(args.llm, args.tts, creds)
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
    )
    for notice in check_models(settings, PriceTable.load(), CLI_NAMES):
        err.print(f"note: {notice}", style="yellow", highlight=False, markup=False)
    return settings


def _confirm(
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


def _produce(args: argparse.Namespace, err: Console) -> int:
    from podcast_factory.api import check_out_dir, prepare, run_batch

    spec = _spec_from_args(args)
    out = check_out_dir(args.out)
    creds = Credentials.from_env(os.environ)
    settings = prepare(spec, out, _settings(args, creds, err))
    settings = check_urls(spec, settings)
    settings = _confirm(args, settings, creds, err)
    plain = Console(stderr=True, force_terminal=False, markup=False) if args.job else err
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
    if args.job:  # the submitting side reads this one line back out of the job's logs
        err.print(result_table(result.episodes, out))
        print(RESULT_PREFIX + result.model_dump_json(), flush=True)
    else:
        _show_result(result, out, args.json, err)
    for note in result.notes:  # a batch-level problem (a full disk): said last, in red
        err.print(f"error: {note}", style="red", highlight=False, markup=False, soft_wrap=True)
    return OK if result.ok else SOME_FAILED


FORWARDED = (
    "llm", "tts", "research_model", "script_model", "quality_model", "tts_model",
    "max_concurrent", "rpm", "attempts", "web_searches", "workflow", "revisions",
    "inputs_from", "budget", "episode_cap", "concurrency", "no_memory", "economy", "dialogue",
    "allow_private_sources",
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


def _submit(args: argparse.Namespace, err: Console) -> int:
    _spec_from_args(args)  # the file and its flags checked here, before the cluster sees them
    options = _batch_options(args)
    job_id = submit_batch(args.file, args.address, out=args.out, options=options,
                          forward_keys=args.forward_keys)  # fmt: skip
    err.print(f"submitted job {job_id} to {args.address}", highlight=False, markup=False)
    if args.no_wait:
        print(job_id)
        return OK
    return _follow(args.address, job_id, args.json, err)


def _follow(address: str, job_id: str, as_json: bool, err: Console) -> int:
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


def _show_result(result: BatchResult, out: Path, as_json: bool, err: Console) -> None:
    if as_json:
        print(result.model_dump_json(indent=2))
        return
    console = Console(markup=False)
    console.print(result_table(result.episodes, out))
    for e in result.episodes:
        wav = out / e.episode_id / "audio.wav"
        if wav.is_file():
            console.print(f"audio: {wav}", highlight=False, soft_wrap=True, markup=False)
    console.print(
        f"{sum(e.status == 'completed' for e in result.episodes)}/"
        f"{len(result.episodes)} completed in {result.wall_s:.1f} s",
        highlight=False,
    )


def _estimate(args: argparse.Namespace, err: Console) -> int:
    spec = load_batch_file(args.file)
    spec = spec.model_copy(update={"workflow": _workflow_from_args(args, spec.workflow)})
    creds = Credentials.from_env(os.environ)
    settings = _settings(args, creds, err)
    settings = _confirm(args, settings, creds, err)
    estimate = estimate_batch(spec, settings)
    if args.json:
        data = estimate.model_dump(mode="json")
        data["total_micro_usd"] = estimate.total_micro_usd
        print(json.dumps(data, indent=2))
    else:
        Console(markup=False).print(estimate_table(estimate))
    return OK


def _report(args: argparse.Namespace) -> int:
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
        print(json.dumps({"batch": found.batch, "episodes": episodes, "damaged": damage}, indent=2))
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
    completed = all(s.status == "completed" for s in found.states)
    return OK if completed and found.intact else SOME_FAILED


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    err = Console(stderr=True, markup=False)  # user text is printed as typed, never as markup
    try:
        if args.verb == "report":
            return _report(args)
        if args.verb == "submit":
            return _submit(args, err)
        if args.verb == "job":
            return _follow(args.address, args.job_id, args.json, err)
        if args.verb == "memory":
            memory_dir = args.memory_dir or default_memory_dir(os.environ)
            return show_memory(args.show, memory_dir, args.json, Console(markup=False))
        if args.verb == "estimate":
            return _estimate(args, err)
        return _produce(args, err)
    except UserInputError as exc:
        err.print(f"error: {exc}", style="red", highlight=False, markup=False)
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


if __name__ == "__main__":
    sys.exit(main())
