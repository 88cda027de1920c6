"""Every shell command of README.md and examples/README.md, run exactly as written.

Each fenced ``bash`` block (and each ``$ `` line of a plain block) runs in one shell, in
a copy of the repository, so the README cannot drift from what works. The blocks run in
the README's order and share the copy and one series memory, as a reader's commands do
(``podcast-factory memory`` shows what the batches before it remembered). The
copy gets a ``.venv`` whose ``python`` and ``podcast-factory`` run this checkout with the
interpreter running the tests (and the install stamp ``scripts/install`` checks), so
``scripts/demo`` runs as written without the package index. Commands that need API keys
run against the provider simulator on loopback. The few that cannot run here are in
``NOT_RUN``, each with the reason and where else it is covered.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from podcast_factory.testing import ProviderSimulator
from tests.conftest import ROOT

READMES = ("README.md", "examples/README.md")

NOT_RUN: dict[str, str] = {
    "scripts/test": "runs this suite, which holds this test; CI runs it (.ci/run)",
    "scripts/check": "ruff and mypy over the repository; CI runs it (.ci/run)",
    "scripts/check_wheel": "builds a wheel and a fresh venv from the package index (minutes)",
    ".venv/bin/python scripts/chaos.py": (
        "kills the driver of a 50-episode batch again and again: many minutes of CPU; "
        "tests/test_chaos.py runs the same script on 6 episodes"
    ),
    "ray up cluster.yaml": "creates an AWS cluster: needs an AWS account",
    "ray dashboard cluster.yaml": "tunnels to the AWS cluster above",
    "podcast-factory submit examples/batch.yaml --address http://localhost:8265": (
        "needs the cluster above; tests/test_cluster_jobs.py submits the example batch "
        "to a two-node cluster on this machine"
    ),
}
"""Commands (by how they start) that this test does not run, and why."""

SERVERS = ("python -m podcast_factory.testing.sim",)
"""Commands that serve until stopped: started in the background, stopped at the end."""


def commands(text: str) -> list[list[str]]:
    """The shell commands of each block, continuation lines joined."""
    blocks = []
    for lang, body in re.findall(r"^```(\w*)\n(.*?)^```", text, flags=re.M | re.S):
        lines = body.replace("\\\n", " ").splitlines()
        if lang == "bash":
            found = [line for line in lines if line.strip() and not line.startswith("#")]
        elif lang == "":
            found = [line[2:] for line in lines if line.startswith("$ ")]
        else:
            continue
        if found:
            blocks.append(found)
    return blocks


def _blocks() -> list[tuple[str, list[str]]]:
    found = []
    for name in READMES:
        for i, block in enumerate(commands((ROOT / name).read_text(encoding="utf-8"))):
            found.append((f"{name}#{i + 1}", block))
    return found


BLOCKS = _blocks()


def _not_run(line: str) -> str | None:
    return next((why for start, why in NOT_RUN.items() if line.startswith(start)), None)


def test_the_readme_commands_are_found_and_every_skip_has_a_reason() -> None:
    """The extraction finds the commands a reader sees; the allow-list matches something."""
    every = [line for _, block in BLOCKS for line in block]
    assert any(line.startswith("scripts/demo") for line in every)
    assert any("--source examples/sources/tides.md" in line for line in every)
    for start in NOT_RUN:
        assert any(line.startswith(start) for line in every), f"{start} is not in a README"


@pytest.fixture(scope="module")
def repo_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the repository whose .venv runs this checkout with this interpreter."""
    copy = tmp_path_factory.mktemp("readme") / "podcast-factory"
    junk = shutil.ignore_patterns(
        ".git", ".venv", "out", "__pycache__", ".mypy_cache", ".ruff_cache", ".pytest_cache"
    )
    shutil.copytree(ROOT, copy, symlinks=True, ignore=junk)
    bin_dir = copy / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    wrappers = {
        "python": f'exec {sys.executable} "$@"',
        "podcast-factory": f'exec {sys.executable} -m podcast_factory "$@"',
    }
    for name, line in wrappers.items():
        path = bin_dir / name
        path.write_text(f'#!/bin/sh\nPYTHONPATH="{copy}" {line}\n')
        path.chmod(0o755)
    stamp = hashlib.sha256((copy / "pyproject.toml").read_bytes()).hexdigest()
    (copy / ".venv" / ".podcast-factory-installed").write_text(stamp + "\n")
    return copy


@pytest.mark.slow
@pytest.mark.subprocess
@pytest.mark.timeout(1200)
@pytest.mark.parametrize(("where", "block"), BLOCKS, ids=[w for w, _ in BLOCKS])
def test_readme_block_runs_as_written(repo_copy: Path, where: str, block: list[str]) -> None:
    """Each command of the block exits 0 (``batch --help`` too), in order, in one shell."""
    script = ["set -euo pipefail"]
    servers = 0
    for line in block:
        why = _not_run(line)
        if why is not None:
            script.append(f"echo 'not run: {line[:40]}... ({why})'")
        elif any(s in line for s in SERVERS):
            servers += 1
            log = f"server{servers}.log"
            script += [  # on a line of its own: the command may end in a comment
                "{",
                f"exec {line}",  # the server is the background job itself, so that
                f"}} > {log} 2>&1 &",  # the trap stops it, not a subshell above it
                f"server{servers}=$!",
                "trap 'kill "
                + " ".join(f"$server{i}" for i in range(1, servers + 1))
                + " 2>/dev/null || true' EXIT",
                f"until grep -q export {log}; do",
                f"  kill -0 $server{servers} 2>/dev/null || {{ cat {log}; exit 1; }}",
                "  sleep 0.2",
                "done",
            ]
        else:
            script.append(line)
    with ProviderSimulator(voices={}) as sim:  # for the commands that take keys
        env = {
            **os.environ,
            "PATH": f"{repo_copy / '.venv' / 'bin'}:{os.environ['PATH']}",
            "ANTHROPIC_BASE_URL": sim.url,
            "ELEVENLABS_BASE_URL": sim.url,
            "COLUMNS": "100",
            # one series memory for every block, as a reader has one in ~/.podcast-factory
            "PODCAST_FACTORY_MEMORY": str(repo_copy / ".memory"),
        }
        env.pop("PYTHONPATH", None)
        done = subprocess.run(
            ["bash", "-c", "\n".join(script)],
            cwd=repo_copy,
            env=env,
            capture_output=True,
            text=True,
            timeout=1100,
        )
    assert done.returncode == 0, f"{where}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    assert "Token authentication is enabled" not in done.stderr  # nothing a user can act on
    starts_ray = re.compile(r"podcast-factory (run|batch) [^-]|scripts/demo")
    if any(starts_ray.search(line) and _not_run(line) is None for line in block):
        assert "Starting Ray (local, " in done.stderr  # said before the seconds it takes
