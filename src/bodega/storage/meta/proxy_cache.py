"""Queries on what proxy indexes cached: upstream pages and fetched files."""

from __future__ import annotations

import gzip
import zlib
from datetime import datetime
from typing import Any

from sqlalchemy import Row, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bodega.storage.meta.database import as_utc
from bodega.storage.meta.records import ProxyFileRecord, ProxyPageRecord
from bodega.storage.meta.schema import proxy_files, proxy_pages
from bodega.storage.meta.upsert import upsert

# stored pages from this size on are gzip-compressed: a root list of 100k names is 3.6 MB
# of JSON and 0.4 MB packed, and the database copies a value twice while writing it
PACK_FROM = 1 << 20
_GZIP_MAGIC = b"\x1f\x8b"  # never the start of a JSON text


def pack(page: bytes) -> bytes:
    """A page (PEP 691 JSON) as it is stored (CPU-bound for big pages: off the loop)."""
    return gzip.compress(page, compresslevel=1, mtime=0) if len(page) >= PACK_FROM else page


def is_packed(stored: bytes) -> bool:
    return stored.startswith(_GZIP_MAGIC)


def unpack(stored: bytes) -> bytes:
    """A stored page as ``pack`` had it (CPU-bound for big pages: off the loop).

    Raises:
        ValueError: a packed page that does not decompress.
    """
    if not is_packed(stored):
        return stored
    try:
        return gzip.decompress(stored)
    except (OSError, EOFError, zlib.error) as exc:
        raise ValueError(f"packed page does not decompress: {exc}") from None


def _page(row: Row[Any]) -> ProxyPageRecord:
    values = row._asdict()
    values["fetched_at"] = as_utc(values["fetched_at"])
    return ProxyPageRecord(**values)


def _file(row: Row[Any]) -> ProxyFileRecord:
    values = row._asdict()
    values["cached_at"] = as_utc(values["cached_at"])
    return ProxyFileRecord(**values)


async def get_page(conn: AsyncConnection, index_name: str, project: str) -> ProxyPageRecord | None:
    query = select(proxy_pages).where(
        proxy_pages.c.index_name == index_name, proxy_pages.c.project == project
    )
    row = (await conn.execute(query)).first()
    return _page(row) if row else None


async def page_projects(conn: AsyncConnection, index_name: str) -> list[str]:
    """The projects (and "" for the root list) a proxy index has a stored page of."""
    query = select(proxy_pages.c.project).where(proxy_pages.c.index_name == index_name)
    return list((await conn.execute(query)).scalars())


async def put_page(conn: AsyncConnection, record: ProxyPageRecord) -> None:
    await upsert(
        conn,
        proxy_pages,
        {
            "index_name": record.index_name,
            "project": record.project,
            "status": record.status,
            "page": record.page,
            "etag": record.etag,
            "last_modified": record.last_modified,
            "fetched_at": record.fetched_at,
        },
        keys=("index_name", "project"),
        update=("status", "page", "etag", "last_modified", "fetched_at"),
    )


async def touch_page(
    conn: AsyncConnection, index_name: str, project: str, fetched_at: datetime
) -> None:
    await conn.execute(
        update(proxy_pages)
        .where(proxy_pages.c.index_name == index_name, proxy_pages.c.project == project)
        .values(fetched_at=fetched_at)
    )


async def get_file(conn: AsyncConnection, index_name: str, filename: str) -> ProxyFileRecord | None:
    query = select(proxy_files).where(
        proxy_files.c.index_name == index_name, proxy_files.c.filename == filename
    )
    row = (await conn.execute(query)).first()
    return _file(row) if row else None


async def project_files(
    conn: AsyncConnection, index_name: str, project: str
) -> list[ProxyFileRecord]:
    query = select(proxy_files).where(
        proxy_files.c.index_name == index_name, proxy_files.c.project == project
    )
    return [_file(row) for row in await conn.execute(query)]


async def record_file(conn: AsyncConnection, record: ProxyFileRecord) -> None:
    """Remember a stored file (or only its metadata file: ``sha256`` None); what was
    recorded earlier and this record leaves empty is kept."""
    await upsert(
        conn,
        proxy_files,
        {
            "index_name": record.index_name,
            "filename": record.filename,
            "project": record.project,
            "sha256": record.sha256,
            "size": record.size if record.sha256 else None,
            "metadata_sha256": record.metadata_sha256,
            "upstream_url": record.upstream_url,
            "cached_at": record.cached_at,
        },
        keys=("index_name", "filename"),
        update=("upstream_url", "cached_at"),
        keep=("sha256", "size", "metadata_sha256"),
    )
