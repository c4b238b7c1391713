"""Users and API tokens: creating them, and turning credentials into a principal."""

from __future__ import annotations

import asyncio
import functools
import re
from datetime import datetime

from sqlalchemy.exc import IntegrityError

from bodega.auth import passwords, tokens
from bodega.auth.principal import Principal, Scope
from bodega.domain.errors import Conflict, InvalidInput, NotFound
from bodega.services.changes import ChangeFeed
from bodega.storage.meta import changes, users
from bodega.storage.meta.database import Database, utcnow
from bodega.storage.meta.records import TokenRecord

TOKEN_USER = "__token__"  # noqa: S105 - the user name twine sends with a token
_USER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,127}$")


def check_user_name(name: str) -> str:
    if name == TOKEN_USER or not _USER_NAME.match(name):
        raise InvalidInput(
            f"{name!r} is not a valid user name",
            hint="1-128 letters, digits, '.', '_', '@' or '-', starting with a letter or digit",
        )
    return name


class Accounts:
    """The account use cases shared by the CLI and the HTTP API."""

    def __init__(self, db: Database, feed: ChangeFeed | None = None) -> None:
        self._db = db
        self._feed = feed

    async def add_user(self, name: str, password: str, *, is_admin: bool, actor: str) -> None:
        """Raises InvalidInput (bad name, weak password) or Conflict (name taken)."""
        check_user_name(name)
        passwords.check_password_strength(password)
        password_hash = await asyncio.to_thread(passwords.hash_password, password)
        try:
            async with self._db.write() as conn:
                await users.add_user(conn, name, password_hash, is_admin)
                await changes.append(
                    conn,
                    action="user-create",
                    actor=actor,
                    detail={"user": name, "admin": is_admin},
                )
        except IntegrityError:
            raise Conflict(f"user {name!r} exists already") from None
        await self._committed()

    async def create_token(
        self,
        user: str,
        *,
        scope: Scope,
        indexes: tuple[str, ...],
        expires_at: datetime | None,
        description: str | None,
        actor: str,
    ) -> tuple[TokenRecord, str]:
        """Create a token; return its record and its value (shown once, never stored)."""
        new = tokens.generate()
        record = TokenRecord(
            id=new.id,
            user_name=user,
            secret_hash=new.secret_hash,
            scope=scope.value,
            indexes=indexes,
            description=description,
            created_at=utcnow(),
            expires_at=expires_at,
            revoked_at=None,
        )
        async with self._db.write() as conn:
            if await users.get_user(conn, user) is None:
                raise NotFound(f"no user named {user!r}")
            await users.add_token(conn, record)
            await changes.append(
                conn,
                action="token-create",
                actor=actor,
                detail={"user": user, "token": new.id, "scope": scope.value, "indexes": indexes},
            )
        await self._committed()
        return record, new.value

    async def authenticate(self, user: str, secret: str) -> Principal | None:
        """The principal for HTTP Basic credentials, or None if they are not valid."""
        parsed = tokens.parse(secret)
        if parsed is not None:
            return await self._by_token(user, *parsed)
        async with self._db.read() as conn:
            record = await users.get_user(conn, user)
        if record is None or record.password_hash is None:
            # same cost as a real check, so timing does not reveal which users exist
            await asyncio.to_thread(passwords.verify_password, _dummy_hash(), secret)
            return None
        if not await asyncio.to_thread(passwords.verify_password, record.password_hash, secret):
            return None
        return Principal(user=record.name, is_admin=record.is_admin)

    async def _by_token(self, user: str, token_id: str, secret: str) -> Principal | None:
        async with self._db.read() as conn:
            token = await users.get_token(conn, token_id)
            owner = await users.get_user(conn, token.user_name) if token else None
        if token is None or owner is None or not tokens.secret_matches(secret, token.secret_hash):
            return None
        if user not in (TOKEN_USER, token.user_name):
            return None
        now = utcnow()
        if token.revoked_at is not None or (token.expires_at and token.expires_at <= now):
            return None
        return Principal(
            user=owner.name,
            is_admin=owner.is_admin and Scope(token.scope) is Scope.ADMIN,
            token_id=token.id,
            token_scope=Scope(token.scope),
            token_indexes=token.indexes,
        )

    async def _committed(self) -> None:
        if self._feed is not None:
            await self._feed.committed()


@functools.cache
def _dummy_hash() -> str:
    return passwords.hash_password("bodega-timing-equaliser")
