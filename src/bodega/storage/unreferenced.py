"""Removing blobs that no row refers to any more (after a delete, or a lost upload race).

Runs inside the caller's write transaction, with the blobs locked (``lock_blobs``), so no
new reference can appear meanwhile. Removed blobs are held aside until the caller knows
its transaction committed: then it purges them; if it rolled back, it restores them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncConnection

from bodega.storage.blobs.base import BlobStore, RemovedBlob
from bodega.storage.meta import files


@asynccontextmanager
async def set_aside() -> AsyncIterator[list[RemovedBlob]]:
    """A list for ``remove_unreferenced``; wrap the transaction in it. Its blobs are purged
    when the block ends normally, put back when it raises."""
    removed: list[RemovedBlob] = []
    try:
        yield removed
    except BaseException:
        for blob in removed:
            await blob.restore()
        raise
    for blob in removed:
        await blob.purge()


async def remove_unreferenced(
    conn: AsyncConnection, blobs: BlobStore, sha256s: Iterable[str], removed: list[RemovedBlob]
) -> None:
    """Set aside each of these blobs that no live file or proxy entry uses, adding it to
    ``removed`` at once (so a failure half way still knows what to restore)."""
    for sha256 in sorted(set(sha256s)):
        if not await files.blob_in_use(conn, sha256):
            blob = await blobs.remove(sha256)
            if blob is not None:
                removed.append(blob)
