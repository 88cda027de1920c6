"""The run directory: the product and the checkpoint at once.

::

    OUT/
      batch.json          the spec as run, start/end, totals
      ledger.jsonl        written by the ledger actor, append-only
      <episode_id>/
        manifest.json     EpisodeState: status, stages{}, costs, artifact checksums
        research.json  research.md  script.json  script.md  audio.wav  audio.json  quality.json

Every file is written whole or not at all: to a temporary name in the same directory,
fsynced, then renamed over the target. A stage counts as done on a rerun only if its
manifest record says completed and every artifact it lists is on disk with the same
sha256, so a half-written or altered file is never taken for a finished one.

Nothing is written through a symbolic link that leads out of the run directory: paths
below the root are walked one folder at a time with ``O_NOFOLLOW`` (a link that stays
inside the root is followed; one that leaves it is refused, naming the path). A folder
is taken as a run directory only if it is empty, holds our lock file or a ``batch.json``
with our ``format``, or (made by an earlier version) a ``batch.json`` and
``ledger.jsonl`` of our shapes; see ``check_run_root``.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import secrets
import stat
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel

from podcast_factory.errors import UserInputError
from podcast_factory.exchange import SWAPS, Swaps, exchange
from podcast_factory.layout import (
    BATCH_NAME,
    CACHE_NAME,
    LEDGER_NAME,
    LOCK_NAME,
    RESERVED_NAMES,
    RUN_FORMAT,
)
from podcast_factory.models import EpisodeState

M = TypeVar("M", bound=BaseModel)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def atomic_write(path: Path, data: bytes) -> str:
    """Write ``data`` to ``path`` atomically; return its sha256."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        _write_synced(fd, data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return sha256(data)


def _write_synced(fd: int, data: bytes) -> None:
    """Write ``data`` to the open file ``fd`` and fsync it before closing it."""
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def to_json_bytes(value: BaseModel | dict[str, Any]) -> bytes:
    if isinstance(value, BaseModel):
        return (value.model_dump_json(indent=2) + "\n").encode()
    return (json.dumps(value, indent=2, default=str) + "\n").encode()


_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_DIR_FLAGS = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | _NOFOLLOW | _CLOEXEC
_LINK_ERRNOS = (errno.ELOOP, errno.ENOTDIR, errno.EMLINK)  # what O_NOFOLLOW meets on a link


def _outside(path: Path, root: Path) -> UserInputError:
    return UserInputError(
        str(path),
        f"is a symbolic link to {path.resolve()}, outside the run directory {root}; nothing "
        "is written or read through it (remove the link)",
    )


