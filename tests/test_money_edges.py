"""Money and reuse at the edges of a run directory, through the real SDKs and simulator.

A rerun after an episode folder or a manifest was lost still records every billed
request; a damaged ledger stops the run before any call; a rewritten source makes its
research stale, and a moved project reuses everything and pays nothing.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from podcast_factory.api import load_batch_file, run_batch
from podcast_factory.config import Credentials, RunSettings
from podcast_factory.models import BatchResult
from podcast_factory.testing import server as provider_sim

KEY = "sk-ant-test-FAKEKEY-0123456789abcdef"
SETTINGS = RunSettings(
    llm="claude",
    tts="elevenlabs",
    backoff_base_s=0.05,
    backoff_max_s=0.2,
    request_timeout_s=2.0,
)
CLI = str(Path(sys.executable).parent / "podcast-factory")


def _creds(sim: provider_sim.ProviderSimulator) -> Credentials:
    return Credentials.model_validate(
        {
            "anthropic_api_key": KEY,
            "elevenlabs_api_key": KEY,
            "anthropic_base_url": sim.url,
            "elevenlabs_base_url": sim.url,
        }
    )


def _project(example_dir: Path) -> Path:
    """The example batch cut to two short episodes; returns the batch file."""
    path = example_dir / "batch.yaml"
    data = yaml.safe_load(path.read_text())
    data["episodes"] = [
        {**ep, "minutes": 1} for ep in data["episodes"] if ep["id"] in ("tides", "penicillin")
    ]
    path.write_text(yaml.safe_dump(data))
    return path


def _run(batch_file: Path, out: Path, sim: provider_sim.ProviderSimulator) -> BatchResult:
    result = run_batch(load_batch_file(batch_file), out, SETTINGS, creds=_creds(sim))
    assert result.ok, [(e.episode_id, e.status, e.errors) for e in result.episodes]
    return result


def _entries(out: Path) -> list[dict]:
    return [json.loads(x) for x in (out / "ledger.jsonl").read_text().splitlines()]


def _paid(out: Path) -> list[int]:
    """The committed amount of every paid call, smallest first."""
    return sorted(e["micro_usd"] for e in _entries(out) if e["op"] == "commit" and e["micro_usd"])


def _billed(sim: provider_sim.ProviderSimulator) -> list[int]:
    """What the simulator billed, one amount per request, smallest first."""
    return sorted(b.micro_usd for b in sim.bills if b.micro_usd)


@pytest.mark.ray
@pytest.mark.usefixtures("ray_session")
@pytest.mark.parametrize("loss", ["episode folder", "manifest"])
def test_a_rerun_after_losing_an_episode_records_every_billed_request(
    example_dir: Path, tmp_path: Path, loss: str
) -> None:
    """Delete an episode folder (or only its manifest) and rerun: the redone calls get
    ledger lines of their own, and the ledger equals the simulator's bill."""
    batch_file = _project(example_dir)
    out = tmp_path / "out"
    with provider_sim.ProviderSimulator(api_key=KEY, voices={}) as sim:
        _run(batch_file, out, sim)
        first_bill = sim.billed_micro_usd()
        if loss == "episode folder":
            shutil.rmtree(out / "tides")
        else:
            (out / "tides" / "manifest.json").unlink()
        _run(batch_file, out, sim)
        billed = sim.billed_micro_usd()
        bills = _billed(sim)
    assert billed > first_bill  # the lost episode was redone and paid again
    assert sum(_paid(out)) == billed
    assert _paid(out) == bills  # every billed request has its own ledger line
    commits = [e["call_id"] for e in _entries(out) if e["op"] == "commit"]
    assert len(commits) == len(set(commits))


@pytest.mark.ray
@pytest.mark.usefixtures("ray_session")
def test_a_rewritten_source_redoes_research_and_a_moved_project_pays_nothing(
    example_dir: Path, tmp_path: Path
) -> None:
    """A moved project (batch file, sources, run dir) reruns with nothing redone or
    paid; a rewritten source then makes that episode's research (and after) stale."""
    batch_file = _project(example_dir)
    out = example_dir / "out"
    with provider_sim.ProviderSimulator(api_key=KEY, voices={}) as sim:
        _run(batch_file, out, sim)
        paid = sim.billed_micro_usd()
        moved = tmp_path / "elsewhere" / "project"
        shutil.copytree(example_dir, moved)
        shutil.rmtree(example_dir)  # the old place is gone: nothing can be read from it
        lines = (moved / "out" / "ledger.jsonl").read_bytes()
        _run(moved / "batch.yaml", moved / "out", sim)
        assert sim.billed_micro_usd() == paid  # nothing paid again
        assert (moved / "out" / "ledger.jsonl").read_bytes() == lines
        research = (moved / "out" / "tides" / "research.json").read_bytes()

        with (moved / "sources" / "tides.md").open("a") as fh:
            fh.write("\nSpring tides come twice a month, at new and full moon.\n")
        _run(moved / "batch.yaml", moved / "out", sim)
        assert sim.billed_micro_usd() > paid
    redone = {
        (e["episode_id"], e["stage"])
        for e in _entries(moved / "out")[len(lines.splitlines()) :]
        if e["op"] == "commit"
    }
    assert ("tides", "research") in redone
    assert not any(eid == "penicillin" for eid, _ in redone)
    manifest = json.loads((moved / "out" / "tides" / "manifest.json").read_text())
    assert manifest["stages"]["research"]["attempts"] == 2
    assert (moved / "out" / "tides" / "research.json").read_bytes() != research


@pytest.mark.subprocess
def test_a_damaged_ledger_stops_the_batch_with_exit_2_before_any_call(
    example_dir: Path, tmp_path: Path
) -> None:
    """A run directory whose ledger became garbage is not read as no spend: the next
    batch exits 2 naming the file and the byte offset, no request reaches the provider,
    and the file is left as it was."""
    batch_file = _project(example_dir)
    out = tmp_path / "out"
    garbage = b"\x00\x13garbage with no newline\xff"
    with provider_sim.ProviderSimulator(api_key=KEY, voices={}) as sim:
        env = {
            **os.environ,
            "ANTHROPIC_API_KEY": KEY,
            "ELEVENLABS_API_KEY": KEY,
            "ANTHROPIC_BASE_URL": sim.url,
            "ELEVENLABS_BASE_URL": sim.url,
        }
        cmd = [CLI, "batch", str(batch_file), "--out", str(out)]
        # a real run directory: a first run whose budget lets no call through
        first = subprocess.run(
            [*cmd, "--budget", "0.000001"], env=env, capture_output=True, text=True, timeout=240
        )
        assert first.returncode == 1, first.stderr
        ledger = out / "ledger.jsonl"
        ledger.write_bytes(garbage)
        before = sim.requests
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=240)
        after = sim.requests
    assert proc.returncode == 2, proc.stderr
    message = " ".join(proc.stderr.split())
    assert str(ledger) in message and "byte offset 0" in message, proc.stderr
    assert after == before
    assert ledger.read_bytes() == garbage
    assert not list(out.glob("ledger.jsonl.*"))
