"""Economy mode end to end: a whole batch of episodes with Claude through the Message
Batches API (real SDK, loopback simulator, Ray), against the same batch without it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from podcast_factory.api import load_batch_file, run_batch
from podcast_factory.config import ClaudeSettings, Credentials, RunSettings
from podcast_factory.models import BatchResult
from podcast_factory.testing import server as provider_sim

pytestmark = [pytest.mark.ray, pytest.mark.usefixtures("ray_session")]

KEY = "sk-ant-test-ECONOMY-0123456789abcdef"


def _settings(economy: bool) -> RunSettings:
    claude = ClaudeSettings(economy=economy, batch_window_s=0.3, batch_poll_s=0.05)
    return RunSettings(
        llm="claude",
        tts="elevenlabs",
        backoff_base_s=0.05,
        backoff_max_s=0.2,
        request_timeout_s=5.0,
        claude=claude,
    )


def _run(example_dir: Path, out: Path, economy: bool) -> tuple[BatchResult, int, int, int]:
    """The result, the Claude bill, the whole bill and the number of batches created."""
    spec = load_batch_file(example_dir / "batch.yaml")
    sim = provider_sim.ProviderSimulator(api_key=KEY, voices={})
    sim.batch_processing_s = 0.3
    with sim:
        creds = Credentials.model_validate(
            {
                "anthropic_api_key": KEY,
                "elevenlabs_api_key": KEY,
                "anthropic_base_url": sim.url,
                "elevenlabs_base_url": sim.url,
            }
        )
        result = run_batch(spec, out, _settings(economy), creds=creds)
        claude = sum(b.micro_usd for b in sim.bills if b.provider == "anthropic")
        return result, claude, sim.billed_micro_usd(), len(sim.batches)


def _committed(out: Path) -> int:
    lines = [json.loads(x) for x in (out / "ledger.jsonl").read_text().splitlines()]
    return sum(e["micro_usd"] for e in lines if e["op"] == "commit")


def test_economy_batch_costs_at_most_55_percent_of_the_standard_claude_tokens(
    example_dir: Path, tmp_path: Path
) -> None:
    """Every episode completes both ways; economy's Claude bill is <= 55% of standard."""
    standard, standard_claude, standard_bill, standard_batches = _run(
        example_dir, tmp_path / "standard", economy=False
    )
    economy, economy_claude, economy_bill, economy_batches = _run(
        example_dir, tmp_path / "economy", economy=True
    )
    for result in (standard, economy):
        assert result.ok, [(e.episode_id, e.status, e.errors) for e in result.episodes]
    assert standard_batches == 0 and economy_batches >= 1
    assert 0 < economy_claude <= 0.55 * standard_claude, (economy_claude, standard_claude)
    # the ledger is the bill, to the micro-dollar, both ways
    assert _committed(tmp_path / "standard") == standard_bill == standard.total_cost_micro_usd
    assert _committed(tmp_path / "economy") == economy_bill == economy.total_cost_micro_usd
    # each caller's request is its own ledger entry, reserved and then committed
    entries = [
        json.loads(x) for x in (tmp_path / "economy" / "ledger.jsonl").read_text().splitlines()
    ]
    reserved = {e["call_id"] for e in entries if e["op"] == "reserve"}
    committed = {e["call_id"] for e in entries if e["op"] == "commit" and e["micro_usd"] > 0}
    assert committed and committed <= reserved