class RunDir:
    """Paths and atomic reads/writes of one run directory.

    Every read and write below the root walks the folders with ``O_NOFOLLOW``: a
    symbolic link that leads out of the root raises ``UserInputError`` naming it, and a
    file is written by renaming over its name, never through a link of that name."""

    def __init__(self, root: str | os.PathLike[str], swaps: Swaps = SWAPS) -> None:
        self.root = Path(root)
        self._swaps = swaps

    @property
    def ledger_path(self) -> Path:
        return self.root / LEDGER_NAME

    @property
    def batch_path(self) -> Path:
        return self.root / BATCH_NAME

    @property
    def lock_path(self) -> Path:
        return self.root / LOCK_NAME

    def episode_dir(self, episode_id: str) -> Path:
        return self.root / episode_id

    # -- walking below the root without leaving it -------------------------------------

    def _open_dir(self, parts: tuple[str, ...], *, create: bool) -> int:
        """A descriptor of ``root/parts...``, each folder opened with ``O_NOFOLLOW``
        (created when ``create``); a link is followed only if it stays inside the root."""
        if create:
            self.root.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.root, _DIR_FLAGS & ~_NOFOLLOW)  # the root itself is the user's
        here = self.root
        try:
            for part in parts:
                here = here / part
                if create:
                    with contextlib.suppress(FileExistsError):
                        os.mkdir(part, dir_fd=fd)
                try:
                    child = os.open(part, _DIR_FLAGS, dir_fd=fd)
                except OSError as exc:
                    if exc.errno not in _LINK_ERRNOS:
                        raise
                    child = self._through_link(fd, part, here, exc)
                os.close(fd)
                fd = child
        except BaseException:
            os.close(fd)
            raise
        return fd

    def _through_link(self, fd: int, part: str, here: Path, exc: OSError) -> int:
        if not stat.S_ISLNK(os.stat(part, dir_fd=fd, follow_symlinks=False).st_mode):
            raise exc  # a file where a folder belongs: the plain error says so
        root = self.root.resolve()
        real = here.resolve()
        if real == root or not real.is_relative_to(root):
            raise _outside(here, root)
        return os.open(real, _DIR_FLAGS)

    def write_file(self, parts: tuple[str, ...], name: str, data: bytes) -> str:
        """Write ``root/parts.../name`` whole or not at all; return its sha256."""
        dfd = self._open_dir(parts, create=True)
        tmp = f".{name}.{secrets.token_hex(6)}.tmp"
        try:
            fd = os.open(
                tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC, 0o600, dir_fd=dfd
            )
            try:
                _write_synced(fd, data)
                os.replace(tmp, name, src_dir_fd=dfd, dst_dir_fd=dfd)
            except BaseException:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(tmp, dir_fd=dfd)
                raise
        finally:
            os.close(dfd)
        return sha256(data)

    def read_file(self, parts: tuple[str, ...], name: str) -> bytes:
        """The bytes of ``root/parts.../name``; a link there is not followed."""
        dfd = self._open_dir(parts, create=False)
        try:
            fd = os.open(name, os.O_RDONLY | _NOFOLLOW | _CLOEXEC, dir_fd=dfd)
        except OSError as exc:
            if exc.errno in _LINK_ERRNOS:
                path = self.root.joinpath(*parts, name)
                raise UserInputError(
                    str(path), "is a symbolic link; run directory files are not read through links"
                ) from None
            raise
        finally:
            os.close(dfd)
        with os.fdopen(fd, "rb") as fh:
            return fh.read()

    # -- episodes ------------------------------------------------------------------------

    def write_artifact(self, episode_id: str, name: str, data: bytes) -> str:
        return self.write_file((episode_id,), name, data)

    def read_artifact(self, episode_id: str, name: str) -> bytes:
        return self.read_file((episode_id,), name)

    def load_model(self, episode_id: str, name: str, model: type[M]) -> M:
        return model.model_validate_json(self.read_artifact(episode_id, name))

    def artifacts_intact(self, episode_id: str, artifacts: dict[str, str]) -> bool:
        """True if every listed artifact exists with the recorded checksum."""
        if not artifacts:
            return False
        for name, digest in artifacts.items():
            try:
                data = self.read_artifact(episode_id, name)
            except (OSError, UserInputError):
                return False
            if sha256(data) != digest:
                return False
        return True

    def write_manifest(self, state: EpisodeState) -> None:
        """Write the manifest whole: into its kept sibling ``.manifest.json.swap``, then
        the two names exchanged (``podcast_factory.exchange``: no inode allocated or
        freed per rewrite); where names cannot be exchanged, renamed over it."""
        eid, data = state.episode_id, to_json_bytes(state)
        key = str(self.episode_dir(eid) / "manifest.json")
        with self._swaps.lock(key):
            if not (self._swaps.ready(key) and self._swap_in(key, (eid,), "manifest.json", data)):
                self.write_artifact(eid, "manifest.json", data)

    def _swap_in(self, key: str, parts: tuple[str, ...], name: str, data: bytes) -> bool:
        """``data`` as ``root/parts.../name`` by way of a kept sibling; False (nothing
        changed) when the sibling is a link: the caller writes the usual way."""
        dfd = self._open_dir(parts, create=True)
        swap = f".{name}.swap"
        try:
            flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | _NOFOLLOW | _CLOEXEC
            try:
                fd = os.open(swap, flags, 0o600, dir_fd=dfd)
            except OSError as exc:
                if exc.errno in _LINK_ERRNOS:
                    return False
                raise
            _write_synced(fd, data)
            if exchange(dfd, swap, name):
                self._swaps.retire(key)  # the old manifest rests under the sibling's name
            else:  # the first write, or no exchange here
                os.replace(swap, name, src_dir_fd=dfd, dst_dir_fd=dfd)
            return True
        finally:
            os.close(dfd)

    def load_manifest(self, episode_id: str) -> EpisodeState | None:
        try:
            data = self.read_artifact(episode_id, "manifest.json")
        except (FileNotFoundError, NotADirectoryError):
            return None
        except UserInputError:
            return None  # a link where the manifest belongs: the episode starts over
        try:
            return EpisodeState.model_validate_json(data)
        except ValueError:
            return None  # unreadable manifest: the episode starts over

    # -- the batch -------------------------------------------------------------------------

    def write_batch(self, info: dict[str, Any]) -> None:
        """Write ``batch.json``, marked with our ``format`` so the folder is known as a
        run directory."""
        self.write_file((), BATCH_NAME, to_json_bytes({"format": RUN_FORMAT, **info}))

    def load_batch(self) -> dict[str, Any] | None:
        """``batch.json``, or None when there is none; ``ValueError`` naming the file
        when it is not a JSON object."""
        try:
            raw = self.read_file((), BATCH_NAME)
        except FileNotFoundError:
            return None
        try:
            data = json.loads(raw)
        except ValueError as exc:
            raise ValueError(f"{self.batch_path}: not valid JSON ({exc})") from None
        if not isinstance(data, dict):
            raise ValueError(f"{self.batch_path}: not a JSON object")
        return data

    def episode_folders(self) -> list[str]:
        """Names of the folders below the root that may be episodes (not our own)."""
        return sorted(
            p.name
            for p in self.root.iterdir()
            if p.is_dir() and not p.name.startswith(".") and p.name not in RESERVED_NAMES
        )

    def manifests(self) -> list[EpisodeState]:
        """Every readable manifest below the root, in directory order."""
        found = []
        for name in self.episode_folders():
            try:
                state = self.load_manifest(name)
            except UserInputError:  # a folder linked out of the root: not ours to read
                continue
            if state is not None:
                found.append(state)
        return found


