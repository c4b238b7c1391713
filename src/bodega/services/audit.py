"""Reading the audit log: the change log, filtered. Nothing can edit or erase it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bodega.auth.principal import Principal
from bodega.domain.errors import Forbidden, InvalidInput
from bodega.storage.meta import changes
from bodega.storage.meta.database import Database
from bodega.storage.meta.records import Change

MAX_LIMIT = 10_000


@dataclass(frozen=True, slots=True)
class AuditQuery:
    index_name: str | None = None
    project: str | None = None
    action: str | None = None
    actor: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    after_serial: int = 0
    limit: int = 1000

    def checked(self) -> AuditQuery:
        """Raises InvalidInput for a limit out of range or a naive timestamp."""
        if not 1 <= self.limit <= MAX_LIMIT:
            raise InvalidInput(f"limit must be 1-{MAX_LIMIT}, got {self.limit}")
        for value in (self.since, self.until):
            if value is not None and value.tzinfo is None:
                raise InvalidInput(f"timestamp {value.isoformat()} needs a time zone")
        return self


class AuditLog:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def entries(self, query: AuditQuery, principal: Principal) -> list[Change]:
        """The entries matching ``query``.

        Raises:
            Forbidden: not a server admin (the log names every actor and address).
            InvalidInput: a malformed query.
        """
        if not principal.is_server_admin:
            raise Forbidden(
                f"{principal.actor} may not read the audit log", hint="this needs a server admin"
            )
        query = query.checked()
        async with self._db.read() as conn:
            return await changes.search(
                conn,
                index_name=query.index_name,
                project=query.project,
                action=query.action,
                actor=query.actor,
                since=query.since,
                until=query.until,
                after_serial=query.after_serial,
                limit=query.limit,
            )


def entry_json(change: Change) -> dict[str, Any]:
    """One audit entry as JSON-ready values."""
    return {
        "serial": change.serial,
        "at": change.at.isoformat(),
        "action": change.action,
        "index": change.index_name,
        "project": change.project,
        "actor": change.actor,
        "remote_addr": change.remote_addr,
        "detail": change.detail,
    }
