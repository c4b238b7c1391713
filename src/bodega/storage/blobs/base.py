"""The blob store: files kept by the sha256 of their bytes.

A blob is written once into a local staging file (hashing as it goes), checked by the
caller, then committed: only committed blobs are ever visible, and committing bytes that
are already stored keeps the one copy.
"""

from __future__ import annotations

import asyncio
import functools
import os
import secrets
from collections.abc import AsyncIterator
from pathlib import Path
from typing import BinaryIO, Protocol

from bodega.domain.digests import Digests, DigestWriter

_FLUSH_AT = 256 << 10
# received bytes not on disk yet, at most: past this, write() waits for the disk
_MAX_UNWRITTEN = 1 << 20


class StagedBlob:
    """A file being received into the staging area; not visible to readers of the store.

    Chunks are written to the staging file (and hashed) in a thread, 256 KiB at a time,
    while more arrive: receiving never waits for the disk unless 1 MiB is behind. The
    chunks not on disk yet stay in memory, where readers of a download in progress take
    them (``unwritten``); the ones on disk are read from ``path``.

    ``hashed`` gives the digests as soon as the last chunk is in, without waiting for
    the disk; ``finish`` (or the commit) writes what is left.
    """

    def __init__(self, path: Path, *, full_digests: bool = True) -> None:
        self.path = path
        # created by the first write, in the thread that writes: creating a file can take
        # a millisecond on a busy disk, which the event loop must not wait for
        self._file: BinaryIO | None = None
        self._discarded = False
        self._digests = DigestWriter(full=full_digests)
        # the chunks as they came, not joined: a copy of every byte in flight, times
        # every download in flight, is what a cold proxy's memory peak is made of
        self._unwritten: list[bytes] = []
        self._unwritten_size = 0
        self._writer: asyncio.Task[None] | None = None
        self._failed: Exception | None = None
        # the digests of everything received, once known; the chunks still in
        # _unwritten then are hashed already (their write must not hash them again)
        self._hashed: Digests | None = None
        self._finished: Digests | None = None
        # bytes received so far, and how many of them are in the staging file
        self.size = 0
        self.flushed = 0

    async def write(self, chunk: bytes) -> None:
        """Append a chunk (raises what made an earlier background write fail)."""
        if self._discarded:
            raise FileNotFoundError(f"staged blob {self.path.name} was discarded")
        if self._failed is not None:
            raise self._failed
        if self._hashed is not None:
            raise RuntimeError(f"staged blob {self.path.name} was already hashed whole")
        self._unwritten.append(chunk)
        self._unwritten_size += len(chunk)
        self.size += len(chunk)
        if self._writer is None and self._unwritten_size >= _FLUSH_AT:
            self._writer = asyncio.create_task(self._write_out())
        if self._unwritten_size >= _MAX_UNWRITTEN:
            await self._settle()

    def unwritten(self, start: int, end: int) -> list[memoryview]:
        """Views of the received bytes from ``start`` (not below ``flushed``) to ``end``
        that are not on disk yet (fewer when ``end`` is past what was received)."""
        views: list[memoryview] = []
        offset = self.flushed
        for chunk in self._unwritten:
            if offset >= end:
                break
            stop = offset + len(chunk)
            if stop > start:
                views.append(memoryview(chunk)[max(start - offset, 0) : min(end, stop) - offset])
            offset = stop
        return views

    async def _write_out(self) -> None:
        """Write chunks out, in order, until less than a flush's worth is left."""
        try:
            while self._unwritten_size >= _FLUSH_AT:
                chunks = self._unwritten[:]
                await asyncio.to_thread(self._write_chunks, chunks)
                self._written(chunks)
        except Exception as exc:
            self._failed = exc  # raised to the writer at its next write() or finish()
        finally:
            self._writer = None

    def _written(self, chunks: list[bytes]) -> None:
        size = sum(len(chunk) for chunk in chunks)
        del self._unwritten[: len(chunks)]
        self._unwritten_size -= size
        self.flushed += size

    async def _settle(self) -> None:
        """Wait for the background write; raise what made it fail."""
        writer = self._writer
        if writer is not None:
            await asyncio.wait([writer])
        if self._failed is not None:
            raise self._failed

    def write_sync(self, data: bytes) -> None:
        """Append bytes, blocking (for callers already in a thread)."""
        self._write_chunks([data])
        self.size += len(data)
        self.flushed += len(data)

    def _write_chunks(self, chunks: list[bytes], *, hash_them: bool = True) -> None:
        file = self._open()
        for chunk in chunks:
            if hash_them:
                self._digests.update(chunk)
            file.write(chunk)
        file.flush()

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

    async def hashed(self) -> Digests:
        """The digests of all bytes received (call it once the last chunk is in).

        The chunks not written yet (less than a flush's worth, once the background write
        is done) are hashed here, on the loop: a hand-off to a thread, and creating the
        file, would cost more. They stay in memory, readable, until ``finish``.
        """
        if self._hashed is None:
            await self._settle()
            if self._finished is not None:
                self._hashed = self._finished
            else:
                for chunk in self._unwritten:
                    self._digests.update(chunk)
                self._hashed = self._digests.result()
        return self._hashed

    async def finish(self) -> Digests:
        """Write what is left and return the file's digests. The bytes are readable at
        ``path`` from then on; they are made durable when the blob is committed."""
        if self._finished is None:
            await self._settle()
            if self._unwritten or self._file is None:
                # an empty blob still gets its (empty) file
                chunks = self._unwritten[:]
                await asyncio.to_thread(
                    functools.partial(self._write_chunks, hash_them=self._hashed is None),
                    chunks,
                )
                self._written(chunks)
            self._finished = self._hashed or self._digests.result()
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
        if self._writer is not None:
            self._writer.cancel()
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
