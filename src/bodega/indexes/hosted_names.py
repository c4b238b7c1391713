"""Which projects each hosted index holds, kept in memory.

Groups ask it on every page and file they resolve (dependency-confusion protection);
reading it from the store each time costs a database round trip on the proxy's cold
path. The sets are loaded on first use and dropped when a project is created or
deleted (wiring.py connects ``forget`` to the change feed).
"""

from __future__ import annotations

from packaging.utils import NormalizedName

from bodega.storage.meta import files
from bodega.storage.meta.database import Database


class HostedNames:
    def __init__(self, db: Database) -> None:
        self._db = db
        self._names: dict[str, frozenset[NormalizedName]] = {}

    async def holds(self, index_name: str, project: NormalizedName) -> bool:
        names = self._names.get(index_name)
        if names is None:
            async with self._db.read() as conn:
                names = frozenset(await files.project_names(conn, index_name))
            self._names[index_name] = names
        return project in names

    def forget(self, index_name: str | None = None) -> None:
        """Drop one index's set (None: every set)."""
        if index_name is None:
            self._names.clear()
        else:
            self._names.pop(index_name, None)
