"""Swapping two names of one folder atomically (Linux ``renameat2(RENAME_EXCHANGE)``).

Why: a manifest is rewritten at every stage end. Writing a temporary file and renaming
it over the manifest allocates an inode and frees the old one each time, and on ext4
without a journal (the file system of this project's benchmark and CI machine) every
inode freed in the last ~30 s is skipped, with a read of its inode-table block, by each
inode allocated after it (``find_inode_bit`` in torvalds/linux ``fs/ext4/ialloc.c``:
``check_recently_deleted = EXT4_SB(sb)->s_journal == NULL``). A batch rewriting ten
manifests a second made every file any process created pay for thousands of them:
``perf`` put a fifth of the supervisor's CPU there. Writing the new manifest into a
sibling that is kept (``.manifest.json.swap``) and exchanging the two names is just as
atomic (a reader sees the old or the new file whole, never a mix) and allocates or
frees nothing after the first write, as long as the old file has rested a few seconds
under the sibling's name (``SPARE_AGE_S``: a reader may still hold it). Where the call
or the file system has no exchange (another OS, NFS), the caller renames over the name
as before.
"""

from __future__ import annotations

import ctypes
import errno
import os
import threading
import time
from functools import cache
from typing import Any

_RENAME_EXCHANGE = 2  # linux/fs.h
_UNSUPPORTED = (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.EXDEV)


@cache
def _renameat2() -> Any:
    """libc's ``renameat2``, or None where there is none (not glibc 2.28+ on Linux)."""
    try:
        func = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):
        return None
    func.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    func.restype = ctypes.c_int
    return func


_unsupported = threading.Event()  # set once the file system said no: stop asking


def exchange(dir_fd: int, a: str, b: str) -> bool:
    """Swap names ``a`` and ``b`` in the folder ``dir_fd``, atomically. False when
    they cannot be swapped (``b`` does not exist yet, or no exchange here); other
    errors are raised as ``OSError``."""
    func = None if _unsupported.is_set() else _renameat2()
    if func is None:
        return False
    if func(dir_fd, os.fsencode(a), dir_fd, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code == errno.ENOENT:
        return False
    if code in _UNSUPPORTED:
        _unsupported.set()
        return False
    raise OSError(code, os.strerror(code), b)


SPARE_AGE_S = 5.0
"""How long a retired manifest rests under the sibling's name before it is written
over. A reader that opened the manifest just before an exchange still reads that file
(now the sibling): it must not be truncated under the reader, so a rewrite sooner than
this after the last exchange goes the usual way (a temporary file renamed over the
name, one inode freed). Readers open, read and close a manifest of some kilobytes in
far less; the usual way alone would cost nothing to them at all."""


class Swaps:
    """Per file (its path): a lock, and when its sibling last took the old file."""

    def __init__(self, spare_age_s: float = SPARE_AGE_S) -> None:
        self.spare_age_s = spare_age_s
        self._locks: dict[str, threading.Lock] = {}
        self._retired: dict[str, float] = {}
        self._guard = threading.Lock()

    def lock(self, key: str) -> threading.Lock:
        """Two stage ends of one episode may write its manifest from two threads at
        once, and both would write the same sibling."""
        with self._guard:
            found = self._locks.get(key)
            if found is None:
                found = self._locks[key] = threading.Lock()
            return found

    def ready(self, key: str) -> bool:
        """Whether the sibling may be written over (held under ``lock(key)``)."""
        retired = self._retired.get(key)
        return retired is None or time.monotonic() - retired >= self.spare_age_s

    def retire(self, key: str) -> None:
        """The old file has just moved to the sibling's name."""
        self._retired[key] = time.monotonic()


SWAPS = Swaps()
"""This process's: a run directory's manifests are written by one supervisor."""
