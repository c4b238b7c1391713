"""Rendered simple pages kept in memory, bounded in bytes, dropped per project on change."""

from __future__ import annotations

import gzip
import hashlib
import time
from collections import OrderedDict
from dataclasses import dataclass, field

# pages below this size are sent as they are: compressing them saves nothing
GZIP_MIN_BYTES = 1024


class RenderedPage:
    """A page's bytes, their gzip form (when worth it) and a strong ETag."""

    __slots__ = ("body", "content_type", "etag", "expires_at", "gzipped", "heads")

    def __init__(self, body: bytes, content_type: str, max_age: float | None = None) -> None:
        self.body = body
        self.content_type = content_type
        # monotonic deadline for pages that go stale by time (proxied ones)
        self.expires_at = time.monotonic() + max_age if max_age is not None else None
        self.etag = '"' + hashlib.blake2b(body, digest_size=16).hexdigest() + '"'
        # compressed once here: nearly every installer asks for gzip
        self.gzipped = (
            gzip.compress(body, compresslevel=6, mtime=0) if len(body) >= GZIP_MIN_BYTES else None
        )
        # the web layer's serialized response heads, per form (gzipped or not)
        self.heads: dict[bool, bytes] = {}

    @property
    def weight(self) -> int:
        return len(self.body) + (len(self.gzipped) if self.gzipped else 0)


# (index name, project or None for the root page, media type, link base)
PageKey = tuple[str, str | None, str, str]


@dataclass
class PageCache:
    """An LRU of rendered pages, with an index from project name to its entries."""

    max_bytes: int
    _entries: OrderedDict[PageKey, RenderedPage] = field(default_factory=OrderedDict)
    _by_project: dict[str | None, set[PageKey]] = field(default_factory=dict)
    _bytes: int = 0

    def get(self, key: PageKey) -> RenderedPage | None:
        page = self._entries.get(key)
        if page is None:
            return None
        if page.expires_at is not None and page.expires_at <= time.monotonic():
            self._drop(key)
            return None
        self._entries.move_to_end(key)
        return page

    def put(self, key: PageKey, page: RenderedPage) -> None:
        self._drop(key)
        self._entries[key] = page
        self._by_project.setdefault(key[1], set()).add(key)
        self._bytes += page.weight
        while self._bytes > self.max_bytes and len(self._entries) > 1:
            self._drop(next(iter(self._entries)))

    def invalidate_project(self, project: str | None) -> None:
        """Forget the pages of ``project`` in every index (groups merge across indexes);
        ``None`` stands for the root pages."""
        for key in list(self._by_project.get(project, ())):
            self._drop(key)

    def clear(self) -> None:
        self._entries.clear()
        self._by_project.clear()
        self._bytes = 0

    def _drop(self, key: PageKey) -> None:
        page = self._entries.pop(key, None)
        if page is None:
            return
        self._bytes -= page.weight
        keys = self._by_project.get(key[1])
        if keys is not None:
            keys.discard(key)
            if not keys:
                del self._by_project[key[1]]

    @property
    def size_bytes(self) -> int:
        return self._bytes
