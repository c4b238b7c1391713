"""A proxy index: an upstream simple index, cached.

Pages are kept (in memory and in the metadata store) with the time they were last
validated; a stale page is revalidated with a conditional request, and served as it is
when the upstream fails, times out, or the server runs offline. Files are listed with
bodega URLs; fetching them is the file fetcher's job (services/fetch.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import time
from collections import OrderedDict
from collections.abc import Coroutine, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from packaging.utils import NormalizedName
from packaging.version import InvalidVersion, Version

from bodega.domain.errors import (
    BodegaError,
    FileNotFound,
    InvalidFilename,
    ProjectNotFound,
    UpstreamError,
)
from bodega.domain.filenames import parse_filename
from bodega.domain.model import ProjectFile, ProjectList, ProjectPage
from bodega.indexes.base import UNKNOWN_DIGEST, FileSource, RemoteFile, StoredFile, file_url
from bodega.indexes.proxy_stored import ProxyStored
from bodega.services.batched_writes import BatchedWrites
from bodega.simple import json as simple_json
from bodega.simple.parse import MalformedPage, parse_project_list, parse_project_page
from bodega.storage.meta import proxy_cache
from bodega.storage.meta.database import Database
from bodega.storage.meta.records import ProxyFileRecord, ProxyPageRecord
from bodega.upstream.client import Upstream, UpstreamClient

log = logging.getLogger(__name__)
_ROOT = ""
_MEMORY_PAGES = 512
_JSON = "application/vnd.pypi.simple.v1+json"
_PARSE_IN_THREAD = 256 << 10
DEFAULT_TTL = 600.0
DEFAULT_ROOT_TTL = 3600.0
DEFAULT_NEGATIVE_TTL = 60.0
DEFAULT_REFRESH_TIMEOUT = 3.0


@dataclass(frozen=True, slots=True)
class ProxyConfig:
    upstream: Upstream
    ttl: float = DEFAULT_TTL
    root_ttl: float = DEFAULT_ROOT_TTL
    negative_ttl: float = DEFAULT_NEGATIVE_TTL
    # how long a request waits for a revalidation before it gets the stale copy
    refresh_timeout: float = DEFAULT_REFRESH_TIMEOUT

    @classmethod
    def from_mapping(cls, config: Mapping[str, Any], default_upstream: str) -> ProxyConfig:
        """Raises UpstreamError when the upstream URL is missing or not http(s)."""
        url = config.get("upstream") or "pip-config"
        if url == "pip-config":
            if not default_upstream:
                raise UpstreamError(
                    "the proxy follows pip's configuration, but no index URL could be read",
                    hint="set PIP_INDEX_URL for the server, or give the index an upstream "
                    "with `bodega index set NAME --upstream URL`",
                )
            url = default_upstream
        upstream = Upstream.from_url(url, config.get("username"), config.get("password"))
        return cls(
            upstream=upstream,
            ttl=float(config.get("ttl", DEFAULT_TTL)),
            root_ttl=float(config.get("root_ttl", DEFAULT_ROOT_TTL)),
            negative_ttl=float(config.get("negative_ttl", DEFAULT_NEGATIVE_TTL)),
            refresh_timeout=float(config.get("refresh_timeout", DEFAULT_REFRESH_TIMEOUT)),
        )


@dataclass(frozen=True, slots=True)
class _Cached:
    """An upstream answer: a page (status 200) or a known absence (404)."""

    status: int
    page: ProjectPage | None
    names: ProjectList | None
    etag: str | None
    last_modified: str | None
    fetched_at: float


class ProxyIndex:
    kind = "proxy"

    def __init__(
        self,
        name: str,
        config: Mapping[str, Any],
        settings: ProxyConfig,
        db: Database,
        client: UpstreamClient,
        stored: ProxyStored,
        batched: BatchedWrites,
        *,
        offline: bool,
    ) -> None:
        self.name = name
        self.config = config
        self.settings = settings
        self._db = db
        self._stored = stored
        self._batched = batched
        # writes of refreshed pages to the store, done after the request got its answer
        self._writes: set[asyncio.Task[None]] = set()
        self._client = client
        self._offline = offline
        self._memory: OrderedDict[str, _Cached] = OrderedDict()
        self._refreshing: dict[str, asyncio.Task[_Cached]] = {}

    @property
    def upstream(self) -> Upstream:
        return self.settings.upstream

    # -- the Index protocol ----------------------------------------------------------------

    async def project_list(self) -> ProjectList:
        cached = await self._answer(_ROOT, self.settings.root_ttl)
        assert cached.names is not None
        return replace(cached.names, max_age=self._remaining(cached, self.settings.root_ttl))

    async def project_page(self, project: NormalizedName) -> ProjectPage:
        cached = await self._answer(project, self.settings.ttl)
        if cached.status == 404 or cached.page is None:
            raise ProjectNotFound(f"upstream of index {self.name!r} has no project {project!r}")
        stored = await self._stored.project(self.name, project)
        files = tuple(self._served_file(f, stored.get(f.filename)) for f in cached.page.files)
        return ProjectPage(
            name=project,
            files=files,
            versions=cached.page.versions or _versions(files),
            max_age=self._remaining(cached, self.settings.ttl),
        )

    async def has_private(self, project: NormalizedName) -> bool:
        return False

    async def private_page(self, project: NormalizedName) -> ProjectPage | None:
        return None

    async def get_file(self, filename: str) -> FileSource:
        try:
            project = parse_filename(filename).project
        except InvalidFilename:
            raise FileNotFound(f"index {self.name!r} has no file {filename!r}") from None
        record = (await self._stored.project(self.name, project)).get(filename)
        if record is not None and record.sha256 is not None:
            origin = None
            if record.upstream_url and not self._offline:
                # the same bytes again: checked against the digest they were stored under
                origin = RemoteFile(
                    self.name,
                    filename,
                    project,
                    record.upstream_url,
                    {"sha256": record.sha256},
                    record.size,
                )
            return StoredFile(
                filename, project, record.sha256, record.size or 0, record.metadata_sha256, origin
            )
        cached = await self._answer(project, self.settings.ttl)
        for upstream_file in cached.page.files if cached.page else ():
            if upstream_file.filename == filename:
                return RemoteFile(
                    index_name=self.name,
                    filename=filename,
                    project=project,
                    url=upstream_file.url,
                    hashes=upstream_file.hashes,
                    size=upstream_file.size,
                    core_metadata=upstream_file.core_metadata,
                )
        raise FileNotFound(f"index {self.name!r} has no file {filename!r}")

    async def project_json(
        self, project: NormalizedName, version: str | None, base: str
    ) -> dict[str, Any]:
        page = await self.project_page(project)
        return page_json(page, version, base)

    # -- upstream answers, cached ------------------------------------------------------------

    async def _answer(self, project: str, ttl: float) -> _Cached:
        """The cached answer if fresh; else a revalidated one, or the stale one on failure."""
        cached = self._memory.get(project) or await self._load(project)
        now = time.time()
        if cached is not None:
            fresh_for = ttl if cached.status == 200 else self.settings.negative_ttl
            if now - cached.fetched_at < fresh_for:
                return cached
        if self._offline:
            if cached is not None:
                return cached
            raise ProjectNotFound(
                f"index {self.name!r} has no cached copy of {project or 'its root page'!r}",
                hint="the server runs offline: only what was fetched before is served",
            )
        refresh = self._refresh_task(project, cached)
        if cached is None:
            try:
                return await asyncio.shield(refresh)
            except UpstreamError as exc:
                # another process may have stored a copy this one has not heard of
                cached = await self._load(project, unknown_too=True)
                if cached is None:
                    raise
                log.warning("upstream failed; serving stale copy", extra=self._log(project, exc))
                return cached
        try:
            return await asyncio.wait_for(asyncio.shield(refresh), self.settings.refresh_timeout)
        except TimeoutError:
            log.warning("upstream slow; serving stale copy", extra=self._log(project))
        except UpstreamError as exc:
            log.warning("upstream failed; serving stale copy", extra=self._log(project, exc))
        return cached

    def _refresh_task(self, project: str, cached: _Cached | None) -> asyncio.Task[_Cached]:
        task = self._refreshing.get(project)
        if task is None:
            task = asyncio.create_task(self._refresh(project, cached))
            self._refreshing[project] = task
            task.add_done_callback(lambda done: self._refresh_done(project, done))
        return task

    def _refresh_done(self, project: str, task: asyncio.Task[_Cached]) -> None:
        if self._refreshing.get(project) is task:
            del self._refreshing[project]
        if not task.cancelled():
            task.exception()  # retrieved here so a background failure is not reported twice

    async def _refresh(self, project: str, cached: _Cached | None) -> _Cached:
        url = self.upstream.url + (f"{project}/" if project else "")
        fetched = await self._client.get_page(
            self.upstream,
            url,
            etag=cached.etag if cached else None,
            last_modified=cached.last_modified if cached else None,
        )
        now = time.time()
        if fetched.status == 304 and cached is not None:
            fresh = replace(cached, fetched_at=now)
            self._later(self._touch(project, now))
        elif fetched.status == 404:
            fresh = _Cached(404, None, None, None, None, now)
            self._later(self._store(project, fresh, None))
        else:
            assert fetched.body is not None
            fresh = await self._parse_off_loop(
                project, fetched.body, fetched.content_type, fetched.url, now
            )
            fresh = replace(fresh, etag=fetched.etag, last_modified=fetched.last_modified)
            if project == _ROOT:
                # a JSON root list is stored as the upstream sent it (it is PEP 691 already);
                # serializing 100k names again would double the memory the refresh needs
                as_sent = fetched.body if "json" in fetched.content_type else None
                del fetched
                page = await asyncio.to_thread(
                    lambda: proxy_cache.pack(as_sent or self._serialize(fresh))
                )
                del as_sent
                # written before the list is rendered: the page's bytes (and the database's
                # copies of them) are gone by then, instead of adding to the rendering's peak
                try:
                    await self._store(project, fresh, page)
                except Exception:
                    log.exception("storing a proxied page failed", extra=self._log(project))
            else:
                page = self._serialize(fresh)
                if len(page) >= proxy_cache.PACK_FROM:
                    page = await asyncio.to_thread(proxy_cache.pack, page)
                self._later(self._store(project, fresh, page))
        self._remember(project, fresh)
        return fresh

    def _later(self, write: Coroutine[Any, Any, None]) -> None:
        """Persist a refreshed page after answering: this process already holds it in
        memory, and a write lost to a crash costs one more upstream request."""
        task = asyncio.create_task(write)
        self._writes.add(task)
        task.add_done_callback(self._written)

    def _written(self, task: asyncio.Task[None]) -> None:
        self._writes.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("storing a proxied page failed", exc_info=task.exception())

    async def _parse_off_loop(
        self,
        project: str,
        body: bytes,
        content_type: str,
        url: str,
        now: float,
        stored: bool = False,
    ) -> _Cached:
        """Parse big pages (root lists, projects with thousands of files) in a thread;
        ``stored``: ``body`` is a page as the store has it (maybe packed)."""
        parse = functools.partial(self._parse, project, body, content_type, url, now, stored)
        # a packed page is a big one
        if len(body) < _PARSE_IN_THREAD and not (stored and proxy_cache.is_packed(body)):
            return parse()
        return await asyncio.to_thread(parse)

    def _parse(
        self, project: str, body: bytes, content_type: str, url: str, now: float, stored: bool
    ) -> _Cached:
        if stored:
            try:
                body = proxy_cache.unpack(body)
            except ValueError as exc:
                raise MalformedPage(f"stored page at {url} is unreadable: {exc}") from None
        if project == _ROOT:
            names = parse_project_list(body, content_type, url)
            return _Cached(200, None, names, None, None, now)
        page = parse_project_page(body, content_type, url, NormalizedName(project))
        return _Cached(200, page, None, None, None, now)

    @staticmethod
    def _serialize(cached: _Cached) -> bytes:
        # stored as PEP 691 JSON with the upstream's absolute URLs
        if cached.names is not None:
            return simple_json.render_root(cached.names)
        assert cached.page is not None
        return simple_json.render_project(cached.page, "")

    async def _load(self, project: str, *, unknown_too: bool = False) -> _Cached | None:
        """The stored page, if there is one. Unless ``unknown_too`` (or the server runs
        offline: other processes' pages are all there is), a page this process does not
        know to be stored is not looked for."""
        if not (unknown_too or self._offline) and not await self._stored.has_page(
            self.name, project
        ):
            if project != _ROOT:
                self._stored.nothing_yet(self.name, project)
            return None
        async with self._db.read() as conn:
            record = await proxy_cache.get_page(conn, self.name, project)
        if record is None:
            if project != _ROOT:
                # files are stored only after their page was: a project never seen has none
                self._stored.nothing_yet(self.name, project)
            return None
        fetched_at = record.fetched_at.timestamp()
        if record.status != 200 or record.page is None:
            cached = _Cached(404, None, None, None, None, fetched_at)
        else:
            try:
                cached = await self._parse_off_loop(
                    project,
                    record.page,
                    _JSON,
                    self.upstream.url + project,
                    fetched_at,
                    stored=True,
                )
            except BodegaError:
                log.exception("discarding unreadable cached page", extra=self._log(project))
                return None
            cached = replace(cached, etag=record.etag, last_modified=record.last_modified)
        self._remember(project, cached)
        return cached

    def _remember(self, project: str, cached: _Cached) -> None:
        self._memory[project] = cached
        self._memory.move_to_end(project)
        while len(self._memory) > _MEMORY_PAGES:
            self._memory.popitem(last=False)

    async def _store(self, project: str, cached: _Cached, page: bytes | None) -> None:
        record = ProxyPageRecord(
            index_name=self.name,
            project=project,
            status=cached.status,
            page=page,
            etag=cached.etag,
            last_modified=cached.last_modified,
            fetched_at=datetime.fromtimestamp(cached.fetched_at, UTC),
        )
        await self._batched.run(lambda conn: proxy_cache.put_page(conn, record), announce=False)
        self._stored.page_stored(self.name, project)

    async def _touch(self, project: str, now: float) -> None:
        fetched_at = datetime.fromtimestamp(now, UTC)
        await self._batched.run(
            lambda conn: proxy_cache.touch_page(conn, self.name, project, fetched_at),
            announce=False,
        )

    def _remaining(self, cached: _Cached, ttl: float) -> float:
        # a floor, so a page past its time is not re-rendered on every request while the
        # upstream is down
        return max(ttl - (time.time() - cached.fetched_at), min(ttl, 1.0))

    def forget_memory(self, project: str) -> None:
        """Drop the in-memory copy (another process refreshed the stored one)."""
        self._memory.pop(project, None)

    # -- serving -------------------------------------------------------------------------------

    def _served_file(self, upstream: ProjectFile, stored: ProxyFileRecord | None) -> ProjectFile:
        """The upstream's file, with a bodega URL; core metadata advertised when the upstream
        offers it or when the file is stored and its metadata was extracted."""
        core_metadata = upstream.core_metadata
        if core_metadata is None and stored is not None and stored.metadata_sha256:
            core_metadata = {"sha256": stored.metadata_sha256}
        hashes = dict(upstream.hashes)
        if "sha256" not in hashes and stored is not None and stored.sha256:
            hashes["sha256"] = stored.sha256  # verified by us when it was fetched
        return replace(
            upstream,
            url=file_url(self.name, hashes.get("sha256", UNKNOWN_DIGEST), upstream.filename),
            hashes=hashes,
            core_metadata=core_metadata,
        )

    async def close(self) -> None:
        for task in list(self._refreshing.values()):
            task.cancel()
            with contextlib.suppress(BaseException):
                await task
        if self._writes:
            await asyncio.wait(list(self._writes), timeout=10)

    def _log(self, project: str, exc: Exception | None = None) -> dict[str, str]:
        extra = {"index": self.name, "project": project or "<root>"}
        if exc is not None:
            extra["error"] = str(exc)
        return extra


def _versions(files: tuple[ProjectFile, ...]) -> tuple[str, ...]:
    """PEP 700 versions derived from file names, for upstreams that do not list them."""
    versions: dict[Version, str] = {}
    for f in files:
        try:
            version = parse_filename(f.filename).version
        except InvalidFilename:
            continue
        versions[version] = str(version)
    return tuple(versions[v] for v in sorted(versions))


def page_json(page: ProjectPage, version: str | None, base: str) -> dict[str, Any]:
    """A JSON project API document built from a simple page (no core metadata fields)."""
    releases: dict[str, list[dict[str, Any]]] = {v: [] for v in page.versions}
    for f in page.files:
        try:
            file_version = str(parse_filename(f.filename).version)
        except InvalidFilename:
            continue
        releases.setdefault(file_version, []).append(
            {
                "filename": f.filename,
                "url": base + f.url if not f.url.startswith(("http:", "https:")) else f.url,
                "digests": dict(f.hashes),
                "size": f.size,
                "requires_python": f.requires_python,
                "yanked": f.yanked,
                "yanked_reason": f.yanked_reason,
                "upload_time_iso_8601": f.upload_time.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
                if f.upload_time
                else None,
            }
        )
    chosen = version if version is not None else _latest(list(releases))
    if chosen is None or chosen not in releases:
        raise ProjectNotFound(f"project {page.name!r} has no version {version!r}")
    requires_python = next((f["requires_python"] for f in releases[chosen]), None)
    document: dict[str, Any] = {
        "info": {"name": page.name, "version": chosen, "requires_python": requires_python},
        "urls": releases[chosen],
        "vulnerabilities": [],
    }
    if version is None:
        document["releases"] = releases
    return document


def _latest(versions: list[str]) -> str | None:
    parsed = []
    for v in versions:
        with contextlib.suppress(InvalidVersion):
            parsed.append((Version(v), v))
    finals = [p for p in parsed if not p[0].is_prerelease]
    pool = finals or parsed
    return max(pool)[1] if pool else None
