"""The one mapping from bodega's errors to HTTP responses.

Upload clients (twine, uv, poetry) show the HTTP reason phrase to the user, so errors
carry their message there as well as in the body; a taken file name is a 409 with
"File already exists", which ``twine upload --skip-existing`` recognises.
"""

from __future__ import annotations

import logging

from aiohttp import web

from bodega.auth.throttle import TooManyAttempts
from bodega.domain import errors
from bodega.simple.negotiation import NotAcceptable

log = logging.getLogger(__name__)

_STATUS: tuple[tuple[type[errors.BodegaError], int], ...] = (
    (errors.TooLarge, 413),
    (errors.InvalidInput, 400),
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


def status_for(error: errors.BodegaError) -> int:
    for kind, status in _STATUS:
        if isinstance(error, kind):
            return status
    return 500


def error_response(error: errors.BodegaError) -> web.Response:
    status = status_for(error)
    body = f"{error.message}\n" + (f"hint: {error.hint}\n" if error.hint else "")
    headers = {"X-Bodega-Error": error.code}
    if status == 401:
        headers["WWW-Authenticate"] = 'Basic realm="bodega"'
    if isinstance(error, TooManyAttempts):
        headers["Retry-After"] = str(error.retry_after)
    return web.Response(status=status, reason=_reason(error.message), text=body, headers=headers)


def not_found(path: str) -> web.Response:
    return error_response(errors.NotFound(f"nothing at {path}"))


def method_not_allowed(method: str, allowed: tuple[str, ...]) -> web.Response:
    response = error_response(
        errors.NotAllowed(f"{method} is not allowed here", hint=f"allowed: {', '.join(allowed)}")
    )
    response.headers["Allow"] = ", ".join(allowed)
    return response


def internal_error() -> web.Response:
    return web.Response(status=500, text="internal server error; see the server log\n")


def _reason(message: str) -> str:
    """A reason phrase: one line of printable ASCII."""
    text = "".join(c if " " <= c <= "~" else " " for c in message)
    return text[:_MAX_REASON]
