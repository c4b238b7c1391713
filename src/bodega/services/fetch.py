"""Fetching files from upstream for proxy indexes: once, verified, streamed while stored.

The first request for a file that is not stored starts one download into a staged blob;
every request for it meanwhile (in this process) reads the bytes as they arrive (from
memory until they are on disk, then from the staged file), and other processes on the
host wait on a host lock (services/host_locks.py) and then serve the stored blob. The
last byte is held back until the whole file matches the upstream's hash: on a mismatch
nothing is stored and every reader's response is cut short.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import hashlib
import hmac
import logging
import os
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from datetime import UTC, datetime
from typing import Any, BinaryIO

from sqlalchemy.ext.asyncio import AsyncConnection

from bodega.domain.archives import ArchiveLimits, read_core_metadata
from bodega.domain.digests import Digests
from bodega.domain.errors import BodegaError, DigestMismatch, FileNotFound, UpstreamError
from bodega.domain.filenames import DistKind, parse_filename
from bodega.indexes.base import RemoteFile, StoredFile
from bodega.indexes.proxy_stored import ProxyStored
from bodega.services.batched_writes import BatchedWrites
from bodega.services.host_locks import HostLocks
from bodega.storage.blobs.base import BlobStore, StagedBlob
from bodega.storage.meta import changes, proxy_cache
from bodega.storage.meta.database import Database
from bodega.storage.meta.locks import lock_blobs
from bodega.storage.meta.records import ProxyFileRecord
from bodega.upstream.client import Upstream, UpstreamClient, read_bounded

log = logging.getLogger(__name__)
_READ = 1 << 16
_MAX_METADATA = 16 << 20
_CLOSE_WAIT = 10.0


@dataclasses.dataclass(frozen=True, slots=True)
class MetadataFile:
    """A PEP 658 metadata file: its bytes while it is being stored, then None (read it
    from the blob store)."""

    sha256: str
    data: bytes | None


@dataclasses.dataclass(frozen=True, slots=True)
class _MetadataFetch:
    verified: asyncio.Future[MetadataFile]
    task: asyncio.Task[str]


class Download:
    """One file on its way from upstream into the blob store."""

    def __init__(self, remote: RemoteFile, staged: StagedBlob) -> None:
        self.remote = remote
        self.staged = staged
        self.visible = 0
        # all bytes are in and match the upstream's hash: readers may finish (storing
        # them, and recording that, may still be going on)
        self.verified = False
        self.done = False
        self.error: BaseException | None = None
        self.stored: StoredFile | None = None
        self._progress = asyncio.Condition()
        # resolved once the upstream answered with the file (or it is stored already), or
        # with the error that came first: a client gets its answer's status only then
        self._opened: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def _open(self) -> None:
        if not self._opened.done():
            self._opened.set_result(None)

    async def opened(self) -> None:
        """Wait until the file is on its way (the upstream answered 200, or it is stored);
        raises the error that ended the download before that."""
        await asyncio.shield(self._opened)

    async def _advance(self, visible: int, *, verified: bool = False, done: bool = False) -> None:
        self._open()
        async with self._progress:
            self.visible = visible
            self.verified = self.verified or verified or done
            self.done = self.done or done
            self._progress.notify_all()

    async def _fail(self, error: BaseException) -> None:
        if not self._opened.done():
            self._opened.set_exception(error)
            self._opened.exception()  # retrieved: whoever waits gets it, or nobody does
        async with self._progress:
            self.error = error
            self.done = True
            self._progress.notify_all()

    async def wait_done(self) -> StoredFile:
        """Wait for the end of the download; raises its error if it failed."""
        async with self._progress:
            await self._progress.wait_for(lambda: self.done)
        if self.error is not None:
            raise self.error
        assert self.stored is not None
        return self.stored

    async def _next(self, seen: int) -> tuple[int, bool, BaseException | None]:
        """Wait until more than ``seen`` bytes are readable, or the end; return how many
        are readable, whether they are all there is, and the download's error."""

        def ready() -> bool:
            return self.visible > seen or self.verified or self.done

        async with self._progress:
            await self._progress.wait_for(ready)
            if self.error is not None:
                return self.visible, True, self.error
            return self.visible, self.verified, None

    async def send(
        self,
        transport: asyncio.WriteTransport,
        write: Callable[[memoryview], Awaitable[None]],
        blobs: BlobStore,
    ) -> None:
        """Send the file's bytes as they arrive: those still in memory with ``write``
        (which waits for the client), those on disk with sendfile (no copy through
        Python, no thread); raises the download's error."""
        loop = asyncio.get_running_loop()
        async for start, stop, source in self._pieces():
            if isinstance(source, memoryview):
                await write(source)
            elif source is not None:
                await loop.sendfile(transport, source, start, stop - start)
            else:
                await _send_stored(loop, transport, write, blobs, await self.wait_done(), start)
                return

    async def chunks(self, blobs: BlobStore) -> AsyncIterator[bytes | memoryview]:
        """The file's bytes as they arrive; raises the download's error."""
        async for start, stop, source in self._pieces():
            if isinstance(source, memoryview):
                yield source
            elif source is not None:
                fd = source.fileno()
                while start < stop:
                    chunk = await asyncio.to_thread(os.pread, fd, min(_READ, stop - start), start)
                    if not chunk:
                        raise UpstreamError(f"staged download of {self.remote.filename} shrank")
                    start += len(chunk)
                    yield chunk
            else:
                stored = await self.wait_done()
                async for chunk in blobs.stream(stored.sha256, start, stored.size - start):
                    yield chunk
                return

    async def _pieces(self) -> AsyncIterator[tuple[int, int, memoryview | BinaryIO | None]]:
        """The file in order, in pieces as they become readable: (start, stop, source),
        the source being the bytes (still in memory), the staged file to read them from,
        or None: the rest is in the blob store (the download was stored meanwhile).
        Raises the download's error."""
        handle: BinaryIO | None = None
        try:
            async for start, end in self._ranges():
                while start < end:
                    views = [] if start < self.staged.flushed else self.staged.unwritten(start, end)
                    for view in views:
                        yield start, start + len(view), view
                        start += len(view)
                    if views:
                        continue
                    if handle is None:
                        try:
                            # opening an existing local file does not block; the staged
                            # file keeps its inode when committed: the handle stays good
                            handle = open(self.staged.path, "rb")  # noqa: SIM115, ASYNC230
                        except FileNotFoundError:
                            # committed, or another process stored it
                            yield start, end, None
                            return
                    stop = min(end, self.staged.flushed)
                    if stop <= start:
                        raise UpstreamError(f"staged download of {self.remote.filename} lost bytes")
                    yield start, stop, handle
                    start = stop
        finally:
            if handle is not None:
                handle.close()

    async def _ranges(self) -> AsyncIterator[tuple[int, int]]:
        """Each new readable stretch of the file, as (start, end), until all of it is
        verified; raises the download's error."""
        position = 0
        while True:
            limit, done, error = await self._next(position)
            if error is not None:
                raise error
            if limit > position:
                yield position, limit
                position = limit
            if done:
                return


