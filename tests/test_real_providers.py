"""Claude and ElevenLabs through their real SDKs, against the loopback provider simulator.

Money is checked to the micro-dollar: what the ledger committed must equal what the
simulator billed, whatever faults, retries and concurrency happened on the way.
"""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import pytest
import ray

from podcast_factory.api import load_batch_file, run_batch
from podcast_factory.config import Credentials, RunSettings
from podcast_factory.errors import UserInputError
from podcast_factory.estimate import estimate_batch
from podcast_factory.models import BatchResult, BatchSpec
from podcast_factory.providers.wav import analyze_pcm, decode_wav
from podcast_factory.testing import server as provider_sim

pytestmark = [pytest.mark.ray, pytest.mark.usefixtures("ray_session")]

KEY = "sk-ant-test-FAKEKEY-0123456789abcdef"
SETTINGS = RunSettings(
    llm="claude",
    tts="elevenlabs",
    backoff_base_s=0.05,
    backoff_max_s=0.2,
    request_timeout_s=2.0,
)


def _creds(sim: provider_sim.ProviderSimulator, key: str = KEY) -> Credentials:
    return Credentials.model_validate(
        {
            "anthropic_api_key": key,
            "elevenlabs_api_key": key,
            "anthropic_base_url": sim.url,
            "elevenlabs_base_url": sim.url,
        }
    )


def _committed(out: Path) -> int:
    lines = [json.loads(x) for x in (out / "ledger.jsonl").read_text().splitlines()]
    return sum(e["micro_usd"] for e in lines if e["op"] == "commit")


def _all_text(out: Path) -> str:
    return "\n".join(p.read_text(errors="replace") for p in out.rglob("*") if p.is_file())


@pytest.fixture
def batch(example_dir: Path) -> BatchSpec:
    return load_batch_file(example_dir / "batch.yaml")


def test_batch_with_real_sdks_ledger_equals_bill_and_estimate_holds(
    batch: BatchSpec, tmp_path: Path
) -> None:
    """Three episodes through Claude and ElevenLabs: the ledger is the bill, exactly."""
    out = tmp_path / "out"
    with provider_sim.ProviderSimulator(api_key=KEY, voices={}) as sim:
        result = run_batch(batch, out, SETTINGS, creds=_creds(sim))
        billed = sim.billed_micro_usd()
        bills = sim.bills
        tts_calls = sim.tts_calls
    assert result.ok, [(e.episode_id, e.status, e.errors) for e in result.episodes]
    assert billed > 0
    assert _committed(out) == billed == result.total_cost_micro_usd
    assert {b.provider for b in bills} == {"anthropic", "elevenlabs"}
    assert sum(e.total_cost_micro_usd for e in result.episodes) == billed
    # continuity: a voice's later requests name its earlier ones
    assert any(call.previous_request_ids for call in tts_calls)
    for ep in batch.episodes:
        pcm, rate = decode_wav((out / ep.episode_id / "audio.wav").read_bytes())
        assert rate == 24_000
        assert analyze_pcm(pcm, rate).duration_s > 0.5 * ep.minutes * 60
        review = json.loads((out / ep.episode_id / "review.json").read_text())
        assert {"rubric_faithfulness", "rubric_engagement", "rubric_clarity"} <= set(
            review["scores"]
        )
    planned = estimate_batch(batch, SETTINGS)
    estimate = planned.total_micro_usd
    assert abs(estimate / billed - 1) <= 0.15, (estimate, billed)
    # each provider's part on its own, too: neither error hides the other
    speech = sum(e.stages["audio"] for e in planned.episodes)
    for provider, expected in (("elevenlabs", speech), ("anthropic", estimate - speech)):
        actual = sum(b.micro_usd for b in bills if b.provider == provider)
        assert abs(expected / actual - 1) <= 0.15, (provider, expected, actual)
    assert KEY not in _all_text(out)


