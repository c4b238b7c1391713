"""Distribution file names: wheels (PEP 427/491) and sdists (PEP 625, legacy forms)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from packaging.tags import Tag
from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    NormalizedName,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import Version

from bodega.domain.errors import InvalidFilename

MAX_FILENAME_LENGTH = 255
# Characters that can appear in a valid distribution file name: escaped names, PEP 440
# versions (including local "+" and epoch "!") and wheel tags. Used with fullmatch: "$"
# would also match before a trailing newline.
_SAFE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+!-]*")
SDIST_SUFFIXES = (".tar.gz", ".zip")


class DistKind(StrEnum):
    """The ``filetype`` of the upload API and ``packagetype`` of the JSON API."""

    WHEEL = "bdist_wheel"
    SDIST = "sdist"


@dataclass(frozen=True, slots=True)
class DistFilename:
    """What a distribution's file name says about it."""

    filename: str
    project: NormalizedName
    version: Version
    kind: DistKind
    tags: frozenset[Tag]

    @property
    def python_version(self) -> str:
        """The ``pyversion`` of the upload API: the wheel's python tag(s), or "source"."""
        if self.kind is DistKind.SDIST:
            return "source"
        return ".".join(sorted({t.interpreter for t in self.tags}))

    @property
    def suffix(self) -> str:
        """The archive extension: ".whl", ".tar.gz" or ".zip"."""
        if self.kind is DistKind.WHEEL:
            return ".whl"
        return next(s for s in SDIST_SUFFIXES if self.filename.endswith(s))


def check_safe_filename(filename: str) -> str:
    """Refuse names that could escape a directory or confuse a URL.

    Raises:
        InvalidFilename: empty, too long, a path, or characters outside [A-Za-z0-9._+!-].
    """
    if not filename or len(filename) > MAX_FILENAME_LENGTH:
        raise InvalidFilename(
            f"file name must be 1-{MAX_FILENAME_LENGTH} characters, got {len(filename)}"
        )
    if not _SAFE.fullmatch(filename) or ".." in filename:
        raise InvalidFilename(
            f"{filename!r} is not a safe distribution file name",
            hint="no path separators, no '..', only letters, digits and . _ + ! -",
        )
    return filename


def parse_filename(filename: str) -> DistFilename:
    """Parse a wheel or sdist file name.

    Raises:
        InvalidFilename: unsafe characters, an unknown extension, or a name that does not
            follow the wheel (PEP 427/491) or sdist (PEP 625) naming rules.
    """
    check_safe_filename(filename)
    if filename.endswith(".whl"):
        try:
            name, version, _build, tags = parse_wheel_filename(filename)
        except InvalidWheelFilename as exc:
            raise InvalidFilename(
                f"{filename!r} is not a valid wheel file name: {exc}",
                hint="PEP 427: {name}-{version}(-{build})?-{python}-{abi}-{platform}.whl",
            ) from None
        return DistFilename(filename, name, version, DistKind.WHEEL, tags)
    if filename.endswith(SDIST_SUFFIXES):
        try:
            name, version = parse_sdist_filename(filename)
        except InvalidSdistFilename as exc:
            raise InvalidFilename(
                f"{filename!r} is not a valid sdist file name: {exc}",
                hint="PEP 625: {name}-{version}.tar.gz",
            ) from None
        return DistFilename(filename, name, version, DistKind.SDIST, frozenset())
    raise InvalidFilename(
        f"{filename!r} has an unsupported extension",
        hint="accepted: .whl (wheels), .tar.gz and .zip (sdists)",
    )
