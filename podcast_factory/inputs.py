"""Stage results taken from a run directory instead of made again.

The re-voice preset speaks an existing script: its research and script are inputs the
workflow does not produce. They are found in the run directory itself (a rerun into the
same OUT) or copied from the ``inputs_from`` run directory, with the checksums the
manifest there recorded, so nothing is paid for twice and nothing damaged is used.
``missing_inputs`` runs before anything starts, so a missing script is a usage error
(exit 2) and not an episode failing later.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from podcast_factory.models import BatchSpec, StageRecord
from podcast_factory.rundir import RunDir
from podcast_factory.stages import STAGES


def _usable(rundir: RunDir, eid: str, stage: str) -> StageRecord | None:
    state = rundir.load_manifest(eid)
    record = state.stages.get(stage) if state else None
    if record and record.status == "completed" and rundir.artifacts_intact(eid, record.artifacts):
        return record
    return None


def missing_inputs(batch: BatchSpec, out_dir: str | Path) -> list[str]:
    """One line per input an episode needs and neither run directory has intact."""
    names = sorted(batch.workflow.external_inputs)
    here = RunDir(out_dir)
    there = RunDir(batch.workflow.inputs_from) if batch.workflow.inputs_from else None
    missing = []
    for ep in batch.episodes:
        for name in names:
            if _usable(here, ep.episode_id, name):
                continue
            if there is not None and _usable(there, ep.episode_id, name):
                continue
            where = f"{there.root} or {here.root}" if there else str(here.root)
            missing.append(f"episode {ep.episode_id} has no completed {name} in {where}")
    return missing


def import_inputs(
    rundir: RunDir, inputs_from: str | None, eid: str, names: list[str]
) -> dict[str, tuple[StageRecord, Any]]:
    """Each named input of one episode: its record and its loaded result, copied into
    ``rundir`` from ``inputs_from`` unless it is already here intact."""
    found: dict[str, tuple[StageRecord, Any]] = {}
    for name in names:
        record = _usable(rundir, eid, name)
        if record is None and inputs_from:
            source = RunDir(inputs_from)
            original = _usable(source, eid, name)
            if original is not None:
                for file in original.artifacts:
                    rundir.write_artifact(eid, file, source.read_artifact(eid, file))
                record = original.model_copy(
                    update={
                        "imported_from": str(source.root),
                        "cost_micro_usd": 0,
                        "duration_s": 0.0,
                        "attempts": 0,
                    }
                )
        if record is None:
            raise FileNotFoundError(f"episode {eid} has no completed {name} to start from")
        found[name] = (record, rundir.load_model(eid, f"{name}.json", STAGES[name].output_model))
    return found
