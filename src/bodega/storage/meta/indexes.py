"""Queries on index definitions."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bodega.storage.meta.database import as_utc, utcnow
from bodega.storage.meta.records import IndexRecord
from bodega.storage.meta.schema import indexes


def _record(row: Row[Any]) -> IndexRecord:
    return IndexRecord(
        name=row.name, kind=row.kind, config=dict(row.config), created_at=as_utc(row.created_at)
    )


async def list_indexes(conn: AsyncConnection) -> list[IndexRecord]:
    return [_record(row) for row in await conn.execute(select(indexes).order_by(indexes.c.name))]


async def get_index(conn: AsyncConnection, name: str) -> IndexRecord | None:
    row = (await conn.execute(select(indexes).where(indexes.c.name == name))).first()
    return _record(row) if row else None


async def create_index(
    conn: AsyncConnection, name: str, kind: str, config: dict[str, Any]
) -> IndexRecord:
    created_at = utcnow()
    await conn.execute(
        insert(indexes).values(name=name, kind=kind, config=config, created_at=created_at)
    )
    return IndexRecord(name=name, kind=kind, config=config, created_at=created_at)


async def update_config(conn: AsyncConnection, name: str, config: dict[str, Any]) -> None:
    await conn.execute(update(indexes).where(indexes.c.name == name).values(config=config))
