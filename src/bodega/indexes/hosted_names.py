"""Which projects each hosted index holds, kept in memory.

Groups ask it on every page and file they resolve (dependency-confusion protection);
reading it from the store each time costs a database round trip on the proxy's cold
path. The sets are loaded on first use (once, however many requests ask at the same
time) and dropped when a project is created or deleted (wiring.py connects ``forget`` to
the change feed).
"""

from __future__ import annotations

from packaging.utils import NormalizedName

from bodega.indexes.name_sets import NameSets
from bodega.storage.meta import files
from bodega.storage.meta.database import Database


class HostedNames:
    def __init__(self, db: Database) -> None:
        self._db = db
        self._sets = NameSets(self._load)

    async def holds(self, index_name: str, project: NormalizedName) -> bool:
        return await self._sets.contains(index_name, project)

    async def _load(self, index_name: str) -> list[NormalizedName]:
        async with self._db.read() as conn:
            return await files.project_names(conn, index_name)

    def forget(self, index_name: str | None = None) -> None:
        """Drop one index's set (None: every set), and any load in flight."""
        self._sets.forget(index_name)
