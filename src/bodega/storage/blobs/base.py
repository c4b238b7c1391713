"""The blob store: files kept by the sha256 of their bytes.

A blob is written once into a local staging file (hashing as it goes), checked by the
caller, then committed: only committed blobs are ever visible, and committing bytes that
are already stored keeps the one copy.
"""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import AsyncIterator
from pathlib import Path
from typing import BinaryIO, Protocol

from bodega.domain.digests import Digests, DigestWriter

_FLUSH_AT = 256 << 10


class StagedBlob:
    """A file being received into the staging area; not visible to readers."""

    def __init__(self, path: Path, *, full_digests: bool = True) -> None:
        self.path = path
        # created by the first write, in the thread that writes: creating a file can take
        # a millisecond on a busy disk, which the event loop must not wait for
        self._file: BinaryIO | None = None
        self._discarded = False
        self._digests = DigestWriter(full=full_digests)
        self._pending: list[bytes] = []
        self._pending_size = 0
        self._finished: Digests | None = None
        # bytes written to the staging file so far (readers may tail up to here)
        self.flushed = 0

    @property
    def size(self) -> int:
        return self._digests.size + self._pending_size

    async def write(self, chunk: bytes) -> None:
        """Append a chunk; disk writes and hashing happen in a thread, 256 KiB at a time."""
        self._pending.append(chunk)
        self._pending_size += len(chunk)
        if self._pending_size >= _FLUSH_AT:
            await self._flush()

    async def _flush(self) -> None:
        chunks = self._take_pending()
        if chunks:
            await asyncio.to_thread(self._write_sync, chunks)

    def _take_pending(self) -> list[bytes]:
        # the chunks as they came, not joined: a copy of every pending byte per flush,
        # times every download in flight, is what a cold proxy's memory peak is made of
        chunks, self._pending = self._pending, []
        self._pending_size = 0
        return chunks

    def write_sync(self, data: bytes) -> None:
        """Append bytes, blocking (for callers already in a thread)."""
        self._write_sync([data])

    def _write_sync(self, chunks: list[bytes]) -> None:
        file = self._open()
        for chunk in chunks:
            self._digests.update(chunk)
            file.write(chunk)
        file.flush()
        self.flushed += sum(len(chunk) for chunk in chunks)

    def _open(self) -> BinaryIO:
        if self._discarded:
            raise FileNotFoundError(f"staged blob {self.path.name} was discarded")
        if self._file is None:
            file = open(self.path, "xb")  # noqa: SIM115 - closed by sync_and_close()/discard()
            if self._discarded:
                # discarded (on the loop) while this thread was creating it
                file.close()
                self.path.unlink(missing_ok=True)
                raise FileNotFoundError(f"staged blob {self.path.name} was discarded")
            self._file = file
        return self._file

    async def finish(self) -> Digests:
        """Write what is buffered and return the file's digests. The bytes are readable
        at ``path`` from then on; they are made durable when the blob is committed."""
        if self._finished is None:
            if self._pending or self._file is None:
                # an empty blob still gets its (empty) file
                await asyncio.to_thread(self._write_sync, self._take_pending())
            self._finished = self._digests.result()
        return self._finished

    def sync_and_close(self) -> None:
        """Make the bytes durable and close the file (blocking: the blob store calls it
        from its thread, with the rest of the commit)."""
        file = self._open()
        if not file.closed:
            file.flush()
            os.fsync(file.fileno())
            file.close()

    def discard(self) -> None:
        """Forget the staged bytes (idempotent)."""
        self._discarded = True
        if self._file is not None and not self._file.closed:
            self._file.close()
        self.path.unlink(missing_ok=True)


class StagingArea:
    """The directory where blobs are received before they are committed."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)

    def new(self, *, full_digests: bool = True) -> StagedBlob:
        """A new staged blob; ``full_digests`` adds md5 and blake2b-256 to sha256."""
        return StagedBlob(
            self.directory / f"staged-{secrets.token_hex(12)}", full_digests=full_digests
        )


class RemovedBlob(Protocol):
    """A blob taken out of the store, that can still be put back (or dropped for good).

    Removal happens inside the database transaction that stops referring to the blob;
    ``restore`` undoes it if that transaction fails, ``purge`` finishes it after commit.
    """

    async def restore(self) -> None: ...

    async def purge(self) -> None: ...


class BlobStore(Protocol):
    """Where committed blobs live (a directory, an S3 bucket).

    Every method takes the sha256 (lowercase hex) that names the blob.
    """

    staging: StagingArea

    async def commit(self, staged: StagedBlob, sha256: str) -> None:
        """Make a finished staged blob visible under ``sha256`` and drop the staging file.

        The caller has checked that ``sha256`` is the digest of the staged bytes.
        """
        ...

    async def put_bytes(self, data: bytes) -> str:
        """Store a small blob held in memory; return its sha256."""
        ...

    async def exists(self, sha256: str) -> bool: ...

    async def size(self, sha256: str) -> int:
        """Raises FileNotFoundError: no such blob."""
        ...

    async def read_bytes(self, sha256: str) -> bytes:
        """Return a small blob whole.

        Raises:
            FileNotFoundError: no such blob.
        """
        ...

    async def remove(self, sha256: str) -> RemovedBlob | None:
        """Take a blob out of the store (None if it was not there)."""
        ...

    def local_path(self, sha256: str) -> Path | None:
        """The blob's path on the local disk, for zero-copy sending; None if not local."""
        ...

    def stream(self, sha256: str, start: int, length: int) -> AsyncIterator[bytes]:
        """Yield ``length`` bytes of the blob from offset ``start``.

        Raises:
            FileNotFoundError: no such blob.
        """
        ...
