"""Creating, changing and listing indexes, and the set every installation starts with."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy.exc import IntegrityError

from bodega.auth.policy import Permission, allows
from bodega.auth.principal import Principal
from bodega.domain.errors import (
    BodegaError,
    ConfigError,
    Conflict,
    Forbidden,
    IndexNotFound,
    InvalidInput,
)
from bodega.domain.names import validate_index_name
from bodega.services.changes import ChangeFeed
from bodega.services.views import public_config
from bodega.storage.meta import changes, indexes
from bodega.storage.meta.database import Database, utcnow
from bodega.storage.meta.records import IndexRecord

KINDS = ("hosted", "proxy", "group")
# what a new installation starts with: /simple/ answers for "root"
DEFAULT_INDEXES: tuple[tuple[str, str, dict[str, Any]], ...] = (
    ("local", "hosted", {"uploaders": [":authenticated:"]}),
    ("pypi", "proxy", {"upstream": "pip-config"}),
    ("root", "group", {"members": ["local", "pypi"]}),
)
# checks a complete set of definitions (builds them); raises BodegaError when one is bad
Validator = Callable[[list[IndexRecord]], None]


class IndexAdmin:
    def __init__(self, db: Database, validate: Validator, feed: ChangeFeed | None = None) -> None:
        self._db = db
        self._validate = validate
        self._feed = feed

    async def create(
        self,
        name: str,
        kind: str,
        config: dict[str, Any],
        principal: Principal,
        remote_addr: str | None = None,
    ) -> IndexRecord:
        """Raises Forbidden (not a server admin), InvalidName, InvalidInput (unknown
        kind), ConfigError (bad config) or Conflict (name taken)."""
        if not principal.is_server_admin:
            raise Forbidden(f"{principal.actor} may not create indexes")
        validate_index_name(name)
        if kind not in KINDS:
            raise InvalidInput(f"unknown index kind {kind!r}", hint=f"kinds: {', '.join(KINDS)}")
        try:
            async with self._db.write() as conn:
                existing = await indexes.list_indexes(conn)
                if any(r.name == name for r in existing):
                    raise Conflict(f"index {name!r} exists already")
                self._check([*existing, IndexRecord(name, kind, config, utcnow())])
                record = await indexes.create_index(conn, name, kind, config)
                await changes.append(
                    conn,
                    action="index-create",
                    index_name=name,
                    actor=principal.actor,
                    remote_addr=remote_addr,
                    detail={"kind": kind, "config": public_config(config)},
                )
        except IntegrityError:
            raise Conflict(f"index {name!r} exists already") from None
        await self._committed()
        return record

    async def update(
        self,
        name: str,
        changes_: Mapping[str, Any],
        principal: Principal,
        remote_addr: str | None = None,
    ) -> IndexRecord:
        """Merge ``changes_`` into the index's config (a None value removes a key).

        Raises IndexNotFound, Forbidden (not an admin of the index), InvalidInput (no
        change given) or ConfigError.
        """
        if not changes_:
            raise InvalidInput("nothing to change")
        async with self._db.write() as conn:
            existing = await indexes.list_indexes(conn)
            current = next((r for r in existing if r.name == name), None)
            if current is None or not allows(principal, Permission.READ, name, current.config):
                raise IndexNotFound(f"no index named {name!r}")
            if not allows(principal, Permission.ADMIN, name, current.config):
                raise Forbidden(f"{principal.actor} may not change index {name!r}")
            config = {**current.config, **changes_}
            config = {k: v for k, v in config.items() if v is not None}
            updated = IndexRecord(name, current.kind, config, current.created_at)
            self._check([updated if r.name == name else r for r in existing])
            await indexes.update_config(conn, name, config)
            await changes.append(
                conn,
                action="index-update",
                index_name=name,
                actor=principal.actor,
                remote_addr=remote_addr,
                detail={"config": public_config(config)},
            )
        await self._committed()
        return updated

    async def all(self) -> list[IndexRecord]:
        async with self._db.read() as conn:
            return await indexes.list_indexes(conn)

    async def ensure_defaults(self) -> None:
        """Create the default indexes on a store that has none yet."""
        async with self._db.write() as conn:
            if await indexes.list_indexes(conn):
                return
            for name, kind, config in DEFAULT_INDEXES:
                await indexes.create_index(conn, name, kind, config)
                await changes.append(
                    conn,
                    action="index-create",
                    index_name=name,
                    actor="bodega",
                    detail={"kind": kind, "config": config},
                )

    async def apply(
        self, definitions: Mapping[str, Mapping[str, Any]], principal: Principal
    ) -> None:
        """Make the stored indexes match ``definitions`` (from the config file)."""
        current = {r.name: r for r in await self.all()}
        for name, definition in definitions.items():
            kind = definition.get("kind", "hosted")
            config = {k: v for k, v in definition.items() if k != "kind"}
            record = current.get(name)
            if record is None:
                await self.create(name, kind, config, principal)
            elif record.kind != kind:
                raise ConfigError(
                    f"index {name!r} is {record.kind} in the store but {kind} in the config file",
                    hint="an index cannot change kind; use a new name",
                )
            elif record.config != config:
                removed = {k: None for k in record.config if k not in config}
                await self.update(name, {**removed, **config}, principal)

    def _check(self, records: list[IndexRecord]) -> None:
        try:
            self._validate(records)
        except BodegaError as exc:
            raise ConfigError(exc.message, hint=exc.hint) from None
        except (ValueError, TypeError) as exc:  # a value of the wrong shape in the config
            raise ConfigError(f"invalid index configuration: {exc}") from None

    async def _committed(self) -> None:
        if self._feed is not None:
            await self._feed.committed()
