"""Staged blobs: no file until bytes are written, nothing left behind when discarded."""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path

import pytest

from bodega.storage.blobs.base import StagedBlob
from bodega.storage.blobs.fs import FsBlobStore


def _readable(staged: StagedBlob) -> bytes:
    """What a reader of a download in progress gets: the staged file up to ``flushed``,
    then the bytes still in memory."""
    on_disk = staged.path.read_bytes()[: staged.flushed] if staged.flushed else b""
    in_memory = b"".join(staged.unwritten(staged.flushed, staged.size))
    return on_disk + in_memory


def test_received_bytes_are_readable_before_and_after_they_reach_the_disk(
    tmp_path: Path,
) -> None:
    store = FsBlobStore(tmp_path)
    chunks = [bytes([i]) * (100_000 + i) for i in range(30)]  # about 3 MB, unaligned

    async def run() -> str:
        staged = store.staging.new()
        assert not staged.path.exists()  # no file before the first bytes
        received = b""
        for chunk in chunks:
            await staged.write(chunk)
            received += chunk
            assert staged.size == len(received)
            assert _readable(staged) == received
            # receiving runs ahead of the disk by a bounded amount
            assert staged.size - staged.flushed <= (1 << 20) + len(chunk)
            await asyncio.sleep(0)  # let the background write go on
            assert _readable(staged) == received
        digests = await staged.finish()
        assert staged.flushed == staged.size == len(received)
        assert staged.path.read_bytes() == received
        await store.commit(staged, digests.sha256)
        return digests.sha256

    sha256 = asyncio.run(run())
    expected = b"".join(chunks)
    assert sha256 == hashlib.sha256(expected).hexdigest()
    assert asyncio.run(store.read_bytes(sha256)) == expected
    assert list(store.staging.directory.iterdir()) == []


def test_a_slice_of_the_bytes_in_memory(tmp_path: Path) -> None:
    store = FsBlobStore(tmp_path)

    async def run() -> None:
        staged = store.staging.new()
        for part in (b"abc", b"defg", b"hi"):
            await staged.write(part)
        assert b"".join(staged.unwritten(2, 8)) == b"cdefgh"
        assert b"".join(staged.unwritten(0, 100)) == b"abcdefghi"
        assert staged.unwritten(9, 12) == []
        staged.discard()

    asyncio.run(run())


def test_an_empty_blob_is_stored(tmp_path: Path) -> None:
    store = FsBlobStore(tmp_path)

    async def run() -> str:
        staged = store.staging.new()
        digests = await staged.finish()
        assert staged.path.exists()
        await store.commit(staged, digests.sha256)
        return digests.sha256

    sha256 = asyncio.run(run())
    assert sha256 == hashlib.sha256(b"").hexdigest()
    assert asyncio.run(store.read_bytes(sha256)) == b""


def test_a_discarded_blob_leaves_nothing_and_takes_no_more_bytes(tmp_path: Path) -> None:
    store = FsBlobStore(tmp_path)

    async def run() -> None:
        never_written = store.staging.new()
        never_written.discard()
        written = store.staging.new()
        await written.write(b"z" * (300 << 10))
        written.discard()
        with pytest.raises(FileNotFoundError, match="discarded"):
            await written.write(b"z" * (300 << 10))

    asyncio.run(run())
    assert list(store.staging.directory.iterdir()) == []


def test_put_bytes_stores_once(tmp_path: Path) -> None:
    store = FsBlobStore(tmp_path)
    first = asyncio.run(store.put_bytes(b"metadata"))
    again = asyncio.run(store.put_bytes(b"metadata"))
    assert first == again == hashlib.sha256(b"metadata").hexdigest()
    assert asyncio.run(store.read_bytes(first)) == b"metadata"
    assert list(store.staging.directory.iterdir()) == []


def test_a_failed_background_write_is_raised_to_the_writer(tmp_path: Path) -> None:
    # the staging directory vanishes: the background write cannot create the file, and
    # the next write (or finish) says so instead of the bytes being lost quietly
    store = FsBlobStore(tmp_path)

    async def run() -> None:
        staged = store.staging.new()
        store.staging.directory.rmdir()
        await staged.write(b"x" * (300 << 10))  # a background write starts, and fails
        await asyncio.sleep(0.2)
        with pytest.raises(FileNotFoundError):
            await staged.write(b"y")
        with pytest.raises(FileNotFoundError):
            await staged.finish()
        staged.discard()

    asyncio.run(run())


@pytest.mark.parametrize("size", [1, 200_000, 3_000_000])
def test_hashed_gives_the_digests_before_the_rest_is_on_disk(tmp_path: Path, size: int) -> None:
    # small files: nothing is on disk when the digests are known; big ones: the tail
    # (less than a flush's worth) is not. finish() then writes it without hashing it again
    store = FsBlobStore(tmp_path)
    data = bytes(range(256)) * (size // 256) + b"t" * (size % 256)

    async def run() -> None:
        staged = store.staging.new(full_digests=False)
        for start in range(0, len(data), 70_000):
            await staged.write(data[start : start + 70_000])
        digests = await staged.hashed()
        assert digests.sha256 == hashlib.sha256(data).hexdigest()
        assert digests.size == len(data)
        if size < (256 << 10):
            assert staged.flushed == 0
            assert not staged.path.exists()
        # still readable while not on disk
        assert _readable(staged) == data
        with pytest.raises(RuntimeError, match="hashed whole"):
            await staged.write(b"more")
        assert await staged.finish() == digests
        assert staged.path.read_bytes() == data
        await store.commit(staged, digests.sha256)

    asyncio.run(run())
    assert asyncio.run(store.read_bytes(hashlib.sha256(data).hexdigest())) == data


def test_hashed_after_finish_gives_the_same_digests(tmp_path: Path) -> None:
    store = FsBlobStore(tmp_path)

    async def run() -> None:
        staged = store.staging.new(full_digests=False)
        await staged.write(b"abc")
        finished = await staged.finish()
        assert await staged.hashed() == finished
        assert finished.sha256 == hashlib.sha256(b"abc").hexdigest()
        staged.discard()

    asyncio.run(run())
