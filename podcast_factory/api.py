"""The Python API: a checked batch spec in, typed results out.

Usable from a script (``run_batch``), from a notebook or any running event loop
(``await run_batch_async``), or from inside a Ray job (Ray is already initialized there
and is reused). The CLI is a thin layer over these functions.

    >>> from podcast_factory.api import load_batch_file, run_batch
    >>> result = run_batch(load_batch_file("examples/batch.yaml"), "out")
    >>> [(e.episode_id, e.status) for e in result.episodes]
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import ray
from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

from podcast_factory.actors.governor import default_limits
from podcast_factory.actors.ledger import check_ledger
from podcast_factory.batchfile import load_batch_file, single_episode
from podcast_factory.calibration import cost_history
from podcast_factory.config import Credentials, RunSettings
from podcast_factory.errors import UserInputError
from podcast_factory.estimate import BatchEstimate, estimate_batch
from podcast_factory.inputs import missing_inputs
from podcast_factory.interrupt import GRACE_S, BatchInterrupted, StopSignals
from podcast_factory.memory_file import default_memory_dir
from podcast_factory.models import BatchResult, BatchSpec, EpisodeState
from podcast_factory.offline_checks import check_offline_language
from podcast_factory.providers.elevenlabs_account import subscription_concurrency
from podcast_factory.providers.lifecycle import (
    API_NAMES,
    check_models,
    configured_models,
    confirm_models,
)
from podcast_factory.providers.pricing import PriceTable
from podcast_factory.rundir import check_run_root
from podcast_factory.runlock import RunLock, check_not_locked
from podcast_factory.supervisor import Supervisor
from podcast_factory.voice_checks import check_speech
from podcast_factory.workflow import StageSpec, Workflow, workflow_from_python

log = logging.getLogger(__name__)

__all__ = [
    "BatchInterrupted",
    "BatchResult",
    "BatchSpec",
    "Credentials",
    "RunSettings",
    "StageSpec",
    "Workflow",
    "check_out_dir",
    "confirm_configured_models",
    "ensure_ray",
    "estimate_cost",
    "load_batch_file",
    "preflight",
    "run_batch",
    "run_batch_async",
    "single_episode",
    "start_batch",
    "workflow_from_python",
]

ProgressCallback = Callable[[list[EpisodeState]], None]
POLL_S = 0.25


class _LocalTokenNotice(logging.Filter):
    """Drops Ray's "Token authentication is enabled for this Ray cluster" warning, printed
    on every start of a private local instance: token authentication is what we want
    there, and the only action it offers (``RAY_AUTH_MODE=disabled``) would weaken it.
    Every other authentication message (a cluster without a token, a token missing)
    is kept."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("Token authentication is enabled")


_TOKEN_LOGGER = "ray._private.authentication.authentication_token_setup"

TASK_EVENTS_IN_GCS = 10_000
"""Task events the local Ray's GCS keeps for the state API (``ray list tasks``), the
latest ones. Ray 2.60 keeps 100,000 by default (``task_events_max_num_task_in_gcs``,
read through ``ray._raylet.Config``), and a batch makes ~48 actor calls an episode, so
a long batch grew gcs_server by ~140 MiB before the cap; 10,000 still holds the last
~200 episodes' calls for debugging. A cluster's GCS takes it from the environment of
``ray start --head`` (``RAY_task_events_max_num_task_in_gcs``); see docs/providers.md."""


def _system_config(local: bool) -> dict[str, Any]:
    """``ray.init``'s ``_system_config``: the GCS's settings, which only an instance
    started here takes (a cluster's come from the environment of ``ray start``)."""
    if not local:
        return {}
    return {"_system_config": {"task_events_max_num_task_in_gcs": TASK_EVENTS_IN_GCS}}


def ensure_ray(
    address: str | None = None,
    *,
    dashboard: bool = False,
    announce: Callable[[str], None] | None = None,
) -> None:
    """Start a local Ray instance, or connect to ``address``; reuse one already there.

    The dashboard is off unless asked for, and then binds to localhost only.
    ``announce`` is told what is starting just before it starts (it takes seconds)."""
    if ray.is_initialized():
        return
    local = address in (None, "local")
    cpus: int | None = None  # Ray's own count when connecting to a cluster
    if local:
        affinity = getattr(os, "sched_getaffinity", None)
        cpus = len(affinity(0)) if affinity is not None else os.cpu_count() or 1
    if announce is not None:
        announce(
            f"Starting Ray (local, {cpus} CPUs)..."
            if local
            else f"Connecting to Ray at {address}..."
        )
    token_log = logging.getLogger(_TOKEN_LOGGER)
    if not any(isinstance(f, _LocalTokenNotice) for f in token_log.filters):
        token_log.addFilter(_LocalTokenNotice())
    ray.init(
        address=address or "local",
        include_dashboard=dashboard,
        dashboard_host="127.0.0.1",
        logging_level=logging.WARNING,
        num_cpus=cpus,
        **_system_config(local),
    )


