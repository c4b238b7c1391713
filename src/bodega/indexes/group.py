"""A group index: member indexes consulted in order, safe against dependency confusion.

For each project the members are asked in order and their files merged (the first
member to list a file name wins). When a hosted index among the members holds the
project, upstream (proxy) members contribute nothing to it unless the group's config
allows the project explicitly; a routing rule can pin a project to one member.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import InvalidVersion, Version

from bodega.auth.policy import Permission, is_public
from bodega.domain.errors import (
    ConfigError,
    FileNotFound,
    InvalidFilename,
    ProjectNotFound,
    UpstreamError,
)
from bodega.domain.filenames import parse_filename
from bodega.domain.model import ProjectFile, ProjectList, ProjectPage
from bodega.indexes.base import UNKNOWN_DIGEST, FileSource, Index, file_url
from bodega.simple.chunked import union

log = logging.getLogger(__name__)
# seconds before a page or list missing a failed member is built again
_RETRY_FAILED_MEMBER = 5.0


def _why(member: Index, exc: Exception) -> dict[str, str]:
    return {"member": member.name, "error": str(exc)}


@dataclass(frozen=True, slots=True)
class GroupConfig:
    members: tuple[str, ...]
    # projects whose upstream versions may mix with private ones
    allow_upstream: frozenset[NormalizedName]
    # project -> the only member consulted for it
    routes: Mapping[NormalizedName, str]

    @classmethod
    def from_mapping(cls, name: str, config: Mapping[str, Any]) -> GroupConfig:
        """Raises ConfigError for an empty member list or a route to a non-member."""
        raw_members = config.get("members", ())
        if not isinstance(raw_members, list | tuple) or not all(
            isinstance(m, str) for m in raw_members
        ):
            raise ConfigError(f"group index {name!r}: members must be a list of index names")
        members = tuple(raw_members)
        if not members:
            raise ConfigError(f"group index {name!r} has no members")
        if len(set(members)) != len(members):
            raise ConfigError(f"group index {name!r} lists a member twice: {list(members)}")
        raw_routes = config.get("routes", {})
        if not isinstance(raw_routes, Mapping):
            raise ConfigError(f"group index {name!r}: routes must map project names to members")
        routes = {canonicalize_name(p): m for p, m in raw_routes.items()}
        for project, member in routes.items():
            if member not in members:
                raise ConfigError(
                    f"group {name!r} routes {project!r} to {member!r}, which is not a member",
                    hint=f"members: {', '.join(members)}",
                )
        allow = frozenset(canonicalize_name(p) for p in config.get("allow_upstream", ()))
        return cls(members, allow, routes)


class GroupIndex:
    kind = "group"

    def __init__(
        self, name: str, config: Mapping[str, Any], group: GroupConfig, members: Sequence[Index]
    ) -> None:
        """Raises ConfigError when a member is not public and the group does not say who
        may read it: whoever reads a group reads its members' projects and files, so that
        decision is never left to a default."""
        private = [m.name for m in members if not is_public(m.config)]
        if private and Permission.READ.value not in config:
            raise ConfigError(
                f"group {name!r} includes {', '.join(private)}, which not everyone may read",
                hint=f"set the group's readers first (e.g. bodega index set {name} --readers "
                "...): whoever may read the group sees its members' projects",
            )
        self.name = name
        self.config = config
        self.group = group
        self._members = list(members)
        self._by_name = {m.name: m for m in members}

    async def project_list(self) -> ProjectList:
        """The union of the members' lists; a member whose upstream fails (with no copy)
        is left out for a short while rather than failing the whole list."""
        listings: list[bytes] = []
        ages = []
        failure: UpstreamError | None = None
        for member in self._members:
            try:
                listing = await member.project_list()
            except UpstreamError as exc:
                log.warning("group member failed; listing the others", extra=_why(member, exc))
                failure = exc
                continue
            listings.append(listing.lines)
            if listing.max_age is not None:
                ages.append(listing.max_age)
        if failure is not None:
            if not any(listings) and len(self._members) == 1:
                raise failure
            ages.append(_RETRY_FAILED_MEMBER)
        # members' lists are sorted: merging them costs no set of every name
        return ProjectList(union(listings), max_age=min(ages) if ages else None)

    async def project_page(self, project: NormalizedName) -> ProjectPage:
        return self._merge(project, await self._collect(project))

    async def _collect(self, project: NormalizedName) -> list[ProjectPage]:
        """The eligible members' pages. A member whose upstream fails is skipped when
        another member has the project; with none, the failure is the answer (the project
        may well exist upstream, so "not found" would be wrong)."""
        pages = []
        failure: UpstreamError | None = None
        for member, private_only in await self._eligible(project):
            try:
                page = await _page_of(member, project, private_only)
            except UpstreamError as exc:
                log.warning("group member failed; merging the others", extra=_why(member, exc))
                failure = exc
                continue
            if page is not None:
                pages.append(page)
        if failure is not None:
            if not pages:
                raise failure
            pages.append(ProjectPage(name=project, files=(), max_age=_RETRY_FAILED_MEMBER))
        return pages

    async def _eligible(self, project: NormalizedName) -> list[tuple[Index, bool]]:
        """The members to ask, each with whether only its private part may answer."""
        routed = self.group.routes.get(project)
        if routed is not None:
            return [(self._by_name[routed], False)]
        if project in self.group.allow_upstream:
            return [(m, False) for m in self._members]
        private = False
        for member in self._members:
            if await member.has_private(project):
                private = True
                break
        return [(m, private) for m in self._members if not (private and m.kind == "proxy")]

    async def has_private(self, project: NormalizedName) -> bool:
        for member in self._members:
            if await member.has_private(project):
                return True
        return False

    async def private_page(self, project: NormalizedName) -> ProjectPage | None:
        pages = []
        for member in self._members:
            page = await member.private_page(project)
            if page is not None:
                pages.append(page)
        return self._merge(project, pages) if pages else None

    def _merge(self, project: NormalizedName, pages: list[ProjectPage]) -> ProjectPage:
        if not pages:
            raise ProjectNotFound(f"no member of group {self.name!r} has project {project!r}")
        files: dict[str, ProjectFile] = {}
        versions: dict[str, None] = {}
        ages = []
        for page in pages:
            for f in page.files:
                if f.filename not in files:
                    digest = f.hashes.get("sha256", UNKNOWN_DIGEST)
                    files[f.filename] = replace(f, url=file_url(self.name, digest, f.filename))
            versions.update(dict.fromkeys(page.versions))
            if page.max_age is not None:
                ages.append(page.max_age)
        return ProjectPage(
            name=project,
            files=tuple(files.values()),
            versions=_sorted_versions(versions),
            max_age=min(ages) if ages else None,
        )

    async def get_file(self, filename: str) -> FileSource:
        try:
            project = parse_filename(filename).project
        except InvalidFilename:
            raise FileNotFound(f"index {self.name!r} has no file {filename!r}") from None
        for member, private_only in await self._eligible(project):
            if private_only and member.kind == "group":
                page = await member.private_page(project)
                if page is None or all(f.filename != filename for f in page.files):
                    continue
            try:
                return await member.get_file(filename)
            except FileNotFound:
                continue
        raise FileNotFound(f"index {self.name!r} has no file {filename!r}")

    async def project_json(
        self, project: NormalizedName, version: str | None, base: str
    ) -> dict[str, Any]:
        for member, private_only in await self._eligible(project):
            if private_only and member.kind == "group":
                continue
            try:
                return await member.project_json(project, version, base)
            except ProjectNotFound:
                continue
        raise ProjectNotFound(f"no member of group {self.name!r} has project {project!r}")


async def _page_of(
    member: Index, project: NormalizedName, private_only: bool
) -> ProjectPage | None:
    if private_only:
        return await member.private_page(project)
    try:
        return await member.project_page(project)
    except ProjectNotFound:
        return None


def _sorted_versions(versions: dict[str, None]) -> tuple[str, ...]:
    def key(value: str) -> tuple[int, Any]:
        try:
            return (1, Version(value))
        except InvalidVersion:
            return (0, value)

    return tuple(sorted(versions, key=key))