def test_budget_is_never_overrun_under_concurrency(batch: BatchSpec, tmp_path: Path) -> None:
    """Six episodes at once against a budget for about two: spend stays under it."""
    episodes = tuple(
        ep.model_copy(update={"episode_id": f"{ep.episode_id}-{n}"})
        for n in range(2)
        for ep in batch.episodes
    )
    budget = estimate_batch(batch, SETTINGS).total_micro_usd * 2 // 3
    spec = batch.model_copy(
        update={"episodes": episodes, "budget_micro_usd": budget, "concurrency": 6}
    )
    out = tmp_path / "out"
    with provider_sim.ProviderSimulator(api_key=KEY, voices={}) as sim:
        result = run_batch(spec, out, SETTINGS, creds=_creds(sim))
        billed = sim.billed_micro_usd()
    statuses = [e.status for e in result.episodes]
    assert "over_budget" in statuses
    assert _committed(out) == billed <= budget
    refused = [e for e in result.episodes if e.status == "over_budget"]
    assert all(err.type == "BudgetExceeded" for e in refused for err in e.errors[-1:])


def test_twenty_percent_injected_faults_the_batch_still_completes(
    batch: BatchSpec, tmp_path: Path
) -> None:
    """429 (Retry-After), 529, 500, timeouts and malformed replies: retried, all done."""
    out = tmp_path / "out"
    settings = SETTINGS.model_copy(update={"provider_attempts": 8})
    with provider_sim.ProviderSimulator(
        api_key=KEY, voices={}, fault_rate=0.2, retry_after_s=0.05, timeout_s=3.0, seed=7
    ) as sim:
        result = run_batch(batch, out, settings, creds=_creds(sim))
        billed = sim.billed_micro_usd()
        faults = {k: v for k, v in sim.requests.items() if k.startswith("fault:")}
    assert result.ok, [(e.episode_id, e.status, e.errors) for e in result.episodes]
    assert sum(faults.values()) >= 5, faults
    assert _committed(out) == billed


def test_a_wrong_key_fails_fast_with_a_clear_message(batch: BatchSpec, tmp_path: Path) -> None:
    """A wrong key is refused by the free models check before anything is paid for; past
    that check, a 401 is not retried: each episode fails at once, saying which key to
    check."""
    out = tmp_path / "out"
    wrong = "sk-ant-test-WRONGKEY-999999999999"
    with provider_sim.ProviderSimulator(api_key=KEY, voices={}) as sim:
        with pytest.raises(UserInputError) as refused:
            run_batch(batch, tmp_path / "refused", SETTINGS, creds=_creds(sim, wrong))
        assert sim.requests.get("/v1/messages", 0) == 0 and not (tmp_path / "refused").exists()
        started = time.monotonic()
        result = run_batch(batch, out, SETTINGS, creds=_creds(sim, wrong), confirm=False)
        calls = sim.requests.get("/v1/messages", 0)
    assert refused.value.field == "ANTHROPIC_API_KEY" and wrong not in str(refused.value)
    assert time.monotonic() - started < 60  # no retry backoff: Ray's start-up is most of it
    assert [e.status for e in result.episodes] == ["failed"] * len(batch.episodes)
    assert calls == len(batch.episodes)  # one request each, no retries
    research = json.loads((out / batch.episodes[0].episode_id / "manifest.json").read_text())[
        "stages"
    ]["research"]
    assert research["attempts"] == 1
    message = research["error"]["message"]
    assert "anthropic (HTTP 401)" in message and "API key was refused" in message
    assert wrong not in _all_text(out) and KEY not in _all_text(out)


def test_web_search_citations_and_prompt_caching(batch: BatchSpec, tmp_path: Path) -> None:
    """Research with web search keeps cited URLs and quotes; short prefixes are not cached."""
    out = tmp_path / "out"
    spec = batch.model_copy(update={"episodes": batch.episodes[:1]})
    settings = SETTINGS.model_copy(
        update={"claude": SETTINGS.claude.model_copy(update={"web_searches": 2})}
    )
    with provider_sim.ProviderSimulator(api_key=KEY, voices={}) as sim:
        result = run_batch(spec, out, settings, creds=_creds(sim))
        billed = sim.billed_micro_usd()
        bodies = sim.message_bodies
    assert result.ok
    facts = json.loads((out / spec.episodes[0].episode_id / "research.json").read_text())["facts"]
    cited = [f for f in facts if f["source"].startswith("https://")]
    assert cited and all(f["quote"] and f["source_title"] for f in cited)
    entries = [json.loads(x) for x in (out / "ledger.jsonl").read_text().splitlines()]
    commits = [e for e in entries if e["op"] == "commit" and e["provider"] == "anthropic"]
    research = [e["units"] for e in commits if e["stage"] == "research"]
    assert sum(u["web_search_requests"] for u in research) >= 1
    # citations and structured output never share a request (the API answers 400)
    assert not any("tools" in b and "output_config" in b for b in bodies)
    # a 1.5-minute episode's shared prefixes are under every model's minimum: no
    # breakpoint is sent and nothing is billed as a cache write or read
    assert not any("cache_control" in json.dumps(b.get("system", [])) for b in bodies)
    assert all(
        u["cache_write_5m_tokens"] == u["cache_read_tokens"] == 0
        for u in (e["units"] for e in commits)
    )
    assert _committed(out) == billed


