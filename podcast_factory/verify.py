"""What ``report`` checks: a run directory read back and verified, never trusted.

Every manifest is read (an unreadable one is named, not skipped), every artifact a
completed stage recorded is checked against its record (present, same sha256; a WAV's
header against its length, to say *truncated* rather than only *different*), and a
``batch.json`` that is not JSON is named instead of ending in a traceback.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from podcast_factory.errors import UserInputError
from podcast_factory.models import EpisodeState
from podcast_factory.rundir import RunDir, sha256


@dataclass(frozen=True)
class Damage:
    """One thing found wrong: the file (relative to the run directory) and what."""

    path: str
    problem: str
    episode_id: str | None = None

    def __str__(self) -> str:
        return f"{self.path}: {self.problem}"


@dataclass
class Verified:
    """A run directory as read back: its batch record, the manifests that could be
    read, and everything found damaged."""

    root: Path
    batch: dict[str, Any]
    states: list[EpisodeState] = field(default_factory=list)
    damage: list[Damage] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.damage

    def damaged_episodes(self) -> set[str]:
        return {d.episode_id for d in self.damage if d.episode_id is not None}


def _first_line(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err.get("loc", ())) or "(top level)"
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        return f"{where}: {err.get('msg', 'invalid')}{more}"
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def wav_problem(data: bytes) -> str | None:
    """Why ``data`` is not a whole RIFF/WAVE file (its header disagrees with its
    length), or None."""
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        return f"not a WAV file ({len(data)} bytes)"
    riff_size = struct.unpack_from("<I", data, 4)[0] + 8
    if riff_size > len(data):
        return f"truncated: its header says {riff_size} bytes, the file has {len(data)}"
    pos = 12
    while pos + 8 <= len(data):
        chunk, size = data[pos : pos + 4], struct.unpack_from("<I", data, pos + 4)[0]
        if chunk == b"data":
            if pos + 8 + size > len(data):
                return (
                    f"truncated: its audio should be {size} bytes, the file holds "
                    f"{len(data) - pos - 8}"
                )
            return None
        pos += 8 + size + (size & 1)
    return "truncated: no audio data chunk"


def _check_episode(rundir: RunDir, name: str, found: Verified) -> None:
    rel = f"{name}/manifest.json"
    try:
        raw = rundir.read_artifact(name, "manifest.json")
    except FileNotFoundError:
        found.damage.append(Damage(f"{name}/", "holds no manifest.json", name))
        return
    except (OSError, UserInputError) as exc:
        found.damage.append(Damage(rel, f"cannot be read: {exc}", name))
        return
    try:
        state = EpisodeState.model_validate_json(raw)
    except ValueError as exc:
        found.damage.append(Damage(rel, f"is not a readable manifest: {_first_line(exc)}", name))
        return
    found.states.append(state)
    eid = state.episode_id
    for stage, record in state.stages.items():
        if record.status != "completed":
            continue
        for artifact, digest in record.artifacts.items():
            path = f"{name}/{artifact}"
            try:
                data = rundir.read_artifact(name, artifact)
            except FileNotFoundError:
                found.damage.append(Damage(path, f"missing (the {stage} stage made it)", eid))
                continue
            except (OSError, UserInputError) as exc:
                found.damage.append(Damage(path, f"cannot be read: {exc}", eid))
                continue
            if sha256(data) == digest:
                continue
            why = wav_problem(data) if artifact.endswith(".wav") else None
            found.damage.append(
                Damage(
                    path,
                    f"{why or 'altered'}: {len(data)} bytes whose sha256 differs from the "
                    f"manifest's record of the {stage} stage",
                    eid,
                )
            )


def verify_run_dir(root: str | Path) -> Verified:
    """Read back and check the run directory ``root``. ``UserInputError`` when it is
    not a folder; everything else found wrong is in ``Verified.damage``."""
    rundir = RunDir(root)
    if not rundir.root.is_dir():
        raise UserInputError(str(root), "no such run directory")
    found = Verified(root=rundir.root, batch={})
    try:
        found.batch = rundir.load_batch() or {}
    except (ValueError, OSError, UserInputError) as exc:
        problem = str(exc).removeprefix(f"{rundir.batch_path}: ")
        found.damage.append(Damage("batch.json", problem))
    for name in rundir.episode_folders():
        _check_episode(rundir, name, found)
    return found
