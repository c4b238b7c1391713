"""A hosted index: files uploaded to bodega, kept in the blob store and the metadata store."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import Any

from packaging.utils import NormalizedName
from packaging.version import Version

from bodega.domain.errors import FileNotFound, InvalidFilename, ProjectNotFound
from bodega.domain.filenames import parse_filename
from bodega.domain.model import ProjectFile, ProjectList, ProjectPage
from bodega.indexes.base import StoredFile, file_url
from bodega.indexes.hosted_names import HostedNames
from bodega.indexes.jsonapi import build_project_json
from bodega.storage.meta import changes, files
from bodega.storage.meta.database import Database
from bodega.storage.meta.records import FileRecord


class HostedIndex:
    """Serves what was uploaded to it; the publish service writes to it."""

    kind = "hosted"

    def __init__(
        self, name: str, config: Mapping[str, Any], db: Database, names: HostedNames
    ) -> None:
        self.name = name
        self.config = config
        self._db = db
        self._names = names

    async def project_list(self) -> ProjectList:
        async with self._db.read() as conn:
            return ProjectList.of(await files.project_names(conn, self.name))

    async def project_page(self, project: NormalizedName) -> ProjectPage:
        if not await self._names.holds(self.name, project):
            # known from memory: groups ask every member, most of them do not have it
            raise ProjectNotFound(f"index {self.name!r} has no project {project!r}")
        async with self._db.read() as conn:
            records = await files.project_files(conn, self.name, project)
            if not records and not await files.project_exists(conn, self.name, project):
                raise ProjectNotFound(f"index {self.name!r} has no project {project!r}")
        return ProjectPage(
            name=project,
            files=tuple(_project_file(r) for r in records),
            versions=tuple(sorted({r.version for r in records}, key=Version)),
        )

    async def has_private(self, project: NormalizedName) -> bool:
        return await self._names.holds(self.name, project)

    async def private_page(self, project: NormalizedName) -> ProjectPage | None:
        try:
            return await self.project_page(project)
        except ProjectNotFound:
            return None

    async def get_file(self, filename: str) -> StoredFile:
        with contextlib.suppress(InvalidFilename):
            if not await self._names.holds(self.name, parse_filename(filename).project):
                raise FileNotFound(f"index {self.name!r} has no file {filename!r}")
        async with self._db.read() as conn:
            record = await files.get_file(conn, self.name, filename)
        if record is None or record.deleted_at is not None:
            raise FileNotFound(f"index {self.name!r} has no file {filename!r}")
        return StoredFile(
            record.filename, record.project, record.sha256, record.size, record.metadata_sha256
        )

    async def project_json(
        self, project: NormalizedName, version: str | None, base: str
    ) -> dict[str, Any]:
        async with self._db.read() as conn:
            records = await files.project_files(conn, self.name, project)
            display = await files.display_name(conn, self.name, project)
            serial = await changes.latest_serial(conn)
        document = build_project_json(display, records, version, base, serial)
        if document is None:
            what = f"version {version} of " if version else ""
            raise ProjectNotFound(f"index {self.name!r} has no {what}project {project!r}")
        return document


def _project_file(record: FileRecord) -> ProjectFile:
    return ProjectFile(
        filename=record.filename,
        url=file_url(record.index_name, record.sha256, record.filename),
        hashes={"sha256": record.sha256},
        requires_python=record.requires_python,
        yanked=record.yanked,
        yanked_reason=record.yanked_reason,
        core_metadata={"sha256": record.metadata_sha256} if record.metadata_sha256 else None,
        size=record.size,
        upload_time=record.uploaded_at,
    )
