"""The live set of indexes, built from their definitions in the metadata store."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from bodega.domain.errors import ConfigError, IndexNotFound
from bodega.domain.redact import redact_config
from bodega.indexes.base import Index
from bodega.storage.meta import indexes
from bodega.storage.meta.database import Database
from bodega.storage.meta.records import IndexRecord

# kind -> constructor(record, resolve member by name); wiring.py provides the concrete ones
IndexFactory = Callable[[IndexRecord, Callable[[str], Index]], Index]


class IndexRegistry:
    """Index objects by name; rebuilt when an index definition changes."""

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
        """Rebuild every index from the stored definitions.

        Raises:
            ConfigError: an unknown kind, a group naming a missing member, or a cycle.
        """
        async with self._db.read() as conn:
            records = await indexes.list_indexes(conn)
        self._indexes = build_all(records, self._factories)

    async def close(self) -> None:
        for index in self._indexes.values():
            close = getattr(index, "close", None)
            if close is not None:
                await close()


def build_all(
    records: list[IndexRecord], factories: Mapping[str, IndexFactory]
) -> dict[str, Index]:
    """Build indexes so that each group's members exist before the group."""
    by_name = {r.name: r for r in records}
    built: dict[str, Index] = {}
    building: set[str] = set()

    def resolve(name: str) -> Index:
        if name in built:
            return built[name]
        record = by_name.get(name)
        if record is None:
            raise ConfigError(f"an index refers to {name!r}, which does not exist")
        if name in building:
            raise ConfigError(f"index {name!r} is a member of itself (a cycle of groups)")
        factory = factories.get(record.kind)
        if factory is None:
            raise ConfigError(
                f"index {name!r} has unknown kind {record.kind!r}",
                hint=f"known kinds: {', '.join(sorted(factories))}",
            )
        building.add(name)
        try:
            built[name] = factory(record, resolve)
        except (ValueError, TypeError) as exc:  # a value of the wrong shape in the config
            raise ConfigError(f"index {name!r} has an invalid configuration: {exc}") from None
        building.discard(name)
        return built[name]

    for record in records:
        resolve(record.name)
    return built


def describe(index: Index) -> dict[str, Any]:
    """A JSON-ready summary of an index (credentials left out)."""
    return {"name": index.name, "kind": index.kind, "config": redact_config(index.config)}
