"""The only code that talks to upstream indexes: pages and files over one aiohttp session.

Connections are reused; every request has a connect and a read timeout; page requests
are retried a bounded number of times with backoff; credentials are sent only to the
origin of the index they belong to.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import aiohttp

from bodega import __version__
from bodega.domain.errors import UpstreamError

log = logging.getLogger(__name__)

PAGE_ACCEPT = (
    "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, "
    "text/html;q=0.01"
)
_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True, slots=True)
class Upstream:
    """An upstream index: its URL (without credentials) and the credentials to send."""

    url: str
    username: str | None = None
    password: str | None = None

    @classmethod
    def from_url(
        cls, url: str, username: str | None = None, password: str | None = None
    ) -> Upstream:
        """Split ``user:password@`` out of ``url`` (pip's style) and ensure a final slash."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise UpstreamError(f"upstream URL {url!r} is not an http(s) URL")
        if parts.username is not None:
            username = username or parts.username
            password = password or parts.password or ""
        netloc = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
        if parts.port:
            netloc += f":{parts.port}"
        path = parts.path if parts.path.endswith("/") else parts.path + "/"
        return cls(urlunsplit((parts.scheme, netloc, path, "", "")), username, password)

    def auth_for(self, url: str) -> aiohttp.BasicAuth | None:
        if self.username is None or _origin(url) != _origin(self.url):
            return None
        return aiohttp.BasicAuth(self.username, self.password or "")


def _origin(url: str) -> tuple[str, str | None, int | None]:
    parts = urlsplit(url)
    return parts.scheme, parts.hostname, parts.port


@dataclass(frozen=True, slots=True)
class Fetched:
    """An upstream page: 200 with a body, or 304 (``body`` None)."""

    status: int
    body: bytes | None
    content_type: str
    etag: str | None
    last_modified: str | None
    url: str


@dataclass(frozen=True, slots=True)
class Timeouts:
    connect: float = 5.0
    read: float = 30.0
    retries: int = 2
    backoff: float = 0.25


class UpstreamClient:
    """One pooled HTTP client for every upstream; created and closed with the server."""

    def __init__(self, timeouts: Timeouts | None = None) -> None:
        self.timeouts = timeouts or Timeouts()
        self._session: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=100, limit_per_host=32, ttl_dns_cache=300),
            timeout=aiohttp.ClientTimeout(
                total=None, sock_connect=self.timeouts.connect, sock_read=self.timeouts.read
            ),
            headers={"User-Agent": f"bodega/{__version__}"},
            auto_decompress=True,
        )

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    @property
    def session(self) -> aiohttp.ClientSession:
        if self._session is None:
            raise RuntimeError("UpstreamClient.start() was not called")
        return self._session

    async def get_page(
        self,
        upstream: Upstream,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        max_bytes: int = 256 << 20,
    ) -> Fetched:
        """GET a page (conditionally when validators are given), with bounded retries.

        A 404 is returned as a Fetched with status 404.

        Raises:
            UpstreamError: connection failure, timeout, or an error status after retries.
        """
        headers = {"Accept": PAGE_ACCEPT}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        attempt = 0
        while True:
            try:
                return await self._get_page_once(upstream, url, headers, max_bytes)
            except _Retryable as exc:
                attempt += 1
                if attempt > self.timeouts.retries:
                    raise UpstreamError(f"upstream {_safe(url)} failed: {exc}") from None
                log.info("retrying upstream request", extra={"url": _safe(url), "error": str(exc)})
                await asyncio.sleep(self.timeouts.backoff * (3 ** (attempt - 1)))

    async def _get_page_once(
        self, upstream: Upstream, url: str, headers: dict[str, str], max_bytes: int
    ) -> Fetched:
        try:
            async with self.session.get(
                url, headers=headers, auth=upstream.auth_for(url), allow_redirects=True
            ) as response:
                if response.status in _RETRY_STATUSES:
                    raise _Retryable(f"HTTP {response.status}")
                if response.status not in (200, 304, 404, 410):
                    raise UpstreamError(f"upstream {_safe(url)} answered HTTP {response.status}")
                body = None
                if response.status == 200:
                    body = await read_bounded(response, max_bytes)
                return Fetched(
                    status=404 if response.status == 410 else response.status,
                    body=body,
                    content_type=response.headers.get("Content-Type", "text/html"),
                    etag=response.headers.get("ETag"),
                    last_modified=response.headers.get("Last-Modified"),
                    url=str(response.url),
                )
        except (aiohttp.ClientConnectionError, aiohttp.ClientPayloadError, TimeoutError) as exc:
            raise _Retryable(repr(exc)) from None

    @asynccontextmanager
    async def stream(self, upstream: Upstream, url: str) -> AsyncIterator[aiohttp.ClientResponse]:
        """Open a file download; the caller reads ``response.content``.

        Raises:
            UpstreamError: connection failure, timeout or a non-200 status.
        """
        try:
            async with self.session.get(
                url, auth=upstream.auth_for(url), headers={"Accept-Encoding": "identity"}
            ) as response:
                if response.status != 200:
                    raise UpstreamError(f"upstream {_safe(url)} answered HTTP {response.status}")
                yield response
        except (aiohttp.ClientConnectionError, aiohttp.ClientPayloadError, TimeoutError) as exc:
            raise UpstreamError(f"upstream {_safe(url)} failed: {exc!r}") from None


class _Retryable(Exception):
    pass


async def read_bounded(response: aiohttp.ClientResponse, max_bytes: int) -> bytes:
    """The whole body, refusing one larger than ``max_bytes``.

    Raises:
        UpstreamError: the body is too large.
    """
    declared = response.content_length
    if declared is not None and declared > max_bytes:
        raise UpstreamError(f"upstream page {_safe(str(response.url))} exceeds {max_bytes} bytes")
    chunks = []
    size = 0
    async for chunk in response.content.iter_chunked(1 << 16):
        size += len(chunk)
        if size > max_bytes:
            raise UpstreamError(
                f"upstream page {_safe(str(response.url))} exceeds {max_bytes} bytes"
            )
        chunks.append(chunk)
    return b"".join(chunks)


def _safe(url: str) -> str:
    """A URL without userinfo, for messages and logs."""
    parts = urlsplit(url)
    if parts.username is None:
        return url
    netloc = parts.hostname or ""
    if parts.port:
        netloc += f":{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))
