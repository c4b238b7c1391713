"""Writing very long pages (root lists of ~100k names) with little memory at once.

Joining one string per name, then encoding the result, holds every piece, the joined
text and its bytes at the same time (several times the page). Writing a few thousand
names at a time into one growing buffer holds the page and one slice of it.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Sequence
from typing import TypeVar

_SLICE = 2048
S = TypeVar("S", bound=str)


def write_joined(
    head: str, items: Sequence[str], item: Callable[[str], str], tail: str, separator: str = ""
) -> bytes:
    """``head + separator.join(item(x) for x in items) + tail``, encoded as UTF-8."""
    buffer = bytearray(head.encode())
    for start in range(0, len(items), _SLICE):
        if start:
            buffer += separator.encode()
        buffer += separator.join(item(x) for x in items[start : start + _SLICE]).encode()
    buffer += tail.encode()
    return bytes(buffer)


def merge_sorted_unique(sequences: Iterable[Sequence[S]]) -> tuple[S, ...]:
    """The sorted union of already sorted sequences, without building a set."""
    merged: list[S] = []
    last: S | None = None
    for value in heapq.merge(*sequences):
        if value != last:
            merged.append(value)
            last = value
    return tuple(merged)
