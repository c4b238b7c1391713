"""Queries on users and API tokens."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Row, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bodega.storage.meta.database import as_utc, utcnow
from bodega.storage.meta.records import TokenRecord, UserRecord
from bodega.storage.meta.schema import tokens, users


def _user(row: Row[Any]) -> UserRecord:
    return UserRecord(
        name=row.name,
        password_hash=row.password_hash,
        is_admin=bool(row.is_admin),
        created_at=as_utc(row.created_at),
        groups=tuple(row.groups or ()),
    )


def _token(row: Row[Any]) -> TokenRecord:
    return TokenRecord(
        id=row.id,
        user_name=row.user_name,
        secret_hash=row.secret_hash,
        scope=row.scope,
        indexes=tuple(row.indexes),
        description=row.description,
        created_at=as_utc(row.created_at),
        expires_at=as_utc(row.expires_at) if row.expires_at else None,
        revoked_at=as_utc(row.revoked_at) if row.revoked_at else None,
    )


async def get_user(conn: AsyncConnection, name: str) -> UserRecord | None:
    row = (await conn.execute(select(users).where(users.c.name == name))).first()
    return _user(row) if row else None


async def list_users(conn: AsyncConnection) -> list[UserRecord]:
    return [_user(row) for row in await conn.execute(select(users).order_by(users.c.name))]


async def add_user(
    conn: AsyncConnection,
    name: str,
    password_hash: str | None,
    is_admin: bool,
    groups: tuple[str, ...] = (),
) -> None:
    await conn.execute(
        insert(users).values(
            name=name,
            password_hash=password_hash,
            is_admin=is_admin,
            created_at=utcnow(),
            groups=list(groups),
        )
    )


async def update_user(conn: AsyncConnection, name: str, **values: Any) -> bool:
    """Set columns of a user (is_admin, groups, password_hash); False if no such user."""
    if "groups" in values:
        values["groups"] = list(values["groups"])
    result = await conn.execute(update(users).where(users.c.name == name).values(**values))
    return bool(result.rowcount)


async def set_password(conn: AsyncConnection, name: str, password_hash: str) -> None:
    await conn.execute(
        update(users).where(users.c.name == name).values(password_hash=password_hash)
    )


async def add_token(conn: AsyncConnection, token: TokenRecord) -> None:
    await conn.execute(
        insert(tokens).values(
            id=token.id,
            user_name=token.user_name,
            secret_hash=token.secret_hash,
            scope=token.scope,
            indexes=list(token.indexes),
            description=token.description,
            created_at=token.created_at,
            expires_at=token.expires_at,
            revoked_at=token.revoked_at,
        )
    )


async def get_token(conn: AsyncConnection, token_id: str) -> TokenRecord | None:
    row = (await conn.execute(select(tokens).where(tokens.c.id == token_id))).first()
    return _token(row) if row else None


async def list_tokens(conn: AsyncConnection, user_name: str | None = None) -> list[TokenRecord]:
    query = select(tokens).order_by(tokens.c.created_at)
    if user_name is not None:
        query = query.where(tokens.c.user_name == user_name)
    return [_token(row) for row in await conn.execute(query)]


async def revoke_token(conn: AsyncConnection, token_id: str, at: datetime) -> bool:
    result = await conn.execute(
        update(tokens)
        .where(tokens.c.id == token_id, tokens.c.revoked_at.is_(None))
        .values(revoked_at=at)
    )
    return bool(result.rowcount)
