"""``/api/tokens``: listing, creating and revoking API tokens.

A created token's value is in the creation response and nowhere else: it is never
stored, logged or shown again.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from aiohttp import web

from bodega.auth.principal import Scope
from bodega.domain.errors import InvalidInput
from bodega.indexes.registry import IndexRegistry
from bodega.services.accounts import Accounts
from bodega.services.views import token_view
from bodega.web.auth import Access
from bodega.web.routes.admin.wire import Fields, json_response, read_body, read_query, signed_in

MAX_DAYS = 36_500
_FIELDS = ("user", "scope", "indexes", "expires_at", "expires_in_days", "description")


class TokenRoutes:
    def __init__(self, accounts: Accounts, registry: IndexRegistry, access: Access) -> None:
        self._accounts = accounts
        self._registry = registry
        self._access = access

    async def list(self, request: web.BaseRequest, params: dict[str, str]) -> web.StreamResponse:
        """One user's tokens (``?user=``), or everyone's (server admins only)."""
        principal = await signed_in(self._access, request)
        user = read_query(request, ("user",)).text("user")
        records = await self._accounts.list_tokens(user, principal=principal)
        return json_response({"tokens": [token_view(r) for r in records]})

    async def create(self, request: web.BaseRequest, params: dict[str, str]) -> web.StreamResponse:
        """A new token; 201 with its view and, this once, its value."""
        principal = await signed_in(self._access, request)
        body = await read_body(request, _FIELDS)
        scope = _scope(body.need_text("scope"))
        indexes = body.need_texts("indexes")
        for name in indexes:
            self._registry.get(name)  # raises IndexNotFound
        record, value = await self._accounts.create_token(
            body.need_text("user"),
            scope=scope,
            indexes=tuple(indexes),
            expires_at=_expiry(body),
            description=body.text("description"),
            principal=principal,
            remote_addr=request.remote,
        )
        response = json_response({**token_view(record), "value": value}, status=201)
        response.headers["Cache-Control"] = "no-store"
        return response

    async def revoke(self, request: web.BaseRequest, params: dict[str, str]) -> web.StreamResponse:
        """Revoke a token (its owner or a server admin); 204."""
        principal = await signed_in(self._access, request)
        await self._accounts.revoke_token(
            params["id"], principal=principal, remote_addr=request.remote
        )
        return web.Response(status=204)


def _scope(value: str) -> Scope:
    try:
        return Scope(value)
    except ValueError:
        choices = ", ".join(s.value for s in Scope)
        raise InvalidInput(f"body field 'scope' must be one of {choices}, got {value!r}") from None


def _expiry(body: Fields) -> datetime | None:
    """From ``expires_at`` (ISO 8601 with a zone) or ``expires_in_days``; at most one."""
    at, days = body.timestamp("expires_at"), body.integer("expires_in_days")
    if at is not None and days is not None:
        raise InvalidInput("give body field 'expires_at' or 'expires_in_days', not both")
    now = datetime.now(UTC)
    if days is not None:
        if not 1 <= days <= MAX_DAYS:
            raise InvalidInput(f"body field 'expires_in_days' must be 1-{MAX_DAYS}, got {days}")
        return now + timedelta(days=days)
    if at is not None and at <= now:
        raise InvalidInput(f"body field 'expires_at' {at.isoformat()} is in the past")
    return at
