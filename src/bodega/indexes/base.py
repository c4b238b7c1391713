"""The Index protocol: what every kind of index (hosted, proxy, group) answers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from packaging.utils import NormalizedName

from bodega.domain.model import ProjectList, ProjectPage

# the hash segment of a file URL when the upstream gave no sha256 for the file
UNKNOWN_DIGEST = "unverified"


@dataclass(frozen=True, slots=True)
class StoredFile:
    """A file an index can serve from the blob store."""

    filename: str
    project: NormalizedName
    sha256: str
    size: int
    metadata_sha256: str | None
    # a file a proxy fetched: where to fetch it again if its blob is lost
    origin: RemoteFile | None = None


@dataclass(frozen=True, slots=True)
class RemoteFile:
    """A file a proxy index lists but has not fetched yet."""

    index_name: str
    filename: str
    project: NormalizedName
    url: str
    hashes: Mapping[str, str] = field(default_factory=dict)
    size: int | None = None
    # hashes of the upstream's PEP 658 metadata file; None when it offers none
    core_metadata: Mapping[str, str] | None = None

    @property
    def url_digest(self) -> str:
        return self.hashes.get("sha256", UNKNOWN_DIGEST)


FileSource = StoredFile | RemoteFile


class Index(Protocol):
    """A named set of projects with the simple API's views of them."""

    name: str
    kind: str
    config: Mapping[str, Any]

    async def project_list(self) -> ProjectList:
        """The names of the index's projects.

        Raises:
            UpstreamError: a proxy could not reach its upstream and has no copy.
        """
        ...

    async def project_page(self, project: NormalizedName) -> ProjectPage:
        """The project's files and versions.

        Raises:
            ProjectNotFound: the index has no such project.
            UpstreamError: a proxy could not reach its upstream and has no copy.
        """
        ...

    async def has_private(self, project: NormalizedName) -> bool:
        """Whether a hosted index (this one or a member) holds the project.

        Groups use it to keep upstream versions away from private names.
        """
        ...

    async def private_page(self, project: NormalizedName) -> ProjectPage | None:
        """The project's page from hosted indexes only; None if none has it."""
        ...

    async def get_file(self, filename: str) -> FileSource:
        """The file of that name: stored here, or still upstream (proxies).

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


def file_url(index_name: str, digest: str, filename: str) -> str:
    """A file's URL relative to the server root; the digest makes it immutable."""
    return f"{index_name}/files/{digest}/{filename}"
