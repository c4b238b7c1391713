"""Distribution files and their PEP 658 metadata: ``/<index>/files/<sha256>/<filename>``."""

from __future__ import annotations

from aiohttp import web

from bodega.domain.errors import FileNotFound
from bodega.services.serving import Pages
from bodega.storage.blobs.base import BlobStore
from bodega.web.responses import file_response

_METADATA_SUFFIX = ".metadata"


class FileRoutes:
    def __init__(self, pages: Pages, blobs: BlobStore) -> None:
        self._pages = pages
        self._blobs = blobs

    async def file(self, request: web.BaseRequest, params: dict[str, str]) -> web.StreamResponse:
        index, sha256, filename = params["index"], params["sha256"], params["filename"]
        wants_metadata = filename.endswith(_METADATA_SUFFIX)
        dist_name = filename.removesuffix(_METADATA_SUFFIX) if wants_metadata else filename
        stored = await self._pages.file(index, dist_name)
        if stored.sha256 != sha256:
            raise FileNotFound(f"index {index!r} has no file {dist_name!r} with sha256 {sha256}")
        if not wants_metadata:
            return file_response(request, self._blobs, stored.sha256, stored.size)
        if stored.metadata_sha256 is None:
            raise FileNotFound(f"{dist_name!r} has no separate core metadata file (PEP 658)")
        size = await self._blobs.size(stored.metadata_sha256)
        return file_response(
            request, self._blobs, stored.metadata_sha256, size, "text/plain; charset=utf-8"
        )
