"""Rendered simple pages kept in memory, bounded in bytes, dropped per project on change."""

from __future__ import annotations

import hashlib
import io
import logging
import os
import tempfile
import time
import weakref
import zlib
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

log = logging.getLogger(__name__)
# pages below this size are sent as they are: compressing them saves nothing
GZIP_MIN_BYTES = 1024
# pages from this size on are kept in a spool file (when the cache has a spool directory)
SPOOL_FROM = 1 << 20


class _SpoolFile:
    """An unnamed file, closed when the last page part in it is let go of."""

    def __init__(self, directory: Path) -> None:
        # O_TMPFILE where the file system has it: the file never has a name, and nothing
        # is left behind by a crash
        self.file = tempfile.TemporaryFile(dir=directory)  # noqa: SIM115 (closed by finalize)
        weakref.finalize(self, self.file.close)


class Spooled:
    """A page's bytes kept in a file with no name instead of in the process's heap.

    A root list of 100k names is 6.5 MB. Spooled, its bytes are in the kernel's page
    cache, which can reclaim them (they are on disk), and they go out with sendfile,
    without passing through Python. The file is closed when the last holder (the cached
    page, a response still sending it) lets go of it.
    """

    __slots__ = ("_spool", "length", "offset")

    def __init__(self, spool: _SpoolFile, offset: int, length: int) -> None:
        self._spool = spool
        self.offset = offset
        self.length = length

    @property
    def file(self) -> IO[bytes]:
        return self._spool.file

    def __len__(self) -> int:
        return self.length

    def read(self) -> bytes:
        """All its bytes (never through the file's position, which is shared)."""
        return os.pread(self._spool.file.fileno(), self.length, self.offset)


class RenderedPage:
    """A page's bytes, their gzip form (when worth it) and a strong ETag.

    ``body`` may come in chunks (a root page of 100k names is written a slice at a time).
    With a ``spool_dir``, a page of ``SPOOL_FROM`` bytes or more goes on into a spool file
    (see ``Spooled``) as it is written, so it is never whole in memory.
    """

    __slots__ = ("body", "content_type", "etag", "expires_at", "gzipped", "heads")

    def __init__(
        self,
        body: bytes | Iterable[bytes],
        content_type: str,
        max_age: float | None = None,
        spool_dir: Path | None = None,
    ) -> None:
        self.content_type = content_type
        # monotonic deadline for pages that go stale by time (proxied ones)
        self.expires_at = time.monotonic() + max_age if max_age is not None else None
        self.body, self.gzipped, self.etag = _write(
            (body,) if isinstance(body, bytes) else body, spool_dir
        )
        # the web layer's serialized response heads, per form (gzipped or not)
        self.heads: dict[bool, bytes] = {}

    @property
    def weight(self) -> int:
        return len(self.body) + (len(self.gzipped) if self.gzipped else 0)


def _write(
    chunks: Iterable[bytes], spool_dir: Path | None
) -> tuple[bytes | Spooled, bytes | Spooled | None, str]:
    """A page's body, its gzip form and its ETag, hashed and compressed as it is written."""
    digest = hashlib.blake2b(digest_size=16)
    # compressed once here, nearly every installer asks for gzip (gzip wrapper, mtime 0)
    packer = zlib.compressobj(6, zlib.DEFLATED, 31)
    packed = io.BytesIO()
    held = io.BytesIO()
    spool_file: _SpoolFile | None = None
    out: IO[bytes] = held
    for chunk in chunks:
        digest.update(chunk)
        packed.write(packer.compress(chunk))
        out.write(chunk)
        if spool_file is None and spool_dir is not None and held.tell() >= SPOOL_FROM:
            spool_file = _spool(spool_dir, held)
            if spool_file is None:
                spool_dir = None  # kept in memory after all
            else:
                out, held = spool_file.file, io.BytesIO()
    packed.write(packer.flush())
    etag = f'"{digest.hexdigest()}"'
    if spool_file is None:
        body = held.getvalue()
        return body, packed.getvalue() if len(body) >= GZIP_MIN_BYTES else None, etag
    length = spool_file.file.tell()
    spool_file.file.write(packed.getbuffer())
    spool_file.file.flush()
    gzipped = len(packed.getbuffer())
    return Spooled(spool_file, 0, length), Spooled(spool_file, length, gzipped), etag


def _spool(directory: Path, held: io.BytesIO) -> _SpoolFile | None:
    """A new spool file starting with ``held``'s bytes; None (and a warning) when the
    file cannot be made or written: the page is then kept in memory."""
    try:
        spool_file = _SpoolFile(directory)
        spool_file.file.write(held.getbuffer())
    except OSError as exc:
        log.warning("cannot spool a big page, keeping it in memory: %s", exc)
        return None
    return spool_file


# (index name, project or None for the root page, media type, link base)
PageKey = tuple[str, str | None, str, str]


@dataclass
class PageCache:
    """An LRU of rendered pages, with an index from project name to its entries.

    ``spool_dir``: where big pages keep their bytes (see ``RenderedPage``); None keeps
    every page in memory.
    """

    max_bytes: int
    spool_dir: Path | None = None
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
