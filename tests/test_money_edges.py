"""Money and reuse at the edges of a run directory, through the real SDKs and simulator.

A rerun after an episode folder or a manifest was lost still records every billed
request; a damaged ledger stops the run before any call; a rewritten source makes its
research stale, and a moved project reuses everything and pays nothing.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from podcast_factory.api import load_batch_file, run_batch
from podcast_factory.cli import main
from podcast_factory.config import Credentials, RunSettings
from podcast_factory.models import BatchResult
from podcast_factory.testing import server as provider_sim
from tests.conftest import EXAMPLES

KEY = "sk-ant-test-FAKEKEY-0123456789abcdef"
SETTINGS = RunSettings(
    llm="claude",
    tts="elevenlabs",
    backoff_base_s=0.05,
    backoff_max_s=0.2,
    request_timeout_s=2.0,
)


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


@dataclass
class Made:
    """The two-episode project made once through the simulator, and what it billed."""

    project: Path
    memory: Path
    billed_micro_usd: int
    bills: list[int]

    def copy_to(self, project: Path, memory_dir: Path) -> Path:
        """The project (batch file, sources, run directory ``out``) copied to ``project``
        and the series memory to ``memory_dir``, as if the test had made it there;
        returns the batch file."""
        shutil.copytree(self.project, project)
        shutil.copytree(self.memory, memory_dir, dirs_exist_ok=True)
        return project / "batch.yaml"


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory, ray_session: None) -> Made:
    """One first run shared by the tests that start from a made project (a batch costs
    30-60 s on 2 cores); each test copies it, so each starts from the same bytes."""
    root = tmp_path_factory.mktemp("made")
    shutil.copytree(EXAMPLES, root / "project")
    batch_file = _project(root / "project")
    with (
        pytest.MonkeyPatch.context() as mp,
        provider_sim.ProviderSimulator(api_key=KEY, voices={}) as sim,
    ):
        mp.setenv("PODCAST_FACTORY_MEMORY", str(root / "memory"))
        _run(batch_file, root / "project" / "out", sim)
        billed, bills = sim.billed_micro_usd(), _billed(sim)
    return Made(root / "project", root / "memory", billed, bills)


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
    made: Made, tmp_path: Path, memory_dir: Path, loss: str
) -> None:
    """Delete an episode folder (or only its manifest) and rerun: the redone calls get
    ledger lines of their own, and the ledger equals the simulator's bill (the first
    run's and the rerun's)."""
    batch_file = made.copy_to(tmp_path / "project", memory_dir)
    out = tmp_path / "project" / "out"
    first_bill = made.billed_micro_usd
    if loss == "episode folder":
        shutil.rmtree(out / "tides")
    else:
        (out / "tides" / "manifest.json").unlink()
    with provider_sim.ProviderSimulator(api_key=KEY, voices={}) as sim:
        _run(batch_file, out, sim)
        billed = first_bill + sim.billed_micro_usd()
        bills = sorted(made.bills + _billed(sim))
    assert billed > first_bill  # the lost episode was redone and paid again
    assert sum(_paid(out)) == billed
    assert _paid(out) == bills  # every billed request has its own ledger line
    commits = [e["call_id"] for e in _entries(out) if e["op"] == "commit"]
    assert len(commits) == len(set(commits))


@pytest.mark.ray
@pytest.mark.usefixtures("ray_session")
def test_a_rewritten_source_redoes_research_and_a_moved_project_pays_nothing(
    made: Made, tmp_path: Path, memory_dir: Path
) -> None:
    """A moved project (batch file, sources, run dir) reruns with nothing redone or
    paid; a rewritten source then makes that episode's research (and after) stale."""
    project = tmp_path / "project"
    made.copy_to(project, memory_dir)
    with provider_sim.ProviderSimulator(api_key=KEY, voices={}) as sim:
        paid = sim.billed_micro_usd()  # this simulator has billed nothing yet
        moved = tmp_path / "elsewhere" / "project"
        shutil.copytree(project, moved)
        shutil.rmtree(project)  # the old place is gone: nothing can be read from it
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


@pytest.mark.usefixtures("ray_session")
def test_a_damaged_ledger_stops_the_batch_with_exit_2_before_any_call(
    example_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A run directory whose ledger became garbage is not read as no spend: the next
    batch exits 2 naming the file and the byte offset, no request reaches the provider,
    and the file is left as it was. (The command line runs in this process, on the
    session's Ray: a child process would start a Ray of its own for each command.)"""
    batch_file = _project(example_dir)
    out = tmp_path / "out"
    garbage = b"\x00\x13garbage with no newline\xff"
    with provider_sim.ProviderSimulator(api_key=KEY, voices={}) as sim:
        for name, value in (
            ("ANTHROPIC_API_KEY", KEY),
            ("ELEVENLABS_API_KEY", KEY),
            ("ANTHROPIC_BASE_URL", sim.url),
            ("ELEVENLABS_BASE_URL", sim.url),
        ):
            monkeypatch.setenv(name, value)
        argv = ["batch", str(batch_file), "--out", str(out)]
        # a real run directory: a first run whose budget lets no call through
        first = main([*argv, "--budget", "0.000001"])
        assert first == 1, capsys.readouterr().err
        ledger = out / "ledger.jsonl"
        ledger.write_bytes(garbage)
        before = sim.requests
        capsys.readouterr()
        code = main(argv)
        after = sim.requests
    err = capsys.readouterr().err
    assert code == 2, err
    message = " ".join(err.split())
    assert str(ledger) in message and "byte offset 0" in message, err
    assert after == before
    assert ledger.read_bytes() == garbage
    assert not list(out.glob("ledger.jsonl.*"))
