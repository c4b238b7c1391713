"""Queries on projects and distribution files of hosted indexes."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any

from packaging.utils import NormalizedName
from sqlalchemy import Row, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bodega.storage.meta.database import as_utc, utcnow
from bodega.storage.meta.records import FileRecord
from bodega.storage.meta.schema import files, projects, proxy_files

_FIELDS = [f.name for f in dataclasses.fields(FileRecord)]


def _record(row: Row[Any]) -> FileRecord:
    values = row._asdict()
    values["uploaded_at"] = as_utc(values["uploaded_at"])
    if values["deleted_at"] is not None:
        values["deleted_at"] = as_utc(values["deleted_at"])
    return FileRecord(**values)


async def get_file(conn: AsyncConnection, index_name: str, filename: str) -> FileRecord | None:
    """The file of that name, deleted or not (a deleted name stays taken)."""
    query = select(*(files.c[f] for f in _FIELDS)).where(
        files.c.index_name == index_name, files.c.filename == filename
    )
    row = (await conn.execute(query)).first()
    return _record(row) if row else None


async def project_files(
    conn: AsyncConnection, index_name: str, project: NormalizedName
) -> list[FileRecord]:
    """The project's files that are not deleted, in upload order."""
    query = (
        select(*(files.c[f] for f in _FIELDS))
        .where(
            files.c.index_name == index_name,
            files.c.project == project,
            files.c.deleted_at.is_(None),
        )
        .order_by(files.c.id)
    )
    return [_record(row) for row in await conn.execute(query)]


async def set_yanked(
    conn: AsyncConnection,
    index_name: str,
    project: NormalizedName,
    filenames: list[str],
    yanked: bool,
    reason: str | None,
) -> None:
    await conn.execute(
        update(files)
        .where(
            files.c.index_name == index_name,
            files.c.project == project,
            files.c.filename.in_(filenames),
        )
        .values(yanked=yanked, yanked_reason=reason if yanked else None)
    )


async def mark_deleted(
    conn: AsyncConnection, index_name: str, filenames: list[str], at: datetime
) -> None:
    await conn.execute(
        update(files)
        .where(files.c.index_name == index_name, files.c.filename.in_(filenames))
        .values(deleted_at=at)
    )


async def replace_file(conn: AsyncConnection, record: FileRecord) -> None:
    """Overwrite the row of ``record``'s file name with ``record`` (policy permitting)."""
    values = dataclasses.asdict(record)
    await conn.execute(
        update(files)
        .where(files.c.index_name == record.index_name, files.c.filename == record.filename)
        .values(**{k: v for k, v in values.items() if k not in ("index_name", "filename")})
    )


async def blob_in_use(conn: AsyncConnection, sha256: str) -> bool:
    """Whether any live file row (any index) or proxy cache entry uses this blob."""
    query = select(files.c.id).where(
        or_(files.c.sha256 == sha256, files.c.metadata_sha256 == sha256),
        files.c.deleted_at.is_(None),
    )
    if (await conn.execute(query.limit(1))).first() is not None:
        return True
    query = select(proxy_files.c.filename).where(
        or_(proxy_files.c.sha256 == sha256, proxy_files.c.metadata_sha256 == sha256)
    )
    return (await conn.execute(query.limit(1))).first() is not None


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
