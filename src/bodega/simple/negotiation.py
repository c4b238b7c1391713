"""PEP 691 content negotiation: which representation of a simple page to send."""

from __future__ import annotations

import re
from enum import Enum
from functools import lru_cache

from bodega.domain.errors import BodegaError

JSON_V1 = "application/vnd.pypi.simple.v1+json"
HTML_V1 = "application/vnd.pypi.simple.v1+html"
TEXT_HTML = "text/html"


class Format(Enum):
    """A representation of a simple page; its value is the media type sent back."""

    JSON = JSON_V1
    HTML_V1 = HTML_V1
    HTML = TEXT_HTML

    @property
    def content_type(self) -> str:
        return "text/html; charset=utf-8" if self is Format.HTML else self.value

    @property
    def is_json(self) -> bool:
        return self is Format.JSON


class NotAcceptable(BodegaError):
    code = "not-acceptable"


# media type -> formats it accepts, in the server's order of preference
_MATCHES: dict[str, tuple[Format, ...]] = {
    JSON_V1: (Format.JSON,),
    "application/vnd.pypi.simple.latest+json": (Format.JSON,),
    HTML_V1: (Format.HTML_V1,),
    "application/vnd.pypi.simple.latest+html": (Format.HTML_V1,),
    TEXT_HTML: (Format.HTML,),
    "text/*": (Format.HTML,),
    "application/*": (Format.JSON, Format.HTML_V1),
    # PEP 691: a client that accepts anything gets the legacy HTML form
    "*/*": (Format.HTML,),
}
_PREFERENCE = {Format.JSON: 0, Format.HTML_V1: 1, Format.HTML: 2}
# RFC 9110 section 12.4.2: qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )
_QVALUE = re.compile(r"0(?:\.[0-9]{0,3})?|1(?:\.0{0,3})?")


def choose_format(accept: str | None, override: str | None = None) -> Format:
    """Pick the representation for an ``Accept`` header, or a ``?format=`` override.

    No header means HTML (what PEP 503 clients expect).

    Raises:
        NotAcceptable: nothing the client accepts can be served.
    """
    if override:
        return _choose(override.strip())
    if not accept or not accept.strip():
        return Format.HTML
    return _choose(accept)


@lru_cache(maxsize=512)
def _choose(accept: str) -> Format:
    best: tuple[float, int, Format] | None = None
    for media_type, quality in _parse_accept(accept):
        if quality <= 0:
            continue
        for fmt in _MATCHES.get(media_type, ()):
            candidate = (quality, -_PREFERENCE[fmt], fmt)
            if best is None or candidate[:2] > best[:2]:
                best = candidate
    if best is None:
        raise NotAcceptable(
            f"none of the media types in Accept: {accept!r} can be served",
            hint=f"this index serves {JSON_V1}, {HTML_V1} and {TEXT_HTML} (PEP 691)",
        )
    return best[2]


def _parse_accept(accept: str) -> list[tuple[str, float]]:
    result = []
    for part in accept.split(","):
        media_type, *params = (p.strip() for p in part.split(";"))
        quality = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                # a weight that is not a qvalue (nan, inf, 2, 1e0, ...) makes the range
                # unacceptable instead of letting it outrank well-formed ones
                value = value.strip()
                quality = float(value) if _QVALUE.fullmatch(value) else 0.0
        if media_type:
            result.append((media_type.lower(), quality))
    return result
