"""Who is asking, and whether they may: HTTP Basic credentials (how twine, uv and pip send
them, tokens included) to a principal, and the permission checks of every route."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable

from aiohttp import hdrs, web

from bodega.auth import tokens
from bodega.auth.policy import Permission, allows, is_public
from bodega.auth.principal import Principal
from bodega.domain.errors import BodegaError, Unauthenticated
from bodega.indexes.base import Index
from bodega.services.accounts import Accounts


def basic_credentials(request: web.BaseRequest) -> tuple[str, str] | None:
    """(user, password) from an ``Authorization: Basic`` header; None when absent.

    Raises:
        Unauthenticated: the header is present but malformed.
    """
    header = request.headers.get(hdrs.AUTHORIZATION)
    if not header:
        return None
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        raise Unauthenticated(f"unsupported authorization scheme {scheme!r}", hint="use Basic")
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise Unauthenticated("malformed Basic credentials") from None
    user, colon, password = decoded.partition(":")
    if not colon:
        raise Unauthenticated("malformed Basic credentials: no ':' between user and password")
    return user, password


async def authenticate(request: web.BaseRequest, accounts: Accounts) -> Principal | None:
    """The request's principal, None for an anonymous request.

    Raises:
        Unauthenticated: credentials were sent but are not valid.
        TooManyAttempts: this client failed to sign in too often recently.
    """
    credentials = basic_credentials(request)
    if credentials is None:
        return None
    user, secret = credentials
    address = request.remote or "unknown"
    # each token counts on its own: bad tokens from a CI runner must not lock out the
    # good ones it also uses (the per-address limit still caps guessing)
    parsed = tokens.parse(secret)
    who = f"{user}:{parsed[0]}" if parsed is not None else user
    accounts.throttle.check(address, who)
    principal = await accounts.authenticate(user, secret)
    if principal is None:
        accounts.throttle.failed(address, who)
        raise Unauthenticated(
            "invalid credentials", hint="check the user name and password or token"
        )
    accounts.throttle.succeeded(address, who)
    return principal


class Access:
    """The permission checks of the HTTP routes."""

    def __init__(self, accounts: Accounts) -> None:
        self._accounts = accounts

    async def principal(self, request: web.BaseRequest) -> Principal | None:
        return await authenticate(request, self._accounts)

    async def require(
        self,
        request: web.BaseRequest,
        index: Index,
        permission: Permission,
        refusal: Callable[[], BodegaError],
    ) -> Principal | None:
        """The principal, if it holds ``permission`` on ``index``.

        Raises:
            Unauthenticated: anonymous, and the index needs credentials (a 401 makes
                pip and uv send the ones they have).
            what ``refusal`` builds (only then: the hot path makes no error object):
                signed in without the permission; for reads this is a "not found", so
                the index does not reveal what it holds.
        """
        if permission is Permission.READ and is_public(index.config):
            return None  # the hot path: public pages need no credential check
        principal = await self.principal(request)
        if allows(principal, permission, index.name, index.config):
            return principal
        if principal is None:
            raise Unauthenticated(f"index {index.name!r} needs credentials")
        raise refusal()
