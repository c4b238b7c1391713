"""The change log: an append-only, serial-numbered record of every committed write."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from bodega.storage.meta.database import as_utc, utcnow
from bodega.storage.meta.records import Change
from bodega.storage.meta.schema import changes


async def append(
    conn: AsyncConnection,
    *,
    action: str,
    index_name: str | None = None,
    project: str | None = None,
    actor: str | None = None,
    remote_addr: str | None = None,
    detail: dict[str, Any] | None = None,
) -> int:
    """Record a change in the caller's transaction; return its serial."""
    result = await conn.execute(
        insert(changes)
        .values(
            at=utcnow(),
            index_name=index_name,
            project=project,
            action=action,
            actor=actor,
            remote_addr=remote_addr,
            detail=detail or {},
        )
        .returning(changes.c.serial)
    )
    return int(result.scalar_one())


async def latest_serial(conn: AsyncConnection) -> int:
    query = select(func.coalesce(func.max(changes.c.serial), 0))
    return int((await conn.execute(query)).scalar_one())


async def since(conn: AsyncConnection, serial: int, limit: int = 10_000) -> list[Change]:
    """Changes with a serial above ``serial``, oldest first, at most ``limit``."""
    query = select(changes).where(changes.c.serial > serial).order_by(changes.c.serial).limit(limit)
    return [Change(**{**row._asdict(), "at": as_utc(row.at)}) for row in await conn.execute(query)]


async def search(
    conn: AsyncConnection,
    *,
    index_name: str | None = None,
    project: str | None = None,
    action: str | None = None,
    actor: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    after_serial: int = 0,
    limit: int = 1000,
) -> list[Change]:
    """Changes matching every given filter, oldest first."""
    query = select(changes).where(changes.c.serial > after_serial)
    if index_name is not None:
        query = query.where(changes.c.index_name == index_name)
    if project is not None:
        query = query.where(changes.c.project == project)
    if action is not None:
        query = query.where(changes.c.action == action)
    if actor is not None:
        query = query.where(changes.c.actor == actor)
    if since is not None:
        query = query.where(changes.c.at >= since)
    if until is not None:
        query = query.where(changes.c.at < until)
    query = query.order_by(changes.c.serial).limit(limit)
    return [Change(**{**row._asdict(), "at": as_utc(row.at)}) for row in await conn.execute(query)]
