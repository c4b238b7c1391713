"""The live set of indexes, built from their definitions in the metadata store."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from bodega.domain.errors import ConfigError, IndexNotFound
from bodega.indexes.base import Index
from bodega.storage.meta import indexes
from bodega.storage.meta.database import Database
from bodega.storage.meta.records import IndexRecord

# kind -> constructor(record, registry) ; wiring.py provides the concrete ones
IndexFactory = Callable[[IndexRecord], Index]


class IndexRegistry:
    """Index objects by name; reloaded when an index definition changes."""

    def __init__(self, db: Database, factories: Mapping[str, IndexFactory]) -> None:
        self._db = db
        self._factories = factories
        self._indexes: dict[str, Index] = {}

    def get(self, name: str) -> Index:
        """Raises IndexNotFound when no index has that name."""
        try:
            return self._indexes[name]
        except KeyError:
            raise IndexNotFound(f"no index named {name!r}") from None

    def names(self) -> list[str]:
        return sorted(self._indexes)

    def all(self) -> list[Index]:
        return [self._indexes[n] for n in sorted(self._indexes)]

    async def reload(self) -> None:
        """Rebuild every index from the stored definitions."""
        async with self._db.read() as conn:
            records = await indexes.list_indexes(conn)
        self._indexes = {r.name: self._build(r) for r in records}

    def _build(self, record: IndexRecord) -> Index:
        factory = self._factories.get(record.kind)
        if factory is None:
            raise ConfigError(
                f"index {record.name!r} has unknown kind {record.kind!r}",
                hint=f"known kinds: {', '.join(sorted(self._factories))}",
            )
        return factory(record)


def describe(index: Index) -> dict[str, Any]:
    """A JSON-ready summary of an index."""
    return {"name": index.name, "kind": index.kind, "config": dict(index.config)}
