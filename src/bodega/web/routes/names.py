"""Project names in URLs: what the routes accept, and where a non-normalized one goes."""

from __future__ import annotations

from functools import lru_cache

from packaging.utils import NormalizedName

from bodega.domain.errors import InvalidName, ProjectNotFound
from bodega.domain.names import normalize


@lru_cache(maxsize=4096)
def project_from_url(raw: str) -> NormalizedName:
    """The normalized name of a project named in a URL (remembered: every page request
    asks, mostly for the same few thousand names).

    Raises:
        ProjectNotFound: not a valid project name (no project can have it).
    """
    try:
        return normalize(raw)
    except InvalidName as exc:
        raise ProjectNotFound(exc.message, hint=exc.hint) from None
