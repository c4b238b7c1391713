"""``/api/users``: listing, creating and changing users."""

from __future__ import annotations

from aiohttp import web

from bodega.services.accounts import Accounts
from bodega.services.views import user_view
from bodega.web.auth import Access
from bodega.web.routes.admin.wire import json_response, read_body, signed_in


class UserRoutes:
    def __init__(self, accounts: Accounts, access: Access) -> None:
        self._accounts = accounts
        self._access = access

    async def list(self, request: web.BaseRequest, params: dict[str, str]) -> web.StreamResponse:
        """Every user (server admins)."""
        principal = await signed_in(self._access, request)
        records = await self._accounts.list_users(principal=principal)
        return json_response({"users": [user_view(r) for r in records]})

    async def create(self, request: web.BaseRequest, params: dict[str, str]) -> web.StreamResponse:
        """A new user (server admins); 201 with its view (never the password)."""
        principal = await signed_in(self._access, request)
        body = await read_body(request, ("name", "password", "admin", "groups"))
        name = body.need_text("name")
        created = await self._accounts.add_user(
            name,
            body.need_text("password"),
            is_admin=bool(body.flag("admin")),
            groups=body.texts("groups") or [],
            principal=principal,
            remote_addr=request.remote,
        )
        return json_response(user_view(created), status=201)

    async def update(self, request: web.BaseRequest, params: dict[str, str]) -> web.StreamResponse:
        """Change the password, admin flag or groups (absent or null: unchanged)."""
        principal = await signed_in(self._access, request)
        body = await read_body(request, ("password", "admin", "groups"))
        password = body.text("password")
        record = await self._accounts.update_user(
            params["name"],
            principal=principal,
            password=password,
            is_admin=body.flag("admin"),
            groups=body.texts("groups"),
            remote_addr=request.remote,
        )
        return json_response(user_view(record))
