"""HTTP Range requests (RFC 9110 section 14): one byte range, or the whole file."""

from __future__ import annotations

from dataclasses import dataclass


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
    if unit.strip().lower() != "bytes" or "," in spec:
        return None
    first, dash, last = spec.strip().partition("-")
    if not dash or not (first.isdigit() or first == "") or not (last.isdigit() or last == ""):
        return None
    if first == "":
        if last == "":
            return None
        suffix = int(last)
        if suffix == 0:
            raise Unsatisfiable
        start = max(size - suffix, 0)
        return ByteRange(start, size - start) if size else _unsatisfiable()
    start = int(first)
    end = int(last) if last else size - 1
    if end < start:
        return None
    if start >= size:
        raise Unsatisfiable
    end = min(end, size - 1)
    return ByteRange(start, end - start + 1)


def _unsatisfiable() -> ByteRange:
    raise Unsatisfiable
