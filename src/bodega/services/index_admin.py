"""Creating and listing indexes, and the set every new installation starts with."""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import IntegrityError

from bodega.domain.errors import Conflict, InvalidInput
from bodega.domain.names import validate_index_name
from bodega.services.changes import ChangeFeed
from bodega.storage.meta import changes, indexes
from bodega.storage.meta.database import Database
from bodega.storage.meta.records import IndexRecord

KINDS = ("hosted",)
DEFAULT_INDEXES: tuple[tuple[str, str, dict[str, Any]], ...] = (
    ("local", "hosted", {"uploaders": [":authenticated:"]}),
)


class IndexAdmin:
    def __init__(self, db: Database, feed: ChangeFeed | None = None) -> None:
        self._db = db
        self._feed = feed

    async def create(self, name: str, kind: str, config: dict[str, Any], actor: str) -> IndexRecord:
        """Raises InvalidName, InvalidInput (unknown kind) or Conflict (name taken)."""
        validate_index_name(name)
        if kind not in KINDS:
            raise InvalidInput(f"unknown index kind {kind!r}", hint=f"kinds: {', '.join(KINDS)}")
        try:
            async with self._db.write() as conn:
                record = await indexes.create_index(conn, name, kind, config)
                await changes.append(
                    conn, action="index-create", index_name=name, actor=actor, detail={"kind": kind}
                )
        except IntegrityError:
            raise Conflict(f"index {name!r} exists already") from None
        if self._feed is not None:
            await self._feed.committed()
        return record

    async def list(self) -> list[IndexRecord]:
        async with self._db.read() as conn:
            return await indexes.list_indexes(conn)

    async def ensure_defaults(self) -> None:
        """Create the default indexes on a store that has none yet."""
        async with self._db.write() as conn:
            if await indexes.list_indexes(conn):
                return
            for name, kind, config in DEFAULT_INDEXES:
                await indexes.create_index(conn, name, kind, config)
                await changes.append(
                    conn,
                    action="index-create",
                    index_name=name,
                    actor="bodega",
                    detail={"kind": kind},
                )
