"""The run directory's edges (issue 11 items 2, 3, 6, 12, 15): one run a directory, only
folders of ours, nothing written through links that leave it, reserved names, and a
``report`` that verifies what it reads."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from podcast_factory.api import check_out_dir, load_batch_file, run_batch
from podcast_factory.cli import main
from podcast_factory.errors import SourceError, UserInputError
from podcast_factory.layout import LOCK_NAME, RUN_FORMAT
from podcast_factory.models import EpisodeSpec, EpisodeState, StageRecord
from podcast_factory.providers.sources import read_local
from podcast_factory.rundir import RunDir
from podcast_factory.runlock import RunLock

ROOT = Path(__file__).resolve().parent.parent
CLI = str(Path(sys.executable).parent / "podcast-factory")
TIDES = ROOT / "examples" / "sources" / "tides.md"


def _batch_file(tmp: Path, episode_id: str = "tides") -> Path:
    data = {
        "show": {"name": "S", "hosts": ["A", "B"]},
        "episodes": [{"id": episode_id, "topic": "How tides work", "sources": [str(TIDES)],
                      "minutes": 1}],
    }  # fmt: skip
    path = tmp / "batch.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def _tree(root: Path) -> dict[str, bytes | str]:
    """Every entry below ``root``: file bytes, or the target of a link."""
    found: dict[str, bytes | str] = {}
    for p in sorted(root.rglob("*")):
        rel = str(p.relative_to(root))
        if p.is_symlink():
            found[rel] = "-> " + os.readlink(p)
        elif p.is_file():
            found[rel] = p.read_bytes()
    return found


@pytest.fixture
def holder(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], Path]]:
    """Another process holding the lock of ``tmp_path/out`` until it is killed."""
    out = tmp_path / "out"
    code = textwrap.dedent(f"""
        import sys
        from pathlib import Path
        from podcast_factory.runlock import RunLock
        lock = RunLock.acquire(Path({str(out)!r}))
        print("locked", flush=True)
        sys.stdin.read()
    """)
    proc = subprocess.Popen(
        [sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "locked"
        yield proc, out
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=30)


# -- 2. two runs, one directory ----------------------------------------------------------


@pytest.mark.subprocess
def test_second_batch_into_a_locked_directory_exits_2_naming_the_holder(
    tmp_path: Path, holder: tuple[subprocess.Popen[str], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """A batch into a folder another run holds: exit 2 naming its pid, nothing written."""
    proc, out = holder
    before = _tree(out)
    code = main(["batch", str(_batch_file(tmp_path)), "--out", str(out)])
    err = " ".join(capsys.readouterr().err.split())
    assert code == 2, err
    assert f"process {proc.pid} on host" in err and "in use by another run" in err
    assert _tree(out) == before


@pytest.mark.subprocess
def test_api_refuses_a_locked_directory_with_user_input_error(
    tmp_path: Path, holder: tuple[subprocess.Popen[str], Path]
) -> None:
    """The Python API raises UserInputError (field out_dir) for a folder another run holds."""
    proc, out = holder
    with pytest.raises(UserInputError) as caught:
        run_batch(load_batch_file(_batch_file(tmp_path)), out)
    assert caught.value.field == "out_dir" and str(proc.pid) in caught.value.problem


@pytest.mark.subprocess
def test_a_crashed_holder_does_not_leave_the_directory_stuck(
    holder: tuple[subprocess.Popen[str], Path],
) -> None:
    """Kill -9 the run holding the lock: the next run takes the directory at once."""
    proc, out = holder
    with pytest.raises(UserInputError):
        RunLock.acquire(out)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    with RunLock.acquire(out) as lock:
        assert lock.held
        info = json.loads((out / LOCK_NAME).read_text())
        assert info["pid"] == os.getpid() and info["format"] == RUN_FORMAT
    check_out_dir(out)  # released: free again


# -- 3. --out is anyone's folder ---------------------------------------------------------


def test_a_users_own_folder_is_refused_and_left_as_it_was(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A folder with a user's ep1/script.md and ledger.jsonl: exit 2, not a byte changed."""
    out = tmp_path / "mine"
    (out / "ep1").mkdir(parents=True)
    (out / "ep1" / "script.md").write_text("my own script\n")
    (out / "ledger.jsonl").write_text("2024-01-01 coffee 3.50\n2024-01-02 lunch 12.00\n")
    before = _tree(out)
    code = main(["batch", str(_batch_file(tmp_path, "ep1")), "--out", str(out)])
    err = " ".join(capsys.readouterr().err.split())
    assert code == 2
    assert "--out" in err and "is not a podcast-factory run directory" in err
    assert _tree(out) == before


