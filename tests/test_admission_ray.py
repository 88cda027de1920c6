"""Admission in one round trip, on the real Ray runtime: the ledger's promises hold.

Agents in other processes racing for one budget never overshoot it; the batch's treasury
(its ledger and governor in one actor) killed mid-batch (and restarted by Ray) neither
loses nor double-counts a commit; and a stage's commits are in ``ledger.jsonl`` by the
time its manifest says completed.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
import ray
import yaml

from podcast_factory.actors.governor import (
    ACTOR_OPTIONS,
    GovernorClient,
    ProviderGovernor,
    ProviderLimits,
)
from podcast_factory.actors.ledger import CostLedger
from podcast_factory.actors.treasury import ACTOR_OPTIONS as TREASURY_OPTIONS
from podcast_factory.actors.treasury import Treasury
from podcast_factory.api import load_batch_file, start_batch
from podcast_factory.config import Credentials, RunSettings
from podcast_factory.errors import BudgetExceeded
from podcast_factory.metering import ActorLedger, Meter, StageContext
from podcast_factory.models import BatchResult
from podcast_factory.testing import server as provider_sim

pytestmark = [pytest.mark.ray, pytest.mark.usefixtures("ray_session")]

KEY = "sk-ant-test-FAKEKEY-0123456789abcdef"
LIMITS = {"elevenlabs": ProviderLimits(max_concurrent=3)}


@ray.remote
def _agent(i: int, ledger_name: str, governor_name: str) -> tuple[int, int]:
    """An agent process: 20 requests of up to 70,000 micro-USD, 10 at a time. Returns
    (requests admitted, requests refused with BudgetExceeded)."""
    slots = GovernorClient(governor_name, LIMITS)
    meter = Meter(ActorLedger(ledger_name), StageContext(episode_id=f"ep{i}", stage="audio"))

    async def one() -> int:
        try:
            async with meter.call("elevenlabs", 70_000, {"characters": 700}, slots=slots) as c:
                await asyncio.sleep(0.01)
                c.bill(60_000, {"characters": 700})
        except BudgetExceeded:
            return 0
        return 1

    async def run() -> list[int]:
        got: list[int] = []
        for _ in range(2):
            got += await asyncio.gather(*(one() for _ in range(10)))
        await meter.settle()
        return got

    got = asyncio.run(run())
    return sum(got), len(got) - sum(got)


def _start(shape: str, suffix: str, path: Path) -> tuple[str, str, Any, Any]:
    """The ledger and the governor as a batch has them (``treasury``: one actor, both
    names), or as two actors (``apart``: the governor forwards to the ledger over Ray)."""
    if shape == "treasury":
        name = f"adm-treasury-{suffix}"
        actor: Any = (
            ray.remote(Treasury)
            .options(name=name, **TREASURY_OPTIONS)
            .remote(name, LIMITS, str(path), 1_000_000)
        )
        return name, name, actor, actor
    ledger_name, governor_name = f"adm-ledger-{suffix}", f"adm-governor-{suffix}"
    ledger: Any = (
        ray.remote(CostLedger)
        .options(name=ledger_name, max_restarts=-1, max_task_retries=-1)
        .remote(str(path), 1_000_000)
    )
    governor: Any = (
        ray.remote(ProviderGovernor).options(name=governor_name, **ACTOR_OPTIONS).remote(LIMITS)
    )
    return ledger_name, governor_name, ledger, governor


@pytest.mark.parametrize("shape", ["treasury", "apart"])
def test_agents_racing_for_one_budget_never_overshoot_it(tmp_path: Path, shape: str) -> None:
    """Three agent processes, 60 requests of 70,000 against 1,000,000: the ledger never
    holds more than the budget, the refused requests are told so (BudgetExceeded, via
    the governor), and every slot comes back; with the ledger in the governor's
    process, as a batch runs them, and in an actor of its own."""
    path = tmp_path / "ledger.jsonl"
    ledger_name, governor_name, ledger, governor = _start(shape, tmp_path.name, path)
    outcomes = ray.get([_agent.remote(i, ledger_name, governor_name) for i in range(3)])
    admitted = sum(a for a, _ in outcomes)
    refused = sum(r for _, r in outcomes)
    spend = ray.get(ledger.spend.remote())
    assert admitted + refused == 60
    # 14 holds of 70,000 always fit; commits of 60,000 free room for at most 2 more
    assert 14 <= admitted <= 16
    assert spend.committed_micro_usd == admitted * 60_000 <= 1_000_000
    assert spend.reserved_micro_usd == 0
    reloaded = CostLedger(str(path), 1_000_000).spend()
    assert reloaded.committed_micro_usd == spend.committed_micro_usd
    # every reservation and every commit went through the governor's line to the ledger
    calls, ops = ray.get(governor.ledger_calls.remote())
    assert ops == 2 * admitted + refused and 1 <= calls <= ops
    deadline = time.monotonic() + 30  # releases are sent, not awaited
    while ray.get(governor.state.remote())["elevenlabs"].in_flight and time.monotonic() < deadline:
        time.sleep(0.1)
    assert ray.get(governor.state.remote())["elevenlabs"].in_flight == 0
    ray.kill(governor)
    if ledger is not governor:
        ray.kill(ledger)


def _entries(out: Path) -> list[dict[str, Any]]:
    return [json.loads(x) for x in (out / "ledger.jsonl").read_text().splitlines() if x]


def test_a_ledger_killed_mid_batch_loses_no_commit_and_counts_none_twice(
    example_dir: Path, tmp_path: Path, memory_dir: Path
) -> None:
    """Two episodes through the SDKs and the simulator; the treasury (the ledger and the
    governor in one actor, holding requests' slots and their commits) is killed twice
    while stages run, in a Claude stage and in the audio stage (Ray restarts it from its
    file). Every request the simulator
    billed has exactly one commit in ``ledger.jsonl``, the totals are equal, and each
    stage's cost in its manifest (what its agent said its call committed) is what the
    ledger file holds for it."""
    path = example_dir / "batch.yaml"
    data = yaml.safe_load(path.read_text())
    data["episodes"] = [
        {**ep, "minutes": 1} for ep in data["episodes"] if ep["id"] in ("tides", "penicillin")
    ]
    path.write_text(yaml.safe_dump(data))
    out = tmp_path / "out"
    settings = RunSettings(
        llm="claude",
        tts="elevenlabs",
        backoff_base_s=0.05,
        backoff_max_s=0.2,
        request_timeout_s=5.0,
    )

    async def scenario(sim: provider_sim.ProviderSimulator) -> tuple[BatchResult, int]:
        creds = Credentials.model_validate(
            {
                "anthropic_api_key": KEY,
                "elevenlabs_api_key": KEY,
                "anthropic_base_url": sim.url,
                "elevenlabs_base_url": sim.url,
            }
        )
        sup = start_batch(load_batch_file(path), out, settings, creds)
        done = sup.run.remote()
        kills = 0
        deadline = time.monotonic() + 240
        while kills < 2 and time.monotonic() < deadline:
            _, states = await sup.progress.remote()
            stages = {s.current_stage for s in states if s.status == "running"}
            if stages & ({"research", "script"} if kills == 0 else {"audio"}):
                await asyncio.sleep(0.2)  # inside the stage's requests
                names = [a["name"] for a in ray.util.list_named_actors(all_namespaces=True)]
                treasury = next(n for n in names if n.startswith("podcast-factory-treasury-"))
                ray.kill(ray.get_actor(treasury), no_restart=False)
                kills += 1
            await asyncio.sleep(0.05)
        result = await done
        ray.kill(sup)
        return result, kills

    with provider_sim.ProviderSimulator(api_key=KEY, voices={}, latency_s=0.3) as sim:
        result, kills = asyncio.run(scenario(sim))
        billed = sorted(b.micro_usd for b in sim.bills if b.micro_usd)
    assert kills == 2
    assert result.ok, [(e.episode_id, e.status, e.errors) for e in result.episodes]
    entries = _entries(out)
    commits = [e for e in entries if e["op"] == "commit"]
    assert len(commits) == len({e["call_id"] for e in commits})  # none counted twice
    assert sorted(e["micro_usd"] for e in commits if e["micro_usd"]) == billed  # none lost
    by_stage: defaultdict[tuple[str, str], int] = defaultdict(int)
    for e in commits:
        by_stage[(e["episode_id"], e["stage"])] += e["micro_usd"]
    for ep in result.episodes:
        manifest = json.loads((out / ep.episode_id / "manifest.json").read_text())
        for stage, record in manifest["stages"].items():
            assert record["status"] == "completed", (ep.episode_id, stage)
            assert record["cost_micro_usd"] == by_stage[(ep.episode_id, stage)], (
                ep.episode_id,
                stage,
            )
