"""Blobs in a local directory: ``<root>/sha256/ab/cd/<sha256>``."""

from __future__ import annotations

import asyncio
import hashlib
import os
import secrets
from collections.abc import AsyncIterator
from pathlib import Path

from bodega.storage.blobs.base import StagedBlob, StagingArea

_READ_CHUNK = 1 << 18


class FsBlobStore:
    """Content-addressed files on the local disk, committed by an atomic rename."""

    def __init__(self, root: Path, staging: StagingArea | None = None) -> None:
        self.root = root
        self.staging = staging or StagingArea(root / "staging")
        (root / "sha256").mkdir(parents=True, exist_ok=True)

    def _path(self, sha256: str) -> Path:
        return self.root / "sha256" / sha256[:2] / sha256[2:4] / sha256

    async def commit(self, staged: StagedBlob, sha256: str) -> None:
        await staged.finish()
        await asyncio.to_thread(self._commit_sync, staged, sha256)

    def _commit_sync(self, staged: StagedBlob, sha256: str) -> None:
        # one trip to a thread for all of it: a hand-off costs more than these calls
        final = self._path(sha256)
        if final.exists():
            staged.discard()
            return
        staged.sync_and_close()
        final.parent.mkdir(parents=True, exist_ok=True)
        os.chmod(staged.path, 0o644)
        os.replace(staged.path, final)
        _fsync_dir(final.parent)

    async def put_bytes(self, data: bytes) -> str:
        sha256 = hashlib.sha256(data).hexdigest()
        if not await self.exists(sha256):
            await asyncio.to_thread(self._put_sync, data, sha256)
        return sha256

    def _put_sync(self, data: bytes, sha256: str) -> None:
        staged = self.staging.new()
        try:
            staged.write_sync(data)
            self._commit_sync(staged, sha256)
        finally:
            staged.discard()

    async def exists(self, sha256: str) -> bool:
        return self._path(sha256).is_file()

    async def remove(self, sha256: str) -> FsRemovedBlob | None:
        trash = self.root / "trash"
        trash.mkdir(exist_ok=True)
        held = trash / f"{sha256}-{secrets.token_hex(6)}"
        try:
            await asyncio.to_thread(os.replace, self._path(sha256), held)
        except FileNotFoundError:
            return None
        return FsRemovedBlob(held, self._path(sha256))

    async def size(self, sha256: str) -> int:
        return self._path(sha256).stat().st_size

    async def read_bytes(self, sha256: str) -> bytes:
        return await asyncio.to_thread(self._path(sha256).read_bytes)

    def local_path(self, sha256: str) -> Path | None:
        return self._path(sha256)

    async def stream(self, sha256: str, start: int, length: int) -> AsyncIterator[bytes]:
        handle = await asyncio.to_thread(open, self._path(sha256), "rb")
        try:
            await asyncio.to_thread(handle.seek, start)
            left = length
            while left > 0:
                chunk = await asyncio.to_thread(handle.read, min(left, _READ_CHUNK))
                if not chunk:
                    break
                left -= len(chunk)
                yield chunk
        finally:
            handle.close()


class FsRemovedBlob:
    def __init__(self, held: Path, home: Path) -> None:
        self._held = held
        self._home = home

    async def restore(self) -> None:
        await asyncio.to_thread(os.replace, self._held, self._home)

    async def purge(self) -> None:
        await asyncio.to_thread(self._held.unlink, True)


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
