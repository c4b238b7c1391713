"""The Index protocol: what every kind of index (hosted, proxy, group) answers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from packaging.utils import NormalizedName

from bodega.domain.model import ProjectList, ProjectPage


@dataclass(frozen=True, slots=True)
class StoredFile:
    """A file an index can serve from the blob store."""

    filename: str
    project: NormalizedName
    sha256: str
    size: int
    metadata_sha256: str | None


class Index(Protocol):
    """A named set of projects with the simple API's views of them."""

    name: str
    kind: str
    config: Mapping[str, Any]

    async def project_list(self) -> ProjectList:
        """The names of the index's projects."""
        ...

    async def project_page(self, project: NormalizedName) -> ProjectPage:
        """The project's files and versions.

        Raises:
            ProjectNotFound: the index has no such project.
        """
        ...

    async def get_file(self, filename: str) -> StoredFile:
        """The stored file of that name.

        Raises:
            FileNotFound: the index has no such file.
        """
        ...

    async def project_json(
        self, project: NormalizedName, version: str | None, base: str
    ) -> dict[str, Any]:
        """The JSON project API document (``/pypi/<project>[/<version>]/json``).

        ``base`` is the absolute URL of the server root, for the file URLs.

        Raises:
            ProjectNotFound: the index has no such project (or no such version).
        """
        ...


def file_url(index_name: str, sha256: str, filename: str) -> str:
    """A file's URL relative to the server root; the digest makes it immutable."""
    return f"{index_name}/files/{sha256}/{filename}"