async def _send_stored(
    loop: asyncio.AbstractEventLoop,
    transport: asyncio.WriteTransport,
    write: Callable[[memoryview], Awaitable[None]],
    blobs: BlobStore,
    stored: StoredFile,
    start: int,
) -> None:
    """Send a stored file from ``start`` on: sendfile when it is on the local disk."""
    path = blobs.local_path(stored.sha256)
    if path is None:
        async for chunk in blobs.stream(stored.sha256, start, stored.size - start):
            await write(memoryview(chunk))
        return
    with open(path, "rb") as handle:  # noqa: ASYNC230 - an existing local file
        await loop.sendfile(transport, handle, start, stored.size - start)


class FileFetcher:
    """Downloads for proxy indexes, one per file at a time."""

    def __init__(
        self,
        client: UpstreamClient,
        blobs: BlobStore,
        db: Database,
        writes: BatchedWrites,
        limits: ArchiveLimits,
        stored: ProxyStored,
    ) -> None:
        self._client = client
        self._blobs = blobs
        self._db = db
        self._writes = writes
        self._limits = limits
        self._cache = stored
        # names this process in the change log, so it can tell its own fetches (already
        # in ProxyStored) from other processes' (to be reloaded)
        self.node = secrets.token_hex(8)
        self._downloads: dict[tuple[str, str], Download] = {}
        # running downloads (None: the recording of a metadata file)
        self._tasks: dict[asyncio.Task[None], Download | None] = {}
        self._metadata: dict[tuple[str, str], _MetadataFetch] = {}
        self._locks = HostLocks(blobs.staging.directory / "fetch.locks")

    def download(self, remote: RemoteFile, upstream: Upstream) -> Download:
        """The running download of ``remote``, started now if there is none."""
        key = (remote.index_name, remote.filename)
        download = self._downloads.get(key)
        if download is None:
            # only sha256 names the blob; other digests are computed when the upstream
            # gives them (see _extra_hashers)
            download = Download(remote, self._blobs.staging.new(full_digests=False))
            self._downloads[key] = download
            task = asyncio.create_task(self._run(download, upstream))
            self._tasks[task] = download
            task.add_done_callback(lambda done: self._finished(key, download, done))
        return download

    def _finished(self, key: tuple[str, str], download: Download, task: asyncio.Task[None]) -> None:
        self._tasks.pop(task, None)
        if self._downloads.get(key) is download:
            del self._downloads[key]

    async def close(self, grace: float = _CLOSE_WAIT) -> None:
        """Stop: downloads that are whole and verified get up to ``grace`` seconds to be
        stored (the batched writes must still run meanwhile); the rest are cancelled."""
        storing = [task for task, download in self._tasks.items() if download and download.verified]
        if storing:
            await asyncio.wait(storing, timeout=grace)
        tasks = [*self._tasks, *(fetch.task for fetch in self._metadata.values())]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(BaseException):
                await task
        self._locks.close()

    async def _run(self, download: Download, upstream: Upstream) -> None:
        remote = download.remote
        try:
            async with self._host_lock(remote) as already:
                if already is not None:
                    download.staged.discard()
                    download.stored = already
                    await download._advance(already.size, done=True)
                    return
                digests = await self._receive(download, upstream)
                # verified: let the waiting clients have the rest while it is stored
                await download._advance(digests.size, verified=True)
                metadata_sha256 = await self._store(download, digests, upstream)
                download.stored = StoredFile(
                    remote.filename, remote.project, digests.sha256, digests.size, metadata_sha256
                )
            await download._advance(digests.size, done=True)
        except BaseException as exc:
            download.staged.discard()
            await download._fail(exc if isinstance(exc, BodegaError) else UpstreamError(str(exc)))
            if not isinstance(exc, BodegaError | asyncio.CancelledError):
                log.exception("download of %s failed", remote.filename)
            if isinstance(exc, asyncio.CancelledError):
                raise

    async def _receive(self, download: Download, upstream: Upstream) -> Digests:
        remote = download.remote
        staged = download.staged
        extra = _extra_hashers(remote.hashes)
        async with self._client.stream(upstream, remote.url) as response:
            download._open()
            try:
                async for chunk in response.content.iter_any():
                    await staged.write(chunk)
                    for hasher in extra.values():
                        hasher.update(chunk)
                    # all but the last byte: a client must not get a whole file before
                    # it is verified (on a mismatch its download is cut short)
                    await download._advance(staged.size - 1)
            except Exception as exc:
                raise UpstreamError(f"download of {remote.filename} broke off: {exc!r}") from None
        # not written out yet: the waiting clients get the rest sooner (_store writes it)
        digests = await staged.hashed()
        _verify(remote, digests, {name: h.hexdigest() for name, h in extra.items()})
        return digests

    async def _known_metadata(self, remote: RemoteFile) -> str | None:
        """The stored metadata file of ``remote`` if there is one already (installers ask
        for it before the file) or one is being fetched; else None."""
        fetch = self._metadata.get((remote.index_name, remote.filename))
        if fetch is not None:
            with contextlib.suppress(Exception):  # then it is read from the wheel
                return await asyncio.shield(fetch.task)
        known = (await self._cache.project(remote.index_name, remote.project)).get(remote.filename)
        return known.metadata_sha256 if known is not None else None

    async def _extract_metadata(self, download: Download) -> bytes | None:
        try:
            dist = parse_filename(download.remote.filename)
        except BodegaError:
            return None
        if dist.kind is not DistKind.WHEEL:
            return None
        try:
            # the bytes match the upstream's sha256: no need to read every member
            data = await asyncio.to_thread(
                functools.partial(read_core_metadata, check_members=False),
                download.staged.path,
                dist,
                self._limits,
            )
        except BodegaError as exc:
            log.warning("no core metadata from %s: %s", download.remote.filename, exc)
            return None
        return data

    async def _store(self, download: Download, digests: Digests, upstream: Upstream) -> str | None:
        """Commit the blobs and record them in one transaction (see storage/meta/locks.py),
        shared with other bookkeeping writes; return the metadata blob's sha256."""
        remote = download.remote
        await download.staged.finish()
        metadata_sha256 = await self._known_metadata(remote)
        # reading the wheel's metadata costs more than the rest of the bookkeeping: only
        # when the metadata file was not fetched already
        metadata = None if metadata_sha256 else await self._extract_metadata(download)
        offered = remote.core_metadata
        if metadata is not None and offered is not None and _mismatch(metadata, offered):
            # the upstream's metadata file is not the wheel's: serve the one its page
            # advertises (installers check it against that digest)
            metadata = None
            with contextlib.suppress(Exception):
                await self.metadata(remote, upstream)
                metadata_sha256 = await self._known_metadata(remote)
        record = ProxyFileRecord(
            index_name=remote.index_name,
            filename=remote.filename,
            project=remote.project,
            sha256=digests.sha256,
            size=digests.size,
            metadata_sha256=metadata_sha256,
            upstream_url=remote.url,
            cached_at=datetime.now(UTC),
        )

        async def work(conn: AsyncConnection) -> None:
            nonlocal record
            await lock_blobs(conn, [digests.sha256])
            await self._blobs.commit(download.staged, digests.sha256)
            if metadata:
                record = dataclasses.replace(
                    record, metadata_sha256=await self._blobs.put_bytes(metadata)
                )
            await proxy_cache.record_file(conn, record)
            await changes.append(
                conn,
                action="proxy-fetch",
                index_name=remote.index_name,
                project=remote.project,
                detail={
                    "filename": remote.filename,
                    "sha256": digests.sha256,
                    "size": digests.size,
                    "node": self.node,
                },
            )

        await self._writes.run(work, announce=True)
        self._cache.remember(record)
        return record.metadata_sha256

    @contextlib.asynccontextmanager
    async def _host_lock(self, remote: RemoteFile) -> AsyncIterator[StoredFile | None]:
        """Hold the host-wide lock for this file; yield the stored file if another process
        stored it while this one waited."""
        async with self._locks.hold(f"{remote.index_name}/{remote.filename}") as waited:
            yield await self._stored(remote) if waited else None

    async def _stored(self, remote: RemoteFile) -> StoredFile | None:
        """The file, if another process stored it (read from the store, not the cache)."""
        async with self._db.read() as conn:
            record = await proxy_cache.get_file(conn, remote.index_name, remote.filename)
        if record is None or record.sha256 is None:
            return None
        return StoredFile(
            remote.filename, remote.project, record.sha256, record.size or 0, record.metadata_sha256
        )

    async def metadata(self, remote: RemoteFile, upstream: Upstream) -> MetadataFile:
        """The PEP 658 metadata of ``remote``: fetched once, and answered as soon as it
        matches the upstream's digest (it is stored meanwhile).

        Raises:
            FileNotFound: the upstream offers no metadata file for it.
            UpstreamError: fetching it failed, or it does not match its digest.
        """
        if remote.core_metadata is None:
            raise FileNotFound(f"{remote.filename!r} has no separate core metadata file")
        known = (await self._cache.project(remote.index_name, remote.project)).get(remote.filename)
        if known is not None and known.metadata_sha256:
            return MetadataFile(known.metadata_sha256, None)
        key = (remote.index_name, remote.filename)
        fetch = self._metadata.get(key)
        if fetch is None:
            verified: asyncio.Future[MetadataFile] = asyncio.get_running_loop().create_future()
            task = asyncio.create_task(self._fetch_metadata(remote, upstream, verified))
            fetch = self._metadata[key] = _MetadataFetch(verified, task)
            # kept until stored: asking again meanwhile must not fetch it again
            task.add_done_callback(lambda _: self._metadata.pop(key, None))
        return await asyncio.shield(fetch.verified)

    async def _fetch_metadata(
        self, remote: RemoteFile, upstream: Upstream, verified: asyncio.Future[MetadataFile]
    ) -> str:
        """Fetch and check the metadata file, hand it to ``verified``, then store it;
        returns the stored blob's sha256."""
        try:
            url = remote.url + ".metadata"
            async with self._client.stream(upstream, url) as response:
                data = await read_bounded(response, _MAX_METADATA)
            mismatch = _mismatch(data, remote.core_metadata or {})
            if mismatch is not None:
                # the upstream's fault, not the client's: a 502, like other bad upstream answers
                raise UpstreamError(
                    f"upstream metadata of {remote.filename} {mismatch}",
                    hint="nothing was stored; the upstream's metadata file or page is corrupt",
                )
        except BaseException as exc:
            verified.set_exception(exc)
            verified.exception()  # retrieved: the askers got it, or none is left
            raise
        sha256 = hashlib.sha256(data).hexdigest()
        verified.set_result(MetadataFile(sha256, data))
        await self._blobs.put_bytes(data)
        record = ProxyFileRecord(
            index_name=remote.index_name,
            filename=remote.filename,
            project=remote.project,
            sha256=None,
            size=None,
            metadata_sha256=sha256,
            upstream_url=remote.url,
            cached_at=datetime.now(UTC),
        )
        self._cache.remember(record)
        # recorded after the answer: the blob is stored, and this process knows it
        task = asyncio.create_task(self._record_metadata(record))
        self._tasks[task] = None
        task.add_done_callback(lambda done: self._tasks.pop(done, None))
        return sha256

    async def _record_metadata(self, record: ProxyFileRecord) -> None:
        async def work(conn: AsyncConnection) -> None:
            await lock_blobs(conn, [record.metadata_sha256 or ""])
            await proxy_cache.record_file(conn, record)

        try:
            await self._writes.run(work, announce=False)
        except Exception:
            log.exception("recording the metadata of %s failed", record.filename)


