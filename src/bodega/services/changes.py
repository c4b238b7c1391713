"""Following the change log, so every process and node drops what a write made stale.

Writers bump a counter in a small memory-mapped file after they commit; every process on
the host checks it (a memory read) before serving from its caches, and reads the new
changes from the database when it moved. A periodic poll catches writes made by other
nodes that share the database but not the disk.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import mmap
import os
import struct
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

from bodega.storage.meta import changes
from bodega.storage.meta.database import Database
from bodega.storage.meta.records import Change

log = logging.getLogger(__name__)
Listener = Callable[[Sequence[Change]], Awaitable[None]]
_COUNTER = struct.Struct("<Q")


class SerialHint:
    """A counter shared by the processes of one host through a mapped file."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        if os.fstat(self._fd).st_size < _COUNTER.size:
            os.ftruncate(self._fd, _COUNTER.size)
        self._map = mmap.mmap(self._fd, _COUNTER.size)

    def value(self) -> int:
        return int(_COUNTER.unpack_from(self._map)[0])

    def bump(self) -> None:
        fcntl.flock(self._fd, fcntl.LOCK_EX)
        try:
            _COUNTER.pack_into(self._map, 0, self.value() + 1)
        finally:
            fcntl.flock(self._fd, fcntl.LOCK_UN)

    def close(self) -> None:
        self._map.close()
        os.close(self._fd)


class ChangeFeed:
    """Delivers new change-log entries to listeners (caches, the index registry)."""

    def __init__(self, db: Database, hint: SerialHint, poll_interval: float) -> None:
        self._db = db
        self._hint = hint
        self._poll_interval = poll_interval
        self._listeners: list[Listener] = []
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        self._seen_hint = -1
        self.serial = 0

    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    async def start(self) -> None:
        async with self._db.read() as conn:
            self.serial = await changes.latest_serial(conn)
        self._seen_hint = self._hint.value()
        if self._poll_interval > 0:
            self._task = asyncio.create_task(self._poll(), name="bodega-change-poll")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def stale(self) -> bool:
        """Whether another process on this host committed something not yet applied."""
        return self._hint.value() != self._seen_hint

    async def committed(self) -> None:
        """Called by a writer after its commit: tell the host, then apply it here."""
        self._hint.bump()
        await self.catch_up()

    async def catch_up(self) -> None:
        """Read the changes past the last applied serial and hand them to the listeners."""
        async with self._lock:
            hint = self._hint.value()
            while True:
                async with self._db.read() as conn:
                    batch = await changes.since(conn, self.serial)
                if not batch:
                    break
                for listener in self._listeners:
                    await listener(batch)
                self.serial = batch[-1].serial
            self._seen_hint = hint

    async def _poll(self) -> None:
        while True:
            await asyncio.sleep(self._poll_interval)
            try:
                await self.catch_up()
            except Exception:
                log.exception("reading the change log failed; retrying")
