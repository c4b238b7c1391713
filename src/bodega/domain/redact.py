"""Keeping secrets out of what is shown: index configs in API answers, logs and audit."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit, urlunsplit

MASK = "***"
SECRET_KEYS = frozenset({"password"})


def redact_url(url: str) -> str:
    """The URL with any password in its userinfo masked (pip-style credentials)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = f"{parts.username}:{MASK}@{parts.netloc.rpartition('@')[2]}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def redact_config(config: Mapping[str, Any]) -> dict[str, Any]:
    """An index config fit to show: passwords masked, also inside upstream URLs."""
    shown: dict[str, Any] = {}
    for key, value in config.items():
        if key in SECRET_KEYS:
            shown[key] = MASK
        elif isinstance(value, str) and "@" in value and "://" in value:
            shown[key] = redact_url(value)
        else:
            shown[key] = value
    return shown
