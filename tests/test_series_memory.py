"""Series memory on a real Ray instance: a second episode on overlapping sources does not
repeat the first's facts, memory survives its actor's restart, two batches of one show at
once both land in it, and the `memory` verb shows it."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

import pytest
import ray

from podcast_factory.actors.memory import load_snapshot, repeats
from podcast_factory.api import run_batch, run_batch_async, start_batch
from podcast_factory.batchfile import build_batch, load_batch_file
from podcast_factory.cli import main
from podcast_factory.config import RunSettings
from podcast_factory.models import BatchResult, BatchSpec

pytestmark = [pytest.mark.ray, pytest.mark.usefixtures("ray_session")]

SHOW = "Hive Notes"


def _two_on_the_same_notes(example_dir: Path) -> BatchSpec:
    """Two episodes of one show on the same two sources, with close topics."""
    notes = ["sources/bees-warming.md", "sources/bees-cooling.md"]
    data: dict[str, Any] = {
        "show": {"name": SHOW, "hosts": ["Ana", "Ben"]},
        "episodes": [
            {"id": "heat", "topic": "How honeybees heat their hive in winter", "sources": notes},
            {
                "id": "cold",
                "topic": "How honeybees heat the hive when it is cold",
                "sources": notes,
            },
        ],
        "concurrency": 2,
    }
    for ep in data["episodes"]:
        ep["minutes"] = 1.5
    return build_batch(data, example_dir)


def _facts_said(out: Path, eid: str) -> list[str]:
    doc = json.loads((out / eid / "research.json").read_text())
    script = json.loads((out / eid / "script.json").read_text())
    refs = sorted({i for turn in script["turns"] for i in turn["fact_refs"]})
    return [doc["facts"][i]["text"] for i in refs]


def test_the_second_episode_does_not_repeat_the_first(
    example_dir: Path,
    tmp_path: Path,
    memory_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    spec = _two_on_the_same_notes(example_dir)
    # Without memory the two scripts share facts: the measure has something to measure.
    without = tmp_path / "without"
    assert run_batch(spec, without, RunSettings(memory=False)).ok
    shared = repeats(_facts_said(without, "cold"), _facts_said(without, "heat"))
    assert shared >= 2
    assert load_snapshot(str(memory_dir), SHOW) is None  # --no-memory wrote nothing
    # With memory (the default) the second episode says none of the first's facts.
    out = tmp_path / "with"
    assert run_batch(spec, out).ok
    first, second = _facts_said(out, "heat"), _facts_said(out, "cold")
    assert len(second) >= 4
    assert repeats(second, first) == 0
    memory = load_snapshot(str(memory_dir), SHOW)
    assert memory is not None
    assert {e.episode_id for e in memory.episodes} == {"heat", "cold"}  # in finishing order
    assert memory.claims == {}  # both finished: nothing is left in flight
    # the verb a user runs (in this process: a child would spend seconds importing)
    monkeypatch.setenv("COLUMNS", "160")
    capsys.readouterr()
    assert main(["memory", SHOW]) == 0, capsys.readouterr().err
    shown = capsys.readouterr().out
    assert "heat" in shown and "cold" in shown
    assert main(["memory", SHOW, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["totals"]["episodes"] == 2
    code = main(["memory", "No Such Show"])
    unknown = capsys.readouterr()
    assert code == 2 and SHOW in unknown.out + unknown.err


def test_memory_survives_its_actor_being_killed_mid_batch(
    example_dir: Path, tmp_path: Path, memory_dir: Path
) -> None:
    spec = _two_on_the_same_notes(example_dir)
    out = tmp_path / "out"
    settings = RunSettings(provider_latency_s=0.5)

    async def scenario() -> BatchResult:
        sup = start_batch(spec, out, settings)
        done = sup.run.remote()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # kill it once the first episode's facts are in
            _, states = await sup.progress.remote()
            if any(
                s.stages.get("research", None) and s.current_stage != "research" for s in states
            ):
                break
            await asyncio.sleep(0.05)
        handles: dict[str, Any] = await sup.agent_handles.remote()
        ray.kill(handles["memory"], no_restart=False)
        result: BatchResult = await done
        ray.kill(sup)
        return result

    result = asyncio.run(scenario())
    assert result.ok, [(e.episode_id, e.status, e.failure) for e in result.episodes]
    assert repeats(_facts_said(out, "cold"), _facts_said(out, "heat")) == 0
    memory = load_snapshot(str(memory_dir), SHOW)
    assert memory is not None and {e.episode_id for e in memory.episodes} == {"heat", "cold"}
    # the next batch of the show starts from what is on disk
    third = build_batch(
        {
            "show": {"name": SHOW, "hosts": ["Ana", "Ben"]},
            "episodes": [
                {
                    "id": "again",
                    "topic": "How honeybees heat their hive in winter",
                    "sources": ["sources/bees-warming.md"],
                    "minutes": 1,
                }
            ],
        },
        example_dir,
    )
    later = tmp_path / "later"
    assert run_batch(third, later).ok
    covered = [f for e in memory.episodes for f in e.facts]
    assert repeats(_facts_said(later, "again"), covered) == 0


def test_two_batches_of_one_show_at_once_both_land_in_memory(
    example_dir: Path, tmp_path: Path, memory_dir: Path
) -> None:
    """Two one-episode batches of the example show run at the same time into two run
    directories: the show's memory holds both episodes afterwards."""
    example = load_batch_file(example_dir / "batch.yaml")
    tides, bees = example.episodes[0], example.episodes[1]
    first = example.model_copy(update={"episodes": (tides,)})
    second = example.model_copy(update={"episodes": (bees,)})

    async def both() -> list[BatchResult]:
        return list(
            await asyncio.gather(
                run_batch_async(first, tmp_path / "first"),
                run_batch_async(second, tmp_path / "second"),
            )
        )

    results = asyncio.run(both())
    assert all(r.ok for r in results), [
        (e.episode_id, e.status, e.failure) for r in results for e in r.episodes
    ]
    assert (tmp_path / "first" / "tides").is_dir()
    assert (tmp_path / "second" / bees.episode_id).is_dir()
    memory = load_snapshot(str(memory_dir), example.show.name)
    assert memory is not None
    assert {e.episode_id for e in memory.episodes} == {"tides", "honeybee-climate"}
    assert memory.claims == {}  # both finished: nothing left in flight
    said = {e.episode_id: e.facts for e in memory.episodes}
    assert said["tides"] and said["honeybee-climate"]