def check_out_dir(out_dir: str | os.PathLike[str]) -> Path:
    """The run directory, checked before anything runs: it must be creatable and writable,
    not a system folder, empty or a run directory of ours, and not in use by another run."""
    path = Path(out_dir).expanduser().resolve()
    check_run_root(path)
    if path.exists() and not path.is_dir():
        raise UserInputError("out_dir", f"{path} exists and is not a directory")
    probe = path
    while not probe.exists():
        probe = probe.parent
    if not probe.is_dir():
        raise UserInputError("out_dir", f"cannot create {path}: {probe} is a file")
    if not os.access(probe, os.W_OK | os.X_OK):
        raise UserInputError("out_dir", f"cannot write to {probe}")
    check_not_locked(path)
    return path


def prepare(
    batch: BatchSpec,
    out_dir: str | os.PathLike[str],
    settings: RunSettings | None = None,
    *,
    language_field: str = "show.language",
) -> RunSettings:
    """Checks that need the run directory, and the settings completed from the
    environment (where the series memory lives). Raises ``UserInputError``; an offline
    run's language problems name ``language_field`` (``--language`` for ``run``)."""
    settings = settings or RunSettings()
    stages = [s.name for s in batch.workflow.stages]
    for name in settings.agent_replicas:
        if name not in stages:
            raise UserInputError(
                "agent_replicas (--replicas)",
                f"{name!r} is not a stage of this batch ({', '.join(stages)})",
            )
    path = check_out_dir(out_dir)
    check_run_root(path, [e.episode_id for e in batch.episodes])  # no links leading out
    check_ledger(path)  # a ledger that may hold unreadable spend is refused before any call
    check_speech(batch.show, settings.tts)  # a default voice in the show's language
    if batch.prompts.edited:  # the batch file's templates travel to the agents in settings
        settings = settings.model_copy(update={"prompts": batch.prompts})
    missing = missing_inputs(batch, path)
    if missing:
        more = f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""
        raise UserInputError(
            "workflow.inputs_from",
            f"{missing[0]}{more}: the {batch.workflow.preset or 'workflow'} workflow starts "
            "from a previous run; point inputs_from at that run's directory",
        )
    check_offline_language(batch, settings, language_field=language_field)
    for notice in check_models(settings, PriceTable.load()):
        log.warning("%s", notice)
    if settings.memory and settings.memory_dir is None:
        settings = settings.model_copy(update={"memory_dir": default_memory_dir(os.environ)})
    return settings


def estimate_cost(batch: BatchSpec, settings: RunSettings | None = None) -> BatchEstimate:
    """What ``batch`` would cost with ``settings``, spending nothing: the static estimate
    per episode and stage and, with series memory on, ``.calibration``: the same
    calibrated on what the show's earlier batches cost (``expected_micro_usd``, with
    ``low_micro_usd``..``high_micro_usd``, per stage and in total)."""
    settings = settings or RunSettings()
    if settings.memory and settings.memory_dir is None:
        settings = settings.model_copy(update={"memory_dir": default_memory_dir(os.environ)})
    history = cost_history(settings, batch.show.name) if settings.memory else None
    return estimate_batch(batch, settings, history=history)


def preflight(
    settings: RunSettings,
    creds: Credentials,
    *,
    size_speech: bool | None = None,
    names: Mapping[str, str] = API_NAMES,
) -> tuple[RunSettings, list[str]]:
    """Free calls before any paid one, once per run: every configured model confirmed
    (``confirm_configured_models``), and with an ElevenLabs key and ``size_speech`` (by
    default: unless the caller set ``provider_limits``), ElevenLabs' concurrency set
    from the account's plan when it is still the default.
    Returns the settings to run with and notices for the user; errors name a model's
    field as ``names`` says (``RunSettings`` fields by default, flags for the CLI)."""
    notices = confirm_configured_models(settings, creds, names)
    key = creds.elevenlabs_api_key
    limits = settings.provider_limits
    if size_speech is None:  # the caller's own limits stand; the defaults follow the plan
        size_speech = "provider_limits" not in settings.model_fields_set
    default = default_limits()["elevenlabs"]
    if size_speech and settings.tts == "elevenlabs" and key and limits["elevenlabs"] == default:
        plan = subscription_concurrency(key.get_secret_value(), creds.elevenlabs_base_url)
        if plan is not None:
            tier, most = plan
            sized = limits["elevenlabs"].model_copy(update={"max_concurrent": most})
            settings = settings.model_copy(
                update={"provider_limits": {**limits, "elevenlabs": sized}}
            )
            notices.append(
                f"ElevenLabs {tier} plan: up to {most} speech requests at once "
                "(set provider_limits for another limit)"
            )
    return settings, notices


