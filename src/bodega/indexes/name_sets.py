"""Sets of names per index, read from the store once and then kept in memory.

The cold paths ask them on every request (does the hosted index have this project? has
the proxy stored a page for it?); one query per index answers every request after it,
and every request that came while it ran.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable

Loader = Callable[[str], Awaitable[Iterable[str]]]


class NameSets:
    def __init__(self, load: Loader) -> None:
        self._load = load
        self._sets: dict[str, set[str]] = {}
        self._loading: dict[str, asyncio.Task[set[str]]] = {}
        # names added while their index's set was being read: the read may miss them
        self._added: dict[str, set[str]] = {}

    async def contains(self, index_name: str, name: str) -> bool:
        names = self._sets.get(index_name)
        if names is None:
            task = self._loading.get(index_name)
            if task is None:
                task = asyncio.ensure_future(self._read(index_name))
                self._loading[index_name] = task
                task.add_done_callback(lambda done: self._loaded(index_name, done))
            names = await asyncio.shield(task)
        return name in names

    async def _read(self, index_name: str) -> set[str]:
        return set(await self._load(index_name))

    def _loaded(self, index_name: str, task: asyncio.Task[set[str]]) -> None:
        if self._loading.get(index_name) is not task:
            return  # forgotten while loading: the set may be out of date
        del self._loading[index_name]
        added = self._added.pop(index_name, set())
        if not task.cancelled() and task.exception() is None:
            task.result().update(added)
            self._sets[index_name] = task.result()

    def add(self, index_name: str, name: str) -> None:
        """Note a name this process just stored."""
        names = self._sets.get(index_name)
        if names is not None:
            names.add(name)
        elif index_name in self._loading:
            self._added.setdefault(index_name, set()).add(name)

    def forget(self, index_name: str | None = None) -> None:
        """Drop one index's set (None: every set), and any read in flight."""
        if index_name is None:
            self._sets.clear()
            self._loading.clear()
            self._added.clear()
        else:
            self._sets.pop(index_name, None)
            self._loading.pop(index_name, None)
            self._added.pop(index_name, None)
