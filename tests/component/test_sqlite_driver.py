"""SQLite connections whose statements take one trip to the connection's thread."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import aiosqlite
import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bodega.storage.meta import sqlite_driver
from bodega.storage.meta.database import Database


class _Counting(sqlite_driver.OneTripConnection):
    """Counts the calls run in the connection's thread."""

    trips = 0

    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        _Counting.trips += 1
        return await super()._execute(fn, *args, **kwargs)  # type: ignore[no-untyped-call]


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    path = str(tmp_path / "driver.sqlite3")
    engine = create_async_engine(
        f"sqlite+aiosqlite:///{path}",
        async_creator=sqlite_driver.connector(path, _Counting),
        pool_size=1,
        max_overflow=0,
    )
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT UNIQUE)"))
    try:
        yield engine
    finally:
        await engine.dispose()


async def test_a_statement_is_one_trip(engine: AsyncEngine):
    async with engine.connect() as conn:
        await conn.execute(text("SELECT 1"))  # the transaction's BEGIN is SQLAlchemy's
        before = _Counting.trips
        rows = (await conn.execute(text("SELECT name FROM t"))).all()
        assert _Counting.trips == before + 1
        assert rows == []
        await conn.execute(text("INSERT INTO t (name) VALUES ('a')"))
        assert _Counting.trips == before + 2


async def test_rows_counts_and_ids_come_back(engine: AsyncEngine):
    async with engine.begin() as conn:
        inserted = await conn.execute(text("INSERT INTO t (name) VALUES ('a')"))
        assert inserted.lastrowid == 1
        many = await conn.execute(
            text("INSERT INTO t (name) VALUES (:name)"), [{"name": n} for n in "bcd"]
        )
        assert many.rowcount == 3
        updated = await conn.execute(text("UPDATE t SET name = name || '!' WHERE id > 2"))
        assert updated.rowcount == 2
        result = await conn.execute(text("SELECT id, name FROM t ORDER BY id"))
        assert list(result.keys()) == ["id", "name"]
        assert result.first() == (1, "a")
        streamed = await conn.stream(text("SELECT name FROM t ORDER BY id"))
        assert [row.name async for row in streamed] == ["a", "b", "c!", "d!"]


async def test_errors_reach_the_caller_and_roll_back(engine: AsyncEngine):
    async with engine.begin() as conn:
        await conn.execute(text("INSERT INTO t (name) VALUES ('a')"))
    async with engine.connect() as conn:
        await conn.execute(text("INSERT INTO t (name) VALUES ('b')"))
        with pytest.raises(IntegrityError, match="UNIQUE"):
            await conn.execute(text("INSERT INTO t (name) VALUES ('a')"))
        await conn.rollback()
        with pytest.raises(OperationalError, match="no such table"):
            await conn.execute(text("SELECT * FROM missing"))
    async with engine.connect() as conn:
        names = (await conn.execute(text("SELECT name FROM t"))).scalars().all()
    assert names == ["a"]


async def test_the_store_uses_it_for_a_plain_file_url_only(tmp_path: Path):
    plain = Database(f"sqlite+aiosqlite:///{tmp_path / 'a.sqlite3'}")
    with_options = Database(f"sqlite+aiosqlite:///{tmp_path / 'b.sqlite3'}?timeout=5")
    try:
        for db, one_trip in ((plain, True), (with_options, False)):
            async with db.engine.connect() as conn:
                raw = await conn.get_raw_connection()
                driver = raw.driver_connection
                assert isinstance(driver, aiosqlite.Connection)
                assert isinstance(driver, sqlite_driver.OneTripConnection) is one_trip
                assert (await conn.execute(text("SELECT 41 + 1"))).scalar() == 42
    finally:
        await plain.close()
        await with_options.close()
