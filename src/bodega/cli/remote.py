"""The CLI's backend on a running server: the ``Backend`` calls over the admin API.

``bodega ... --url URL --token TOKEN`` sends the same calls the local backend runs on the
data directory, and gets back the same JSON values, so commands print the same either
way. A refusal from the server comes back as the bodega error type it was raised as (its
code travels in the JSON error body), with the server's message and hint.
"""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlsplit

import aiohttp
import orjson

from bodega import __version__
from bodega.auth.throttle import TooManyAttempts
from bodega.domain.errors import BodegaError, InvalidInput
from bodega.services.accounts import TOKEN_USER
from bodega.services.audit import AuditQuery
from bodega.services.lifecycle import Selection

# connecting should be quick; a push or delete of a large release may take a while
DEFAULT_TIMEOUT = aiohttp.ClientTimeout(total=None, sock_connect=10, sock_read=300)
_MAX_SHOWN = 300


@asynccontextmanager
async def remote_backend(
    url: str, token: str, timeouts: aiohttp.ClientTimeout = DEFAULT_TIMEOUT
) -> AsyncIterator[RemoteBackend]:
    """A backend on the server at ``url`` (its root URL), signed in with an API token.

    Raises:
        InvalidInput: ``url`` is not an http(s) URL.
    """
    base = server_url(url)
    credentials = base64.b64encode(f"{TOKEN_USER}:{token}".encode()).decode()
    session = aiohttp.ClientSession(
        timeout=timeouts,
        headers={
            "Authorization": f"Basic {credentials}",
            "User-Agent": f"bodega-cli/{__version__}",
            "Accept": "application/json",
        },
    )
    async with session:
        yield RemoteBackend(session, base)


