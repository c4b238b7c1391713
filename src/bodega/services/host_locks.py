"""Exclusive locks shared by the processes of one host, named by strings.

One lock file holds them all: a name locks one byte of it (a POSIX record lock at an
offset taken from the name's hash), so taking a lock creates no file and releasing it
removes none; creating and removing a file per lock cost a millisecond or more on a busy
disk. Record locks belong to a process, not to a task: within one process, callers must
not hold the same name twice at once (the file fetcher's single flight sees to that).
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import fcntl
import hashlib
import os
from collections.abc import AsyncIterator
from pathlib import Path

_POLL = 0.1
# offsets below 2**56: far inside off_t, and a collision of two names needs 2**28 of them
_OFFSET_BYTES = 7


class HostLocks:
    """Named exclusive locks over one lock file, polled without blocking the loop."""

    def __init__(self, path: Path, *, poll: float = _POLL) -> None:
        self.path = path
        self._poll = poll
        self._fd: int | None = None
        self._pid = 0

    def _file(self) -> int:
        # a forked child must not use its parent's descriptor: record locks are per process,
        # and closing any descriptor of the file would drop the child's locks
        if self._fd is None or self._pid != os.getpid():
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            self._pid = os.getpid()
        return self._fd

    @contextlib.asynccontextmanager
    async def hold(self, name: str) -> AsyncIterator[bool]:
        """Hold the lock called ``name``; yields whether another process held it first."""
        fd = self._file()
        offset = int.from_bytes(hashlib.sha256(name.encode()).digest()[:_OFFSET_BYTES], "big")
        waited = False
        while not _try_lock(fd, offset):
            waited = True
            await asyncio.sleep(self._poll)
        try:
            yield waited
        finally:
            fcntl.lockf(fd, fcntl.LOCK_UN, 1, offset)

    def close(self) -> None:
        if self._fd is not None and self._pid == os.getpid():
            os.close(self._fd)
        self._fd = None


def _try_lock(fd: int, offset: int) -> bool:
    try:
        fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, offset)
    except OSError as exc:
        if exc.errno in (errno.EACCES, errno.EAGAIN):
            return False
        raise
    return True
