"""Core metadata (PKG-INFO / METADATA) read from a distribution.

Parsing is packaging's (``parse_email``); this module checks what an index must rely
on (name, version, requires-python) and keeps the fields the JSON API reports.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from packaging.metadata import parse_email
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import NormalizedName
from packaging.version import InvalidVersion, Version

from bodega.domain.errors import InvalidMetadata, InvalidName
from bodega.domain.names import normalize

# Fields whose values are lists in the JSON API; every other field is a string.
_LIST_FIELDS = (
    "classifiers",
    "requires_dist",
    "provides_extra",
    "platforms",
    "dynamic",
    "license_files",
)


@dataclass(frozen=True, slots=True)
class CoreMetadata:
    """The parts of a distribution's core metadata that bodega uses."""

    name: str
    project: NormalizedName
    version: Version
    requires_python: str | None
    fields: dict[str, Any]

    def info(self) -> dict[str, Any]:
        """The metadata as JSON-ready values keyed like the JSON API's ``info``."""
        return dict(self.fields)


def parse_core_metadata(data: bytes) -> CoreMetadata:
    """Parse and check a METADATA/PKG-INFO file.

    Raises:
        InvalidMetadata: not UTF-8, or Name/Version/Requires-Python missing or invalid.
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidMetadata(
            f"core metadata is not valid UTF-8 (byte {exc.start})",
            hint="core metadata files are UTF-8 (core metadata specification)",
        ) from None
    raw, _unparsed = parse_email(text)
    name = raw.get("name")
    version = raw.get("version")
    if not name or not version:
        missing = [f for f, v in (("Name", name), ("Version", version)) if not v]
        raise InvalidMetadata(f"core metadata lacks {' and '.join(missing)}")
    try:
        project = normalize(name)
    except InvalidName as exc:
        raise InvalidMetadata(f"core metadata Name: {exc.message}", hint=exc.hint) from None
    try:
        parsed_version = Version(version)
    except InvalidVersion:
        raise InvalidMetadata(f"core metadata Version {version!r} is not PEP 440") from None
    requires_python = raw.get("requires_python")
    if requires_python is not None:
        requires_python = requires_python.strip()
        try:
            SpecifierSet(requires_python)
        except InvalidSpecifier:
            raise InvalidMetadata(
                f"Requires-Python {requires_python!r} is not a valid specifier set"
            ) from None
    fields: dict[str, Any] = {}
    for key, value in raw.items():
        if isinstance(value, list | dict) or key in _LIST_FIELDS:
            fields[key] = value
        else:
            fields[key] = str(value)
    return CoreMetadata(
        name=name,
        project=project,
        version=parsed_version,
        requires_python=requires_python or None,
        fields=fields,
    )
