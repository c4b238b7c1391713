"""Bookkeeping writes committed together: fewer transactions, and one failure stays one."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

import pytest
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncConnection

from bodega.services.batched_writes import BatchedWrites
from bodega.services.index_admin import IndexAdmin
from bodega.storage.meta import proxy_cache
from bodega.storage.meta.database import Database
from bodega.storage.meta.records import ProxyPageRecord
from tests.component.test_metadata_store import no_validation


def _page(project: str) -> ProxyPageRecord:
    return ProxyPageRecord("pypi", project, 404, None, None, None, datetime.now(UTC))


class Announcements:
    def __init__(self) -> None:
        self.count = 0

    async def __call__(self) -> None:
        self.count += 1


@pytest.fixture
async def store(database: Database) -> Database:
    await IndexAdmin(database, no_validation).ensure_defaults()
    return database


async def _stored_pages(db: Database) -> set[str]:
    async with db.read() as conn:
        rows = await conn.execute(text("SELECT project FROM proxy_pages"))
        return {row[0] for row in rows}


async def test_concurrent_writes_share_transactions(store: Database):
    commits: list[object] = []
    event.listen(store.engine.sync_engine, "commit", commits.append)
    announced = Announcements()
    batched = BatchedWrites(store, announced)
    projects = [f"p{i}" for i in range(40)]

    def put(project: str):
        return lambda conn: proxy_cache.put_page(conn, _page(project))

    await asyncio.gather(*(batched.run(put(p), announce=False) for p in projects))
    assert await _stored_pages(store) == set(projects)
    # the first write goes alone, the 39 queued meanwhile go together
    assert len(commits) <= 2
    assert announced.count == 0
    await batched.run(put("one-more"), announce=True)
    assert announced.count == 1


async def test_a_write_waits_a_moment_for_others_to_join_it(store: Database):
    # writes that come one after another (each after its own answer) within the gathering
    # time share one transaction; with no gathering time, each goes alone
    commits: list[object] = []
    event.listen(store.engine.sync_engine, "commit", commits.append)
    for gather, expected_commits in ((0.2, 1), (0.0, 3)):
        commits.clear()
        batched = BatchedWrites(store, Announcements(), gather=gather)
        writes = []
        for i in range(3):
            project = f"g{gather}-{i}"
            writes.append(
                asyncio.ensure_future(
                    batched.run(
                        lambda conn, p=project: proxy_cache.put_page(conn, _page(p)), announce=False
                    )
                )
            )
            await asyncio.sleep(0.02)
        await asyncio.gather(*writes)
        assert len(commits) == expected_commits
    assert {p for p in await _stored_pages(store) if p.startswith("g")} == {
        "g0.2-0",
        "g0.2-1",
        "g0.2-2",
        "g0.0-0",
        "g0.0-1",
        "g0.0-2",
    }


async def test_a_failing_write_fails_alone(store: Database):
    announced = Announcements()
    batched = BatchedWrites(store, announced)

    async def broken(conn: AsyncConnection) -> None:
        await proxy_cache.put_page(conn, _page("broken"))
        await conn.execute(text("SELECT * FROM no_such_table"))

    def good(project: str):
        return lambda conn: proxy_cache.put_page(conn, _page(project))

    results = await asyncio.gather(
        batched.run(good("a"), announce=True),
        batched.run(good("b"), announce=False),
        batched.run(broken, announce=False),
        batched.run(good("c"), announce=False),
        return_exceptions=True,
    )
    assert results[:2] + results[3:] == [None, None, None]
    assert isinstance(results[2], Exception)
    # the others were committed; the broken one's transaction was rolled back
    assert await _stored_pages(store) == {"a", "b", "c"}
    assert announced.count == 1


async def test_a_caller_that_goes_away_does_not_undo_its_write(store: Database):
    batched = BatchedWrites(store, Announcements())
    blocker = asyncio.Event()

    async def slow(conn: AsyncConnection) -> None:
        await blocker.wait()
        await proxy_cache.put_page(conn, _page("slow"))

    first = asyncio.ensure_future(batched.run(slow, announce=False))
    queued = asyncio.ensure_future(
        batched.run(lambda conn: proxy_cache.put_page(conn, _page("queued")), announce=False)
    )
    await asyncio.sleep(0.05)
    queued.cancel()
    blocker.set()
    await first
    await batched.close()
    assert await _stored_pages(store) == {"slow", "queued"}


async def test_a_failed_write_whose_caller_went_away_is_logged(
    store: Database, caplog: pytest.LogCaptureFixture
):
    batched = BatchedWrites(store, Announcements())

    async def broken(conn: AsyncConnection) -> None:
        await conn.execute(text("SELECT * FROM no_such_table"))

    caller = asyncio.ensure_future(batched.run(broken, announce=False))
    await asyncio.sleep(0)
    caller.cancel()
    with caplog.at_level(logging.ERROR, logger="bodega.services.batched_writes"):
        await batched.close()
        await asyncio.sleep(0)
    assert caller.cancelled()
    (record,) = [r for r in caplog.records if r.name == "bodega.services.batched_writes"]
    assert "caller went away failed" in record.getMessage()
    assert record.exc_info is not None
    assert "no_such_table" in str(record.exc_info[1])


def test_writes_in_flight_when_the_server_stops_leave_nothing_half_done(tmp_path):
    # the server stops while one batch's transaction is open and another unit waits for
    # it: shutdown does not hang, nothing of either is committed, no connection is left
    # open, and the store takes writes again afterwards
    url = f"sqlite+aiosqlite:///{tmp_path / 'meta.sqlite3'}"
    started = asyncio.Event()
    callers: list[asyncio.Future[None]] = []

    async def serve_then_stop() -> None:
        db = Database(url)
        await db.migrate()
        await IndexAdmin(db, no_validation).ensure_defaults()
        batched = BatchedWrites(db, Announcements())

        async def stuck(conn: AsyncConnection) -> None:
            await proxy_cache.put_page(conn, _page("in-flight"))
            started.set()
            await asyncio.Event().wait()  # never set: the loop stops meanwhile

        def put(project: str):
            return lambda conn: proxy_cache.put_page(conn, _page(project))

        callers.append(asyncio.ensure_future(batched.run(stuck, announce=False)))
        await started.wait()
        callers.append(asyncio.ensure_future(batched.run(put("queued"), announce=True)))
        await asyncio.sleep(0.05)
        # the server's shutdown: queued writes get a while, then the rest is cancelled
        await batched.close(grace=0.1)
        await asyncio.wait(callers, timeout=1)
        # no caller was told that its write was committed
        assert all(caller.cancelled() for caller in callers)
        await db.close()

    asyncio.run(asyncio.wait_for(serve_then_stop(), 10))

    async def after_restart() -> set[str]:
        db = Database(url)
        try:
            await BatchedWrites(db, Announcements()).run(
                lambda conn: proxy_cache.put_page(conn, _page("later")), announce=False
            )
            return await _stored_pages(db)
        finally:
            await db.close()

    assert asyncio.run(after_restart()) == {"later"}
