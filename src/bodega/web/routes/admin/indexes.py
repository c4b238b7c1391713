"""``/api/indexes``: listing, creating and configuring indexes."""

from __future__ import annotations

from aiohttp import web

from bodega.auth.policy import Permission, allows
from bodega.domain.errors import IndexNotFound, InvalidInput
from bodega.services.index_admin import IndexAdmin
from bodega.services.views import index_view
from bodega.web.auth import Access
from bodega.web.routes.admin.index_config import checked_config
from bodega.web.routes.admin.wire import json_response, read_body, signed_in


class IndexRoutes:
    def __init__(self, admin: IndexAdmin, access: Access) -> None:
        self._admin = admin
        self._access = access

    async def list(self, request: web.BaseRequest, params: dict[str, str]) -> web.StreamResponse:
        """The indexes the caller may read."""
        principal = await signed_in(self._access, request)
        visible = [
            index_view(r)
            for r in await self._admin.all()
            if allows(principal, Permission.READ, r.name, r.config)
        ]
        return json_response({"indexes": visible})

    async def get(self, request: web.BaseRequest, params: dict[str, str]) -> web.StreamResponse:
        """One index; an index the caller may not read is "not found"."""
        principal = await signed_in(self._access, request)
        name = params["name"]
        for record in await self._admin.all():
            if record.name == name and allows(principal, Permission.READ, name, record.config):
                return json_response(index_view(record))
        raise IndexNotFound(f"no index named {name!r}")

    async def create(self, request: web.BaseRequest, params: dict[str, str]) -> web.StreamResponse:
        """A new index (server admins); 201 with its view."""
        principal = await signed_in(self._access, request)
        body = await read_body(request, ("name", "kind", "config"))
        name, kind = body.need_text("name"), body.need_text("kind")
        config = checked_config(body.mapping("config") or {}, removals=False)
        record = await self._admin.create(name, kind, config, principal, request.remote)
        return json_response(index_view(record), status=201)

    async def update(self, request: web.BaseRequest, params: dict[str, str]) -> web.StreamResponse:
        """Merge the body's ``config`` into the index's (a null value removes a key)."""
        principal = await signed_in(self._access, request)
        body = await read_body(request, ("config",))
        changes = checked_config(body.need_mapping("config"), removals=True)
        if not changes:
            raise InvalidInput("body field 'config' has no changes")
        record = await self._admin.update(params["name"], changes, principal, request.remote)
        return json_response(index_view(record))
