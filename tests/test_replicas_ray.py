"""Several replicas of one stage's agent (``RunSettings.agent_replicas``), on Ray."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
import ray

from podcast_factory.api import load_batch_file, start_batch
from podcast_factory.config import RunSettings
from podcast_factory.models import BatchResult
from tests.batch_watch import stage_records, until_running

pytestmark = [pytest.mark.ray, pytest.mark.usefixtures("ray_session")]


def test_two_audio_replicas_share_the_work_and_a_killed_one_is_recreated(
    example_dir: Path, tmp_path: Path
) -> None:
    """Two audio agents: both speak episodes; the second, killed for good mid-call, is
    replaced, the batch completes, and only the killed call's stage runs again."""
    spec = load_batch_file(example_dir / "batch.yaml")
    out = tmp_path / "out"
    settings = RunSettings(provider_latency_s=1.0, backoff_base_s=0.1, agent_replicas={"audio": 2})

    async def scenario() -> tuple[BatchResult, dict[str, Any], dict[str, Any], list[Any]]:
        sup = start_batch(spec, out, settings)
        before: dict[str, Any] = await sup.agent_handles.remote()
        done = sup.run.remote()
        await until_running(sup, "audio", episodes=2)  # two episodes speak at once
        # each audio call waits provider_latency_s (1 s) inside its agent: the second
        # replica is serving the second episode to reach audio now
        await asyncio.sleep(0.4)
        ray.kill(before["audio/2"], no_restart=True)
        result = await done
        after: dict[str, Any] = await sup.agent_handles.remote()
        stats = await sup.agent_stats.remote()
        ray.kill(sup)
        return result, before, after, stats

    result, before, after, stats = asyncio.run(scenario())
    assert result.ok, [(e.episode_id, e.status, e.errors) for e in result.episodes]
    assert "audio/3" not in before
    assert after["audio"]._actor_id == before["audio"]._actor_id  # the first lived on
    assert after["audio/2"]._actor_id != before["audio/2"]._actor_id  # recreated
    speakers = [s for s in stats if s.agent == "audio" and s.calls > 0]
    assert len({s.pid for s in speakers}) == 2, stats  # both replicas spoke
    errors = [err.type for e in result.episodes for err in e.errors]
    assert errors == ["ActorDiedError"], errors  # one call died, no other
    for ep in spec.episodes:
        stages = stage_records(out, ep.episode_id)
        redone = {name: r["attempts"] for name, r in stages.items() if r["attempts"] != 1}
        assert set(redone) <= {"audio"}, redone  # nothing before or after it ran twice
        assert all(r["status"] == "completed" for r in stages.values())
    assert sum(stage_records(out, e.episode_id)["audio"]["attempts"] for e in spec.episodes) == 4


def test_offline_speech_gets_no_more_replicas_than_the_cluster_has_cpus(
    example_dir: Path, tmp_path: Path
) -> None:
    """Offline speech holds a whole CPU per agent: asking for 5 on this 2-CPU instance
    gives 2 (a third could never be placed, and its episodes would wait for ever), and
    the batch completes."""
    spec = load_batch_file(example_dir / "batch.yaml")
    out = tmp_path / "out"
    cpus = int(ray.cluster_resources()["CPU"])  # type: ignore[no-untyped-call]
    assert cpus < 5

    async def scenario() -> tuple[BatchResult, dict[str, Any]]:
        sup = start_batch(spec, out, RunSettings(agent_replicas={"audio": 5}))
        handles: dict[str, Any] = await sup.agent_handles.remote()
        result = await asyncio.wait_for(sup.run.remote(), 240)
        ray.kill(sup)
        return result, handles

    result, handles = asyncio.run(scenario())
    assert result.ok, [(e.episode_id, e.status, e.errors) for e in result.episodes]
    assert sorted(h for h in handles if h.startswith("audio")) == ["audio"] + [
        f"audio/{i}" for i in range(2, cpus + 1)
    ]
