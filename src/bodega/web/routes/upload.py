"""The legacy upload API (``POST /<index>/``, multipart ``:action=file_upload``).

The body is streamed: form fields are collected (bounded), the ``content`` part goes
straight into a staged blob while it is hashed, and nothing is committed until the
publish service has checked it all.
"""

from __future__ import annotations

from aiohttp import BodyPartReader, MultipartReader, web

from bodega.auth.policy import may_upload
from bodega.domain.errors import (
    BodegaError,
    Forbidden,
    InvalidInput,
    NotAllowed,
    TooLarge,
    Unauthenticated,
)
from bodega.domain.filenames import check_safe_filename
from bodega.indexes.registry import IndexRegistry
from bodega.services.publish import Publisher, UploadForm
from bodega.storage.blobs.base import StagedBlob, StagingArea
from bodega.web.auth import Access

_MAX_FIELDS_BYTES = 16 << 20
_MAX_FIELDS = 200
_CHUNK = 1 << 16


class UploadRoutes:
    def __init__(
        self,
        registry: IndexRegistry,
        access: Access,
        publisher: Publisher,
        staging: StagingArea,
        max_upload_bytes: int,
    ) -> None:
        self._registry = registry
        self._access = access
        self._publisher = publisher
        self._staging = staging
        self._max = max_upload_bytes

    async def upload(self, request: web.BaseRequest, params: dict[str, str]) -> web.StreamResponse:
        index = self._registry.get(params["index"])
        if index.kind != "hosted":
            raise NotAllowed(
                f"index {index.name!r} is a {index.kind} index and accepts no uploads",
                hint="upload to a hosted index",
            )
        principal = await self._access.principal(request)
        if principal is None:
            raise Unauthenticated(f"uploading to {index.name!r} needs credentials")
        if not may_upload(principal, index.name, index.config):
            raise Forbidden(f"{principal.actor} may not upload to index {index.name!r}")
        if request.content_length is not None and request.content_length > self._max + (1 << 20):
            raise TooLarge(
                f"upload of {request.content_length} bytes exceeds the limit of {self._max}"
            )
        fields, filename, staged = await self._receive(request)
        try:
            form = UploadForm.from_fields(fields)
            published = await self._publisher.publish(
                index.name,
                form,
                filename,
                staged,
                principal,
                request.remote,
                allow_overwrite=index.config.get("allow_overwrite") is True,
            )
        finally:
            staged.discard()
        status = "stored" if published.created else "already stored (identical)"
        return web.Response(text=f"OK: {published.filename} {status}\n")

    async def _receive(self, request: web.BaseRequest) -> tuple[dict[str, str], str, StagedBlob]:
        if not request.content_type.startswith("multipart/form-data"):
            raise InvalidInput(
                f"upload body is {request.content_type!r}", hint="send multipart/form-data"
            )
        fields: dict[str, str] = {}
        staged: StagedBlob | None = None
        filename = ""
        try:
            reader = await request.multipart()
            budget = _MAX_FIELDS_BYTES
            while (part := await reader.next()) is not None:
                if isinstance(part, MultipartReader):
                    raise InvalidInput("nested multipart bodies are not accepted")
                if part.name == "content" and part.filename is not None:
                    if staged is not None:
                        raise InvalidInput("upload has more than one 'content' part")
                    filename = check_safe_filename(part.filename)
                    staged = self._staging.new()
                    await self._stream(part, staged)
                elif part.filename is not None:
                    await _drain(part)  # signatures, attestations: not kept (yet)
                else:
                    budget = await _read_field(part, fields, budget)
        except BodegaError:
            if staged is not None:
                staged.discard()
            raise
        except Exception as exc:  # the multipart parser's errors have no common base
            if staged is not None:
                staged.discard()
            raise InvalidInput(f"upload body is malformed or incomplete: {exc!r}") from None
        except BaseException:
            # the client went away mid-body and the handler is cancelled: the bytes
            # received so far must not stay in the staging directory
            if staged is not None:
                staged.discard()
            raise
        if staged is None:
            raise InvalidInput("upload has no 'content' file part")
        return fields, filename, staged

    async def _stream(self, part: BodyPartReader, staged: StagedBlob) -> None:
        while chunk := await part.read_chunk(_CHUNK):
            await staged.write(chunk)
            if staged.size > self._max:
                raise TooLarge(f"uploaded file exceeds the limit of {self._max} bytes")


async def _read_field(part: BodyPartReader, fields: dict[str, str], budget: int) -> int:
    if len(fields) >= _MAX_FIELDS:
        raise InvalidInput(f"upload has more than {_MAX_FIELDS} form fields")
    data = bytearray()
    while chunk := await part.read_chunk(_CHUNK):
        data += chunk
        budget -= len(chunk)
        if budget < 0:
            raise TooLarge(f"upload form fields exceed {_MAX_FIELDS_BYTES} bytes")
    name = part.name or ""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput(f"form field {name!r} is not UTF-8") from None
    # repeated fields (classifiers, requires_dist) are not used here; keep the first
    fields.setdefault(name, text)
    return budget


async def _drain(part: BodyPartReader) -> None:
    while await part.read_chunk(_CHUNK):
        pass
