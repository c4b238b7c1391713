"""The one place that picks concrete backends and assembles the services."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from bodega.domain.archives import ArchiveLimits
from bodega.indexes.base import Index
from bodega.indexes.hosted import HostedIndex
from bodega.indexes.registry import IndexRegistry
from bodega.services.accounts import Accounts
from bodega.services.changes import ChangeFeed, SerialHint
from bodega.services.index_admin import IndexAdmin
from bodega.services.page_cache import PageCache
from bodega.services.publish import Publisher
from bodega.services.serving import Pages
from bodega.settings import Settings
from bodega.storage.blobs.base import BlobStore
from bodega.storage.blobs.fs import FsBlobStore
from bodega.storage.meta.database import Database
from bodega.storage.meta.records import IndexRecord


@dataclass(frozen=True, slots=True)
class Services:
    settings: Settings
    db: Database
    blobs: BlobStore
    feed: ChangeFeed
    registry: IndexRegistry
    pages: Pages
    publisher: Publisher
    accounts: Accounts
    index_admin: IndexAdmin


async def prepare_storage(settings: Settings) -> None:
    """Create the data directory, migrate the schema and add the default indexes."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    db = Database(settings.database)
    try:
        await db.migrate()
        await IndexAdmin(db).ensure_defaults()
    finally:
        await db.close()


@asynccontextmanager
async def open_services(settings: Settings, *, follow_changes: bool) -> AsyncIterator[Services]:
    """Assemble the services for one process; ``follow_changes`` polls the change log."""
    db = Database(settings.database)
    hint = SerialHint(settings.serial_hint_path)
    feed = ChangeFeed(db, hint, settings.poll_interval if follow_changes else 0)
    blobs = FsBlobStore(settings.blob_dir)

    def hosted(record: IndexRecord) -> Index:
        return HostedIndex(record.name, record.config, db)

    registry = IndexRegistry(db, {"hosted": hosted})
    try:
        await registry.reload()
        pages = Pages(registry, PageCache(settings.page_cache_bytes), feed)
        await feed.start()
        yield Services(
            settings=settings,
            db=db,
            blobs=blobs,
            feed=feed,
            registry=registry,
            pages=pages,
            publisher=Publisher(db, blobs, feed, ArchiveLimits()),
            accounts=Accounts(db, feed),
            index_admin=IndexAdmin(db, feed),
        )
    finally:
        await feed.stop()
        hint.close()
        await db.close()
