"""HTTP Basic credentials (how twine, uv and pip send them) to a principal."""

from __future__ import annotations

import base64
import binascii

from aiohttp import hdrs, web

from bodega.auth.principal import Principal
from bodega.domain.errors import Unauthenticated
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
    """
    credentials = basic_credentials(request)
    if credentials is None:
        return None
    principal = await accounts.authenticate(*credentials)
    if principal is None:
        raise Unauthenticated(
            "invalid credentials", hint="check the user name and password or token"
        )
    return principal