def _mismatch(data: bytes, expected: Mapping[str, str]) -> str | None:
    """How ``data`` differs from the digests in ``expected`` (None: it matches every one
    that can be computed here)."""
    for name, value in expected.items():
        if name in hashlib.algorithms_available:
            actual = hashlib.new(name, data).hexdigest()
            if not hmac.compare_digest(actual, value.lower()):
                return f"has {name} {actual}, its page says {value}"
    return None


def _extra_hashers(hashes: Mapping[str, str]) -> dict[str, Any]:
    """Hashers for the upstream's digests other than sha256 (which the staged blob
    computes itself)."""
    hashers: dict[str, Any] = {}
    for name in hashes:
        if name == "sha256":
            continue
        if name in ("blake2_256", "blake2b_256"):
            hashers[name] = hashlib.blake2b(digest_size=32)
        elif name in hashlib.algorithms_available:
            hashers[name] = hashlib.new(name)
    return hashers


def _verify(remote: RemoteFile, digests: Digests, extra: Mapping[str, str]) -> None:
    """Raises DigestMismatch when the bytes differ from what the upstream's page says."""
    actual = {**digests.as_dict(), **extra}
    checked = 0
    for name, expected in remote.hashes.items():
        if name in actual:
            checked += 1
            if not hmac.compare_digest(actual[name], expected.lower()):
                raise DigestMismatch(
                    f"{remote.filename} from upstream has {name} {actual[name]}, "
                    f"but the upstream's page says {expected}",
                    hint="nothing was stored; the upstream file or page is corrupt",
                )
    if remote.size is not None and remote.size != digests.size:
        raise DigestMismatch(
            f"{remote.filename} from upstream is {digests.size} bytes, its page says {remote.size}"
        )
    if checked == 0:
        log.warning("upstream gave no usable hash for %s; stored unverified", remote.filename)
