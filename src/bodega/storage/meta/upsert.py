"""INSERT ... ON CONFLICT DO UPDATE for the two dialects bodega runs on."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import Table, func
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.dml import Insert


async def upsert(
    conn: AsyncConnection,
    table: Table,
    values: dict[str, Any],
    keys: Sequence[str],
    update: Sequence[str],
    keep: Sequence[str] = (),
) -> None:
    """Insert ``values``; on a clash on ``keys``, overwrite the ``update`` columns, and
    the ``keep`` columns only where the new value is not NULL."""
    statement = _statement(conn.dialect.name, table, tuple(keys), tuple(update), tuple(keep))
    await conn.execute(statement, values)


@lru_cache(maxsize=64)
def _statement(
    dialect_name: str,
    table: Table,
    keys: tuple[str, ...],
    update: tuple[str, ...],
    keep: tuple[str, ...],
) -> Insert:
    # built once per shape, values bound at execution: building the statement (its
    # "excluded" alias above all) cost more than running it on the proxy's cold path
    dialect = postgresql if dialect_name == "postgresql" else sqlite
    statement = dialect.insert(table)
    columns: dict[str, Any] = {c: statement.excluded[c] for c in update}
    columns.update({c: func.coalesce(statement.excluded[c], table.c[c]) for c in keep})
    built: Insert = statement.on_conflict_do_update(index_elements=list(keys), set_=columns)
    return built
