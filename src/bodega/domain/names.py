"""Project, index and version names (PEP 503, PEP 508, PEP 440)."""

from __future__ import annotations

import re

from packaging.utils import InvalidName as _PackagingInvalidName
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import InvalidVersion, Version

from bodega.domain.errors import InvalidInput, InvalidName

__all__ = ["NormalizedName", "normalize", "normalize_version", "validate_index_name"]

# Index names become the first segment of every URL of the index, so they must not
# clash with the server's own top-level routes. ("pypi" stays allowed: it is the default
# proxy index; the router tells /pypi/<project>/json from that index's own URLs.)
RESERVED_INDEX_NAMES = frozenset(
    {"simple", "healthz", "metrics", "api", "admin", "static", "ui", "login", "favicon.ico"}
)
# fullmatch, not "$": "$" also matches before a trailing newline
_INDEX_NAME = re.compile(r"[a-z0-9](?:[a-z0-9_-]{0,62}[a-z0-9])?")
MAX_PROJECT_NAME = 200


def normalize(name: str) -> NormalizedName:
    """Validate a project name (PEP 508) and return its PEP 503 normal form.

    Raises:
        InvalidName: the name is not a valid project name.
    """
    if len(name) > MAX_PROJECT_NAME:
        raise InvalidName(
            f"project name is {len(name)} characters long",
            hint=f"at most {MAX_PROJECT_NAME} characters are accepted",
        )
    try:
        return canonicalize_name(name, validate=True)
    except _PackagingInvalidName:
        raise InvalidName(
            f"{name!r} is not a valid project name",
            hint="PEP 508: ASCII letters, digits, '.', '_' and '-', starting and ending "
            "with a letter or digit",
        ) from None


def is_normalized(name: str) -> bool:
    """Whether ``name`` is already in PEP 503 normal form (and valid)."""
    try:
        return normalize(name) == name
    except InvalidName:
        return False


def normalize_version(version: str) -> str:
    """Return the PEP 440 normal form of a version string.

    Raises:
        InvalidInput: the string is not a PEP 440 version.
    """
    try:
        return str(Version(version))
    except InvalidVersion:
        raise InvalidInput(
            f"{version!r} is not a valid version", hint="versions follow PEP 440"
        ) from None


def validate_index_name(name: str) -> str:
    """Check that ``name`` can be an index name and return it.

    Raises:
        InvalidName: the name has characters outside [a-z0-9_-], is too long, or is reserved.
    """
    if not _INDEX_NAME.fullmatch(name):
        raise InvalidName(
            f"{name!r} is not a valid index name",
            hint="1-64 lowercase letters, digits, '_' or '-', starting and ending with "
            "a letter or digit",
        )
    if name in RESERVED_INDEX_NAMES:
        raise InvalidName(
            f"{name!r} is reserved for the server's own URLs",
            hint=f"reserved: {', '.join(sorted(RESERVED_INDEX_NAMES))}",
        )
    return name
