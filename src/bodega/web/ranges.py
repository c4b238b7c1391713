"""HTTP Range requests (RFC 9110 section 14): one byte range, or the whole file."""

from __future__ import annotations

import re
from dataclasses import dataclass

# RFC 9110 section 14.1.1: one int-range ("first-[last]") or suffix-range ("-length").
# ASCII digits only (str.isdigit() also takes "²", which int() refuses), and at most 19
# of them: int() of thousands of digits is slow or refused, and no file is that large.
_SPEC = re.compile(r"([0-9]{0,19})-([0-9]{0,19})")


@dataclass(frozen=True, slots=True)
class ByteRange:
    start: int
    length: int

    def content_range(self, size: int) -> str:
        return f"bytes {self.start}-{self.start + self.length - 1}/{size}"


class Unsatisfiable(Exception):
    """The range lies outside the file (416)."""


def parse_range(header: str | None, size: int) -> ByteRange | None:
    """The single range a ``Range`` header asks for; None means send the whole file.

    Headers with several ranges, other units or bad syntax are ignored (RFC 9110 lets a
    server answer those with the full representation).

    Raises:
        Unsatisfiable: a well-formed range that starts past the end of the file.
    """
    if not header:
        return None
    unit, _, spec = header.partition("=")
    if unit.strip().lower() != "bytes":
        return None
    match = _SPEC.fullmatch(spec.strip())
    if match is None:
        return None
    first, last = match.groups()
    if first == "":
        if last == "":
            return None
        suffix = int(last)
        if suffix == 0 or size == 0:
            raise Unsatisfiable
        start = max(size - suffix, 0)
        return ByteRange(start, size - start)
    start = int(first)
    if last and int(last) < start:
        return None
    if start >= size:
        raise Unsatisfiable
    end = min(int(last), size - 1) if last else size - 1
    return ByteRange(start, end - start + 1)
