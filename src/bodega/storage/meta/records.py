"""Rows of the metadata store as frozen values."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from packaging.utils import NormalizedName


@dataclass(frozen=True, slots=True)
class IndexRecord:
    name: str
    kind: str
    config: dict[str, Any]
    created_at: datetime


@dataclass(frozen=True, slots=True)
class FileRecord:
    """A distribution file stored in a hosted index."""

    index_name: str
    project: NormalizedName
    version: str
    filename: str
    packagetype: str
    python_version: str
    sha256: str
    md5: str | None
    blake2_256: str | None
    size: int
    requires_python: str | None
    metadata_sha256: str | None
    core_metadata: dict[str, Any]
    yanked: bool
    yanked_reason: str | None
    uploaded_at: datetime
    uploaded_by: str | None
    deleted_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Change:
    """One entry of the change log."""

    serial: int
    at: datetime
    index_name: str | None
    project: str | None
    action: str
    actor: str | None
    remote_addr: str | None
    detail: dict[str, Any]


@dataclass(frozen=True, slots=True)
class UserRecord:
    name: str
    password_hash: str | None
    is_admin: bool
    created_at: datetime
    groups: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class TokenRecord:
    id: str
    user_name: str
    secret_hash: str
    scope: str
    indexes: tuple[str, ...]
    description: str | None
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None


@dataclass(frozen=True, slots=True)
class ProxyPageRecord:
    """A proxy index's last good answer from upstream for a project ("" = root)."""

    index_name: str
    project: str
    status: int
    page: bytes | None
    etag: str | None
    last_modified: str | None
    fetched_at: datetime


@dataclass(frozen=True, slots=True)
class ProxyFileRecord:
    """A file (and/or its core metadata) a proxy index has stored."""

    index_name: str
    filename: str
    project: str
    sha256: str | None
    size: int | None
    metadata_sha256: str | None
    upstream_url: str
    cached_at: datetime
