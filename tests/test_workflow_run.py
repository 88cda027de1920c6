"""Custom workflows as a user runs them: the example batch file with its own agent, the
presets, a user agent passed in through the Python API, and invalid workflows refused
before anything runs."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import BaseModel

from podcast_factory.api import load_batch_file, run_batch, workflow_from_python
from podcast_factory.cli import main
from podcast_factory.metering import StageContext
from podcast_factory.models import EpisodeSpec, Script
from tests.conftest import EXAMPLES

pytestmark = [pytest.mark.ray, pytest.mark.usefixtures("ray_session")]


@dataclass
class Done:
    """What a command printed and how it exited."""

    returncode: int
    stdout: str
    stderr: str


Cli = Callable[..., Done]


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Cli:
    """``podcast-factory ARGS`` run in ``cwd`` in this process, on the session's Ray: the
    command line's own code, its exit code and output, without the 10-30 s a child
    process spends starting a Ray of its own (tests/test_cli.py runs the installed
    command)."""
    monkeypatch.setenv("COLUMNS", "160")

    def run(*args: str, cwd: Path) -> Done:
        monkeypatch.chdir(cwd)
        capsys.readouterr()
        code = main(list(args))
        out, err = capsys.readouterr()
        return Done(code, out, err)

    return run


@dataclass
class FirstRun:
    """The example batch's first episode made once, and the series memory it left."""

    out: Path
    memory: Path
    episode_id: str

    def copy_to(self, out: Path, memory_dir: Path) -> None:
        """This run as a test's own: the run directory at ``out``, the memory in
        ``memory_dir``, as if the test had made the episode itself."""
        shutil.copytree(self.out, out)
        shutil.copytree(self.memory, memory_dir, dirs_exist_ok=True)


@pytest.fixture(scope="module")
def first_run(tmp_path_factory: pytest.TempPathFactory, ray_session: None) -> Iterator[FirstRun]:
    """One batch shared by the tests that start from a finished episode (a batch costs
    30-60 s on 2 cores, most of it its agents starting); each test copies it."""
    root = tmp_path_factory.mktemp("first-run")
    spec = load_batch_file(EXAMPLES / "batch.yaml")
    spec = spec.model_copy(update={"episodes": spec.episodes[:1]})
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PODCAST_FACTORY_MEMORY", str(root / "memory"))
        assert run_batch(spec, root / "out").ok
    yield FirstRun(root / "out", root / "memory", spec.episodes[0].episode_id)


