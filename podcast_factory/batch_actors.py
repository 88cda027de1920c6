"""The actors one batch shares, started by its supervisor: treasury, memory, analyst.

The treasury is the cost ledger and the provider governor in one actor
(``actors.treasury``); the series memory and the failure analyst (when asked for) are
actors of their own.

The treasury and the memory keep files on the supervisor's node, so they are placed
beside it (soft node affinity). Each is named after the run, so two batches on one
cluster never share one by accident, and each restarts forever: every ledger and
memory method is idempotent (by call or verdict id) or a read, so a call that met a
restart is simply sent again once the actor has reloaded its file.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import ray
from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

from podcast_factory.actors.analyst import FailureAnalyst
from podcast_factory.actors.governor import GovernorClient
from podcast_factory.actors.memory import SeriesMemory
from podcast_factory.actors.treasury import ACTOR_OPTIONS as TREASURY_OPTIONS
from podcast_factory.actors.treasury import Treasury
from podcast_factory.clients import GovernorReader, LedgerReader, MemoryClient
from podcast_factory.config import Credentials, RunSettings
from podcast_factory.metering import ActorLedger
from podcast_factory.models import BatchSpec
from podcast_factory.rundir import RunDir


@dataclass
class BatchActors:
    """The shared actors of one batch, behind their typed clients."""

    ledger_name: str
    governor_name: str
    ledger: LedgerReader
    governor: GovernorReader
    memory: MemoryClient
    analyst: Any
    """The ``FailureAnalyst`` handle, or None (offline, or not asked for)."""


def start_batch_actors(
    batch: BatchSpec, settings: RunSettings, rundir: RunDir, run_id: str, creds: Credentials
) -> BatchActors:
    """Start the batch's treasury (ledger and governor), memory and analyst. Called inside the
    supervisor actor, whose node the file-keeping actors are pinned to."""
    here = NodeAffinitySchedulingStrategy(ray.get_runtime_context().get_node_id(), soft=True)
    # One actor is both the ledger and the governor (``actors.treasury``): an agent's
    # admission is one call to one process, and both names lead to it.
    ledger_name = governor_name = f"podcast-factory-treasury-{run_id}"
    treasury = (
        ray.remote(Treasury)
        .options(name=ledger_name, scheduling_strategy=here, **TREASURY_OPTIONS)
        .remote(
            ledger_name,
            settings.provider_limits,
            str(rundir.ledger_path),
            batch.budget_micro_usd,
            batch.episode_cap_micro_usd,
            run_id,
        )
    )
    memory: Any = None
    if settings.memory and settings.memory_dir:  # its file is on the supervisor's node
        memory = (
            ray.remote(SeriesMemory)
            .options(
                name=f"podcast-factory-memory-{run_id}",
                max_restarts=-1,
                max_task_retries=-1,
                scheduling_strategy=here,
            )
            .remote(settings.memory_dir, batch.show.name)
        )
    analyst: Any = None
    if settings.analyse_failures and settings.llm == "claude":
        analyst = (
            ray.remote(FailureAnalyst)
            .options(max_restarts=-1, num_cpus=0)
            .remote(
                settings,
                ActorLedger(ledger_name),
                creds,
                GovernorClient(governor_name, settings.provider_limits),
            )
        )
    return BatchActors(
        ledger_name=ledger_name,
        governor_name=governor_name,
        ledger=LedgerReader(treasury),
        governor=GovernorReader(treasury),
        memory=MemoryClient(memory),
        analyst=analyst,
    )
