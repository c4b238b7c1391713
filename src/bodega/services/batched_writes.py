"""Small bookkeeping writes, committed together: one transaction for many.

A cold proxy records every page it refreshed and every file and metadata file it
fetched. One transaction each (a trip through the driver's thread per statement, a
commit, and a change-feed catch-up after it) cost more CPU than the fetches themselves.
Queued here, the writes that arrive while one batch commits go together in the next.

A batch also waits a moment (``GATHER``) before it starts. The writes come after an
answer (a page refreshed, a file fetched); the first ones would otherwise run on the
event loop between the handler and its response, and each trip of theirs to the
database's thread lets the loop pick up more of that work before the answer is sent.
Waiting lets the answers go out first and more writes join the batch.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncConnection

from bodega.storage.meta.database import Database

log = logging.getLogger(__name__)
Work = Callable[[AsyncConnection], Awaitable[None]]
_MAX_BATCH = 128
_CLOSE_WAIT = 10.0
# seconds a batch waits for company; a crash meanwhile loses at most this much
# bookkeeping, which costs one more upstream request per page or file
GATHER = 0.01


@dataclass(slots=True)
class _Queued:
    work: Work
    announce: bool
    done: asyncio.Future[None]


class BatchedWrites:
    def __init__(
        self, db: Database, announce: Callable[[], Awaitable[None]], *, gather: float = GATHER
    ) -> None:
        """``announce`` tells the change feed about a commit (``ChangeFeed.committed``);
        ``gather``: seconds the first write waits for others to join its batch."""
        self._db = db
        self._announce = announce
        self._gather = gather
        self._queue: list[_Queued] = []
        self._task: asyncio.Task[None] | None = None

    async def run(self, work: Work, *, announce: bool) -> None:
        """Run ``work`` in a write transaction, maybe shared with other queued work, and
        return once it is committed. ``announce``: the work appends to the change log,
        so the change feed is told after the commit (before this returns).

        A unit whose work raises runs again alone, in its own transaction, so it does not
        take the others down; then its error is raised here.
        """
        done = asyncio.get_running_loop().create_future()
        self._queue.append(_Queued(work, announce, done))
        if self._task is None:
            self._task = asyncio.create_task(self._drain(), name="bodega-batched-writes")
        # the work is queued and will run: a caller that goes away does not undo it
        try:
            await asyncio.shield(done)
        except asyncio.CancelledError:
            # nobody is left to hear how it went: a failure goes to the log
            done.add_done_callback(_log_failure)
            raise

    async def close(self, grace: float = _CLOSE_WAIT) -> None:
        """Wait (up to ``grace`` seconds) for what is queued to be written, then cancel
        the rest: the open transaction rolls back and its callers get CancelledError."""
        task = self._task
        if task is None:
            return
        await asyncio.wait([task], timeout=grace)
        if not task.done():
            task.cancel()
            await asyncio.wait([task])

    async def _drain(self) -> None:
        batch: list[_Queued] = []
        try:
            if self._gather > 0:
                await asyncio.sleep(self._gather)
            while self._queue:
                batch = self._queue[:_MAX_BATCH]
                del self._queue[:_MAX_BATCH]
                errors = await self._commit(batch)
                if any(unit.announce for unit in batch):
                    try:
                        await self._announce()
                    except Exception:
                        log.exception("reading the change log after a write failed")
                for unit, error in zip(batch, errors, strict=True):
                    if error is None:
                        unit.done.set_result(None)
                    else:
                        unit.done.set_exception(error)
                batch = []
        except BaseException:
            # cancelled (the server stops): whoever waits learns it
            for unit in [*batch, *self._queue]:
                if not unit.done.done():
                    unit.done.cancel()
            self._queue.clear()
            raise
        finally:
            self._task = None

    async def _commit(self, batch: list[_Queued]) -> list[BaseException | None]:
        """Each unit's error (None: committed)."""
        try:
            async with self._db.write() as conn:
                for unit in batch:
                    await unit.work(conn)
            return [None] * len(batch)
        except Exception as exc:
            if len(batch) == 1:
                return [exc]
        # one unit failed, and with it the transaction: each one alone now
        errors: list[BaseException | None] = []
        for unit in batch:
            try:
                async with self._db.write() as conn:
                    await unit.work(conn)
                errors.append(None)
            except Exception as exc:
                errors.append(exc)
        return errors


def _log_failure(done: asyncio.Future[None]) -> None:
    if not done.cancelled() and done.exception() is not None:
        log.error("a write whose caller went away failed", exc_info=done.exception())
