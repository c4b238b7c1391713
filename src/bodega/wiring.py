"""The one place that picks concrete backends and assembles the services."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass

from bodega.auth.principal import Principal
from bodega.domain.archives import ArchiveLimits
from bodega.indexes.base import Index
from bodega.indexes.group import GroupConfig, GroupIndex
from bodega.indexes.hosted import HostedIndex
from bodega.indexes.hosted_names import HostedNames
from bodega.indexes.proxy import ProxyConfig, ProxyIndex
from bodega.indexes.proxy_stored import ProxyStored
from bodega.indexes.registry import IndexFactory, IndexRegistry, build_all
from bodega.services.accounts import Accounts
from bodega.services.audit import AuditLog
from bodega.services.batched_writes import BatchedWrites
from bodega.services.changes import ChangeFeed, SerialHint
from bodega.services.fetch import FileFetcher
from bodega.services.index_admin import IndexAdmin
from bodega.services.lifecycle import Lifecycle
from bodega.services.page_cache import PageCache
from bodega.services.publish import Publisher
from bodega.services.serving import Pages
from bodega.settings import Settings
from bodega.storage.blobs.base import BlobStore
from bodega.storage.blobs.fs import FsBlobStore
from bodega.storage.meta.database import Database
from bodega.storage.meta.records import Change, IndexRecord
from bodega.upstream.client import Timeouts, UpstreamClient


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
    upstream: UpstreamClient
    fetcher: FileFetcher
    lifecycle: Lifecycle
    audit: AuditLog


async def prepare_storage(settings: Settings) -> None:
    """Create the data directory, migrate the schema, add the default indexes and the
    ones the config file declares."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    db = Database(settings.database)
    try:
        await db.migrate()
        admin = IndexAdmin(db, index_validator(settings, db))
        await admin.ensure_defaults()
        if settings.indexes:
            await admin.apply(settings.indexes, Principal(user="config-file", is_admin=True))
    finally:
        await db.close()


def index_validator(settings: Settings, db: Database) -> Callable[[list[IndexRecord]], None]:
    """Checks a set of index definitions by building them (no I/O happens)."""
    factories = index_factories(
        settings, db, UpstreamClient(), HostedNames(db), ProxyStored(db), BatchedWrites(db, _quiet)
    )

    def validate(records: list[IndexRecord]) -> None:
        build_all(records, factories)

    return validate


async def _quiet() -> None:
    """Validation builds indexes that never write: there is no change to announce."""


def index_factories(
    settings: Settings,
    db: Database,
    client: UpstreamClient,
    names: HostedNames,
    stored: ProxyStored,
    batched: BatchedWrites,
) -> dict[str, IndexFactory]:
    """How each kind of index is built from its stored definition."""

    def hosted(record: IndexRecord, _resolve: Callable[[str], Index]) -> Index:
        return HostedIndex(record.name, record.config, db, names)

    def proxy(record: IndexRecord, _resolve: Callable[[str], Index]) -> Index:
        config = ProxyConfig.from_mapping(record.config, settings.default_upstream)
        return ProxyIndex(
            record.name,
            record.config,
            config,
            db,
            client,
            stored,
            batched,
            offline=settings.offline,
        )

    def group(record: IndexRecord, resolve: Callable[[str], Index]) -> Index:
        config = GroupConfig.from_mapping(record.name, record.config)
        members = [resolve(name) for name in config.members]
        return GroupIndex(record.name, record.config, config, members)

    return {"hosted": hosted, "proxy": proxy, "group": group}


def _forgetting(
    names: HostedNames, stored: ProxyStored, node: str
) -> Callable[[Sequence[Change]], Awaitable[None]]:
    """Keep the in-memory indexes' knowledge in step with changes from other processes."""

    async def listener(batch: Sequence[Change]) -> None:
        for change in batch:
            if change.action in ("project-create", "project-delete", "index-create"):
                names.forget(change.index_name)
            elif change.action in ("index-update", "index-delete"):
                names.forget()
                stored.forget(None, None)
            elif change.action == "proxy-fetch" and change.detail.get("node") != node:
                stored.forget(change.index_name, change.project)
                if change.index_name and change.project:
                    # a file is stored only after its page was
                    stored.page_stored(change.index_name, change.project)

    return listener


@asynccontextmanager
async def open_services(settings: Settings, *, follow_changes: bool) -> AsyncIterator[Services]:
    """Assemble the services for one process; ``follow_changes`` polls the change log."""
    db = Database(settings.database)
    hint = SerialHint(settings.serial_hint_path)
    feed = ChangeFeed(db, hint, settings.poll_interval if follow_changes else 0)
    blobs = FsBlobStore(settings.blob_dir)
    client = UpstreamClient(
        Timeouts(read=settings.upstream_timeout, retries=settings.upstream_retries)
    )
    names, stored = HostedNames(db), ProxyStored(db)
    batched = BatchedWrites(db, feed.committed)
    limits = ArchiveLimits()
    fetcher = FileFetcher(client, blobs, db, batched, limits, stored)
    feed.subscribe(_forgetting(names, stored, fetcher.node))
    registry = IndexRegistry(db, index_factories(settings, db, client, names, stored, batched))
    await client.start()
    try:
        await registry.reload()
        pages = Pages(registry, PageCache(settings.page_cache_bytes, settings.data_dir), feed)
        await feed.start()
        yield Services(
            settings=settings,
            db=db,
            blobs=blobs,
            feed=feed,
            registry=registry,
            pages=pages,
            publisher=Publisher(db, blobs, feed, limits),
            accounts=Accounts(db, feed),
            index_admin=IndexAdmin(db, index_validator(settings, db), feed),
            upstream=client,
            fetcher=fetcher,
            lifecycle=Lifecycle(db, blobs, registry, feed),
            audit=AuditLog(db),
        )
    finally:
        await feed.stop()
        await fetcher.close()
        await registry.close()
        await batched.close()
        await client.close()
        hint.close()
        await db.close()
