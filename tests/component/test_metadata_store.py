"""The metadata store on SQLite and PostgreSQL: migrations, hosted files, the change log,
proxy caches, accounts - through the services that use them."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from packaging.utils import NormalizedName

from bodega.auth.principal import Principal, Scope
from bodega.domain.archives import ArchiveLimits
from bodega.domain.errors import Conflict, FileExists, Forbidden, ProjectNotFound
from bodega.indexes.hosted import HostedIndex
from bodega.indexes.hosted_names import HostedNames
from bodega.services.accounts import Accounts
from bodega.services.changes import ChangeFeed, SerialHint
from bodega.services.index_admin import IndexAdmin
from bodega.services.publish import Publisher, UploadForm
from bodega.storage.blobs.fs import FsBlobStore
from bodega.storage.meta import changes, proxy_cache
from bodega.storage.meta.database import Database
from bodega.storage.meta.records import ProxyFileRecord, ProxyPageRecord
from bodega.storage.unreferenced import remove_unreferenced, set_aside
from tests.support.dists import Dist, wheel_bytes, wheel_name

ALICE = Principal(user="alice")


def no_validation(_records: object) -> None:
    """Index configs are checked by the registry elsewhere; here only storage matters."""


@pytest.fixture
async def feed(database: Database, tmp_path: Path) -> ChangeFeed:
    feed = ChangeFeed(database, SerialHint(tmp_path / "serial.hint"), poll_interval=0)
    await feed.start()
    return feed


async def publish(publisher: Publisher, blobs: FsBlobStore, spec: Dist, index: str = "local"):
    data = wheel_bytes(spec)
    staged = blobs.staging.new()
    await staged.write(data)
    form = UploadForm(spec.name, spec.version, "bdist_wheel", {})
    return await publisher.publish(index, form, wheel_name(spec), staged, ALICE, "127.0.0.1")


async def test_migrations_are_idempotent(database: Database):
    await database.migrate()
    async with database.read() as conn:
        assert await changes.latest_serial(conn) == 0


async def test_publish_and_read_back(database: Database, feed: ChangeFeed, tmp_path: Path):
    await IndexAdmin(database, no_validation).ensure_defaults()
    blobs = FsBlobStore(tmp_path / "blobs")
    publisher = Publisher(database, blobs, feed, ArchiveLimits())
    first = await publish(publisher, blobs, Dist("Store-Test", "1.0"))
    again = await publish(publisher, blobs, Dist("Store-Test", "1.0"))
    assert first.created
    assert not again.created
    await publish(publisher, blobs, Dist("store_test", "1.1", requires_python=">=3.9"))
    with pytest.raises(FileExists):
        await publish(publisher, blobs, Dist("Store-Test", "1.0", summary="different bytes"))

    index = HostedIndex("local", {}, database, HostedNames(database))
    page = await index.project_page(NormalizedName("store-test"))
    assert [f.filename for f in page.files] == [
        "store_test-1.0-py3-none-any.whl",
        "store_test-1.1-py3-none-any.whl",
    ]
    assert page.versions == ("1.0", "1.1")
    assert page.files[1].requires_python == ">=3.9"
    assert (await index.project_list()).names == ("store-test",)
    assert await index.has_private(NormalizedName("store-test"))
    with pytest.raises(ProjectNotFound):
        await index.project_page(NormalizedName("absent"))
    document = await index.project_json(NormalizedName("store-test"), None, "http://x/")
    assert document["info"]["name"] == "Store-Test"
    assert document["info"]["version"] == "1.1"
    assert list(document["releases"]) == ["1.0", "1.1"]

    async with database.read() as conn:
        log = await changes.since(conn, 0)
    actions = [c.action for c in log]
    assert actions[-3:] == ["project-create", "upload", "upload"]
    assert log[-1].actor == "alice"
    assert log[-1].detail["filename"] == "store_test-1.1-py3-none-any.whl"
    assert [c.serial for c in log] == sorted(c.serial for c in log)


async def test_proxy_cache_upserts(database: Database):
    await IndexAdmin(database, no_validation).ensure_defaults()
    now = datetime.now(UTC)
    page = ProxyPageRecord("pypi", "demo", 200, b"{}", '"e1"', None, now)
    async with database.write() as conn:
        await proxy_cache.put_page(conn, page)
        await proxy_cache.put_page(
            conn, ProxyPageRecord("pypi", "demo", 404, None, None, None, now)
        )
        metadata_only = ProxyFileRecord(
            "pypi",
            "demo-1.0.tar.gz",
            "demo",
            None,
            None,
            "m" * 64,
            "https://upstream.invalid/demo-1.0.tar.gz",
            now,
        )
        await proxy_cache.record_file(conn, metadata_only)
        stored = ProxyFileRecord(
            "pypi",
            "demo-1.0.tar.gz",
            "demo",
            "s" * 64,
            10,
            None,
            "https://upstream.invalid/demo-1.0.tar.gz",
            now,
        )
        await proxy_cache.record_file(conn, stored)
    async with database.read() as conn:
        assert (await proxy_cache.get_page(conn, "pypi", "demo")).status == 404
        record = await proxy_cache.get_file(conn, "pypi", "demo-1.0.tar.gz")
    assert (record.sha256, record.size, record.metadata_sha256) == ("s" * 64, 10, "m" * 64)
    # the other order: metadata recorded after the file keeps the file's digest and size
    async with database.write() as conn:
        await proxy_cache.record_file(conn, replace(metadata_only, metadata_sha256="n" * 64))
    async with database.read() as conn:
        record = await proxy_cache.get_file(conn, "pypi", "demo-1.0.tar.gz")
    assert (record.sha256, record.size, record.metadata_sha256) == ("s" * 64, 10, "n" * 64)


async def test_accounts(database: Database, feed: ChangeFeed):
    accounts = Accounts(database, feed)
    admin = Principal(user="root", is_admin=True)
    await accounts.add_user("bob", "long-enough-password", is_admin=False, principal=admin)
    with pytest.raises(Conflict):
        await accounts.add_user("bob", "another-password", is_admin=False, principal=admin)
    with pytest.raises(Forbidden):
        await accounts.add_user("eve", "long-enough-password", is_admin=False,
                                principal=Principal(user="bob"))  # fmt: skip
    assert await accounts.authenticate("bob", "long-enough-password") == Principal(user="bob")
    assert await accounts.authenticate("bob", "wrong-password") is None
    assert await accounts.authenticate("nobody", "long-enough-password") is None
    record, value = await accounts.create_token(
        "bob",
        scope=Scope.UPLOAD,
        indexes=("local",),
        expires_at=None,
        description=None,
        principal=Principal(user="bob"),
    )
    principal = await accounts.authenticate("__token__", value)
    assert principal is not None
    assert (principal.user, principal.token_id, principal.token_indexes) == (
        "bob",
        record.id,
        ("local",),
    )
    assert await accounts.authenticate("__token__", value[:-1] + "x") is None
    async with database.read() as conn:
        logged = [c.detail for c in await changes.since(conn, 0)]
    assert value not in repr(logged)


async def test_racing_uploads_of_one_name_leave_no_unreferenced_blob(
    database: Database, feed: ChangeFeed, tmp_path: Path
):
    # on PostgreSQL both uploads can pass the check before either commits; the loser
    # must not leave its bytes behind
    await IndexAdmin(database, no_validation).ensure_defaults()
    blobs = FsBlobStore(tmp_path / "blobs")
    publisher = Publisher(database, blobs, feed, ArchiveLimits())
    for round_ in range(4):
        contenders = [Dist("racer", f"1.{round_}", summary=f"bytes {i}") for i in range(2)]
        results = await asyncio.gather(
            *(publish(publisher, blobs, spec) for spec in contenders), return_exceptions=True
        )
        assert sorted(type(r).__name__ for r in results) == ["FileExists", "Published"]
    index = HostedIndex("local", {}, database, HostedNames(database))
    page = await index.project_page(NormalizedName("racer"))
    referenced = {f.sha256 for f in page.files} | {
        f.core_metadata["sha256"] for f in page.files if f.core_metadata
    }
    stored = {p.name for p in (tmp_path / "blobs" / "sha256").rglob("*") if p.is_file()}
    assert stored == referenced


async def test_set_aside_blobs_come_back_when_the_transaction_fails(
    database: Database, tmp_path: Path
):
    blobs = FsBlobStore(tmp_path / "blobs")
    unused = await blobs.put_bytes(b"nobody refers to this")
    seen_removed: list[bool] = []

    async def fail_after_removing() -> None:
        async with set_aside() as removed, database.write() as conn:
            await remove_unreferenced(conn, blobs, [unused], removed)
            seen_removed.append(not await blobs.exists(unused))
            raise RuntimeError("the transaction fails after the removal")

    with pytest.raises(RuntimeError):
        await fail_after_removing()
    assert seen_removed == [True]
    assert await blobs.exists(unused)
    async with set_aside() as removed, database.write() as conn:
        await remove_unreferenced(conn, blobs, [unused, unused], removed)
    assert len(removed) == 1
    assert not await blobs.exists(unused)
