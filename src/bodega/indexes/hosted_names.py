"""Which projects each hosted index holds, kept in memory.

Groups ask it on every page and file they resolve (dependency-confusion protection);
reading it from the store each time costs a database round trip on the proxy's cold
path. The sets are loaded on first use (once, however many requests ask at the same
time) and dropped when a project is created or deleted (wiring.py connects ``forget`` to
the change feed).
"""

from __future__ import annotations

import asyncio

from packaging.utils import NormalizedName

from bodega.storage.meta import files
from bodega.storage.meta.database import Database


class HostedNames:
    def __init__(self, db: Database) -> None:
        self._db = db
        self._names: dict[str, frozenset[NormalizedName]] = {}
        self._loading: dict[str, asyncio.Task[frozenset[NormalizedName]]] = {}

    async def holds(self, index_name: str, project: NormalizedName) -> bool:
        names = self._names.get(index_name)
        if names is None:
            # a cold proxy gets dozens of requests at once: one query answers them all
            task = self._loading.get(index_name)
            if task is None:
                task = asyncio.ensure_future(self._load(index_name))
                self._loading[index_name] = task
                task.add_done_callback(lambda done: self._loaded(index_name, done))
            names = await asyncio.shield(task)
        return project in names

    async def _load(self, index_name: str) -> frozenset[NormalizedName]:
        async with self._db.read() as conn:
            return frozenset(await files.project_names(conn, index_name))

    def _loaded(self, index_name: str, task: asyncio.Task[frozenset[NormalizedName]]) -> None:
        if self._loading.get(index_name) is not task:
            return  # forgotten while loading: the set may be out of date
        del self._loading[index_name]
        if not task.cancelled() and task.exception() is None:
            self._names[index_name] = task.result()

    def forget(self, index_name: str | None = None) -> None:
        """Drop one index's set (None: every set), and any load in flight."""
        if index_name is None:
            self._names.clear()
            self._loading.clear()
        else:
            self._names.pop(index_name, None)
            self._loading.pop(index_name, None)
