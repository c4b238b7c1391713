"""Distribution files and their PEP 658 metadata: ``/<index>/files/<sha256>/<filename>``.

Stored files go out with sendfile; a proxy's file that is not stored yet is fetched once
and streamed to every client asking for it while it is being stored.
"""

from __future__ import annotations

import logging

from aiohttp import hdrs, web

from bodega.auth.policy import Permission
from bodega.domain.errors import BlobMissing, FileNotFound, NotAllowed
from bodega.indexes.base import FileSource, RemoteFile, StoredFile
from bodega.indexes.proxy import ProxyIndex
from bodega.indexes.registry import IndexRegistry
from bodega.services.fetch import Download, FileFetcher
from bodega.services.serving import Pages
from bodega.storage.blobs.base import BlobStore
from bodega.web.auth import Access
from bodega.web.responses import FILE_CACHE_CONTROL, bytes_response, file_response

log = logging.getLogger(__name__)
_METADATA_SUFFIX = ".metadata"
_METADATA_TYPE = "text/plain; charset=utf-8"


class FileRoutes:
    def __init__(
        self,
        pages: Pages,
        blobs: BlobStore,
        registry: IndexRegistry,
        fetcher: FileFetcher,
        access: Access,
    ) -> None:
        self._access = access
        self._pages = pages
        self._blobs = blobs
        self._registry = registry
        self._fetcher = fetcher

    async def file(self, request: web.BaseRequest, params: dict[str, str]) -> web.StreamResponse:
        index, digest, filename = params["index"], params["sha256"], params["filename"]
        wants_metadata = filename.endswith(_METADATA_SUFFIX)
        dist_name = filename.removesuffix(_METADATA_SUFFIX) if wants_metadata else filename
        await self._access.require(
            request,
            self._registry.get(index),
            Permission.READ,
            lambda: FileNotFound(f"index {index!r} has no file {dist_name!r}"),
        )
        source = await self._pages.file(index, dist_name)
        if _digest_of(source) != digest:
            raise FileNotFound(f"index {index!r} has no file {dist_name!r} with sha256 {digest}")
        if wants_metadata:
            return await self._metadata(request, source)
        if isinstance(source, StoredFile):
            try:
                return file_response(request, self._blobs, source.sha256, source.size)
            except BlobMissing:
                extra = {"file": source.filename, "sha256": source.sha256}
                if source.origin is None:
                    log.error("a stored file is missing from the blob store", extra=extra)
                    raise
                # a proxy's copy: fetched again, like a file never fetched
                log.warning(
                    "a stored file is missing from the blob store; fetching it again", extra=extra
                )
                return await self._remote(request, source.origin)
        return await self._remote(request, source)

    async def _metadata(self, request: web.BaseRequest, source: FileSource) -> web.StreamResponse:
        if isinstance(source, StoredFile):
            sha256 = source.metadata_sha256
            if sha256 is None:
                raise FileNotFound(
                    f"{source.filename!r} has no separate core metadata file (PEP 658)"
                )
        else:
            fetched = await self._fetcher.metadata(source, self._proxy(source).upstream)
            if fetched.data is not None:
                # just fetched and checked: answered while it is being stored
                return bytes_response(request, fetched.sha256, fetched.data, _METADATA_TYPE)
            sha256 = fetched.sha256
        try:
            size = await self._blobs.size(sha256)
        except FileNotFoundError:
            log.error(
                "a stored metadata file is missing from the blob store",
                extra={"file": source.filename, "sha256": sha256},
            )
            raise BlobMissing(sha256) from None
        return file_response(request, self._blobs, sha256, size, _METADATA_TYPE)

    async def _remote(self, request: web.BaseRequest, remote: RemoteFile) -> web.StreamResponse:
        if request.method == hdrs.METH_HEAD:
            # a HEAD does not fetch anything
            response = web.Response(headers={hdrs.ACCEPT_RANGES: "bytes"})
            if remote.size is not None:
                response.headers[hdrs.CONTENT_LENGTH] = str(remote.size)
            response.content_type = "application/octet-stream"
            return response
        download = self._fetcher.download(remote, self._proxy(remote).upstream)
        if request.headers.get(hdrs.RANGE):
            # ranges are served from the stored file once the download is complete
            stored = await download.wait_done()
            return file_response(request, self._blobs, stored.sha256, stored.size)
        return await _stream_download(request, download, self._blobs)

    def _proxy(self, remote: RemoteFile) -> ProxyIndex:
        index = self._registry.get(remote.index_name)
        if not isinstance(index, ProxyIndex):
            raise NotAllowed(f"index {remote.index_name!r} does not fetch from an upstream")
        return index


def _digest_of(source: FileSource) -> str:
    return source.sha256 if isinstance(source, StoredFile) else source.url_digest


async def _stream_download(
    request: web.BaseRequest, download: Download, blobs: BlobStore
) -> web.StreamResponse:
    """Send the file as it arrives; cut the connection if it fails verification."""
    remote = download.remote
    response = web.StreamResponse(
        headers={hdrs.CACHE_CONTROL: FILE_CACHE_CONTROL, hdrs.ACCEPT_RANGES: "bytes"}
    )
    response.content_type = "application/octet-stream"
    if "sha256" in remote.hashes:
        response.headers[hdrs.ETAG] = f'"{remote.hashes["sha256"]}"'
    if remote.size is not None:
        response.content_length = remote.size
    else:
        response.enable_chunked_encoding()
    # the status goes out once the upstream has answered: a failure before the first
    # byte (upstream down, an error status) is a clear 502, not a 200 cut short
    await download.opened()
    await response.prepare(request)
    try:
        transport = request.transport
        if remote.size is None or transport is None:
            # chunked framing: the bytes go through the response
            async for chunk in download.chunks(blobs):
                await response.write(chunk)
        else:
            await download.send(transport, response.write, blobs)
    except Exception as exc:
        # the client must not take a partial or unverified file for a whole one
        if request.transport is not None:
            request.transport.abort()
        raise ConnectionResetError(f"download of {remote.filename} failed: {exc}") from exc
    await response.write_eof()
    return response
