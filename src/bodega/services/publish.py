"""Publishing a distribution to a hosted index (the legacy upload API's use case).

The steps, in order: read the form, check the file name against it, check the declared
digests against the bytes received, open the archive and check its metadata, refuse a
file name already taken, then commit the blobs and record the file in one transaction.
Every refusal happens before anything is committed, and discards the staged bytes.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version
from sqlalchemy.exc import IntegrityError

from bodega.auth.principal import Principal
from bodega.domain.archives import ArchiveLimits, read_core_metadata
from bodega.domain.digests import DIGEST_LENGTHS, Digests
from bodega.domain.errors import FileExists, InvalidInput, InvalidMetadata
from bodega.domain.filenames import DistFilename, DistKind, parse_filename
from bodega.domain.metadata import CoreMetadata, parse_core_metadata
from bodega.services.changes import ChangeFeed
from bodega.storage.blobs.base import BlobStore, StagedBlob
from bodega.storage.meta import changes, files
from bodega.storage.meta.database import Database, utcnow
from bodega.storage.meta.locks import lock_blobs
from bodega.storage.meta.records import FileRecord
from bodega.storage.unreferenced import remove_unreferenced, set_aside

# upload form field -> digest name
_DIGEST_FIELDS = {"md5_digest": "md5", "sha256_digest": "sha256", "blake2_256_digest": "blake2_256"}


@dataclass(frozen=True, slots=True)
class UploadForm:
    """The fields of a ``file_upload`` request that bodega relies on."""

    name: str
    version: str
    filetype: str
    declared_digests: Mapping[str, str]

    @classmethod
    def from_fields(cls, fields: Mapping[str, str]) -> UploadForm:
        """Raises InvalidInput for a wrong action, protocol or a missing field."""
        action = fields.get(":action")
        if action != "file_upload":
            raise InvalidInput(
                f"unsupported :action {action!r}", hint="only 'file_upload' is supported"
            )
        if fields.get("protocol_version", "1") != "1":
            raise InvalidInput(f"unsupported protocol_version {fields['protocol_version']!r}")
        missing = [f for f in ("name", "version", "filetype") if not fields.get(f)]
        if missing:
            raise InvalidInput(f"upload form lacks {', '.join(missing)}")
        declared = {
            algorithm: fields[field]
            for field, algorithm in _DIGEST_FIELDS.items()
            if fields.get(field)
        }
        if not declared:
            raise InvalidInput(
                "upload declares no digest",
                hint="send sha256_digest (or md5_digest / blake2_256_digest) with the file",
            )
        return cls(fields["name"], fields["version"], fields["filetype"], declared)


@dataclass(frozen=True, slots=True)
class Published:
    filename: str
    sha256: str
    # False when the same bytes were already stored under that name (nothing changed)
    created: bool


class Publisher:
    """Checks and stores uploads to hosted indexes."""

    def __init__(
        self, db: Database, blobs: BlobStore, feed: ChangeFeed, limits: ArchiveLimits
    ) -> None:
        self._db = db
        self._blobs = blobs
        self._feed = feed
        self._limits = limits

    async def publish(
        self,
        index_name: str,
        form: UploadForm,
        filename: str,
        staged: StagedBlob,
        principal: Principal,
        remote_addr: str | None,
        *,
        allow_overwrite: bool = False,
    ) -> Published:
        """Check and store one uploaded file; the staged blob is consumed either way.

        ``allow_overwrite`` is the index's policy: may a file name that holds other
        bytes (live or deleted) take these instead?

        Raises:
            InvalidInput (and subclasses): the upload is refused; nothing was stored.
            FileExists: the index has different bytes under that file name.
        """
        try:
            dist = check_filename(form, filename)
            digests = await staged.finish()
            check_digests(digests, form)
            raw_metadata = await asyncio.to_thread(
                read_core_metadata, staged.path, dist, self._limits
            )
            metadata = check_metadata(parse_core_metadata(raw_metadata), dist)
            record = FileRecord(
                index_name=index_name,
                project=dist.project,
                version=str(dist.version),
                filename=filename,
                packagetype=dist.kind.value,
                python_version=dist.python_version,
                sha256=digests.sha256,
                md5=digests.md5,
                blake2_256=digests.blake2_256,
                size=digests.size,
                requires_python=metadata.requires_python,
                metadata_sha256=None,
                core_metadata=metadata.fields,
                yanked=False,
                yanked_reason=None,
                uploaded_at=utcnow(),
                uploaded_by=principal.actor,
            )
            wheel_metadata = raw_metadata if dist.kind is DistKind.WHEEL else None
            try:
                published = await self._store(
                    record, staged, wheel_metadata, metadata.name, principal, remote_addr,
                    allow_overwrite,
                )  # fmt: skip
            except IntegrityError:
                # another upload of the same name committed first (PostgreSQL): decide
                # again against what it stored, then drop the blobs this attempt left
                try:
                    published = await self._store(
                        record, staged, wheel_metadata, metadata.name, principal, remote_addr,
                        allow_overwrite,
                    )  # fmt: skip
                finally:
                    await self._drop_unreferenced(record.sha256, wheel_metadata)
        finally:
            staged.discard()
        if published.created:
            await self._feed.committed()
        return published

    async def _drop_unreferenced(self, sha256: str, wheel_metadata: bytes | None) -> None:
        shas = [sha256]
        if wheel_metadata is not None:
            shas.append(hashlib.sha256(wheel_metadata).hexdigest())
        async with set_aside() as removed, self._db.write() as conn:
            await lock_blobs(conn, shas)
            await remove_unreferenced(conn, self._blobs, shas, removed)

    async def _store(
        self,
        record: FileRecord,
        staged: StagedBlob,
        wheel_metadata: bytes | None,
        display_name: str,
        principal: Principal,
        addr: str | None,
        allow_overwrite: bool,
    ) -> Published:
        """Decide against what the index holds, then commit blobs and rows together.

        The blobs are committed inside the write transaction, so a concurrent delete
        cannot remove a blob between its commit and the row that refers to it.
        """
        async with self._db.write() as conn:
            await lock_blobs(conn, [record.sha256])
            stored = await files.get_file(conn, record.index_name, record.filename)
            action = "upload"
            detail: dict[str, object] = {}
            if stored is not None:
                if stored.sha256 == record.sha256 and stored.deleted_at is None:
                    return Published(record.filename, stored.sha256, created=False)
                if stored.sha256 != record.sha256 and not allow_overwrite:
                    raise _file_exists(record, stored.sha256)
                action = "restore" if stored.sha256 == record.sha256 else "overwrite"
                detail = {"replaced_sha256": stored.sha256}
            await self._blobs.commit(staged, record.sha256)
            if wheel_metadata is not None:
                metadata_sha256 = await self._blobs.put_bytes(wheel_metadata)
                record = dataclasses.replace(record, metadata_sha256=metadata_sha256)
            if await files.ensure_project(conn, record.index_name, record.project, display_name):
                await changes.append(
                    conn,
                    action="project-create",
                    index_name=record.index_name,
                    project=record.project,
                    actor=principal.actor,
                    remote_addr=addr,
                )
            if stored is None:
                await files.insert_file(conn, record)
            else:
                await files.replace_file(conn, record)
            await changes.append(
                conn,
                action=action,
                index_name=record.index_name,
                project=record.project,
                actor=principal.actor,
                remote_addr=addr,
                detail={
                    "filename": record.filename,
                    "version": record.version,
                    "sha256": record.sha256,
                    "size": record.size,
                    **detail,
                },
            )
        return Published(record.filename, record.sha256, created=True)


def _file_exists(record: FileRecord, stored_sha256: str) -> FileExists:
    return FileExists(
        f"File already exists: {record.filename!r} is in index {record.index_name!r} with "
        f"different contents (sha256 {stored_sha256})",
        hint="files are immutable; upload a new version (or a new build tag for a wheel)",
    )


def check_filename(form: UploadForm, filename: str) -> DistFilename:
    """The file name must be a valid distribution name matching the form's name/version.

    Raises:
        InvalidFilename: not a wheel or sdist name.
        InvalidInput: filetype, name or version disagree with the form.
    """
    dist = parse_filename(filename)
    if form.filetype != dist.kind.value:
        raise InvalidInput(
            f"filetype {form.filetype!r} does not match file {filename!r}",
            hint=f"a {dist.suffix} file is uploaded with filetype {dist.kind.value!r}",
        )
    if canonicalize_name(form.name) != dist.project:
        raise InvalidInput(
            f"file {filename!r} is for project {dist.project!r}, not {form.name!r} as declared"
        )
    try:
        declared = Version(form.version)
    except InvalidVersion:
        raise InvalidInput(f"declared version {form.version!r} is not PEP 440") from None
    if declared != dist.version:
        raise InvalidInput(
            f"file {filename!r} is version {dist.version}, not {form.version} as declared"
        )
    return dist


def check_digests(digests: Digests, form: UploadForm) -> None:
    """Raises InvalidInput for an empty file, DigestMismatch for a wrong digest."""
    if digests.size == 0:
        raise InvalidInput("the uploaded file is empty")
    unknown = set(form.declared_digests) - set(DIGEST_LENGTHS)
    if unknown:  # pragma: no cover - UploadForm only collects known fields
        raise InvalidInput(f"unknown digests {sorted(unknown)}")
    digests.verify(form.declared_digests)


def check_metadata(metadata: CoreMetadata, dist: DistFilename) -> CoreMetadata:
    """The metadata inside the archive must name the same project and version as the file.

    Raises:
        InvalidMetadata: name or version differ.
    """
    if metadata.project != dist.project:
        raise InvalidMetadata(
            f"metadata inside {dist.filename!r} is for project {metadata.name!r}, "
            f"but the file name says {dist.project!r}"
        )
    if metadata.version != dist.version:
        raise InvalidMetadata(
            f"metadata inside {dist.filename!r} says version {metadata.version}, "
            f"but the file name says {dist.version}"
        )
    return metadata
