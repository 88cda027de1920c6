"""Both gates (``review`` and ``quality``) run in one quality agent, on Ray: one process
fewer than one actor per stage, and a death of that actor is recovered once for both."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
import ray

from podcast_factory.api import load_batch_file, start_batch
from podcast_factory.config import RunSettings
from podcast_factory.models import BatchResult
from tests.batch_watch import stage_records, until_running

pytestmark = [pytest.mark.ray, pytest.mark.usefixtures("ray_session")]


def test_both_gates_are_one_quality_agent_that_judges_every_episode_twice(
    example_dir: Path, tmp_path: Path
) -> None:
    """The example batch: the script gate and the audio gate are the same actor, it is
    the only quality agent in batch.json, and it served both gates of all three
    episodes (six calls), each gate's verdict on disk."""
    spec = load_batch_file(example_dir / "batch.yaml")
    out = tmp_path / "out"

    async def scenario() -> tuple[BatchResult, dict[str, Any], list[Any]]:
        sup = start_batch(spec, out, RunSettings())
        handles: dict[str, Any] = await sup.agent_handles.remote()
        result = await asyncio.wait_for(sup.run.remote(), 240)
        stats = await sup.agent_stats.remote()
        ray.kill(sup)
        return result, handles, stats

    result, handles, stats = asyncio.run(scenario())
    assert result.ok, [(e.episode_id, e.status, e.errors) for e in result.episodes]
    assert handles["review"]._actor_id == handles["quality"]._actor_id
    assert handles["research"]._actor_id != handles["script"]._actor_id  # others stay apart
    judges = [s for s in stats if s.agent == "quality"]
    assert len(judges) == 1, stats
    assert judges[0].calls == 2 * len(spec.episodes)
    batch = json.loads((out / "batch.json").read_text())
    assert [a["agent"] for a in batch["agents"]].count("quality") == 1
    for ep in spec.episodes:
        assert json.loads((out / ep.episode_id / "review.json").read_text())["passed"]
        assert json.loads((out / ep.episode_id / "quality.json").read_text())["passed"]


def test_the_shared_gate_agent_killed_for_good_is_recreated_once_for_both_gates(
    example_dir: Path, tmp_path: Path
) -> None:
    """Killed for good while judging: one new actor replaces it for both gates, every
    episode completes, and only a gate's stage ran twice."""
    spec = load_batch_file(example_dir / "batch.yaml")
    out = tmp_path / "out"
    settings = RunSettings(provider_latency_s=1.0, backoff_base_s=0.1)

    async def scenario() -> tuple[BatchResult, dict[str, Any], dict[str, Any]]:
        sup = start_batch(spec, out, settings)
        before: dict[str, Any] = await sup.agent_handles.remote()
        done = sup.run.remote()
        await until_running(sup, "review")
        await asyncio.sleep(0.2)
        ray.kill(before["review"], no_restart=True)
        result = await asyncio.wait_for(done, 240)
        after: dict[str, Any] = await sup.agent_handles.remote()
        ray.kill(sup)
        return result, before, after

    result, before, after = asyncio.run(scenario())
    assert result.ok, [(e.episode_id, e.status, e.errors) for e in result.episodes]
    assert after["review"]._actor_id == after["quality"]._actor_id
    assert after["quality"]._actor_id != before["quality"]._actor_id  # recreated
    errors = [err.type for e in result.episodes for err in e.errors]
    assert errors and set(errors) <= {"ActorDiedError", "ActorUnavailableError"}, errors
    for ep in spec.episodes:
        stages = stage_records(out, ep.episode_id)
        redone = {name for name, r in stages.items() if r["attempts"] != 1}
        assert redone <= {"review", "quality"}, redone
        assert all(r["status"] == "completed" for r in stages.values())
