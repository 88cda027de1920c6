"""The command line as a user runs it: exit codes, messages, nothing written on bad input."""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from podcast_factory.cli import main
from podcast_factory.models import STAGES

CLI = str(Path(sys.executable).parent / "podcast-factory")


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "160"}
    return subprocess.run(
        [CLI, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=240
    )


def _main(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The CLI's ``main`` run in this process (no Ray is started by these verbs), with
    its exit code and what it printed, as a subprocess would report them."""
    out, err = io.StringIO(), io.StringIO()
    here = Path.cwd()
    columns = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = "160"
    try:
        os.chdir(cwd)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(list(args))
            except SystemExit as exc:  # argparse's --help and usage errors
                code = exc.code if isinstance(exc.code, int) else 2
    finally:
        os.chdir(here)
        if columns is None:
            os.environ.pop("COLUMNS", None)
        else:
            os.environ["COLUMNS"] = columns
    return subprocess.CompletedProcess(list(args), code, out.getvalue(), err.getvalue())


def _bad_batch(tmp_path: Path, change: dict) -> Path:
    (tmp_path / "n.md").write_text("Tides rise and fall twice a day on most coasts.\n")
    data: dict[str, Any] = {
        "show": {"name": "S", "hosts": ["A", "B"]},
        "episodes": [{"topic": "Tides", "sources": ["n.md"]}],
    }
    data["episodes"][0].update(change.get("episode", {}))
    data.update(change.get("top", {}))
    path = tmp_path / "b.yaml"
    path.write_text(change.get("raw") or yaml.safe_dump(data))
    return path


@pytest.mark.parametrize(
    ("case", "change", "extra", "message"),
    [
        ("empty topic", {"episode": {"topic": ""}}, [], "episodes[0].topic"),
        ("missing source", {"episode": {"sources": ["gone.md"]}}, [], "gone.md"),
        ("malformed yaml", {"raw": "show: {name: [\n"}, [], "not valid YAML"),
        ("negative budget", {}, ["--budget", "-3"], "--budget: must be more than 0"),
        ("zero concurrency", {}, ["--concurrency", "0"], "--concurrency"),
    ],
)
def test_bad_input_exits_2_with_message_and_writes_nothing(
    tmp_path: Path, case: str, change: dict, extra: list[str], message: str
) -> None:
    """Bad input: exit code 2, the field in the message, and no run directory created."""
    batch = _bad_batch(tmp_path, change)
    out = tmp_path / "out"
    proc = _main("batch", str(batch), "--out", str(out), *extra, cwd=tmp_path)
    assert proc.returncode == 2, (case, proc.stderr)
    assert message in proc.stderr, proc.stderr
    assert not out.exists()


def test_run_without_source_is_a_usage_error(tmp_path: Path) -> None:
    """'run' needs a source: exit 2 and the message says to give one."""
    proc = _main("run", "Tides", "--out", str(tmp_path / "o"), cwd=tmp_path)
    assert proc.returncode == 2
    assert "--source" in proc.stderr
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize(
    "verb", ["run", "batch", "estimate", "report", "submit", "job", "memory", "publish"]
)
def test_every_verb_has_help(tmp_path: Path, verb: str) -> None:
    """Each verb explains itself with --help and exits 0."""
    proc = _main(verb, "--help", cwd=tmp_path)
    assert proc.returncode == 0
    assert "usage: podcast-factory " + verb in proc.stdout


@pytest.mark.slow
@pytest.mark.subprocess
def test_run_one_episode_then_report(tmp_path: Path) -> None:
    """'run' makes an episode, prints the table, the WAV and MP3 paths; 'report' reads it
    back."""
    notes = Path(__file__).parent.parent / "examples" / "sources" / "tides.md"
    out = tmp_path / "out"
    proc = _cli(
        "run",
        "How tides work",
        "--source",
        str(notes),
        "--minutes",
        "1",
        "--id",
        "tides",
        "--out",
        str(out),
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    assert "offline" in proc.stderr
    assert f"audio: {out / 'tides' / 'audio.wav'}" in proc.stdout
    assert f"mp3: {out / 'tides' / 'audio.mp3'}" in proc.stdout
    assert "completed" in proc.stdout
    assert f"run page: {out / 'index.html'}" in proc.stdout  # written at the end of every run
    assert "How tides work" in (out / "index.html").read_text()
    manifest = json.loads((out / "tides" / "manifest.json").read_text())
    for name, stage in manifest["stages"].items():  # the run page's timeline rests on these
        assert stage["started_at"] <= stage["ended_at"], name
        assert stage["spans"] and stage["spans"][-1]["ok"], name
    table = _cli("report", str(out), cwd=tmp_path)
    assert table.returncode == 0
    assert "estimate USD" in table.stdout and "tides" in table.stdout
    report = _cli("report", str(out), "--json", cwd=tmp_path)
    assert report.returncode == 0
    data = json.loads(report.stdout)
    assert [e["status"] for e in data["episodes"]] == ["completed"]
    assert data["batch"]["totals"]["completed"] == 1


def test_estimate_spends_nothing_and_prices_each_stage(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """'estimate' prices Claude + ElevenLabs per stage from the dated table, offline."""
    batch = Path(__file__).parent.parent / "examples" / "batch.yaml"
    with monkeypatch.context() as env:  # keys, but base URLs at a closed loopback port
        env.setenv("ANTHROPIC_API_KEY", "sk-ant-test-x")
        env.setenv("ELEVENLABS_API_KEY", "el-test-x")
        proc = _main("estimate", str(batch), "--json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert (data["llm"], data["tts"]) == ("claude", "elevenlabs")
    assert data["prices_as_of"] == "2026-11-01"
    for ep in data["episodes"]:
        assert set(ep["stages"]) == set(STAGES)
        assert ep["stages"]["audio"] > ep["stages"]["script"] > 0
    assert data["total_micro_usd"] == sum(sum(e["stages"].values()) for e in data["episodes"])
    offline = _main("estimate", str(batch), "--json", cwd=tmp_path)
    assert json.loads(offline.stdout)["total_micro_usd"] == 0
    assert "writing offline" in offline.stderr


def test_choosing_claude_without_a_key_is_a_usage_error(tmp_path: Path) -> None:
    """--llm claude with no ANTHROPIC_API_KEY: exit 2 naming the variable to set."""
    batch = Path(__file__).parent.parent / "examples" / "batch.yaml"
    proc = _main("batch", str(batch), "--llm", "claude", "--out", str(tmp_path / "o"), cwd=tmp_path)
    assert proc.returncode == 2
    assert "ANTHROPIC_API_KEY" in proc.stderr
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--address", "127.0.0.1:8265"], 2, "--address: '127.0.0.1:8265' is not a cluster"),
        (["--address", "http://127.0.0.1:9"], 1, "Ray cluster at http://127.0.0.1:9"),
    ],
)
def test_submit_refuses_a_bad_address_and_names_an_unreachable_one(
    tmp_path: Path, args: list[str], code: int, message: str
) -> None:
    batch = str(Path(__file__).resolve().parent.parent / "examples" / "batch.yaml")
    proc = _main("submit", batch, *args, cwd=tmp_path)
    assert proc.returncode == code, proc.stderr
    assert message in proc.stderr


def test_submit_checks_the_batch_file_before_the_cluster(tmp_path: Path) -> None:
    proc = _main("submit", "missing.yaml", "--address", "http://127.0.0.1:9", cwd=tmp_path)
    assert proc.returncode == 2
    assert "missing.yaml" in proc.stderr