def server_url(url: str) -> str:
    """``url`` without a trailing slash, checked to be http(s) with a host.

    Raises:
        InvalidInput: anything else.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInput(
            f"--url {url!r} is not an http:// or https:// URL", hint="e.g. http://localhost:8080"
        )
    if parts.query or parts.fragment:
        raise InvalidInput(f"--url {url!r} has a query or fragment", hint="give the server's root")
    return url.rstrip("/")


class RemoteBackend:
    """The ``Backend`` calls as admin API requests."""

    def __init__(self, session: aiohttp.ClientSession, base_url: str) -> None:
        self._session = session
        self._base = base_url

    async def add_user(
        self, name: str, password: str, *, admin: bool, groups: list[str]
    ) -> dict[str, Any]:
        body = {"name": name, "password": password, "admin": admin, "groups": groups}
        created: dict[str, Any] = await self._call("POST", ("users",), body)
        return created

    async def update_user(
        self,
        name: str,
        *,
        password: str | None,
        admin: bool | None,
        groups: list[str] | None,
    ) -> dict[str, Any]:
        body = _given(password=password, admin=admin, groups=groups)
        updated: dict[str, Any] = await self._call("PATCH", ("users", name), body)
        return updated

    async def list_users(self) -> list[dict[str, Any]]:
        return list((await self._call("GET", ("users",)))["users"])

    async def create_token(
        self,
        user: str,
        *,
        scope: str,
        indexes: list[str],
        expires_at: datetime | None,
        description: str | None,
    ) -> dict[str, Any]:
        body = {
            "user": user,
            "scope": scope,
            "indexes": indexes,
            **_given(
                expires_at=expires_at.isoformat() if expires_at else None,
                description=description,
            ),
        }
        created: dict[str, Any] = await self._call("POST", ("tokens",), body)
        return created

    async def list_tokens(self, user: str | None) -> list[dict[str, Any]]:
        found = await self._call("GET", ("tokens",), query=_given(user=user))
        return list(found["tokens"])

    async def revoke_token(self, token_id: str) -> None:
        await self._call("DELETE", ("tokens", token_id))

    async def list_indexes(self) -> list[dict[str, Any]]:
        return list((await self._call("GET", ("indexes",)))["indexes"])

    async def create_index(self, name: str, kind: str, config: dict[str, Any]) -> dict[str, Any]:
        body = {"name": name, "kind": kind, "config": config}
        created: dict[str, Any] = await self._call("POST", ("indexes",), body)
        return created

    async def update_index(self, name: str, changes: dict[str, Any]) -> dict[str, Any]:
        updated: dict[str, Any] = await self._call("PATCH", ("indexes", name), {"config": changes})
        return updated

    async def yank(
        self, index: str, selection: Selection, *, yanked: bool, reason: str | None
    ) -> list[str]:
        action = "yank" if yanked else "unyank"
        body = {**_selection(selection), **_given(reason=reason)}
        return list((await self._call("POST", ("indexes", index, action), body))["files"])

    async def delete(self, index: str, selection: Selection) -> list[str]:
        body = _selection(selection)
        return list((await self._call("POST", ("indexes", index, "delete"), body))["files"])

    async def push(self, project: str, version: str, *, source: str, target: str) -> list[str]:
        body = {"project": project, "version": version, "from": source, "to": target}
        return list((await self._call("POST", ("push",), body))["files"])

    async def audit(self, query: AuditQuery) -> list[dict[str, Any]]:
        parameters = _given(
            index=query.index_name,
            project=query.project,
            action=query.action,
            actor=query.actor,
            since=query.since.isoformat() if query.since else None,
            until=query.until.isoformat() if query.until else None,
            after=str(query.after_serial) if query.after_serial else None,
            limit=str(query.limit),
        )
        return list((await self._call("GET", ("audit",), query=parameters))["entries"])

    async def _call(
        self,
        method: str,
        segments: tuple[str, ...],
        body: Mapping[str, Any] | None = None,
        query: Mapping[str, str] | None = None,
    ) -> Any:
        """One request; the decoded JSON answer (None for an empty one).

        Raises:
            BodegaError: the server refused (as the type it raised), answered something
                that is not the admin API, or could not be reached.
        """
        url = f"{self._base}/api/" + "/".join(quote(s, safe="") for s in segments)
        headers = {"Content-Type": "application/json"} if body is not None else {}
        data = orjson.dumps(body) if body is not None else None
        try:
            async with self._session.request(
                method, url, data=data, params=query, headers=headers, allow_redirects=False
            ) as response:
                raw = await response.read()
                if response.status >= 300:
                    raise error_from(response.status, response.headers, raw, f"{method} {url}")
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise BodegaError(
                f"cannot reach the bodega server at {self._base}: {str(exc) or type(exc).__name__}",
                hint="check --url and that the server is running",
            ) from None
        if not raw:
            return None
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError:
            raise BodegaError(f"{method} {url} answered something that is not JSON") from None


def error_from(status: int, headers: Mapping[str, str], raw: bytes, what: str) -> BodegaError:
    """The bodega error an admin API error response stands for."""
    try:
        document = orjson.loads(raw)
        code, message, hint = document["error"], document["message"], document.get("hint")
    except (orjson.JSONDecodeError, KeyError, TypeError):
        shown = raw.decode("utf-8", "replace").strip()[:_MAX_SHOWN]
        return BodegaError(
            f"{what} answered HTTP {status}" + (f": {shown}" if shown else ""),
            hint="is --url the root of a bodega server?",
        )
    kind = _error_types().get(code)
    if kind is TooManyAttempts:
        retry_after = headers.get("Retry-After", "")
        seconds = int(retry_after) if retry_after.isdigit() else 0
        return TooManyAttempts(message, retry_after=seconds, hint=hint)
    if kind is None:
        error = BodegaError(message, hint=hint)
        error.code = str(code)
        return error
    return kind(message, hint=hint)


def _error_types() -> dict[str, type[BodegaError]]:
    """Every bodega error type by its code (the most general type for a shared code)."""
    found: dict[str, type[BodegaError]] = {}
    pending: list[type[BodegaError]] = [BodegaError]
    while pending:
        kind = pending.pop(0)
        found.setdefault(kind.code, kind)
        pending.extend(kind.__subclasses__())
    return found


def _selection(selection: Selection) -> dict[str, Any]:
    return {
        "project": selection.project,
        **_given(version=selection.version, filename=selection.filename),
    }


def _given(**values: Any) -> dict[str, Any]:
    """The values that are not None (absent fields and parameters keep their defaults)."""
    return {k: v for k, v in values.items() if v is not None}
