"""A batch's edges on a real Ray instance: signals, a full disk, an agent gone at the end."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import ray
from ray.exceptions import RayActorError

from podcast_factory.api import run_batch, start_batch
from podcast_factory.batchfile import load_batch_file
from podcast_factory.cli import main
from podcast_factory.config import RunSettings
from podcast_factory.interrupt import BatchInterrupted
from podcast_factory.models import BatchResult, BatchSpec, EpisodeState

pytestmark = [pytest.mark.ray, pytest.mark.usefixtures("ray_session")]

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = RunSettings(memory=False)


def _batch_file(folder: Path, episodes: int = 2, concurrency: int = 1) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "examples" / "sources" / "tides.md", folder / "notes.md")
    items = "".join(
        f"- {{id: ep{i}, topic: How tides work, sources: [notes.md], minutes: 1}}\n"
        for i in range(1, episodes + 1)
    )
    path = folder / "batch.yaml"
    path.write_text(
        f"show: {{name: Edges, hosts: [A, B]}}\nconcurrency: {concurrency}\nepisodes:\n{items}"
    )
    return path


def _manifest(out: Path, eid: str) -> dict:
    return json.loads((out / eid / "manifest.json").read_text())


def _open_reservations(out: Path) -> set[str]:
    """Call ids reserved in the ledger and never committed or released."""
    lines = [json.loads(x) for x in (out / "ledger.jsonl").read_text().splitlines() if x]
    held = {e["call_id"] for e in lines if e["op"] == "reserve"}
    return held - {e["call_id"] for e in lines if e["op"] in ("commit", "release")}


# -- 16: statistics at the end are best effort --------------------------------------------


def test_an_agent_gone_at_the_end_does_not_fail_the_batch(tmp_path: Path) -> None:
    """Research killed once every episode is past it: the batch still ends, batch.json
    has its totals, and the agents that answered are listed."""
    spec = load_batch_file(_batch_file(tmp_path / "in"))
    out = tmp_path / "out"

    async def scenario() -> BatchResult:
        sup = start_batch(spec, out, SETTINGS)
        done = sup.run.remote()
        for _ in range(1200):
            _, states = await sup.progress.remote()
            if all(s.stages.get("research", None) for s in states) and all(
                s.stages["research"].status == "completed" for s in states
            ):
                break
            await asyncio.sleep(0.05)
        handles = await sup.agent_handles.remote()
        ray.kill(handles["research"], no_restart=True)
        # ray.kill only asks; the batch may end before the agent is gone (it then still
        # answers for its statistics), so wait until it no longer answers
        for _ in range(200):
            try:
                await asyncio.wait_for(handles["research"].__ray_ready__.remote(), 2)
            except (RayActorError, asyncio.TimeoutError):
                break
            await asyncio.sleep(0.05)
        result: BatchResult = await done
        ray.kill(sup)
        return result

    result = asyncio.run(scenario())
    assert result.ok, [(e.episode_id, e.status, e.failure) for e in result.episodes]
    batch = json.loads((out / "batch.json").read_text())
    assert batch["totals"]["episodes"] == 2
    assert batch["totals"]["completed"] == 2
    agents = {a["agent"] for a in batch["agents"]}
    assert agents and not any("research" in a.lower() for a in agents)


# -- 14: SIGINT and SIGTERM stop cleanly, exit 130 / 143, the rerun resumes ------------------


@pytest.mark.parametrize(("sig", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
@pytest.mark.subprocess
def test_a_signal_stops_the_batch_cleanly_and_the_rerun_resumes(
    tmp_path: Path, sig: int, code: int, ray_address: str
) -> None:
    """Mid-batch, the CLI exits 128+signal without a traceback; manifests say
    interrupted, no reservation is left open, and a rerun completes reusing research.
    The CLI joins the session's Ray (``--address``): the signal is the CLI's to handle,
    and a Ray of its own would add 10-30 s of start-up."""
    batch = _batch_file(tmp_path / "in")
    out = tmp_path / "out"
    argv = [sys.executable, "-m", "podcast_factory.cli", "batch", str(batch), "--out", str(out)]
    proc = subprocess.Popen(
        [*argv, "--no-memory", "--provider-latency", "1.5", "--address", ray_address],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            manifest = out / "ep1" / "manifest.json"
            if manifest.is_file():
                stages = json.loads(manifest.read_text()).get("stages", {})
                if stages.get("research", {}).get("status") == "completed":
                    break
            time.sleep(0.1)
        assert proc.poll() is None, proc.communicate()
        os.kill(proc.pid, sig)
        _, err = proc.communicate(timeout=90)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == code, err
    assert "Traceback" not in err and "Stack trace" not in err.lower(), err
    assert f"{signal.Signals(sig).name}: the batch stopped cleanly" in " ".join(err.split())
    first, second = _manifest(out, "ep1"), _manifest(out, "ep2")
    assert first["status"] == second["status"] == "interrupted"
    assert first["stages"]["research"]["status"] == "completed"
    assert "running" not in {r["status"] for r in first["stages"].values()}
    assert json.loads((out / "batch.json").read_text())["interrupted"]["reason"].endswith(
        signal.Signals(sig).name
    )
    assert not _open_reservations(out)

    result = run_batch(load_batch_file(batch), out, SETTINGS)
    assert result.ok, [(e.episode_id, e.status, e.failure) for e in result.episodes]
    assert _manifest(out, "ep1")["stages"]["research"]["attempts"] == 1  # reused, not redone


def test_batch_interrupted_pickles() -> None:
    """The interrupt error crosses process boundaries with its signal and result."""
    import pickle

    result = BatchResult(
        out_dir="/tmp/o",
        episodes=(EpisodeState(episode_id="e", topic="t", status="interrupted"),),
        total_cost_micro_usd=0,
        wall_s=1.0,
    )
    back = pickle.loads(pickle.dumps(BatchInterrupted(signal.SIGTERM, result)))
    assert back.signal == signal.SIGTERM and back.result == result
    assert str(back).startswith("SIGTERM: the batch stopped cleanly, 1 episode(s)")


# -- 13: a full disk ------------------------------------------------------------------------


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 12 MB tmpfs (needs root; skipped otherwise), unmounted afterwards."""
    where = tmp_path / "disk"
    where.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=12m", "tmpfs", str(where)],
        capture_output=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def test_a_full_disk_ends_the_batch_with_a_message_and_the_rerun_resumes(
    small_disk: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With room for text but not for audio: exit 1, a message naming the path and the
    bytes needed, manifests stopped at audio; once space is freed the rerun completes."""
    monkeypatch.chdir(tmp_path)
    batch = _batch_file(tmp_path / "in")
    out = small_disk / "out"
    filler = small_disk / "filler"
    free = shutil.disk_usage(small_disk).free
    filler.write_bytes(b"\0" * (free - 300_000))  # room for text, not a WAV of 60 s (2.6 MB)
    argv = ["batch", str(batch), "--out", str(out), "--no-memory"]
    code = main(argv)
    err = " ".join(capsys.readouterr().err.split())
    assert code == 1, err
    assert "Traceback" not in err
    assert f"no space left on the device holding {out}" in err
    assert "bytes are free" in err and "needs" in err
    for eid in ("ep1", "ep2"):
        manifest = _manifest(out, eid)
        assert manifest["status"] == "failed", manifest
        assert manifest["stages"]["script"]["status"] == "completed"
        assert manifest["stages"]["audio"]["status"] == "failed"
        assert "no space left" in manifest["failure"]
    filler.unlink()
    assert main(argv) == 0
    for eid in ("ep1", "ep2"):
        manifest = _manifest(out, eid)
        assert manifest["status"] == "completed"
        assert manifest["stages"]["script"]["attempts"] == 1  # kept from the first run


def test_batch_spec_round_trip_is_unchanged_by_the_loader(tmp_path: Path) -> None:
    """The bounded YAML loader reads the test batch as before (two episodes, concurrency)."""
    spec: BatchSpec = load_batch_file(_batch_file(tmp_path))
    assert [e.episode_id for e in spec.episodes] == ["ep1", "ep2"]
    assert spec.concurrency == 1
