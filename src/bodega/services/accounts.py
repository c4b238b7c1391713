"""Users, groups and API tokens: managing them, and turning credentials into a principal.

Verifying a password costs an argon2 hash (tens of milliseconds), and installers send
credentials with every request, so a verified credential is remembered for a minute,
keyed by a hash of what was sent; any change to users or tokens forgets them all.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import re
import time
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.exc import IntegrityError

from bodega.auth import passwords, tokens
from bodega.auth.policy import may_change_password, token_may_create
from bodega.auth.principal import Principal, Scope
from bodega.auth.throttle import LoginThrottle
from bodega.domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from bodega.services.changes import ChangeFeed
from bodega.storage.meta import changes, users
from bodega.storage.meta.database import Database, utcnow
from bodega.storage.meta.records import Change, TokenRecord, UserRecord

TOKEN_USER = "__token__"  # noqa: S105 - the user name twine sends with a token
_USER_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,127}")
_GROUP_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_CREDENTIAL_TTL = 60.0
_MAX_REMEMBERED = 10_000
_ACCOUNT_ACTIONS = frozenset({"user-create", "user-update", "token-create", "token-revoke"})


def check_user_name(name: str) -> str:
    if name == TOKEN_USER or not _USER_NAME.fullmatch(name):
        raise InvalidInput(
            f"{name!r} is not a valid user name",
            hint="1-128 letters, digits, '.', '_', '@' or '-', starting with a letter or digit",
        )
    return name


def check_groups(groups: Sequence[str]) -> tuple[str, ...]:
    for group in groups:
        if not _GROUP_NAME.fullmatch(group):
            raise InvalidInput(
                f"{group!r} is not a valid group name",
                hint="1-64 letters, digits, '.', '_' or '-', starting with a letter or digit",
            )
    return tuple(sorted(set(groups)))


class Accounts:
    """The account use cases shared by the CLI and the HTTP API."""

    def __init__(
        self,
        db: Database,
        feed: ChangeFeed | None = None,
        throttle: LoginThrottle | None = None,
    ) -> None:
        self._db = db
        self._feed = feed
        self.throttle = throttle or LoginThrottle(clock=time.monotonic)
        self._verified: dict[bytes, tuple[Principal, float]] = {}
        if feed is not None:
            feed.subscribe(self._on_changes)

    # -- users ---------------------------------------------------------------------------------

    async def add_user(
        self,
        name: str,
        password: str,
        *,
        is_admin: bool,
        principal: Principal,
        groups: Sequence[str] = (),
        remote_addr: str | None = None,
    ) -> UserRecord:
        """Raises Forbidden (not an admin), InvalidInput (bad name, weak password) or
        Conflict (name taken)."""
        _require_admin(principal, "create users")
        check_user_name(name)
        member_of = check_groups(groups)
        passwords.check_password_strength(password)
        password_hash = await asyncio.to_thread(passwords.hash_password, password)
        try:
            async with self._db.write() as conn:
                await users.add_user(conn, name, password_hash, is_admin, member_of)
                await changes.append(
                    conn,
                    action="user-create",
                    actor=principal.actor,
                    remote_addr=remote_addr,
                    detail={"user": name, "admin": is_admin, "groups": list(member_of)},
                )
                record = await users.get_user(conn, name)
        except IntegrityError:
            raise Conflict(f"user {name!r} exists already") from None
        await self._committed()
        assert record is not None
        return record

    async def update_user(
        self,
        name: str,
        *,
        principal: Principal,
        password: str | None = None,
        is_admin: bool | None = None,
        groups: Sequence[str] | None = None,
        remote_addr: str | None = None,
    ) -> UserRecord:
        """Change a user's password, admin flag or groups (users may change their own
        password; everything else needs an admin).

        Raises Forbidden, NotFound (no such user) or InvalidInput (weak password, bad
        group name).
        """
        if is_admin is not None or groups is not None:
            _require_admin(principal, f"change user {name!r}")
        if password is not None and not may_change_password(principal, name):
            raise Forbidden(
                f"{principal.actor} may not change the password of {name!r}",
                hint="sign in with the password, or use an admin-scope token",
            )
        values: dict[str, object] = {}
        detail: dict[str, object] = {"user": name}
        if password is not None:
            passwords.check_password_strength(password)
            values["password_hash"] = await asyncio.to_thread(passwords.hash_password, password)
            detail["password_changed"] = True
        if is_admin is not None:
            values["is_admin"] = detail["admin"] = is_admin
        if groups is not None:
            member_of = check_groups(groups)
            values["groups"] = member_of
            detail["groups"] = list(member_of)
        if len(values) == 0:
            raise InvalidInput("nothing to change")
        async with self._db.write() as conn:
            if not await users.update_user(conn, name, **values):
                raise NotFound(f"no user named {name!r}")
            await changes.append(
                conn,
                action="user-update",
                actor=principal.actor,
                remote_addr=remote_addr,
                detail=detail,
            )
            record = await users.get_user(conn, name)
        await self._committed()
        assert record is not None
        return record

    async def list_users(self, *, principal: Principal) -> list[UserRecord]:
        _require_admin(principal, "list users")
        async with self._db.read() as conn:
            return await users.list_users(conn)

    # -- tokens --------------------------------------------------------------------------------

    async def create_token(
        self,
        user: str,
        *,
        scope: Scope,
        indexes: tuple[str, ...],
        expires_at: datetime | None,
        description: str | None,
        principal: Principal,
        remote_addr: str | None = None,
    ) -> tuple[TokenRecord, str]:
        """Create a token; return its record and its value (shown once, never stored).

        Users may create tokens for themselves; admins for anyone.
        """
        if principal.user != user:
            _require_admin(principal, f"create tokens for {user!r}")
        refusal = token_may_create(principal, scope, indexes)
        if refusal is not None:
            raise Forbidden(f"{principal.actor} may not create this token: {refusal}")
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
                actor=principal.actor,
                remote_addr=remote_addr,
                detail={
                    "user": user,
                    "token": new.id,
                    "scope": scope.value,
                    "indexes": list(indexes),
                    "expires_at": expires_at.isoformat() if expires_at else None,
                },
            )
        await self._committed()
        return record, new.value

    async def list_tokens(self, user: str | None, *, principal: Principal) -> list[TokenRecord]:
        """Tokens (never their secrets) of ``user`` (None: everyone's, admins only)."""
        if user is None or user != principal.user:
            _require_admin(principal, "list other users' tokens")
        async with self._db.read() as conn:
            return await users.list_tokens(conn, user)

    async def revoke_token(
        self, token_id: str, *, principal: Principal, remote_addr: str | None = None
    ) -> None:
        """Raises NotFound when no live token has that id (or it is someone else's and
        the principal is not an admin)."""
        async with self._db.write() as conn:
            token = await users.get_token(conn, token_id)
            mine = token is not None and token.user_name == principal.user
            if token is None or not (mine or principal.is_admin):
                raise NotFound(f"no active token with id {token_id!r}")
            if not await users.revoke_token(conn, token_id, utcnow()):
                raise NotFound(f"no active token with id {token_id!r}")
            await changes.append(
                conn,
                action="token-revoke",
                actor=principal.actor,
                remote_addr=remote_addr,
                detail={"user": token.user_name, "token": token_id},
            )
        await self._committed()

    # -- signing in ----------------------------------------------------------------------------

    async def authenticate(self, user: str, secret: str) -> Principal | None:
        """The principal for HTTP Basic credentials, or None if they are not valid."""
        key = hashlib.blake2b(f"{user}\0{secret}".encode(), digest_size=32).digest()
        now = time.monotonic()
        remembered = self._verified.get(key)
        if remembered is not None and remembered[1] > now:
            return remembered[0]
        verified = await self._verify(user, secret)
        if verified is None:
            return None
        principal, valid_for = verified
        if len(self._verified) >= _MAX_REMEMBERED:
            self._verified.clear()
        # a token is not remembered past its expiry
        self._verified[key] = (principal, now + min(_CREDENTIAL_TTL, valid_for))
        return principal

    async def _verify(self, user: str, secret: str) -> tuple[Principal, float] | None:
        """The principal and for how many seconds it stays valid; None: not valid."""
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
        principal = Principal(
            user=record.name, is_admin=record.is_admin, groups=frozenset(record.groups)
        )
        return principal, _CREDENTIAL_TTL

    async def _by_token(
        self, user: str, token_id: str, secret: str
    ) -> tuple[Principal, float] | None:
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
        principal = Principal(
            user=owner.name,
            is_admin=owner.is_admin and Scope(token.scope) is Scope.ADMIN,
            token_id=token.id,
            token_scope=Scope(token.scope),
            token_indexes=token.indexes,
            groups=frozenset(owner.groups),
        )
        if token.expires_at is None:
            return principal, _CREDENTIAL_TTL
        return principal, (token.expires_at - now).total_seconds()

    async def _on_changes(self, batch: Sequence[Change]) -> None:
        if any(change.action in _ACCOUNT_ACTIONS for change in batch):
            self._verified.clear()

    async def _committed(self) -> None:
        if self._feed is not None:
            await self._feed.committed()


def _require_admin(principal: Principal, what: str) -> None:
    if not principal.is_server_admin:
        raise Forbidden(f"{principal.actor} may not {what}", hint="this needs a server admin")


@functools.cache
def _dummy_hash() -> str:
    return passwords.hash_password("bodega-timing-equaliser")
