"""Links inside simple pages.

Pages hold file URLs relative to the server root (``local/files/<sha256>/<name>``) so one
page value can be served under several paths (``/local/simple/p/`` and the default
index's ``/simple/p/``); each path renders links relative to itself, which keeps bodega
working behind a reverse proxy that mounts it under a prefix.
"""

from __future__ import annotations

_ABSOLUTE = ("http://", "https://", "/")


def resolve(url: str, base: str) -> str:
    """Join a root-relative ``url`` onto ``base`` (a ``../`` chain); leave absolute URLs."""
    return url if url.startswith(_ABSOLUTE) else base + url


def base_for_depth(depth: int) -> str:
    """The ``../`` chain from a page ``depth`` directories below the root back to it."""
    return "../" * depth