def confirm_configured_models(
    settings: RunSettings, creds: Credentials, names: Mapping[str, str] = API_NAMES
) -> list[str]:
    """With a key, ask each provider's (free) models endpoint whether every configured
    model exists, once per run and before any paid call; raises ``UserInputError`` for
    a model the provider does not know. Returns notices (an endpoint not reached)."""
    claude, speech = configured_models(settings, names)
    a, e = creds.anthropic_api_key, creds.elevenlabs_api_key
    return confirm_models(
        claude,
        speech,
        anthropic_key=a.get_secret_value() if a else None,
        anthropic_base_url=creds.anthropic_base_url,
        elevenlabs_key=e.get_secret_value() if e else None,
        elevenlabs_base_url=creds.elevenlabs_base_url,
    )


def start_batch(
    batch: BatchSpec,
    out_dir: str | os.PathLike[str],
    settings: RunSettings | None = None,
    creds: Credentials | None = None,
) -> Any:
    """Create the supervisor actor for a batch; returns its handle (Ray must be running)."""
    settings = prepare(batch, out_dir, settings)
    path = check_out_dir(out_dir)
    # The supervisor writes the run directory: keep it on this (the driver's) node, so
    # a batch submitted as a Ray job leaves its artifacts where its driver ran.
    here = NodeAffinitySchedulingStrategy(ray.get_runtime_context().get_node_id(), soft=False)
    return (
        ray.remote(Supervisor)
        .options(max_concurrency=1000, scheduling_strategy=here)
        .remote(batch, str(path), settings, creds or Credentials())
    )


async def run_batch_async(
    batch: BatchSpec,
    out_dir: str | os.PathLike[str],
    settings: RunSettings | None = None,
    *,
    creds: Credentials | None = None,
    on_progress: ProgressCallback | None = None,
    address: str | None = None,
    confirm: bool = True,
    stop_on_signals: bool = False,
) -> BatchResult:
    """Run a batch to the end, calling ``on_progress`` with every episode's state.

    ``settings`` says which providers run (offline unless set); ``creds`` carries the
    API keys (``Credentials.from_env(os.environ)`` reads them the usual way).
    ``confirm``: ask the models endpoints first (``confirm_configured_models``); pass
    False when the caller already did for this run. ``stop_on_signals``: SIGINT and
    SIGTERM stop the batch cleanly and raise ``BatchInterrupted`` (main thread only)."""
    prepare(batch, out_dir, settings)  # bad input fails before Ray starts
    if confirm:
        settings, notices = await asyncio.to_thread(
            preflight, settings or RunSettings(), creds or Credentials()
        )
        for notice in notices:
            log.warning("%s", notice)
    lock = RunLock.acquire(check_out_dir(out_dir))  # held until the batch ends
    try:
        ensure_ray(address)
        supervisor = start_batch(batch, out_dir, settings, creds)
    except BaseException:
        lock.release()
        raise
    stopper = StopSignals.install() if stop_on_signals else None  # after Ray's handlers
    try:
        done = asyncio.ensure_future(supervisor.run.remote())
        version = 0
        states: dict[str, EpisodeState] = {}
        while True:
            finished, _ = await asyncio.wait({done}, timeout=POLL_S)
            if stopper is not None and stopper.received and stopper.sent is None:
                stopper.sent = supervisor.interrupt.remote(stopper.reason(), GRACE_S)
            if on_progress is not None:  # only what changed crosses the wire
                version, changed = await supervisor.progress.remote(version)
                states.update((s.episode_id, s) for s in changed)
                on_progress(list(states.values()))
            if finished:
                result: BatchResult = done.result()
                if stopper is not None and stopper.received:
                    raise BatchInterrupted(stopper.received, result)
                return result
    finally:
        if stopper is not None:
            stopper.uninstall()
        ray.kill(supervisor)
        lock.release()


def run_batch(
    batch: BatchSpec,
    out_dir: str | os.PathLike[str],
    settings: RunSettings | None = None,
    *,
    creds: Credentials | None = None,
    on_progress: ProgressCallback | None = None,
    address: str | None = None,
    confirm: bool = True,
    stop_on_signals: bool = False,
) -> BatchResult:
    """Blocking form of ``run_batch_async`` for scripts and the CLI."""
    return asyncio.run(
        run_batch_async(
            batch,
            out_dir,
            settings,
            creds=creds,
            on_progress=on_progress,
            address=address,
            confirm=confirm,
            stop_on_signals=stop_on_signals,
        )
    )
