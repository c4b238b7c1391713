"""Staged blobs: no file until bytes are written, nothing left behind when discarded."""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path

import pytest

from bodega.storage.blobs.fs import FsBlobStore


def test_a_staged_blob_makes_its_file_with_the_first_bytes(tmp_path: Path) -> None:
    store = FsBlobStore(tmp_path)

    async def run() -> str:
        staged = store.staging.new()
        assert not staged.path.exists()
        await staged.write(b"x" * 100)  # buffered: below one flush
        assert not staged.path.exists()
        await staged.write(b"y" * (300 << 10))
        assert staged.path.exists()
        assert staged.flushed == 100 + (300 << 10)
        digests = await staged.finish()
        await store.commit(staged, digests.sha256)
        return digests.sha256

    sha256 = asyncio.run(run())
    expected = b"x" * 100 + b"y" * (300 << 10)
    assert sha256 == hashlib.sha256(expected).hexdigest()
    assert asyncio.run(store.read_bytes(sha256)) == expected
    assert list(store.staging.directory.iterdir()) == []


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
