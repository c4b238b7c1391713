"""The one mapping from bodega's errors to HTTP responses.

Upload clients (twine, uv, poetry) show the HTTP reason phrase to the user, so errors
carry their message there as well as in the body; a taken file name is a 409 with
"File already exists", which ``twine upload --skip-existing`` recognises. The admin API
(paths under ``/api/``) gets the same statuses with a JSON body instead:
``{"error": code, "message": ..., "hint": ...}``.
"""

from __future__ import annotations

import logging

import orjson
from aiohttp import web

from bodega.auth.throttle import TooManyAttempts
from bodega.domain import errors
from bodega.simple.negotiation import NotAcceptable

log = logging.getLogger(__name__)

_STATUS: tuple[tuple[type[errors.BodegaError], int], ...] = (
    (errors.TooLarge, 413),
    (errors.InvalidInput, 400),
    # only raised in requests by changes to an index's definition: the caller's mistake
    (errors.ConfigError, 400),
    (errors.NotFound, 404),
    (errors.FileExists, 409),
    (errors.Conflict, 409),
    (errors.NotAllowed, 405),
    (errors.Unauthenticated, 401),
    (errors.Forbidden, 403),
    (TooManyAttempts, 429),
    (NotAcceptable, 406),
    (errors.UpstreamError, 502),
)
_MAX_REASON = 300
API_PREFIX = "/api/"


def status_for(error: errors.BodegaError) -> int:
    for kind, status in _STATUS:
        if isinstance(error, kind):
            return status
    return 500


def is_api(path: str) -> bool:
    """Whether ``path`` belongs to the admin API, whose errors are JSON."""
    return path.startswith(API_PREFIX)


def error_response(error: errors.BodegaError, path: str = "") -> web.Response:
    """The response for ``error`` raised while answering a request for ``path``."""
    status = status_for(error)
    headers = {"X-Bodega-Error": error.code}
    if status == 401:
        headers["WWW-Authenticate"] = 'Basic realm="bodega"'
    if isinstance(error, TooManyAttempts):
        headers["Retry-After"] = str(error.retry_after)
    reason = _reason(error.message)
    if is_api(path):
        document = {"error": error.code, "message": error.message, "hint": error.hint}
        return web.Response(
            status=status,
            reason=reason,
            body=orjson.dumps(document),
            content_type="application/json",
            headers=headers,
        )
    body = f"{error.message}\n" + (f"hint: {error.hint}\n" if error.hint else "")
    return web.Response(status=status, reason=reason, text=body, headers=headers)


def not_found(path: str) -> web.Response:
    return error_response(errors.NotFound(f"nothing at {path}"), path)


def method_not_allowed(method: str, allowed: tuple[str, ...], path: str = "") -> web.Response:
    response = error_response(
        errors.NotAllowed(f"{method} is not allowed here", hint=f"allowed: {', '.join(allowed)}"),
        path,
    )
    response.headers["Allow"] = ", ".join(allowed)
    return response


def internal_error(path: str = "") -> web.Response:
    """A 500 that reveals nothing (the details go to the server log)."""
    if is_api(path):
        document = {
            "error": "internal",
            "message": "internal server error",
            "hint": "see the server log",
        }
        return web.Response(
            status=500, body=orjson.dumps(document), content_type="application/json"
        )
    return web.Response(status=500, text="internal server error; see the server log\n")


def _reason(message: str) -> str:
    """A reason phrase: one line of printable ASCII."""
    text = "".join(c if " " <= c <= "~" else " " for c in message)
    return text[:_MAX_REASON]
