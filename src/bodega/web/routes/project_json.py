"""The JSON project API: ``/<index>/pypi/<project>/json`` and ``.../<version>/json``."""

from __future__ import annotations

import orjson
from aiohttp import web

from bodega.auth.policy import Permission
from bodega.domain.errors import ProjectNotFound
from bodega.indexes.registry import IndexRegistry
from bodega.web.auth import Access
from bodega.web.routes.names import project_from_url


class ProjectJsonRoutes:
    def __init__(self, registry: IndexRegistry, access: Access, default_index: str) -> None:
        self._registry = registry
        self._access = access
        self._default = default_index

    async def project(self, request: web.BaseRequest, params: dict[str, str]) -> web.StreamResponse:
        raw = params["project"]
        project = project_from_url(raw)
        if project != raw:
            suffix = f"{params['version']}/json" if "version" in params else "json"
            up = "../../" if "version" in params else "../"
            raise web.HTTPMovedPermanently(f"{up}{project}/{suffix}")
        index = self._registry.get(params.get("index", self._default))
        await self._access.require(
            request, index, Permission.READ, lambda: ProjectNotFound(f"no project {project!r} here")
        )
        base = f"{request.scheme}://{request.host}/"
        document = await index.project_json(project, params.get("version"), base)
        return web.Response(
            body=orjson.dumps(document),
            content_type="application/json",
            headers={"Cache-Control": "max-age=0, must-revalidate, public"},
        )
