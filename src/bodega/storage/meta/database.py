"""The metadata database: engine, transactions and migrations, for SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, event, make_url, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from bodega.storage.meta import sqlite_driver

_MIGRATIONS = "bodega.storage.meta:migrations"
# the newest migration; a test keeps it equal to alembic's head
SCHEMA_REVISION = "0003"
_SQLITE_CONNECTIONS = 6


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """Timestamps come back naive from SQLite; they were stored in UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


class Database:
    """One engine and the two kinds of unit of work: read and write."""

    def __init__(self, url: str, *, pool_size: int = 5) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        if self.is_sqlite:
            # a fixed set of connections (each is a thread in aiosqlite): overflow ones
            # would be opened and closed again and again under load
            options: dict[str, Any] = {"pool_size": _SQLITE_CONNECTIONS, "max_overflow": 0}
            parsed = make_url(url)
            if parsed.database and not parsed.query:
                # a statement in one trip to the connection's thread (a URL with driver
                # options keeps aiosqlite's own connections, which take them)
                options["async_creator"] = sqlite_driver.connector(parsed.database)
        else:
            options = {"pool_size": pool_size, "max_overflow": pool_size, "pool_pre_ping": True}
        self.engine: AsyncEngine = create_async_engine(url, **options)
        # SQLite has one writer at a time; writers of this process queue here instead of
        # in SQLite's busy handler, which sleeps in growing steps (up to 100 ms) between
        # retries. Other processes still meet the busy handler (rarely: the CLI).
        self._write_lock = asyncio.Lock() if url.startswith("sqlite") else None
        if self.is_sqlite:
            _configure_sqlite(self.engine)

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncConnection]:
        """A connection for a consistent read (one transaction, rolled back at the end)."""
        async with self.engine.connect() as conn, conn.begin():
            yield conn

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncConnection]:
        """A transaction that commits when the block ends without an exception.

        On SQLite it takes the write lock up front (BEGIN IMMEDIATE), so a transaction
        that reads then writes never fails half way because another process wrote.
        """
        if self._write_lock is None:
            async with self.engine.connect() as conn, conn.begin():
                yield conn
            return
        async with self._write_lock, self.engine.connect() as conn:
            conn = await conn.execution_options(sqlite_begin="IMMEDIATE")
            async with conn.begin():
                yield conn

    async def migrate(self) -> None:
        """Bring the schema to the newest revision (idempotent).

        A store already at the newest revision is recognised with one query, without
        loading the migration machinery (every CLI command calls this).
        """
        if await self.revision() == SCHEMA_REVISION:
            return
        async with self.write() as conn:
            await conn.run_sync(_upgrade)

    async def revision(self) -> str | None:
        """The schema revision of the store; None before the first migration."""
        async with self.engine.connect() as conn:
            has_table = await conn.run_sync(
                lambda sync: sync.dialect.has_table(sync, "alembic_version")
            )
            if not has_table:
                return None
            result = await conn.execute(text("SELECT version_num FROM alembic_version"))
            return result.scalar()

    async def close(self) -> None:
        await self.engine.dispose()


def _upgrade(connection: Connection) -> None:
    # imported here: the serving processes never migrate, and alembic costs ~10 MiB
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", _MIGRATIONS)
    config.attributes["connection"] = connection
    if connection.dialect.name == "postgresql":
        # several nodes may start at once: one migrates, the others wait for it
        connection.exec_driver_sql("SELECT pg_advisory_xact_lock(727274)")
    command.upgrade(config, "head")


def _configure_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # let SQLAlchemy's "begin" event below issue BEGIN itself
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in (
            "PRAGMA journal_mode=WAL",
            "PRAGMA synchronous=NORMAL",
            "PRAGMA busy_timeout=30000",
            # 1 MiB of page cache per connection (SQLite's default is 2 MiB): lookups are
            # indexed and the kernel caches the file anyway
            "PRAGMA cache_size=-1024",
            "PRAGMA foreign_keys=ON",
        ):
            cursor.execute(pragma)
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Connection) -> None:
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")