@pytest.mark.parametrize("where", ["/", "/etc", "/usr", "/var", "/proc", "/etc/podcasts", "home"])
def test_system_folders_are_refused_as_run_directories(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    """--out / , /etc, /usr, /var, /proc, a folder under /etc and the home folder: refused."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    target = home if where == "home" else Path(where)
    with pytest.raises(UserInputError) as caught:
        check_out_dir(target)
    assert caught.value.field == "out_dir"
    assert "system folder" in caught.value.problem or "home directory" in caught.value.problem


def test_batch_into_etc_exits_2_and_writes_nothing_there(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """'batch --out /etc' (accepted as root before): exit 2, no lock or batch.json in /etc."""
    code = main(["batch", str(_batch_file(tmp_path)), "--out", "/etc"])
    err = " ".join(capsys.readouterr().err.split())
    assert code == 2 and "--out: /etc is a system folder" in err
    assert not Path("/etc", LOCK_NAME).exists() and not Path("/etc/batch.json").exists()


def test_an_earlier_versions_run_directory_is_still_accepted(tmp_path: Path) -> None:
    """A run directory of an earlier version (batch.json, ledger.jsonl, no marker) resumes."""
    out = tmp_path / "old"
    (out / "tides").mkdir(parents=True)
    spec = load_batch_file(_batch_file(tmp_path))
    (out / "batch.json").write_text(
        json.dumps({"spec": spec.model_dump(mode="json"), "started_at": 1.0})
    )
    entry = {"ts": 1.0, "op": "reserve", "call_id": "c1", "episode_id": "tides",
             "stage": "script", "provider": "offline", "micro_usd": 0}  # fmt: skip
    (out / "ledger.jsonl").write_text(json.dumps(entry) + "\n")
    assert check_out_dir(out) == out.resolve()
    (out / "batch.json").write_text(json.dumps({"format": "podcast-factory-run/9"}))
    with pytest.raises(UserInputError, match="another podcast-factory version"):
        check_out_dir(out)


def test_an_empty_or_new_folder_is_accepted(tmp_path: Path) -> None:
    """An empty folder and one not yet made are fine places for a new run."""
    (tmp_path / "empty").mkdir()
    assert check_out_dir(tmp_path / "empty") == (tmp_path / "empty").resolve()
    assert check_out_dir(tmp_path / "new" / "out") == (tmp_path / "new" / "out").resolve()


# -- 6. symlinks out of the run directory ------------------------------------------------


def _run_dir_with_link(tmp_path: Path) -> tuple[Path, Path]:
    out, victim = tmp_path / "out", tmp_path / "victim"
    out.mkdir()
    victim.mkdir()
    (victim / "keep.txt").write_text("precious\n")
    RunDir(out).write_batch({"spec": {}, "started_at": 1.0})
    (out / "tides").symlink_to("../victim")
    return out, victim


def test_batch_refuses_an_episode_folder_linked_out_of_the_run_directory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """OUT/tides -> ../victim: exit 2 naming OUT/tides; victim/ gets nothing."""
    out, victim = _run_dir_with_link(tmp_path)
    code = main(["batch", str(_batch_file(tmp_path)), "--out", str(out)])
    err = " ".join(capsys.readouterr().err.split())
    assert code == 2
    assert f"{out.resolve() / 'tides'}: is a symbolic link" in err and "outside" in err
    assert _tree(victim) == {"keep.txt": b"precious\n"}


def test_rundir_writes_nothing_through_a_link_leading_out(tmp_path: Path) -> None:
    """RunDir refuses, at write time, an episode folder linked out of the root."""
    out, victim = _run_dir_with_link(tmp_path)
    rundir = RunDir(out)
    state = EpisodeState(episode_id="tides", topic="t")
    with pytest.raises(UserInputError) as caught:
        rundir.write_manifest(state)
    assert caught.value.field == str(out / "tides")
    with pytest.raises(UserInputError):
        rundir.write_artifact("tides", "script.md", b"x")
    assert rundir.load_manifest("tides") is None
    assert _tree(victim) == {"keep.txt": b"precious\n"}


def test_rundir_replaces_a_linked_file_instead_of_writing_through_it(tmp_path: Path) -> None:
    """OUT/ep/script.md -> ../../victim/keep.txt: the write replaces the link, not keep.txt."""
    out, victim = _run_dir_with_link(tmp_path)
    (out / "tides").unlink()
    (out / "tides").mkdir()
    (out / "tides" / "script.md").symlink_to("../../victim/keep.txt")
    RunDir(out).write_artifact("tides", "script.md", b"new script\n")
    assert not (out / "tides" / "script.md").is_symlink()
    assert (out / "tides" / "script.md").read_bytes() == b"new script\n"
    assert (victim / "keep.txt").read_text() == "precious\n"


def test_a_link_inside_the_run_directory_is_followed(tmp_path: Path) -> None:
    """An episode folder linked to another folder inside the root is written through."""
    out = tmp_path / "out"
    (out / "real").mkdir(parents=True)
    (out / "tides").symlink_to("real")
    RunDir(out).write_artifact("tides", "script.md", b"inside\n")
    assert (out / "real" / "script.md").read_bytes() == b"inside\n"


def test_a_source_given_through_a_link_is_checked_as_the_file_read(tmp_path: Path) -> None:
    """notes.md -> a key file without a text suffix: refused, naming what it links to."""
    secret = tmp_path / "id_ed25519"
    secret.write_text("-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n")
    (tmp_path / "notes.md").symlink_to(secret)
    with pytest.raises(SourceError) as caught:
        read_local(str(tmp_path / "notes.md"))
    assert "unsupported type" in caught.value.problem and str(secret) in caught.value.problem


# -- 12. reserved names ------------------------------------------------------------------


@pytest.mark.parametrize(
    "episode_id", ["batch.json", "ledger.jsonl", "index.html", "Batch.JSON", "ledger.jsonl.1"]
)
def test_episode_ids_the_run_directory_uses_are_refused(
    tmp_path: Path, episode_id: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """An episode id the run directory uses itself: exit 2 naming episodes[0].id."""
    out = tmp_path / "out"
    code = main(["batch", str(_batch_file(tmp_path, episode_id)), "--out", str(out)])
    err = " ".join(capsys.readouterr().err.split())
    assert code == 2
    assert "episodes[0].id" in err and "is reserved" in err
    assert not out.exists()


def test_run_verb_refuses_a_reserved_id_and_the_model_does_too(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """'run --id ledger.jsonl' exits 2 naming id; EpisodeSpec refuses it as well."""
    out = tmp_path / "out"
    code = main(["run", "Tides", "--source", str(TIDES), "--id", "ledger.jsonl", "--out", str(out)])
    err = " ".join(capsys.readouterr().err.split())
    assert code == 2 and "id: 'ledger.jsonl' is reserved" in err
    assert not out.exists()
    spec = load_batch_file(_batch_file(tmp_path)).episodes[0]
    with pytest.raises(ValidationError, match="reserved"):
        EpisodeSpec.model_validate({**spec.model_dump(), "episode_id": "batch.json"})


# -- a real run: the lock held while it runs, and report verifying it ---------------------


@pytest.fixture(scope="module")
def made_run(tmp_path_factory: pytest.TempPathFactory, ray_session: None) -> dict[str, object]:
    """One offline episode run for real; a second `batch` tried into it while it runs."""
    tmp = tmp_path_factory.mktemp("made")
    batch = _batch_file(tmp)
    out = tmp / "out"
    second: list[subprocess.CompletedProcess[str]] = []

    def try_second(states: list[EpisodeState]) -> None:
        if not second:
            second.append(
                subprocess.run(
                    [CLI, "batch", str(batch), "--out", str(out)],
                    capture_output=True,
                    text=True,
                    timeout=240,
                    cwd=tmp,
                )
            )

    result = run_batch(load_batch_file(batch), out, on_progress=try_second)
    return {"out": out, "result": result, "second": second[0]}


@pytest.mark.ray
@pytest.mark.subprocess
def test_a_second_batch_while_one_runs_exits_2_naming_the_running_one(
    made_run: dict[str, object],
) -> None:
    """Two batch commands into one --out at once: the second exits 2 and names our pid."""
    second = made_run["second"]
    assert isinstance(second, subprocess.CompletedProcess)
    err = " ".join(second.stderr.split())
    assert second.returncode == 2, err
    assert f"process {os.getpid()} on host" in err
    out = made_run["out"]
    assert isinstance(out, Path)
    assert json.loads((out / "batch.json").read_text())["format"] == RUN_FORMAT
    with RunLock.acquire(out):  # released when the run ended
        pass


def _copy(made_run: dict[str, object], tmp_path: Path) -> Path:
    out = made_run["out"]
    assert isinstance(out, Path)
    copy = tmp_path / "run"
    shutil.copytree(out, copy, symlinks=True)
    return copy


@pytest.mark.ray
def test_report_of_an_intact_run_exits_0(
    made_run: dict[str, object], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An untouched run directory: report says completed, names nothing damaged, exit 0."""
    run = _copy(made_run, tmp_path)
    assert main(["report", str(run)]) == 0
    text = capsys.readouterr().out
    assert "completed" in text and "damaged" not in text


@pytest.mark.ray
def test_report_names_a_truncated_wav_and_exits_1(
    made_run: dict[str, object], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """audio.wav cut in half: report says tides/audio.wav is truncated, exit 1."""
    run = _copy(made_run, tmp_path)
    wav = run / "tides" / "audio.wav"
    wav.write_bytes(wav.read_bytes()[: wav.stat().st_size // 2])
    assert main(["report", str(run)]) == 1
    text = " ".join(capsys.readouterr().out.split())
    assert "damaged: tides/audio.wav: truncated" in text
    assert main(["report", str(run), "--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert [d["path"] for d in data["damaged"]] == ["tides/audio.wav"]
    assert data["episodes"][0]["damage"]


@pytest.mark.ray
def test_report_names_a_corrupt_batch_json_and_manifest(
    made_run: dict[str, object], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Garbage batch.json and manifest.json: both named, exit 1, no traceback."""
    run = _copy(made_run, tmp_path)
    (run / "batch.json").write_bytes(b"{\x00 not json")
    (run / "tides" / "manifest.json").write_text('{"episode_id": "tides", "stat')
    assert main(["report", str(run)]) == 1
    text = " ".join(capsys.readouterr().out.split())
    assert "damaged: batch.json: not valid JSON" in text
    assert "damaged: tides/manifest.json: is not a readable manifest" in text


def test_report_names_a_damaged_quality_json_without_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A workflow without drafts and a quality.json cut short: named as damaged, exit 1."""
    rundir = RunDir(tmp_path / "run")
    digest = rundir.write_artifact("ep", "quality.json", b'{"passed": true, "scores": {}}\n')
    record = StageRecord(status="completed", attempts=1, artifacts={"quality.json": digest})
    state = EpisodeState(episode_id="ep", topic="t", status="completed", stages={"quality": record})
    rundir.write_manifest(state)
    assert main(["report", str(rundir.root)]) == 0
    capsys.readouterr()
    (rundir.root / "ep" / "quality.json").write_bytes(b'{"passed": tr')
    assert main(["report", str(rundir.root)]) == 1
    text = " ".join(capsys.readouterr().out.split())
    assert "damaged: ep/quality.json: altered: 13 bytes" in text
