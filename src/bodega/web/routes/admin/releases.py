"""Release lifecycle: ``/api/indexes/{name}/yank``, ``/unyank``, ``/delete`` and ``/api/push``."""

from __future__ import annotations

from aiohttp import web

from bodega.services.lifecycle import Lifecycle, Selection
from bodega.web.auth import Access
from bodega.web.routes.admin.wire import json_response, read_body, signed_in


class ReleaseRoutes:
    def __init__(self, lifecycle: Lifecycle, access: Access) -> None:
        self._lifecycle = lifecycle
        self._access = access

    async def yank(self, request: web.BaseRequest, params: dict[str, str]) -> web.StreamResponse:
        """PEP 592: mark a release (or one file of it) yanked."""
        return await self._set_yanked(request, params["name"], yanked=True)

    async def unyank(self, request: web.BaseRequest, params: dict[str, str]) -> web.StreamResponse:
        """Take back a yank of a release (or of one file of it)."""
        return await self._set_yanked(request, params["name"], yanked=False)

    async def delete(self, request: web.BaseRequest, params: dict[str, str]) -> web.StreamResponse:
        """Delete files where the index allows it (its admins); a project without a
        version loses every file."""
        principal = await signed_in(self._access, request)
        body = await read_body(request, ("project", "version", "filename"))
        selection = Selection(
            body.need_text("project"), body.text("version"), body.text("filename")
        )
        names = await self._lifecycle.delete(
            params["name"], selection, principal=principal, remote_addr=request.remote
        )
        return json_response({"files": names})

    async def push(self, request: web.BaseRequest, params: dict[str, str]) -> web.StreamResponse:
        """Promote a release between hosted indexes; answers the files added to ``to``."""
        principal = await signed_in(self._access, request)
        body = await read_body(request, ("project", "version", "from", "to"))
        added = await self._lifecycle.push(
            body.need_text("project"),
            body.need_text("version"),
            source=body.need_text("from"),
            target=body.need_text("to"),
            principal=principal,
            remote_addr=request.remote,
        )
        return json_response({"files": added})

    async def _set_yanked(
        self, request: web.BaseRequest, index: str, *, yanked: bool
    ) -> web.StreamResponse:
        principal = await signed_in(self._access, request)
        body = await read_body(request, ("project", "version", "filename", "reason"))
        selection = Selection(
            body.need_text("project"), body.need_text("version"), body.text("filename")
        )
        names = await self._lifecycle.yank(
            index,
            selection,
            yanked=yanked,
            reason=body.text("reason"),
            principal=principal,
            remote_addr=request.remote,
        )
        return json_response({"files": names})