# -- is this folder a run directory of ours? ----------------------------------------------

SYSTEM_TREES = (
    "/etc", "/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/boot",
    "/dev", "/proc", "/sys", "/run", "/System", "/private/etc",
)  # fmt: skip
"""Folders no run directory may be in, nor be."""
SYSTEM_DIRS = (
    "/", "/var", "/var/lib", "/var/log", "/var/cache", "/var/spool", "/var/tmp", "/home",
    "/root", "/tmp", "/opt", "/srv", "/mnt", "/media", "/snap", "/Users", "/Applications",
    "/Library", "/Volumes", "/private", "/private/var", "/private/tmp",
)  # fmt: skip
"""Folders that may hold run directories but are never one."""
HOME_TREES = (".ssh", ".gnupg", ".aws", ".config", ".kube", ".docker")
"""Folders of the home directory that hold credentials or settings."""


def system_path_problem(path: Path) -> str | None:
    """Why ``path`` (resolved) may not be a run directory, or None."""
    home = Path.home().resolve()
    if path == home:
        return f"{path} is the home directory; give a folder of its own for the run"
    if str(path) in SYSTEM_DIRS:
        return f"{path} is a system folder; give a folder of its own for the run"
    for tree in (*(Path(t) for t in SYSTEM_TREES), *(home / t for t in HOME_TREES)):
        if path == tree:
            return f"{path} is a system folder; give a folder of its own for the run"
        if path.is_relative_to(tree):
            return f"{path} is inside the system folder {tree}; give a folder of your own"
    return None


def _json_file(path: Path) -> Any:
    try:
        if path.is_symlink() or not path.is_file():
            return None
        return json.loads(path.read_bytes())
    except (OSError, ValueError):
        return None


def _ledger_looks_ours(path: Path) -> bool:
    """A ``ledger.jsonl`` absent, empty, or whose first line is a ledger entry."""
    if not path.exists():
        return True
    if path.is_symlink() or not path.is_file():
        return False
    try:
        with path.open("rb") as fh:
            first = fh.readline(1 << 16).strip()
    except OSError:
        return False
    if not first:
        return True
    try:
        entry = json.loads(first)
    except ValueError:
        return False
    return isinstance(entry, dict) and {"op", "call_id", "micro_usd"} <= entry.keys()


def ownership_problem(path: Path) -> str | None:
    """None if ``path`` is absent, empty or a run directory of ours (our lock file, a
    ``batch.json`` with our format, or an earlier version's ``batch.json`` and
    ``ledger.jsonl``); otherwise why it is not."""
    try:
        entries = os.listdir(path)
    except (FileNotFoundError, NotADirectoryError):
        return None  # a file there is refused by the caller's own check
    if not entries:
        return None
    lock = path / LOCK_NAME
    if lock.is_file() and not lock.is_symlink():
        return None
    batch = _json_file(path / BATCH_NAME)
    if isinstance(batch, dict):
        fmt = batch.get("format")
        if fmt == RUN_FORMAT:
            return None
        if isinstance(fmt, str) and fmt.startswith("podcast-factory-run/"):
            return f"{path} is a run directory of another podcast-factory version ({fmt})"
        earlier = isinstance(batch.get("spec"), dict) and "started_at" in batch
        if fmt is None and earlier and _ledger_looks_ours(path / LEDGER_NAME):
            return None
    return (
        f"{path} is not empty and is not a podcast-factory run directory; give a new or "
        "empty folder (nothing there was touched)"
    )


def link_problems(root: Path, episode_ids: Iterable[str]) -> list[tuple[Path, str]]:
    """Every name the run will write below ``root`` that is a symbolic link leading out
    of it: (path, problem)."""
    names = [*sorted(RESERVED_NAMES), *episode_ids]
    cache = root / CACHE_NAME
    if cache.is_dir() and not cache.is_symlink():
        names += [f"{CACHE_NAME}/{p.name}" for p in sorted(cache.iterdir())]
    real_root = root.resolve()
    found = []
    for name in names:
        path = root / name
        if path.is_symlink():
            real = path.resolve()
            if real == real_root or not real.is_relative_to(real_root):
                found.append((path, _outside(path, real_root).problem))
    return found


def check_run_root(path: Path, episode_ids: Iterable[str] = ()) -> None:
    """Refuse (``UserInputError``) a run directory that is a system folder, a folder
    that is not ours, or that holds a link leading out of it where the run will write.
    ``path`` is resolved; nothing is written."""
    problem = system_path_problem(path) or ownership_problem(path)
    if problem:
        raise UserInputError("out_dir", problem)
    links = link_problems(path, episode_ids) if path.is_dir() else []
    if links:
        where, what = links[0]
        more = f" (and {len(links) - 1} more)" if len(links) > 1 else ""
        raise UserInputError(str(where), what + more)
