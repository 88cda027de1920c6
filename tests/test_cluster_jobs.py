"""A real two-node Ray cluster on this machine: a head node and a second node started as
child processes with `ray start --block` (token authentication on, as Ray 2.60 clusters
have it), stopped by their pids. The example batch is submitted as a Ray job from a
separate process; agents run on both nodes; the run directory is complete on the head
node; the result is fetched back by job id."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from podcast_factory.jobs import fetch_result, submit_batch

pytestmark = [pytest.mark.ray, pytest.mark.slow]

BIN = Path(sys.executable).parent
CLI = str(BIN / "podcast-factory")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class Cluster:
    """Two `ray start --block` processes and what a client needs to reach them."""

    def __init__(self, root: Path) -> None:
        self.token = secrets.token_hex(16)
        token_file = root / "token"
        token_file.write_text(self.token)
        self.env = {
            **os.environ,
            "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
            "RAY_AUTH_MODE": "token",
            "RAY_AUTH_TOKEN_PATH": str(token_file),
            "RAY_USAGE_STATS_ENABLED": "0",
        }
        self.gcs_port = _free_port()
        self.dashboard_port = _free_port()
        self.address = f"http://127.0.0.1:{self.dashboard_port}"
        # Ray's unix sockets live under the temp dir, and their paths may not exceed 107
        # bytes: pytest's tmp paths are too long for that.
        self.temp = Path(tempfile.mkdtemp(prefix="pf-ray-", dir="/tmp"))
        self.procs: list[subprocess.Popen[bytes]] = []
        self.logs = root

    def _start(self, name: str, args: list[str]) -> None:
        log = (self.logs / f"{name}.log").open("wb")
        self.procs.append(
            subprocess.Popen(
                [str(BIN / "ray"), "start", "--block", *args],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: stopped by its pid below
            )
        )

    def start(self) -> None:
        common = ["--node-ip-address=127.0.0.1", "--num-cpus=1", "--disable-usage-stats"]
        self._start(
            "head",
            [
                "--head",
                f"--port={self.gcs_port}",
                f"--dashboard-port={self.dashboard_port}",
                "--dashboard-host=127.0.0.1",
                "--include-dashboard=true",
                f"--ray-client-server-port={_free_port()}",
                f"--dashboard-agent-listen-port={_free_port()}",
                f"--temp-dir={self.temp}",
                *common,
            ],
        )
        self._wait(lambda: self._alive_nodes() >= 1, "the head node")
        self._start(
            "worker",
            [
                f"--address=127.0.0.1:{self.gcs_port}",
                f"--dashboard-agent-listen-port={_free_port()}",
                *common,
            ],
        )
        self._wait(lambda: self._alive_nodes() >= 2, "the second node")

    def _alive_nodes(self) -> int:
        request = urllib.request.Request(
            f"{self.address}/nodes?view=summary",
            headers={"Authorization": f"Bearer {self.token}"},
        )
        try:
            with urllib.request.urlopen(request, timeout=5) as reply:
                data = json.loads(reply.read())
        except OSError:
            return 0
        nodes = data.get("data", {}).get("summary", [])
        return sum(1 for n in nodes if n.get("raylet", {}).get("state") == "ALIVE")

    def _wait(self, ready: Any, what: str, timeout_s: float = 120) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if any(p.poll() is not None for p in self.procs):
                break
            if ready():
                return
            time.sleep(1)
        logs = "\n".join(p.read_text(errors="replace")[-2000:] for p in self.logs.glob("*.log"))
        raise RuntimeError(f"{what} did not come up:\n{logs}")

    def stop(self) -> None:
        """SIGTERM each `ray start` process group by its pid, SIGKILL what is left."""
        for proc in reversed(self.procs):
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                continue
        for proc in reversed(self.procs):
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
            with contextlib.suppress(ProcessLookupError):  # what outlived its parent
                os.killpg(proc.pid, signal.SIGKILL)
        shutil.rmtree(self.temp, ignore_errors=True)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    running = Cluster(tmp_path_factory.mktemp("cluster"))
    try:
        running.start()
        yield running
    finally:
        running.stop()


def _cli(cluster: Cluster, *args: str, env: dict[str, str] | None = None) -> Any:
    return subprocess.run(
        [CLI, *args],
        env={
            **(env or cluster.env),
            "COLUMNS": "160",
            "PODCAST_FACTORY_MEMORY": os.environ["PODCAST_FACTORY_MEMORY"],
        },
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.mark.subprocess
def test_the_example_batch_as_a_job_runs_on_both_nodes(cluster: Cluster, tmp_path: Path) -> None:
    out = tmp_path / "out"
    batch = Path(__file__).resolve().parent.parent / "examples" / "batch.yaml"
    done = _cli(
        cluster, "submit", str(batch), "--address", cluster.address, "--out", str(out), "--json"
    )
    assert done.returncode == 0, done.stdout + done.stderr
    outcome = json.loads(done.stdout)
    assert outcome["status"] == "SUCCEEDED"
    assert [e["status"] for e in outcome["result"]["episodes"]] == ["completed"] * 3
    assert "completed=3" in done.stderr  # progress was followed while the job ran
    # the run directory is complete on the head node (this machine)
    for eid in ("tides", "honeybee-climate", "penicillin"):
        for name in ("manifest.json", "script.md", "audio.wav", "quality.json", "summary.md"):
            assert (out / eid / name).is_file(), (eid, name)
    batch_json = json.loads((out / "batch.json").read_text())
    nodes = {a["node_id"] for a in batch_json["agents"]}
    assert len(nodes) == 2, batch_json["agents"]
    assert cluster.token not in done.stdout + done.stderr


@pytest.mark.subprocess
def test_a_job_submitted_from_python_is_fetched_by_id_from_another_process(
    cluster: Cluster, tmp_path: Path, example_dir: Path
) -> None:
    out = tmp_path / "out"
    env = {**cluster.env, "PODCAST_FACTORY_MEMORY": os.environ["PODCAST_FACTORY_MEMORY"]}
    job_id = submit_batch(
        example_dir / "workflow.yaml",
        cluster.address,
        out=str(out),
        options=["--workflow", "script-only"],
        env=env,
    )
    assert job_id.startswith("podcast-factory-workflow-")
    fetched = _cli(cluster, "job", job_id, "--address", cluster.address, "--json")
    assert fetched.returncode == 0, fetched.stderr
    result = json.loads(fetched.stdout)["result"]
    assert {e["episode_id"] for e in result["episodes"]} == {"tides", "honeybee-climate"}
    for e in result["episodes"]:
        assert set(e["stages"]) == {"research", "script", "review"}
        assert (out / e["episode_id"] / "script.md").is_file()
    again = fetch_result(cluster.address, job_id, env)  # the same result, from Python
    assert again.status == "SUCCEEDED" and again.result is not None
    assert again.result.out_dir == str(out)


@pytest.mark.subprocess
def test_a_wrong_token_is_refused_and_never_printed(cluster: Cluster, tmp_path: Path) -> None:
    wrong = tmp_path / "wrong-token"
    wrong.write_text("not-the-token-" + secrets.token_hex(8))
    env = {**cluster.env, "RAY_AUTH_TOKEN_PATH": str(wrong)}
    batch = Path(__file__).resolve().parent.parent / "examples" / "batch.yaml"
    done = _cli(cluster, "submit", str(batch), "--address", cluster.address, env=env)
    assert done.returncode == 1
    assert f"Ray cluster at {cluster.address}" in done.stderr
    assert wrong.read_text() not in done.stdout + done.stderr
