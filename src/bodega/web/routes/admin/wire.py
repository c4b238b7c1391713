"""The admin API's side of HTTP: who is asking, JSON bodies and query parameters in, JSON out.

A request body is one JSON object. Each handler names the fields it takes; a field it
does not take, a missing required field or a value of the wrong type is refused with an
``InvalidInput`` naming the field, before any use case runs. A JSON ``null`` counts as
"not given" everywhere.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from datetime import datetime
from typing import Any, TypeVar

import orjson
from aiohttp import hdrs, web
from multidict import MultiMapping

from bodega.auth.principal import Principal
from bodega.domain.errors import InvalidInput, TooLarge, Unauthenticated
from bodega.web.auth import Access

T = TypeVar("T")
MAX_BODY_BYTES = 1 << 20
_JSON_TYPES: tuple[tuple[type, str], ...] = (
    (bool, "a boolean"),
    (int, "a number"),
    (float, "a number"),
    (str, "a string"),
    (list, "an array"),
    (dict, "an object"),
)


def json_response(document: object, status: int = 200) -> web.Response:
    """``document`` as an ``application/json`` response."""
    return web.Response(body=orjson.dumps(document), status=status, content_type="application/json")


async def signed_in(access: Access, request: web.BaseRequest) -> Principal:
    """The request's principal; every admin API route needs one.

    Raises:
        Unauthenticated: no credentials, or invalid ones.
        TooManyAttempts: this client failed to sign in too often recently.
    """
    principal = await access.principal(request)
    if principal is None:
        raise Unauthenticated(
            "the admin API needs credentials",
            hint="HTTP Basic: user __token__ with an API token, or a user name and password",
        )
    return principal


def describe_type(value: object) -> str:
    """How an error message names the JSON type of ``value``."""
    if value is None:
        return "null"
    for kind, name in _JSON_TYPES:
        if isinstance(value, kind):
            return name
    return type(value).__name__


def parse_timestamp(value: str, name: str) -> datetime:
    """An ISO 8601 timestamp with a time zone.

    A ``+`` in a query string decodes to a space, so ``...T10:00:00 00:00`` is read as
    ``...T10:00:00+00:00``.

    Raises:
        InvalidInput: not ISO 8601, or no time zone.
    """
    candidates = [value]
    if " " in value:
        head, _, tail = value.rpartition(" ")
        candidates.append(f"{head}+{tail}")
    for candidate in candidates:
        try:
            parsed = datetime.fromisoformat(candidate)
        except ValueError:
            continue
        if parsed.tzinfo is None:
            raise InvalidInput(
                f"{name} {value!r} has no time zone", hint="e.g. 2025-01-31T12:00:00+00:00"
            )
        return parsed
    raise InvalidInput(
        f"{name} {value!r} is not an ISO 8601 timestamp", hint="e.g. 2025-01-31T12:00:00+00:00"
    )


async def read_body(request: web.BaseRequest, fields: Collection[str]) -> Fields:
    """The request's JSON object, limited to ``fields``; an empty body is ``{}``.

    Raises:
        InvalidInput: not JSON, not an object, or a field outside ``fields``.
        TooLarge: more than MAX_BODY_BYTES.
    """
    content_type = request.headers.get(hdrs.CONTENT_TYPE, "application/json")
    media = content_type.partition(";")[0].strip().lower()
    if media != "application/json" and not media.endswith("+json"):
        raise InvalidInput(
            f"the request body must be JSON, not {media!r}",
            hint="send Content-Type: application/json",
        )
    too_large = TooLarge(f"a request body of the admin API is at most {MAX_BODY_BYTES} bytes")
    if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
        raise too_large
    try:
        raw = await request.read()  # bounded by the server's client_max_size (1 MiB)
    except web.HTTPRequestEntityTooLarge:
        raise too_large from None
    if not raw.strip():
        return Fields({}, "body field")
    try:
        document = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise InvalidInput(f"the request body is not valid JSON: {exc}") from None
    if not isinstance(document, dict):
        raise InvalidInput(f"the request body must be a JSON object, not {describe_type(document)}")
    return Fields(document, "body field").only(fields)


def read_query(request: web.BaseRequest, parameters: Collection[str]) -> Fields:
    """The query parameters, limited to ``parameters``, each given at most once.

    Raises:
        InvalidInput: an unknown or repeated parameter.
    """
    query: MultiMapping[str] = request.query
    for name in query:
        if len(query.getall(name)) > 1:
            raise InvalidInput(f"query parameter {name!r} is given more than once")
    return Fields(dict(query), "query parameter", textual=True).only(parameters)


class Fields:
    """Typed access to the fields of a body (or the parameters of a query)."""

    def __init__(self, values: Mapping[str, Any], what: str, *, textual: bool = False) -> None:
        self._values = values
        self._what = what
        # query parameters are text: numbers are parsed from it
        self._textual = textual

    def only(self, allowed: Collection[str]) -> Fields:
        """Raises InvalidInput for the first name outside ``allowed``."""
        for name in self._values:
            if name not in allowed:
                raise InvalidInput(
                    f"unknown {self._what} {name!r}",
                    hint=f"accepted: {', '.join(sorted(allowed)) or 'none'}",
                )
        return self

    def text(self, name: str) -> str | None:
        value: str | None = self._typed(name, "a string", lambda v: isinstance(v, str))
        return value

    def need_text(self, name: str) -> str:
        return self._required(name, self.text(name))

    def flag(self, name: str) -> bool | None:
        value: bool | None = self._typed(name, "a boolean", lambda v: isinstance(v, bool))
        return value

    def integer(self, name: str) -> int | None:
        """An integer; in a query, its decimal text."""
        value = self._values.get(name)
        if isinstance(value, str) and self._textual:
            try:
                return int(value)
            except ValueError:
                raise InvalidInput(
                    f"{self._what} {name!r} must be an integer, got {value!r}"
                ) from None
        checked: int | None = self._typed(
            name, "an integer", lambda v: isinstance(v, int) and not isinstance(v, bool)
        )
        return checked

    def texts(self, name: str) -> list[str] | None:
        value: list[str] | None = self._typed(
            name,
            "an array of strings",
            lambda v: isinstance(v, list) and all(isinstance(i, str) for i in v),
        )
        return value

    def need_texts(self, name: str) -> list[str]:
        return self._required(name, self.texts(name))

    def mapping(self, name: str) -> dict[str, Any] | None:
        value: dict[str, Any] | None = self._typed(name, "an object", lambda v: isinstance(v, dict))
        return value

    def need_mapping(self, name: str) -> dict[str, Any]:
        return self._required(name, self.mapping(name))

    def timestamp(self, name: str) -> datetime | None:
        """An ISO 8601 timestamp with a time zone."""
        value = self.text(name)
        return None if value is None else parse_timestamp(value, f"{self._what} {name!r}")

    def _typed(self, name: str, expected: str, accepts: Callable[[Any], bool]) -> Any:
        value = self._values.get(name)
        if value is None or accepts(value):
            return value
        raise InvalidInput(f"{self._what} {name!r} must be {expected}, got {describe_type(value)}")

    def _required(self, name: str, value: T | None) -> T:
        if value is None:
            raise InvalidInput(f"{self._what} {name!r} is required")
        return value
