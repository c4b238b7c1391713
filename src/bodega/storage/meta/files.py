"""Queries on projects and distribution files of hosted indexes."""

from __future__ import annotations

import dataclasses
from typing import Any

from packaging.utils import NormalizedName
from sqlalchemy import Row, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from bodega.storage.meta.database import as_utc, utcnow
from bodega.storage.meta.records import FileRecord
from bodega.storage.meta.schema import files, projects

_FIELDS = [f.name for f in dataclasses.fields(FileRecord)]


def _record(row: Row[Any]) -> FileRecord:
    values = row._asdict()
    values["uploaded_at"] = as_utc(values["uploaded_at"])
    return FileRecord(**values)


async def get_file(conn: AsyncConnection, index_name: str, filename: str) -> FileRecord | None:
    query = select(*(files.c[f] for f in _FIELDS)).where(
        files.c.index_name == index_name, files.c.filename == filename
    )
    row = (await conn.execute(query)).first()
    return _record(row) if row else None


async def project_files(
    conn: AsyncConnection, index_name: str, project: NormalizedName
) -> list[FileRecord]:
    """The project's files in upload order."""
    query = (
        select(*(files.c[f] for f in _FIELDS))
        .where(files.c.index_name == index_name, files.c.project == project)
        .order_by(files.c.id)
    )
    return [_record(row) for row in await conn.execute(query)]


async def project_exists(conn: AsyncConnection, index_name: str, project: NormalizedName) -> bool:
    query = select(projects.c.name).where(
        projects.c.index_name == index_name, projects.c.name == project
    )
    return (await conn.execute(query)).first() is not None


async def display_name(conn: AsyncConnection, index_name: str, project: NormalizedName) -> str:
    query = select(projects.c.display_name).where(
        projects.c.index_name == index_name, projects.c.name == project
    )
    value = (await conn.execute(query)).scalar()
    return value or project


async def project_names(conn: AsyncConnection, index_name: str) -> list[NormalizedName]:
    query = (
        select(projects.c.name).where(projects.c.index_name == index_name).order_by(projects.c.name)
    )
    return [NormalizedName(name) for name in (await conn.execute(query)).scalars()]


async def ensure_project(
    conn: AsyncConnection, index_name: str, project: NormalizedName, display: str
) -> bool:
    """Register the project in the index; return True if it is new."""
    if await project_exists(conn, index_name, project):
        return False
    await conn.execute(
        insert(projects).values(
            index_name=index_name, name=project, display_name=display, created_at=utcnow()
        )
    )
    return True


async def insert_file(conn: AsyncConnection, record: FileRecord) -> None:
    """Add a file row.

    Raises:
        sqlalchemy.exc.IntegrityError: the index already has a file of that name.
    """
    await conn.execute(insert(files).values(**dataclasses.asdict(record)))