def _manifest(out: Path, eid: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((out / eid / "manifest.json").read_text())
    return data


def _ledger_stages(out: Path) -> set[str]:
    lines = (out / "ledger.jsonl").read_text().splitlines()
    return {json.loads(line)["stage"] for line in lines}


def test_the_example_workflow_runs_as_declared(example_dir: Path, tmp_path: Path, cli: Cli) -> None:
    """examples/workflow.yaml: the full episode (mastered) without social posts, plus the
    user's title agent after the quality gate."""
    out = tmp_path / "out"
    done = cli("batch", "workflow.yaml", "--out", str(out), cwd=example_dir)
    assert done.returncode == 0, done.stderr
    spec = load_batch_file(example_dir / "workflow.yaml")
    assert spec.workflow.order[-1] == "title"
    for ep in spec.episodes:
        m = _manifest(out, ep.episode_id)
        assert m["status"] == "completed"
        assert set(m["stages"]) == {
            "research",
            "script",
            "review",
            "audio",
            "quality",
            "summary",
            "master",
            "title",
        }
        assert all(r["status"] == "completed" for r in m["stages"].values())
        assert not (out / ep.episode_id / "social.json").exists()  # skipped by the file
        ideas = json.loads((out / ep.episode_id / "title.json").read_text())
        assert len(ideas["titles"]) == 3 and ideas["keywords"]
        script = (out / ep.episode_id / "script.md").read_text().lower()
        assert all(k.lower() in script for k in ideas["keywords"])
    # a rerun reuses every stage, the user's included
    again = cli("batch", "workflow.yaml", "--out", str(out), "--json", cwd=example_dir)
    assert again.returncode == 0, again.stderr
    for ep in json.loads(again.stdout)["episodes"]:
        assert ep["stages"]["title"]["attempts"] == 1


def test_script_only_preset_writes_scripts_and_no_audio(
    example_dir: Path, tmp_path: Path, cli: Cli
) -> None:
    out = tmp_path / "out"
    done = cli(
        "batch", "batch.yaml", "--out", str(out), "--workflow", "script-only", cwd=example_dir
    )
    assert done.returncode == 0, done.stderr
    for ep in load_batch_file(example_dir / "batch.yaml").episodes:
        m = _manifest(out, ep.episode_id)
        assert m["status"] == "completed"
        assert set(m["stages"]) == {"research", "script", "review"}  # read, never voiced
        assert (out / ep.episode_id / "script.md").is_file()
        assert not (out / ep.episode_id / "audio.wav").exists()
    assert _ledger_stages(out) == {"script"}  # the offline writer's free call


def test_revoice_speaks_existing_scripts_again_without_writing_them(
    example_dir: Path, tmp_path: Path, memory_dir: Path, cli: Cli, first_run: FirstRun
) -> None:
    first = tmp_path / "first"
    first_run.copy_to(first, memory_dir)
    eid = first_run.episode_id
    # the same batch with other voices, re-voiced into a new run directory
    data = yaml.safe_load((example_dir / "batch.yaml").read_text())
    data["show"]["hosts"] = [
        {"name": "Nora", "voice": "en-us+m3"},
        {"name": "Eli", "voice": "en-us+f3"},
    ]
    data["episodes"] = data["episodes"][:1]
    (example_dir / "revoice.yaml").write_text(yaml.safe_dump(data))
    second = tmp_path / "second"
    done = cli(
        "batch",
        "revoice.yaml",
        "--out",
        str(second),
        "--workflow",
        "revoice",
        "--from",
        str(first),
        cwd=example_dir,
    )
    assert done.returncode == 0, done.stderr
    m = _manifest(second, eid)
    assert m["status"] == "completed"
    for stage in ("research", "script"):
        assert m["stages"][stage]["imported_from"] == str(first.resolve())
        assert m["stages"][stage]["cost_usd"] == "0.000000"
    assert (second / eid / "script.json").read_bytes() == (first / eid / "script.json").read_bytes()
    assert (second / eid / "audio.wav").read_bytes() != (first / eid / "audio.wav").read_bytes()
    assert _ledger_stages(second) == {"audio"}  # nothing was researched or written
    for name in ("quality.json", "summary.md", "social.json"):
        assert (second / eid / name).is_file()


def test_revoice_without_a_previous_run_is_refused(
    example_dir: Path, tmp_path: Path, cli: Cli
) -> None:
    out = tmp_path / "out"
    empty = tmp_path / "empty"
    empty.mkdir()
    done = cli(
        "batch",
        "batch.yaml",
        "--out",
        str(out),
        "--workflow",
        "revoice",
        "--from",
        str(empty),
        cwd=example_dir,
    )
    assert done.returncode == 2
    assert "has no completed research" in done.stderr
    assert not out.exists()


@pytest.mark.parametrize(
    ("workflow", "message"),
    [
        ({"stages": ["research", "script", "voiceover"]}, "voiceover"),
        (
            {
                "stages": [
                    "research",
                    "script",
                    {"name": "a", "agent": "agents/title.py:TitleAgent", "after": ["b"]},
                    {"name": "b", "agent": "agents/title.py:TitleAgent", "after": ["a"]},
                ]
            },
            "cycle",
        ),
        ({"stages": ["audio", "quality"]}, "audio needs script"),
        ({"preset": "full", "when_typo": 1}, "when_typo"),
        ({"stages": ["research", {"name": "x", "agent": "agents/nope.py:X"}]}, "nope.py"),
    ],
)
def test_an_invalid_workflow_is_refused_before_anything_runs(
    example_dir: Path, tmp_path: Path, workflow: dict[str, Any], message: str, cli: Cli
) -> None:
    data = yaml.safe_load((example_dir / "batch.yaml").read_text())
    data["workflow"] = workflow
    (example_dir / "bad.yaml").write_text(yaml.safe_dump(data))
    out = tmp_path / "out"
    done = cli("batch", "bad.yaml", "--out", str(out), cwd=example_dir)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "workflow" in done.stderr and message in done.stderr
    assert not out.exists()


class Shout(BaseModel):
    """What the test's own agent returns."""

    title: str
    turns: int


class ShoutAgent:
    """A user agent passed in as a class through the Python API."""

    needs = ("script",)
    output = Shout

    async def run(self, episode: EpisodeSpec, inputs: dict[str, Any], ctx: StageContext) -> Shout:
        script: Script = inputs["script"]
        return Shout(title=script.title.upper(), turns=len(script.turns))


def test_a_user_agent_passed_through_the_python_api_runs_as_a_ray_actor(
    example_dir: Path, tmp_path: Path
) -> None:
    spec = load_batch_file(example_dir / "batch.yaml")
    workflow = workflow_from_python(
        ["research", "script", {"name": "shout", "agent": ShoutAgent}],
    )
    spec = spec.model_copy(update={"episodes": spec.episodes[:1], "workflow": workflow})
    out = tmp_path / "out"
    result = run_batch(spec, out)
    assert result.ok
    eid = spec.episodes[0].episode_id
    shout = json.loads((out / eid / "shout.json").read_text())
    script = json.loads((out / eid / "script.json").read_text())
    assert shout == {"title": script["title"].upper(), "turns": len(script["turns"])}
    assert _manifest(out, eid)["stages"]["shout"]["status"] == "completed"


def test_a_rerun_with_other_voices_redoes_only_the_audio_and_what_follows(
    example_dir: Path, tmp_path: Path, memory_dir: Path, first_run: FirstRun
) -> None:
    eid = first_run.episode_id
    out = tmp_path / "out"
    first_run.copy_to(out, memory_dir)
    data = yaml.safe_load((example_dir / "batch.yaml").read_text())
    data["show"]["hosts"][0]["voice"] = "en-us+m3"
    data["show"]["hosts"][1]["voice"] = "en-us+f3"
    data["episodes"] = data["episodes"][:1]
    (example_dir / "swapped.yaml").write_text(yaml.safe_dump(data))
    before = (out / eid / "audio.wav").read_bytes()
    run_batch(load_batch_file(example_dir / "swapped.yaml"), out)
    stages = _manifest(out, eid)["stages"]
    assert stages["research"]["attempts"] == stages["script"]["attempts"] == 1
    for name in ("audio", "quality", "summary"):
        assert stages[name]["attempts"] == 2, name
    assert (out / eid / "audio.wav").read_bytes() != before
