"""Simple repository API pages: ``/<index>/simple/`` and ``/<index>/simple/<project>/``.

``/simple/...`` answers for the default index. These handlers are the hot path: a page
comes from memory, and the work per request is a route match, a cache lookup and the
negotiation of format and encoding.
"""

from __future__ import annotations

from aiohttp import web

from bodega.auth.policy import Permission
from bodega.domain.errors import IndexNotFound, ProjectNotFound
from bodega.indexes.registry import IndexRegistry
from bodega.services.serving import Pages
from bodega.simple.negotiation import choose_format
from bodega.web.auth import Access
from bodega.web.responses import page_response
from bodega.web.routes.names import project_from_url

# the ../ chain from a project page back to the server root
_BASE_DEFAULT = "../../"  # /simple/<project>/
_BASE_INDEX = "../../../"  # /<index>/simple/<project>/


class SimpleRoutes:
    def __init__(
        self, pages: Pages, registry: IndexRegistry, access: Access, default_index: str
    ) -> None:
        self._pages = pages
        self._registry = registry
        self._access = access
        self._default = default_index

    async def root(self, request: web.BaseRequest, params: dict[str, str]) -> web.StreamResponse:
        name = params.get("index", self._default)
        index = self._registry.get(name)
        await self._access.require(
            request, index, Permission.READ, lambda: IndexNotFound(f"no index named {name!r}")
        )
        fmt = choose_format(request.headers.get("Accept"), _format_param(request))
        page = await self._pages.root(name, fmt)
        return page_response(request, page)

    async def project(self, request: web.BaseRequest, params: dict[str, str]) -> web.StreamResponse:
        raw = params["project"]
        project = project_from_url(raw)
        if project != raw:
            # PEP 503: a non-normalized name redirects to the normalized URL
            location = f"../{project}/"
            if request.query_string:
                location += f"?{request.query_string}"
            raise web.HTTPMovedPermanently(location)
        name = params.get("index")
        index = self._registry.get(name or self._default)
        await self._access.require(
            request, index, Permission.READ, lambda: ProjectNotFound(f"no project {project!r} here")
        )
        fmt = choose_format(request.headers.get("Accept"), _format_param(request))
        base = _BASE_INDEX if name else _BASE_DEFAULT
        page = await self._pages.project(index.name, project, fmt, base)
        return page_response(request, page)

    async def add_slash(
        self, request: web.BaseRequest, params: dict[str, str]
    ) -> web.StreamResponse:
        """``/simple/<project>`` without the trailing slash redirects to the slash form."""
        location = f"{params['project']}/"
        if request.query_string:
            location += f"?{request.query_string}"
        raise web.HTTPMovedPermanently(location)


def _format_param(request: web.BaseRequest) -> str | None:
    # parse the query only when there is one: most requests have none
    return request.query.get("format") if request.query_string else None
