"""The admin API: JSON over HTTP for indexes, users, tokens, release lifecycle and the
audit log, described by ``GET /api/openapi.json``.

Every route but the document needs HTTP Basic credentials; the use cases in
``bodega.services`` decide what the principal may do, exactly as for the local CLI.
"""

from __future__ import annotations

from aiohttp import web

from bodega import __version__
from bodega.web.auth import Access
from bodega.web.openapi import openapi_document
from bodega.web.router import Handler
from bodega.web.routes.admin.audit import AuditRoutes
from bodega.web.routes.admin.indexes import IndexRoutes
from bodega.web.routes.admin.releases import ReleaseRoutes
from bodega.web.routes.admin.tokens import TokenRoutes
from bodega.web.routes.admin.users import UserRoutes
from bodega.web.routes.admin.wire import json_response
from bodega.wiring import Services

Route = tuple[str, str, Handler]


def admin_routes(services: Services, access: Access) -> list[Route]:
    """(method, pattern, handler) of every ``/api/`` route."""
    indexes = IndexRoutes(services.index_admin, access)
    users = UserRoutes(services.accounts, access)
    tokens = TokenRoutes(services.accounts, services.registry, access)
    releases = ReleaseRoutes(services.lifecycle, access)
    audit = AuditRoutes(services.audit, access)
    document = DocumentRoute()
    return [
        ("GET", "/api/openapi.json", document.openapi),
        ("GET", "/api/indexes", indexes.list),
        ("POST", "/api/indexes", indexes.create),
        ("GET", "/api/indexes/{name}", indexes.get),
        ("PATCH", "/api/indexes/{name}", indexes.update),
        ("POST", "/api/indexes/{name}/yank", releases.yank),
        ("POST", "/api/indexes/{name}/unyank", releases.unyank),
        ("POST", "/api/indexes/{name}/delete", releases.delete),
        ("POST", "/api/push", releases.push),
        ("GET", "/api/users", users.list),
        ("POST", "/api/users", users.create),
        ("PATCH", "/api/users/{name}", users.update),
        ("GET", "/api/tokens", tokens.list),
        ("POST", "/api/tokens", tokens.create),
        ("DELETE", "/api/tokens/{id}", tokens.revoke),
        ("GET", "/api/audit", audit.entries),
    ]


class DocumentRoute:
    """``GET /api/openapi.json``: the API's description; public, like the API's shape."""

    def __init__(self) -> None:
        self._document = openapi_document(__version__)

    async def openapi(self, request: web.BaseRequest, params: dict[str, str]) -> web.StreamResponse:
        """The OpenAPI 3.1 document; no credentials needed."""
        return json_response(self._document)
