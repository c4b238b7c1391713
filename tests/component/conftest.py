"""Component fixtures: real metadata stores (SQLite file, PostgreSQL database) and blobs."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest

from bodega.storage.meta.database import Database

PG_DSN = "postgresql://postgres@127.0.0.1:5432/test"


async def _create_pg_database() -> str:
    name = f"bodega_{secrets.token_hex(6)}"
    connection = await asyncpg.connect(PG_DSN)
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    return name


async def _drop_pg_database(name: str) -> None:
    connection = await asyncpg.connect(PG_DSN)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


@pytest.fixture(params=["sqlite", "postgresql"])
async def database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    """A migrated, empty metadata store of each kind bodega supports."""
    if request.param == "sqlite":
        db = Database(f"sqlite+aiosqlite:///{tmp_path / 'meta.sqlite3'}")
        await db.migrate()
        try:
            yield db
        finally:
            await db.close()
        return
    name = await _create_pg_database()
    db = Database(f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}")
    try:
        await db.migrate()
        yield db
    finally:
        await db.close()
        await _drop_pg_database(name)
