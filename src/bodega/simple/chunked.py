"""Root lists of ~100k names, written and merged a slice at a time.

A ``ProjectList`` keeps its names as newline-terminated lines in one bytes string. These
helpers cut it into slices of a few thousand names, so the per-name objects that writing
a page or merging lists needs exist for one slice at a time, never for the whole list.
"""

from __future__ import annotations

import heapq
import io
from collections.abc import Callable, Iterable, Iterator, Sequence

from bodega.domain.model import join_lines

# bytes of lines per slice (about 2,000 names)
_SLICE = 64 << 10
_MERGE_FLUSH = 2048


def slices(lines: bytes) -> Iterator[list[bytes]]:
    """The names of ``lines``, a list per slice."""
    start = 0
    while start < len(lines):
        end = lines.rfind(b"\n", start, start + _SLICE) + 1
        if end <= start:  # one name longer than a slice
            end = lines.index(b"\n", start) + 1
        yield lines[start : end - 1].split(b"\n")
        start = end


def joined(
    head: bytes, lines: bytes, item: Callable[[bytes], bytes], tail: bytes, separator: bytes = b""
) -> Iterator[bytes]:
    """``head + separator.join(item(name) for name in lines) + tail``, a slice at a time."""
    yield head
    for i, names in enumerate(slices(lines)):
        if i:
            yield separator
        yield separator.join([item(name) for name in names])
    yield tail


def gather(chunks: Iterable[bytes]) -> bytes:
    """The chunks as one bytes string, without holding them all and their join at once."""
    # BytesIO grows its buffer in place and hands it over without a copy at the end
    out = io.BytesIO()
    for chunk in chunks:
        out.write(chunk)
    return out.getvalue()


def sorted_lines(names: Iterable[bytes]) -> bytes:
    """Names in any order as lines (sorted, unique).

    Upstream root lists usually come sorted: names that arrive in order are written out a
    slice at a time, and only those out of order are held, sorted and merged in.
    """
    parts: list[bytes] = []
    pending: list[bytes] = []
    stray: list[bytes] = []
    last = b""
    for name in names:
        if name > last:
            pending.append(name)
            last = name
            if len(pending) >= _MERGE_FLUSH:
                parts.append(join_lines(pending))
                pending = []
        elif name != last:
            stray.append(name)
    parts.append(join_lines(pending))
    lines = b"".join(parts)
    if not stray:
        return lines
    stray.sort()
    return union(
        [lines, join_lines([n for i, n in enumerate(stray) if not i or n != stray[i - 1]])]
    )


def union(lists: Sequence[bytes]) -> bytes:
    """The sorted union of several lines strings, without a set of every name."""
    present = [lines for lines in lists if lines]
    if len(present) <= 1:
        return present[0] if present else b""
    parts: list[bytes] = []
    pending: list[bytes] = []
    last = None
    for name in heapq.merge(*(_names(lines) for lines in present)):
        if name != last:
            pending.append(name)
            last = name
            if len(pending) >= _MERGE_FLUSH:
                parts.append(join_lines(pending))
                pending = []
    parts.append(join_lines(pending))
    return b"".join(parts)


def _names(lines: bytes) -> Iterator[bytes]:
    for names in slices(lines):
        yield from names