def _six(batch: BatchSpec) -> BatchSpec:
    episodes = tuple(
        ep.model_copy(update={"episode_id": f"{ep.episode_id}-{n}"})
        for n in range(2)
        for ep in batch.episodes
    )
    return batch.model_copy(update={"episodes": episodes, "concurrency": 6})


@pytest.mark.parametrize("elevenlabs_limit", [2, 4])
def test_governor_caps_concurrent_speech_across_the_batch(
    batch: BatchSpec, tmp_path: Path, elevenlabs_limit: int
) -> None:
    """Six episodes at once never have more ElevenLabs requests open than the limit."""
    limits = {**SETTINGS.provider_limits}
    limits["elevenlabs"] = limits["elevenlabs"].model_copy(
        update={"max_concurrent": elevenlabs_limit}
    )
    settings = SETTINGS.model_copy(update={"provider_limits": limits})
    with provider_sim.ProviderSimulator(
        api_key=KEY, voices={}, tts_latency_per_1000_chars_s=0.3
    ) as sim:
        result = run_batch(_six(batch), tmp_path / "out", settings, creds=_creds(sim))
        peak = sim.peak_concurrency["elevenlabs"]
    assert result.ok
    assert peak == elevenlabs_limit


def test_a_429_pauses_the_provider_for_every_episode(batch: BatchSpec, tmp_path: Path) -> None:
    """Injected 429s are throttles in the governor; the batch still completes."""

    async def scenario(sim: provider_sim.ProviderSimulator) -> tuple[object, dict]:
        from podcast_factory.api import start_batch

        sup = start_batch(_six(batch), tmp_path / "out", SETTINGS, _creds(sim))
        result = await sup.run.remote()
        state = await sup.provider_state.remote()
        ray.kill(sup)
        return result, state

    with provider_sim.ProviderSimulator(api_key=KEY, voices={}, retry_after_s=0.3) as sim:
        sim.inject("429", count=3, path_prefix="/v1/messages")
        result, state = asyncio.run(scenario(sim))
        billed = sim.billed_micro_usd()
    assert result.ok  # type: ignore[attr-defined]
    assert state["anthropic"].throttles == 3
    assert result.total_cost_micro_usd == billed  # type: ignore[attr-defined]


def test_secret_scan_finds_no_key_in_the_run_or_the_logs(batch: BatchSpec, tmp_path: Path) -> None:
    """Recognisable fake keys appear nowhere: run directory, ledger, reports, Ray logs."""
    anthropic_key = "sk-ant-api03-SECRETSCAN-aaaaaaaaaaaaaaaa"
    eleven_key = "xi-SECRETSCAN-bbbbbbbbbbbbbbbbbbbbbbbb"
    out = tmp_path / "out"
    spec = batch.model_copy(update={"episodes": batch.episodes[:1]})
    with provider_sim.ProviderSimulator(api_key=anthropic_key, voices={}) as sim:
        creds = Credentials.model_validate(
            {
                "anthropic_api_key": anthropic_key,
                "elevenlabs_api_key": anthropic_key,
                "anthropic_base_url": sim.url,
                "elevenlabs_base_url": sim.url,
            }
        )
        assert run_batch(spec, out, SETTINGS, creds=creds).ok
        bad = Credentials.model_validate({**creds.model_dump(), "anthropic_api_key": eleven_key})
        with pytest.raises(UserInputError) as refused:  # the models check refuses it first
            run_batch(spec, tmp_path / "refused", SETTINGS, creds=bad)
        # past the check, a refused key fails the episode and is written into a manifest
        failed = run_batch(spec, tmp_path / "failed", SETTINGS, creds=bad, confirm=False)
    assert refused.value.field == "ANTHROPIC_API_KEY" and eleven_key not in str(refused.value)
    assert failed.episodes[0].status == "failed"
    assert anthropic_key not in repr(creds) and anthropic_key not in str(creds.model_dump())
    from ray._private.worker import global_worker

    logs = Path(global_worker.node.get_logs_dir_path())  # type: ignore[union-attr]
    scanned = [p for root in (tmp_path, logs) for p in root.rglob("*") if p.is_file()]
    assert len(scanned) > 10
    for path in scanned:
        data = path.read_bytes()
        for key in (anthropic_key, eleven_key):
            assert key.encode() not in data, f"{key[:12]}... found in {path}"


