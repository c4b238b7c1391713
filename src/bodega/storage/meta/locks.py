"""Serialising writes that add or drop references to the same blob.

Adding a reference (an upload, a push, a proxy fetch) and dropping the last one (a
delete, which then removes the blob) must not interleave, or a new row could point at a
removed blob. On SQLite every write transaction already holds the database's write lock;
on PostgreSQL a transaction-scoped advisory lock per blob does it.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection


async def lock_blobs(conn: AsyncConnection, sha256s: Iterable[str]) -> None:
    """Hold a lock on each blob until the caller's transaction ends (in a fixed order)."""
    if conn.dialect.name != "postgresql":
        return
    for sha256 in sorted(set(sha256s)):
        key = int.from_bytes(bytes.fromhex(sha256[:16]), "big", signed=True)
        await conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
