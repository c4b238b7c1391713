"""The HTTP application: routes, the request handler and its error mapping."""

from __future__ import annotations

import logging

from aiohttp import web

from bodega.domain.errors import BodegaError
from bodega.services.changes import ChangeFeed
from bodega.web import errors
from bodega.web.auth import Access
from bodega.web.router import Router
from bodega.web.routes.admin import Route, admin_routes
from bodega.web.routes.files import FileRoutes
from bodega.web.routes.info import InfoRoutes
from bodega.web.routes.project_json import ProjectJsonRoutes
from bodega.web.routes.simple import SimpleRoutes
from bodega.web.routes.upload import UploadRoutes
from bodega.wiring import Services

log = logging.getLogger(__name__)


def build_router(services: Services) -> Router:
    default = services.settings.default_index
    access = Access(services.accounts)
    simple = SimpleRoutes(services.pages, services.registry, access, default)
    files = FileRoutes(services.pages, services.blobs, services.registry, services.fetcher, access)
    upload = UploadRoutes(
        services.registry,
        access,
        services.publisher,
        services.blobs.staging,
        services.settings.max_upload_bytes,
    )
    project_json = ProjectJsonRoutes(services.registry, access, default)
    info = InfoRoutes(services.registry, services.db, access, default)
    routes: list[Route] = [
        ("GET", "/", info.server),
        ("GET", "/healthz", info.health),
        ("GET", "/simple/", simple.root),
        ("GET", "/simple/{project}/", simple.project),
        ("GET", "/simple/{project}", simple.add_slash),
        ("GET", "/pypi/{project}/json", project_json.project),
        ("GET", "/pypi/{project}/{version}/json", project_json.project),
        ("GET", "/{index}/", info.index),
        ("POST", "/{index}/", upload.upload),
        ("GET", "/{index}/simple/", simple.root),
        ("GET", "/{index}/simple/{project}/", simple.project),
        ("GET", "/{index}/simple/{project}", simple.add_slash),
        ("GET", "/{index}/files/{sha256}/{filename}", files.file),
        ("GET", "/{index}/pypi/{project}/json", project_json.project),
        ("GET", "/{index}/pypi/{project}/{version}/json", project_json.project),
        *admin_routes(services, access),
    ]
    router = Router()
    for methods, pattern, handler in routes:
        router.add(methods, pattern, handler)
    return router


class Application:
    """The low-level aiohttp handler: match, call, map errors. No middleware on the way."""

    def __init__(self, router: Router, feed: ChangeFeed) -> None:
        self._router = router
        self._feed = feed

    async def __call__(self, request: web.BaseRequest) -> web.StreamResponse:
        if self._feed.stale():
            # another process committed a change: apply it before answering (one memory
            # read per request when nothing changed)
            await self._feed.catch_up()
        match = self._router.match(request.method, request.path)
        if match is None:
            return errors.not_found(request.path)
        if match.handler is None:
            return errors.method_not_allowed(request.method, match.allowed, request.path)
        try:
            return await match.handler(request, match.params)
        except BodegaError as exc:
            return errors.error_response(exc, request.path)
        except web.HTTPException as exc:  # redirects
            return web.Response(status=exc.status, headers=exc.headers, text=exc.text)
        except ConnectionError:
            raise  # the connection is gone (or was cut on purpose): nothing to answer
        except Exception:
            log.exception("unhandled error on %s %s", request.method, request.path)
            return errors.internal_error(request.path)
