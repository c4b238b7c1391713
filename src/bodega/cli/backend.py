"""What the CLI commands act on: the local data directory, or a server's admin API.

Both backends take the same calls and return the same JSON-ready values (the admin
API's), so a command prints the same whether it ran locally or remotely. Locally, the
CLI acts as a server admin: whoever can write the data directory owns the server anyway.
"""

from __future__ import annotations

import getpass
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any, Protocol

from bodega.auth.principal import Principal, Scope
from bodega.services.audit import AuditQuery, entry_json
from bodega.services.lifecycle import Selection
from bodega.services.views import index_view, token_view, user_view
from bodega.settings import Settings
from bodega.wiring import Services, open_services, prepare_storage


class Backend(Protocol):
    async def add_user(
        self, name: str, password: str, *, admin: bool, groups: list[str]
    ) -> dict[str, Any]: ...

    async def update_user(
        self,
        name: str,
        *,
        password: str | None,
        admin: bool | None,
        groups: list[str] | None,
    ) -> dict[str, Any]: ...

    async def list_users(self) -> list[dict[str, Any]]: ...

    async def create_token(
        self,
        user: str,
        *,
        scope: str,
        indexes: list[str],
        expires_at: datetime | None,
        description: str | None,
    ) -> dict[str, Any]:
        """The token's view plus its ``value`` (shown once)."""
        ...

    async def list_tokens(self, user: str | None) -> list[dict[str, Any]]: ...

    async def revoke_token(self, token_id: str) -> None: ...

    async def list_indexes(self) -> list[dict[str, Any]]: ...

    async def create_index(
        self, name: str, kind: str, config: dict[str, Any]
    ) -> dict[str, Any]: ...

    async def update_index(self, name: str, changes: dict[str, Any]) -> dict[str, Any]: ...

    async def yank(
        self, index: str, selection: Selection, *, yanked: bool, reason: str | None
    ) -> list[str]: ...

    async def delete(self, index: str, selection: Selection) -> list[str]: ...

    async def push(self, project: str, version: str, *, source: str, target: str) -> list[str]: ...

    async def audit(self, query: AuditQuery) -> list[dict[str, Any]]: ...


def cli_principal() -> Principal:
    """The local CLI acts as a server admin, named after the operating-system user."""
    try:
        who = getpass.getuser()
    except (KeyError, OSError):
        who = "unknown"
    return Principal(user=f"cli:{who}", is_admin=True)


class LocalBackend:
    """Runs the use cases directly on the data directory."""

    def __init__(self, services: Services) -> None:
        self._services = services
        self._principal = cli_principal()

    async def add_user(
        self, name: str, password: str, *, admin: bool, groups: list[str]
    ) -> dict[str, Any]:
        record = await self._services.accounts.add_user(
            name, password, is_admin=admin, groups=groups, principal=self._principal
        )
        return user_view(record)

    async def update_user(
        self,
        name: str,
        *,
        password: str | None,
        admin: bool | None,
        groups: list[str] | None,
    ) -> dict[str, Any]:
        record = await self._services.accounts.update_user(
            name, password=password, is_admin=admin, groups=groups, principal=self._principal
        )
        return user_view(record)

    async def list_users(self) -> list[dict[str, Any]]:
        records = await self._services.accounts.list_users(principal=self._principal)
        return [user_view(r) for r in records]

    async def create_token(
        self,
        user: str,
        *,
        scope: str,
        indexes: list[str],
        expires_at: datetime | None,
        description: str | None,
    ) -> dict[str, Any]:
        for name in indexes:
            self._services.registry.get(name)
        record, value = await self._services.accounts.create_token(
            user,
            scope=Scope(scope),
            indexes=tuple(indexes),
            expires_at=expires_at,
            description=description,
            principal=self._principal,
        )
        return {**token_view(record), "value": value}

    async def list_tokens(self, user: str | None) -> list[dict[str, Any]]:
        records = await self._services.accounts.list_tokens(user, principal=self._principal)
        return [token_view(r) for r in records]

    async def revoke_token(self, token_id: str) -> None:
        await self._services.accounts.revoke_token(token_id, principal=self._principal)

    async def list_indexes(self) -> list[dict[str, Any]]:
        return [index_view(r) for r in await self._services.index_admin.all()]

    async def create_index(self, name: str, kind: str, config: dict[str, Any]) -> dict[str, Any]:
        record = await self._services.index_admin.create(name, kind, config, self._principal)
        return index_view(record)

    async def update_index(self, name: str, changes: dict[str, Any]) -> dict[str, Any]:
        record = await self._services.index_admin.update(name, changes, self._principal)
        return index_view(record)

    async def yank(
        self, index: str, selection: Selection, *, yanked: bool, reason: str | None
    ) -> list[str]:
        return await self._services.lifecycle.yank(
            index, selection, yanked=yanked, reason=reason, principal=self._principal
        )

    async def delete(self, index: str, selection: Selection) -> list[str]:
        return await self._services.lifecycle.delete(index, selection, principal=self._principal)

    async def push(self, project: str, version: str, *, source: str, target: str) -> list[str]:
        return await self._services.lifecycle.push(
            project, version, source=source, target=target, principal=self._principal
        )

    async def audit(self, query: AuditQuery) -> list[dict[str, Any]]:
        entries = await self._services.audit.entries(query, self._principal)
        return [entry_json(c) for c in entries]


@asynccontextmanager
async def local_backend(settings: Settings) -> AsyncIterator[LocalBackend]:
    await prepare_storage(settings)
    async with open_services(settings, follow_changes=False) as services:
        yield LocalBackend(services)
