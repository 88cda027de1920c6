"""One run a run directory at a time.

A run holds an exclusive ``flock`` on ``OUT/.podcast-factory.lock`` for its whole life,
in the driver process (the CLI, a script calling the API, or the ``batch`` verb a Ray
job runs on the cluster). The operating system drops the lock when that process ends,
however it ends, so a crashed run never leaves its directory stuck. The file says who
holds it (pid, host, start time) so that a second run can name them; it is never
deleted (removing a lock file others may have open would let two runs lock two files).

    >>> with RunLock.acquire(Path("out")):
    ...     ...  # run the batch
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import socket
import time
from pathlib import Path
from types import TracebackType
from typing import Any

from podcast_factory.errors import UserInputError
from podcast_factory.layout import LOCK_NAME, RUN_FORMAT

_HELD: set[Path] = set()
"""Run directories this process holds: its own later checks do not count them busy."""
_FLAGS = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)


def _holder(fd: int) -> str:
    """Who holds the lock, from what the holder wrote in the file."""
    try:
        info: Any = json.loads(os.pread(fd, 4096, 0) or b"{}")
    except (OSError, ValueError):
        info = {}
    if not isinstance(info, dict) or "pid" not in info:
        return "another run (it has not said which process it is)"
    since = info.get("started_at")
    when = (
        time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(since))
        if isinstance(since, (int, float))
        else "an unknown time"
    )
    return f"process {info['pid']} on host {info.get('host', '?')}, running since {when}"


def _busy(path: Path, fd: int) -> UserInputError:
    return UserInputError(
        "out_dir",
        f"{path} is in use by another run: {_holder(fd)}. One run at a time per run "
        "directory; wait for it to end or give another run directory",
    )


def _open(lock: Path) -> int:
    try:
        return os.open(lock, _FLAGS, 0o644)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise UserInputError(str(lock), "is a symbolic link; remove it") from None
        raise UserInputError(
            str(lock), f"cannot open the run directory's lock file ({exc.strerror or exc})"
        ) from None


class RunLock:
    """An exclusive lock on one run directory, held until ``release`` (or the process
    ends). Use ``RunLock.acquire(path)``, as a context manager or not."""

    def __init__(self, path: Path, fd: int) -> None:
        self.path = path
        self._fd: int | None = fd

    @classmethod
    def acquire(cls, path: Path) -> RunLock:
        """Lock the run directory ``path`` (created if missing) or raise
        ``UserInputError`` naming the process that holds it. Writes nothing else."""
        path.mkdir(parents=True, exist_ok=True)
        fd = _open(path / LOCK_NAME)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            error = _busy(path, fd)
            os.close(fd)
            raise error from None
        except BaseException:
            os.close(fd)
            raise
        info = {
            "format": RUN_FORMAT,
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "started_at": time.time(),
        }
        data = (json.dumps(info) + "\n").encode()
        os.ftruncate(fd, 0)
        os.pwrite(fd, data, 0)
        _HELD.add(path)
        return cls(path, fd)

    def release(self) -> None:
        """Let the next run in (the file stays: it marks the folder as a run directory)."""
        fd, self._fd = self._fd, None
        if fd is not None:
            _HELD.discard(self.path)
            with contextlib.suppress(OSError):
                fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    @property
    def held(self) -> bool:
        return self._fd is not None

    def __enter__(self) -> RunLock:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()

    def __del__(self) -> None:
        with contextlib.suppress(Exception):  # at exit the OS drops the lock anyway
            self.release()


def check_not_locked(path: Path) -> None:
    """Raise ``UserInputError`` naming the holder if a run holds ``path`` now. Creates
    nothing: a folder without a lock file is free. (A check before the slow preflight;
    ``RunLock.acquire`` is what keeps a second run out.) A lock this process holds is
    not in the way."""
    if path in _HELD:
        return
    lock = path / LOCK_NAME
    if lock.is_symlink():
        raise UserInputError(str(lock), "is a symbolic link; remove it")
    try:
        fd = os.open(lock, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | os.O_CLOEXEC)
    except FileNotFoundError:
        return
    except OSError:
        return  # unreadable: acquire will say so
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        raise _busy(path, fd) from None
    finally:
        os.close(fd)  # closing drops a lock taken here
