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
from collections.abc import Callable
from pathlib import Path
from typing import Any

import ray
from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

from actors.memory import default_memory_dir
from podcast_factory.batchfile import load_batch_file, single_episode
from podcast_factory.config import Credentials, RunSettings
from podcast_factory.errors import UserInputError
from podcast_factory.inputs import missing_inputs
from podcast_factory.models import BatchResult, BatchSpec, EpisodeState
from podcast_factory.workflow import StageSpec, Workflow, workflow_from_python

__all__ = [
    "BatchResult",
    "BatchSpec",
    "Credentials",
    "RunSettings",
    "StageSpec",
    "Workflow",
    "check_out_dir",
    "ensure_ray",
    "load_batch_file",
    "run_batch",
    "run_batch_async",
    "single_episode",
    "start_batch",
    "workflow_from_python",
]

ProgressCallback = Callable[[list[EpisodeState]], None]
POLL_S = 0.25


def ensure_ray(address: str | None = None, *, dashboard: bool = False) -> None:
    """Start a local Ray instance, or connect to ``address``; reuse one already there.

    The dashboard is off unless asked for, and then binds to localhost only."""
    if ray.is_initialized():
        return
    ray.init(
        address=address or "local",
        include_dashboard=dashboard,
        dashboard_host="127.0.0.1",
        logging_level=logging.WARNING,
    )


def check_out_dir(out_dir: str | os.PathLike[str]) -> Path:
    """The run directory, checked before anything runs: it must be creatable and writable."""
    path = Path(out_dir).expanduser().resolve()
    if path.exists() and not path.is_dir():
        raise UserInputError("--out", f"{path} exists and is not a directory")
    probe = path
    while not probe.exists():
        probe = probe.parent
    if not probe.is_dir():
        raise UserInputError("--out", f"cannot create {path}: {probe} is a file")
    if not os.access(probe, os.W_OK | os.X_OK):
        raise UserInputError("--out", f"cannot write to {probe}")
    return path


def prepare(
    batch: BatchSpec, out_dir: str | os.PathLike[str], settings: RunSettings | None = None
) -> RunSettings:
    """Checks that need the run directory, and the settings completed from the
    environment (where the series memory lives). Raises ``UserInputError``."""
    path = check_out_dir(out_dir)
    settings = settings or RunSettings()
    missing = missing_inputs(batch, path)
    if missing:
        more = f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""
        raise UserInputError(
            "workflow.inputs_from",
            f"{missing[0]}{more}: the {batch.workflow.preset or 'workflow'} workflow starts "
            "from a previous run; point inputs_from (--from) at it",
        )
    if settings.memory and settings.memory_dir is None:
        settings = settings.model_copy(update={"memory_dir": default_memory_dir(os.environ)})
    return settings


def start_batch(
    batch: BatchSpec,
    out_dir: str | os.PathLike[str],
    settings: RunSettings | None = None,
    creds: Credentials | None = None,
) -> Any:
    """Create the supervisor actor for a batch; returns its handle (Ray must be running)."""
    from supervisor import Supervisor  # imported late: it pulls in every agent

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
) -> BatchResult:
    """Run a batch to the end, calling ``on_progress`` with every episode's state.

    ``settings`` says which providers run (offline unless set); ``creds`` carries the
    API keys (``Credentials.from_env(os.environ)`` reads them the usual way)."""
    prepare(batch, out_dir, settings)  # bad input fails before Ray starts
    ensure_ray(address)
    supervisor = start_batch(batch, out_dir, settings, creds)
    try:
        done = asyncio.ensure_future(supervisor.run.remote())
        version = 0
        states: dict[str, EpisodeState] = {}
        while True:
            finished, _ = await asyncio.wait({done}, timeout=POLL_S)
            if on_progress is not None:  # only what changed crosses the wire
                version, changed = await supervisor.progress.remote(version)
                states.update((s.episode_id, s) for s in changed)
                on_progress(list(states.values()))
            if finished:
                result: BatchResult = done.result()
                return result
    finally:
        ray.kill(supervisor)


def run_batch(
    batch: BatchSpec,
    out_dir: str | os.PathLike[str],
    settings: RunSettings | None = None,
    *,
    creds: Credentials | None = None,
    on_progress: ProgressCallback | None = None,
    address: str | None = None,
) -> BatchResult:
    """Blocking form of ``run_batch_async`` for scripts and the CLI."""
    return asyncio.run(
        run_batch_async(
            batch, out_dir, settings, creds=creds, on_progress=on_progress, address=address
        )
    )
