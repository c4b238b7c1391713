"""Server and index information: ``/``, ``/<index>/`` and ``/healthz``."""

from __future__ import annotations

import orjson
from aiohttp import web
from sqlalchemy import text

from bodega import __version__
from bodega.auth.policy import Permission, allows
from bodega.domain.errors import IndexNotFound
from bodega.indexes.registry import IndexRegistry, describe
from bodega.storage.meta.database import Database
from bodega.web.auth import Access


def _json(document: object, status: int = 200) -> web.Response:
    return web.Response(body=orjson.dumps(document), status=status, content_type="application/json")


class InfoRoutes:
    def __init__(
        self, registry: IndexRegistry, db: Database, access: Access, default_index: str
    ) -> None:
        self._registry = registry
        self._db = db
        self._access = access
        self._default = default_index

    async def server(self, request: web.BaseRequest, params: dict[str, str]) -> web.StreamResponse:
        """The indexes the caller may read."""
        principal = await self._access.principal(request)
        readable = [
            describe(i)
            for i in self._registry.all()
            if allows(principal, Permission.READ, i.name, i.config)
        ]
        return _json({"bodega": __version__, "default_index": self._default, "indexes": readable})

    async def index(self, request: web.BaseRequest, params: dict[str, str]) -> web.StreamResponse:
        name = params["index"]
        index = self._registry.get(name)
        await self._access.require(
            request, index, Permission.READ, lambda: IndexNotFound(f"no index named {name!r}")
        )
        return _json(describe(index))

    async def health(self, request: web.BaseRequest, params: dict[str, str]) -> web.StreamResponse:
        try:
            async with self._db.read() as conn:
                await conn.execute(text("SELECT 1"))
        except Exception as exc:
            return _json({"status": "error", "database": repr(exc)}, status=503)
        return _json({"status": "ok"})