def test_speech_already_paid_for_is_not_bought_again(batch: BatchSpec, tmp_path: Path) -> None:
    """An audio stage redone after a crash reuses the turns it already paid for."""
    out = tmp_path / "out"
    spec = batch.model_copy(update={"episodes": batch.episodes[:1]})
    eid = spec.episodes[0].episode_id
    with provider_sim.ProviderSimulator(api_key=KEY, voices={}) as sim:
        assert run_batch(spec, out, SETTINGS, creds=_creds(sim)).ok
        calls, billed = len(sim.tts_calls), sim.billed_micro_usd()
        wav = out / eid / "audio.wav"
        wav.write_bytes(wav.read_bytes()[:4096])  # as if the stage had died mid-write
        again = run_batch(spec, out, SETTINGS, creds=_creds(sim))
        assert again.ok
        assert len(sim.tts_calls) == calls  # no speech bought twice
        assert sim.billed_micro_usd() - billed < billed // 10  # only the new verdict
        assert _committed(out) == sim.billed_micro_usd()
    manifest = json.loads((out / eid / "manifest.json").read_text())
    assert manifest["stages"]["audio"]["attempts"] == 2
    assert len(wav.read_bytes()) > 100_000


@pytest.mark.parametrize("victim", ["ledger", "audio"])
def test_a_killed_treasury_or_agent_restarts_and_nothing_is_lost(
    batch: BatchSpec, tmp_path: Path, victim: str
) -> None:
    """Killed mid-batch, the actor restarts (the treasury, which is the batch's ledger
    and governor, from its file), every episode completes, and the ledger still equals
    the bill to the micro-dollar."""
    out = tmp_path / "out"

    async def scenario(sim: provider_sim.ProviderSimulator) -> BatchResult:
        from podcast_factory.api import start_batch

        sup = start_batch(batch, out, SETTINGS, _creds(sim))
        done = sup.run.remote()
        for _ in range(600):
            _, states = await sup.progress.remote()
            if any(s.current_stage == "audio" for s in states):
                break
            await asyncio.sleep(0.05)
        handles = await sup.agent_handles.remote()
        assert handles["ledger"] == handles["governor"]  # one actor, the treasury
        ray.kill(handles[victim], no_restart=False)
        result: BatchResult = await done
        ray.kill(sup)
        return result

    with provider_sim.ProviderSimulator(
        api_key=KEY, voices={}, latency_s=0.1, tts_latency_per_1000_chars_s=1.0
    ) as sim:
        result = asyncio.run(scenario(sim))
        billed = sim.billed_micro_usd()
        tts_bills = sorted(b.micro_usd for b in sim.bills if b.provider == "elevenlabs")
    assert result.ok, [(e.episode_id, e.status, e.failure) for e in result.episodes]
    commits = [json.loads(x) for x in (out / "ledger.jsonl").read_text().splitlines()]
    ids = [e["call_id"] for e in commits if e["op"] == "commit"]
    assert len(ids) == len(set(ids))  # nothing committed twice
    if victim == "audio":
        # Requests in flight inside the killed process were billed but their answers
        # died with it; the governor allows at most two such ElevenLabs requests.
        assert 0 <= billed - _committed(out) <= sum(tts_bills[-2:])
    else:
        assert _committed(out) == billed
