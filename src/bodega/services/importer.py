"""Importing a directory of distributions into a hosted index.

Each file goes through the same checks as an upload (file name, archive, metadata,
immutability); files that are not distributions are skipped, refused ones reported.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bodega.auth.principal import Principal
from bodega.domain.errors import BodegaError, NotAllowed
from bodega.domain.filenames import SDIST_SUFFIXES, parse_filename
from bodega.indexes.registry import IndexRegistry
from bodega.services.publish import Publisher, UploadForm
from bodega.storage.blobs.base import StagingArea

_CHUNK = 1 << 20


@dataclass
class ImportReport:
    stored: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)


def distribution_files(directory: Path) -> list[Path]:
    """The wheels and sdists directly inside ``directory``, sorted by name."""
    suffixes = (".whl", *SDIST_SUFFIXES)
    return sorted(p for p in directory.iterdir() if p.is_file() and p.name.endswith(suffixes))


class Importer:
    def __init__(self, registry: IndexRegistry, publisher: Publisher, staging: StagingArea) -> None:
        self._registry = registry
        self._publisher = publisher
        self._staging = staging

    async def import_directory(
        self,
        index_name: str,
        directory: Path,
        principal: Principal,
        progress: Callable[[str, str], None] | None = None,
    ) -> ImportReport:
        """Publish every distribution in ``directory`` to the hosted index ``index_name``.

        Raises:
            IndexNotFound, NotAllowed: no such index, or it is not hosted.
        """
        index = self._registry.get(index_name)
        if index.kind != "hosted":
            raise NotAllowed(
                f"index {index_name!r} is a {index.kind} index; import into a hosted one"
            )
        report = ImportReport()
        for path in await asyncio.to_thread(distribution_files, directory):
            outcome = await self._import_file(index_name, path, principal, report)
            if progress is not None:
                progress(path.name, outcome)
        return report

    async def _import_file(
        self, index_name: str, path: Path, principal: Principal, report: ImportReport
    ) -> str:
        try:
            dist = parse_filename(path.name)
            form = UploadForm(dist.project, str(dist.version), dist.kind.value, {})
            staged = self._staging.new()
            try:
                with path.open("rb") as source:
                    while chunk := await asyncio.to_thread(source.read, _CHUNK):
                        await staged.write(chunk)
            except BaseException:
                staged.discard()
                raise
            published = await self._publisher.publish(
                index_name,
                form,
                path.name,
                staged,
                principal,
                None,
                allow_overwrite=self._registry.get(index_name).config.get("allow_overwrite")
                is True,
            )
        except BodegaError as exc:
            report.refused.append((path.name, str(exc)))
            return f"refused: {exc}"
        if published.created:
            report.stored.append(path.name)
            return "stored"
        report.unchanged.append(path.name)
        return "already stored"
