"""The run directory: the product and the checkpoint at once.

::

    OUT/
      batch.json          the spec as run, start/end, totals
      ledger.jsonl        written by the ledger actor, append-only
      <episode_id>/
        manifest.json     EpisodeState: status, stages{}, costs, artifact checksums
        research.json  script.json  script.md  audio.wav  audio.json  quality.json

Every file is written whole or not at all: to a temporary name in the same directory,
fsynced, then renamed over the target. A stage counts as done on a rerun only if its
manifest record says completed and every artifact it lists is on disk with the same
sha256, so a half-written or altered file is never taken for a finished one.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel

from podcast_factory.models import EpisodeState

M = TypeVar("M", bound=BaseModel)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def atomic_write(path: Path, data: bytes) -> str:
    """Write ``data`` to ``path`` atomically; return its sha256."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return sha256(data)


def to_json_bytes(value: BaseModel | dict[str, Any]) -> bytes:
    if isinstance(value, BaseModel):
        return (value.model_dump_json(indent=2) + "\n").encode()
    return (json.dumps(value, indent=2, default=str) + "\n").encode()


class RunDir:
    """Paths and atomic reads/writes of one run directory."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    @property
    def ledger_path(self) -> Path:
        return self.root / "ledger.jsonl"

    @property
    def batch_path(self) -> Path:
        return self.root / "batch.json"

    def episode_dir(self, episode_id: str) -> Path:
        return self.root / episode_id

    def write_artifact(self, episode_id: str, name: str, data: bytes) -> str:
        return atomic_write(self.episode_dir(episode_id) / name, data)

    def read_artifact(self, episode_id: str, name: str) -> bytes:
        return (self.episode_dir(episode_id) / name).read_bytes()

    def load_model(self, episode_id: str, name: str, model: type[M]) -> M:
        return model.model_validate_json(self.read_artifact(episode_id, name))

    def artifacts_intact(self, episode_id: str, artifacts: dict[str, str]) -> bool:
        """True if every listed artifact exists with the recorded checksum."""
        if not artifacts:
            return False
        for name, digest in artifacts.items():
            path = self.episode_dir(episode_id) / name
            if not path.is_file() or sha256(path.read_bytes()) != digest:
                return False
        return True

    def write_manifest(self, state: EpisodeState) -> None:
        atomic_write(self.episode_dir(state.episode_id) / "manifest.json", to_json_bytes(state))

    def load_manifest(self, episode_id: str) -> EpisodeState | None:
        path = self.episode_dir(episode_id) / "manifest.json"
        if not path.is_file():
            return None
        try:
            return EpisodeState.model_validate_json(path.read_bytes())
        except ValueError:
            return None  # unreadable manifest: the episode starts over

    def write_batch(self, info: dict[str, Any]) -> None:
        atomic_write(self.batch_path, to_json_bytes(info))

    def load_batch(self) -> dict[str, Any] | None:
        if not self.batch_path.is_file():
            return None
        data: dict[str, Any] = json.loads(self.batch_path.read_text(encoding="utf-8"))
        return data

    def manifests(self) -> list[EpisodeState]:
        """Every readable manifest below the root, in directory order."""
        found = []
        for sub in sorted(p for p in self.root.iterdir() if p.is_dir()):
            state = self.load_manifest(sub.name)
            if state is not None:
                found.append(state)
        return found
