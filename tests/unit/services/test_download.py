"""A download's readers: bytes from memory, then the staged file, then the stored blob."""

from __future__ import annotations

import asyncio
import hashlib
import random
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bodega.domain.names import NormalizedName
from bodega.indexes.base import RemoteFile, StoredFile
from bodega.services.fetch import Download
from bodega.storage.blobs.fs import FsBlobStore

DATA = random.Random(7).randbytes(3_000_000)
REMOTE = RemoteFile(
    "pypi",
    "demo-1.0-py3-none-any.whl",
    NormalizedName("demo"),
    "http://127.0.0.1:1/files/demo-1.0-py3-none-any.whl",
    {"sha256": hashlib.sha256(DATA).hexdigest()},
    len(DATA),
)


async def _read_rest(reader: AsyncIterator[bytes | memoryview]) -> bytes:
    return b"".join([bytes(chunk) async for chunk in reader])


def test_a_reader_keeps_reading_after_the_staged_file_is_committed(tmp_path: Path) -> None:
    # the fetcher's side is played here step by step: bytes arrive (all but the last
    # readable), are verified, committed (the staged file is renamed away), recorded
    store = FsBlobStore(tmp_path)

    async def run() -> tuple[bytes, bytes, bytes]:
        staged = store.staging.new(full_digests=False)
        download = Download(REMOTE, staged)
        early = download.chunks(store)
        await staged.write(DATA[:100_000])
        await download._advance(staged.size - 1)
        first = bytes(await anext(early))  # from memory: nothing is on disk yet
        await staged.write(DATA[100_000:])
        digests = await staged.finish()
        await download._advance(digests.size, verified=True)
        await store.commit(staged, digests.sha256)
        download.stored = StoredFile(
            REMOTE.filename, REMOTE.project, digests.sha256, digests.size, None
        )
        await download._advance(digests.size, done=True)
        # the early reader wants the rest, and a reader comes after the end
        return first, await _read_rest(early), await _read_rest(download.chunks(store))

    first, rest, late = asyncio.run(run())
    assert len(first) == 100_000 - 1  # the last byte is held back until verified
    assert first + rest == DATA
    assert late == DATA
    assert list(store.staging.directory.iterdir()) == []


def test_readers_fail_with_the_download(tmp_path: Path) -> None:
    store = FsBlobStore(tmp_path)

    async def run() -> int:
        staged = store.staging.new(full_digests=False)
        download = Download(REMOTE, staged)
        reader = download.chunks(store)
        await staged.write(DATA[:500_000])
        await download._advance(staged.size - 1)
        got = len(await anext(reader))
        staged.discard()
        await download._fail(RuntimeError("upstream went away"))
        with pytest.raises(RuntimeError, match="went away"):
            await anext(reader)
        return got

    assert asyncio.run(run()) == 500_000 - 1
    assert list(store.staging.directory.iterdir()) == []
