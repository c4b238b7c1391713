"""A release's life after upload: yank and unyank (PEP 592), delete (where the index's
policy allows it), and push (promotion from one hosted index to another).

Every change is recorded in the change log with who, from where, and the file hashes
involved. Deleted files keep their row, so their name stays bound to the same bytes; a
blob goes only when no index refers to it any more.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping, Sequence

from packaging.utils import NormalizedName
from packaging.version import InvalidVersion, Version
from sqlalchemy.ext.asyncio import AsyncConnection

from bodega.auth.policy import Permission, allows, is_public
from bodega.auth.principal import Principal
from bodega.domain.errors import (
    Conflict,
    Forbidden,
    IndexNotFound,
    InvalidInput,
    NotAllowed,
    NotFound,
)
from bodega.domain.names import normalize
from bodega.indexes.base import Index
from bodega.indexes.registry import IndexRegistry
from bodega.services.changes import ChangeFeed
from bodega.storage.blobs.base import BlobStore
from bodega.storage.meta import changes, files
from bodega.storage.meta.database import Database, utcnow
from bodega.storage.meta.locks import lock_blobs
from bodega.storage.meta.records import FileRecord
from bodega.storage.unreferenced import remove_unreferenced, set_aside

log = logging.getLogger(__name__)
_MAX_REASON = 1000


@dataclasses.dataclass(frozen=True, slots=True)
class Selection:
    """Which files of a project: one version, optionally one file of it."""

    project: str
    version: str | None = None
    filename: str | None = None

    def normalized(self) -> tuple[NormalizedName, str | None]:
        """Raises InvalidName / InvalidInput for a malformed project or version."""
        project = normalize(self.project)
        if self.version is None:
            return project, None
        try:
            return project, str(Version(self.version))
        except InvalidVersion:
            raise InvalidInput(f"{self.version!r} is not a valid version") from None


class Lifecycle:
    def __init__(
        self, db: Database, blobs: BlobStore, registry: IndexRegistry, feed: ChangeFeed
    ) -> None:
        self._db = db
        self._blobs = blobs
        self._registry = registry
        self._feed = feed

    # -- yank ----------------------------------------------------------------------------------

    async def yank(
        self,
        index_name: str,
        selection: Selection,
        *,
        yanked: bool,
        reason: str | None,
        principal: Principal,
        remote_addr: str | None = None,
    ) -> list[str]:
        """Yank (or unyank) a release or one of its files; return the file names changed.

        Raises IndexNotFound, NotAllowed (not hosted), Forbidden, NotFound, InvalidInput.
        """
        if selection.version is None:
            raise InvalidInput("yanking needs a version", hint="PEP 592 yanks releases or files")
        if reason is not None and len(reason) > _MAX_REASON:
            raise InvalidInput(f"a yank reason is at most {_MAX_REASON} characters")
        index = self._hosted(index_name)
        self._require(principal, Permission.UPLOAD, index)
        project, version = selection.normalized()
        async with self._db.write() as conn:
            chosen = self._select(await files.project_files(conn, index.name, project), selection)
            names = [f.filename for f in chosen]
            await files.set_yanked(conn, index.name, project, names, yanked, reason)
            await changes.append(
                conn,
                action="yank" if yanked else "unyank",
                index_name=index.name,
                project=project,
                actor=principal.actor,
                remote_addr=remote_addr,
                detail={"version": version, "reason": reason, "files": _file_list(chosen)},
            )
        await self._feed.committed()
        return names

    # -- delete --------------------------------------------------------------------------------

    async def delete(
        self,
        index_name: str,
        selection: Selection,
        *,
        principal: Principal,
        remote_addr: str | None = None,
    ) -> list[str]:
        """Delete files of a hosted index whose policy allows it; return their names.

        Raises IndexNotFound, NotAllowed (not hosted, or the policy forbids deleting),
        Forbidden (not an admin of the index), NotFound.
        """
        index = self._hosted(index_name)
        self._require(principal, Permission.ADMIN, index)
        if index.config.get("allow_delete") is not True:
            raise NotAllowed(
                f"index {index.name!r} does not allow deleting files",
                hint="files are immutable by default; yank instead, or set allow_delete",
            )
        project, version = selection.normalized()
        async with set_aside() as removed, self._db.write() as conn:
            chosen = self._select(await files.project_files(conn, index.name, project), selection)
            names = [f.filename for f in chosen]
            shas = [s for f in chosen for s in (f.sha256, f.metadata_sha256) if s]
            await lock_blobs(conn, shas)
            await files.mark_deleted(conn, index.name, names, utcnow())
            await remove_unreferenced(conn, self._blobs, shas, removed)
            await changes.append(
                conn,
                action="delete",
                index_name=index.name,
                project=project,
                actor=principal.actor,
                remote_addr=remote_addr,
                detail={
                    "version": version,
                    "files": _file_list(chosen),
                    "blobs_removed": len(removed),
                },
            )
        await self._feed.committed()
        return names

    # -- push ----------------------------------------------------------------------------------

    async def push(
        self,
        project_name: str,
        version_text: str,
        *,
        source: str,
        target: str,
        principal: Principal,
        remote_addr: str | None = None,
    ) -> list[str]:
        """Promote a release from one hosted index to another, without copying bytes.

        Files already in the target with the same bytes are skipped; the push is refused
        (and nothing changes) when the target holds other bytes under one of the names.
        Returns the names of the files added to the target.

        Raises IndexNotFound, NotAllowed, Forbidden, NotFound, Conflict.
        """
        origin, destination = self._hosted(source), self._hosted(target)
        if origin.name == destination.name:
            raise InvalidInput("pushing needs two different indexes")
        self._require(principal, Permission.READ, origin)
        self._require(principal, Permission.UPLOAD, destination)
        project, version = Selection(project_name, version_text).normalized()
        async with self._db.write() as conn:
            chosen = self._select(
                await files.project_files(conn, origin.name, project),
                Selection(project_name, version_text),
            )
            await lock_blobs(conn, [s for f in chosen for s in (f.sha256, f.metadata_sha256) if s])
            added = await self._copy(conn, chosen, destination.name, principal, remote_addr)
            if not added:
                return []  # the target has it all already: nothing changed, nothing logged
            await changes.append(
                conn,
                action="push",
                index_name=destination.name,
                project=project,
                actor=principal.actor,
                remote_addr=remote_addr,
                detail={
                    "from": origin.name,
                    "to": destination.name,
                    "version": version,
                    "files": _file_list(chosen),
                    "added": added,
                },
            )
        await self._feed.committed()
        return added

    async def _copy(
        self,
        conn: AsyncConnection,
        chosen: Sequence[FileRecord],
        target: str,
        principal: Principal,
        remote_addr: str | None,
    ) -> list[str]:
        pending = []
        for record in chosen:
            existing = await files.get_file(conn, target, record.filename)
            if existing is None:
                pending.append(record)
            elif existing.sha256 != record.sha256:
                raise Conflict(
                    f"index {target!r} already has {record.filename!r} with different "
                    f"contents (sha256 {existing.sha256}, pushing {record.sha256})",
                    hint="a file name must always mean the same bytes; nothing was pushed",
                )
            elif existing.deleted_at is not None:
                raise Conflict(f"{record.filename!r} was deleted from index {target!r}")
        if pending:
            project = pending[0].project
            display = await files.display_name(conn, pending[0].index_name, project)
            if await files.ensure_project(conn, target, project, display):
                # as for an upload: the target's project list changes (and caches of it go)
                await changes.append(
                    conn,
                    action="project-create",
                    index_name=target,
                    project=project,
                    actor=principal.actor,
                    remote_addr=remote_addr,
                )
        for record in pending:
            copy = dataclasses.replace(
                record, index_name=target, uploaded_at=utcnow(), uploaded_by=principal.actor
            )
            await files.insert_file(conn, copy)
        return [r.filename for r in pending]

    # -- shared --------------------------------------------------------------------------------

    def _hosted(self, name: str) -> Index:
        index = self._registry.get(name)
        if index.kind != "hosted":
            raise NotAllowed(f"index {name!r} is a {index.kind} index, not a hosted one")
        return index

    @staticmethod
    def _require(principal: Principal, permission: Permission, index: Index) -> None:
        """Raises IndexNotFound for a private index the principal may not even read (it
        must not learn that it exists), Forbidden when it lacks this permission."""
        readable = allows(principal, Permission.READ, index.name, index.config)
        if not readable and not is_public(index.config):
            raise IndexNotFound(f"no index named {index.name!r}")
        if not allows(principal, permission, index.name, index.config):
            verb = {"readers": "read", "uploaders": "upload to", "admins": "administer"}
            raise Forbidden(f"{principal.actor} may not {verb[permission.value]} {index.name!r}")

    @staticmethod
    def _select(records: Sequence[FileRecord], selection: Selection) -> list[FileRecord]:
        project, version = selection.normalized()
        chosen = [
            r
            for r in records
            if (version is None or r.version == version)
            and (selection.filename is None or r.filename == selection.filename)
        ]
        if not chosen:
            what = selection.filename or (f"version {version} of" if version else "")
            raise NotFound(f"no {what} {project!r} here".replace("  ", " "))
        return chosen


def _file_list(records: Sequence[FileRecord]) -> list[Mapping[str, str]]:
    return [{"filename": r.filename, "sha256": r.sha256} for r in records]
