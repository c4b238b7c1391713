"""In-memory knowledge of the store (hosted names, stored proxy pages): loaded once,
kept up to date by this process, dropped when told."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from packaging.utils import NormalizedName
from sqlalchemy import event

from bodega.domain.archives import ArchiveLimits
from bodega.indexes.hosted_names import HostedNames
from bodega.indexes.proxy_stored import ProxyStored
from bodega.services.changes import ChangeFeed, SerialHint
from bodega.services.index_admin import IndexAdmin
from bodega.services.publish import Publisher, UploadForm
from bodega.storage.blobs.fs import FsBlobStore
from bodega.storage.meta import proxy_cache
from bodega.storage.meta.database import Database
from bodega.storage.meta.records import ProxyPageRecord
from tests.component.test_metadata_store import ALICE, no_validation
from tests.support.dists import Dist, wheel_bytes, wheel_name


@pytest.fixture
def statements(database: Database) -> Iterator[list[str]]:
    """The SQL statements the store runs while the test does (observed, not changed)."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    event.listen(database.engine.sync_engine, "before_cursor_execute", record)
    yield seen
    event.remove(database.engine.sync_engine, "before_cursor_execute", record)


async def _publish(database: Database, tmp_path: Path, spec: Dist) -> None:
    feed = ChangeFeed(database, SerialHint(tmp_path / "serial.hint"), poll_interval=0)
    await feed.start()
    blobs = FsBlobStore(tmp_path / "blobs")
    staged = blobs.staging.new()
    await staged.write(wheel_bytes(spec))
    form = UploadForm(spec.name, spec.version, "bdist_wheel", {})
    await Publisher(database, blobs, feed, ArchiveLimits()).publish(
        "local", form, wheel_name(spec), staged, ALICE, "127.0.0.1"
    )


def _name_queries(statements: list[str]) -> int:
    return sum(1 for s in statements if "FROM projects" in s)


async def test_hosted_names_load_once_for_concurrent_askers(
    database: Database, tmp_path: Path, statements: list[str]
):
    await IndexAdmin(database, no_validation).ensure_defaults()
    await _publish(database, tmp_path, Dist("private-thing", "1.0"))
    names = HostedNames(database)
    statements.clear()
    asked = [NormalizedName(n) for n in ("private-thing", "requests", "numpy")] * 10
    answers = await asyncio.gather(*(names.holds("local", p) for p in asked))
    assert answers == [p == "private-thing" for p in asked]
    assert _name_queries(statements) == 1
    assert await names.holds("local", NormalizedName("private-thing"))
    assert _name_queries(statements) == 1  # kept


async def test_hosted_names_forgotten_while_loading_are_read_again(
    database: Database, tmp_path: Path
):
    await IndexAdmin(database, no_validation).ensure_defaults()
    names = HostedNames(database)
    first = asyncio.ensure_future(names.holds("local", NormalizedName("late")))
    await asyncio.sleep(0)  # the load has started
    names.forget("local")  # a change arrived: what is being read may be out of date
    assert not await first
    await _publish(database, tmp_path, Dist("late", "1.0"))
    # the set of the load that was in flight was not kept: the store is read again
    assert await names.holds("local", NormalizedName("late"))


async def test_pages_stored_while_the_set_is_read_are_known(database: Database):
    await IndexAdmin(database, no_validation).ensure_defaults()
    async with database.write() as conn:
        await proxy_cache.put_page(
            conn, ProxyPageRecord("pypi", "old", 404, None, None, None, datetime.now(UTC))
        )
    stored = ProxyStored(database)
    reading = asyncio.ensure_future(stored.has_page("pypi", "old"))
    await asyncio.sleep(0)  # the read has started
    stored.page_stored("pypi", "new")  # this process stored it meanwhile
    assert await reading
    assert await stored.has_page("pypi", "new")
    assert not await stored.has_page("pypi", "never")
