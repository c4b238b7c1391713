"""JSON-ready views of stored records, shared by the admin API and the CLI.

Secrets never appear: no password hashes, no token hashes, upstream passwords masked.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bodega.domain.redact import redact_config
from bodega.storage.meta.records import IndexRecord, TokenRecord, UserRecord


def public_config(config: Mapping[str, Any]) -> dict[str, Any]:
    return redact_config(config)


def index_view(record: IndexRecord) -> dict[str, Any]:
    return {
        "name": record.name,
        "kind": record.kind,
        "config": public_config(record.config),
        "created_at": record.created_at.isoformat(),
    }


def user_view(record: UserRecord) -> dict[str, Any]:
    return {
        "name": record.name,
        "admin": record.is_admin,
        "groups": list(record.groups),
        "created_at": record.created_at.isoformat(),
    }


def token_view(record: TokenRecord) -> dict[str, Any]:
    return {
        "id": record.id,
        "user": record.user_name,
        "scope": record.scope,
        "indexes": list(record.indexes),
        "description": record.description,
        "created_at": record.created_at.isoformat(),
        "expires_at": record.expires_at.isoformat() if record.expires_at else None,
        "revoked_at": record.revoked_at.isoformat() if record.revoked_at else None,
    }
