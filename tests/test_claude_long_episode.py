"""A 60-minute episode through Claude (real SDK, simulator): the script is streamed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from podcast_factory.api import load_batch_file, run_batch
from podcast_factory.config import Credentials, RunSettings
from podcast_factory.providers.claude import STREAM_ABOVE_TOKENS
from podcast_factory.testing import server as provider_sim

pytestmark = [pytest.mark.ray, pytest.mark.usefixtures("ray_session")]

KEY = "sk-ant-test-FAKEKEY-0123456789abcdef"


def test_sixty_minute_episode_script_is_streamed_and_complete(
    example_dir: Path, tmp_path: Path
) -> None:
    """minutes: 60 -> a streamed script request of ~9,000 words; ledger equals the bill."""
    batch = load_batch_file(example_dir / "batch.yaml")
    episode = batch.episodes[0].model_copy(update={"minutes": 60.0})
    spec = batch.model_copy(update={"episodes": (episode,)})
    settings = RunSettings(llm="claude", tts="espeak", request_timeout_s=30.0)
    out = tmp_path / "out"
    with provider_sim.ProviderSimulator(api_key=KEY, voices={}) as sim:
        creds = Credentials.model_validate(
            {"anthropic_api_key": KEY, "anthropic_base_url": sim.url}
        )
        result = run_batch(spec, out, settings, creds=creds)
        bodies = sim.message_bodies
        billed = sim.billed_micro_usd()
    scripts = [b for b in bodies if str(b["messages"][0]["content"]).startswith("Write the script")]
    assert scripts and all(b.get("stream") is True for b in scripts)
    assert all(b["max_tokens"] > STREAM_ABOVE_TOKENS for b in scripts)
    assert result.episodes[0].status in ("completed", "rejected"), result.episodes[0].errors
    text = (out / episode.episode_id / "script.md").read_text()
    assert len(text.split()) >= 8_500
    entries = [json.loads(x) for x in (out / "ledger.jsonl").read_text().splitlines()]
    reserved = {e["call_id"]: e["micro_usd"] for e in entries if e["op"] == "reserve"}
    commits = [e for e in entries if e["op"] == "commit"]
    assert all(e["micro_usd"] <= reserved[e["call_id"]] for e in commits)
    assert sum(e["micro_usd"] for e in commits) == billed
