"""The simple repository API's data model (PEP 503, 592, 658/714, 691, 700), free of I/O.

URLs in these values are relative to the server's root path (``local/files/...``) or
absolute (``https://...``); a renderer turns root-relative ones into page-relative links.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from packaging.utils import NormalizedName


@dataclass(frozen=True, slots=True)
class ProjectFile:
    """One distribution file as listed on a project page."""

    filename: str
    url: str
    hashes: Mapping[str, str] = field(default_factory=dict)
    requires_python: str | None = None
    yanked: bool = False
    yanked_reason: str | None = None
    # hashes of the PEP 658 ".metadata" file; None when the file has none
    core_metadata: Mapping[str, str] | None = None
    size: int | None = None
    upload_time: datetime | None = None

    @property
    def sha256(self) -> str | None:
        return self.hashes.get("sha256")


@dataclass(frozen=True, slots=True)
class ProjectPage:
    """A project's page: its files and (PEP 700) its versions."""

    name: NormalizedName
    files: tuple[ProjectFile, ...]
    versions: tuple[str, ...] = ()
    # seconds this page stays fresh (proxied pages); None: until the project changes
    max_age: float | None = None


@dataclass(frozen=True, slots=True)
class ProjectList:
    """The root page of an index: the names of its projects.

    Held as one bytes string of the sorted, unique normalized names, each followed by a
    newline: the root list of a public index has hundreds of thousands of names, and a str
    object per name costs three times the text (build one with ``ProjectList.of``).
    """

    lines: bytes = b""
    # seconds this list stays fresh (proxied lists); None: until a project is added
    max_age: float | None = None

    @classmethod
    def of(cls, names: Iterable[str], max_age: float | None = None) -> ProjectList:
        """The list of some normalized names, in any order, repeats allowed."""
        return cls(join_lines(sorted({name.encode() for name in names})), max_age)

    @property
    def names(self) -> tuple[NormalizedName, ...]:
        return tuple(NormalizedName(n) for n in self.lines.decode().splitlines())

    def __len__(self) -> int:
        return self.lines.count(b"\n")


def join_lines(names: list[bytes]) -> bytes:
    """Sorted unique names as one newline-terminated string."""
    return b"\n".join(names) + b"\n" if names else b""
