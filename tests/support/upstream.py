"""A real upstream index on a loopback port, serving distributions the tests build.

It plays the public index for proxy tests: PEP 691 JSON or PEP 503 HTML by Accept,
ETag revalidation, PEP 658 metadata files, and switches to misbehave (down, slow, 5xx,
malformed pages, wrong hashes, truncated files). It counts every request by path.
"""

from __future__ import annotations

import asyncio
import email
import hashlib
import html
import io
import threading
import zipfile
from collections import Counter
from dataclasses import dataclass, field

import orjson
from aiohttp import web
from packaging.utils import canonicalize_name, parse_sdist_filename, parse_wheel_filename

from tests.support.server import HOST, free_port

JSON_TYPE = "application/vnd.pypi.simple.v1+json"


@dataclass
class UpstreamFile:
    filename: str
    data: bytes
    metadata: bytes | None
    requires_python: str | None = None
    yanked: str | None = None

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass
class Switches:
    """How the upstream misbehaves; tests flip these while the server runs."""

    down: bool = False  # connections are cut without an answer
    status: int | None = None  # answer every request with this status (e.g. 503)
    delay: float = 0.0  # seconds to wait before answering
    malformed: bool = False  # project pages are not valid JSON/HTML of the simple API
    html_only: bool = False  # ignore Accept and serve PEP 503 HTML
    metadata_files: bool = True  # advertise and serve PEP 658 metadata
    wrong_hash: set[str] = field(default_factory=set)  # file names served with other bytes
    truncate: set[str] = field(default_factory=set)  # file names cut off half way
    truncate_pages: bool = False  # project pages cut off half way (Content-Length says more)
    # file names whose second half comes this many seconds after the first
    pause: dict[str, float] = field(default_factory=dict)


class FakeUpstream:
    """An aiohttp server in a thread of its own; ``url`` is its simple index URL."""

    def __init__(self) -> None:
        self.files: dict[str, list[UpstreamFile]] = {}
        # more names for the root page only, listed after the projects, as spelled here
        self.listed: list[str] = []
        self.switches = Switches()
        self.requests: Counter[str] = Counter()
        self.not_modified = 0
        self.port = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}/simple/"

    def add(self, filename: str, data: bytes, **extra: str | None) -> UpstreamFile:
        """Publish a distribution (its PEP 658 metadata is taken from a wheel)."""
        if filename.endswith(".whl"):
            project = canonicalize_name(parse_wheel_filename(filename)[0])
        else:
            project = canonicalize_name(parse_sdist_filename(filename)[0])
        metadata = _wheel_metadata(data, filename)
        entry = UpstreamFile(filename, data, metadata, **extra)  # type: ignore[arg-type]
        if metadata is not None and entry.requires_python is None:
            parsed = email.message_from_bytes(metadata)
            entry.requires_python = parsed.get("Requires-Python")
        self.files.setdefault(project, []).append(entry)
        return entry

    def count(self, prefix: str) -> int:
        """How many requests had a path starting with ``prefix``."""
        return sum(n for path, n in self.requests.items() if path.startswith(prefix))

    # -- lifecycle -----------------------------------------------------------------------------

    def start(self) -> FakeUpstream:
        ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, args=(ready,), daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("fake upstream did not start")
        return self

    def stop(self) -> None:
        if self._loop is not None and self._runner is not None:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
            self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(10)

    def _serve(self, ready: threading.Event) -> None:
        self._loop = asyncio.new_event_loop()
        app = web.Application()
        app.router.add_get("/simple/", self._root)
        app.router.add_get("/simple/{project}/", self._project)
        app.router.add_get("/files/{filename}", self._file)
        self._runner = web.AppRunner(app, access_log=None)
        self._loop.run_until_complete(self._runner.setup())
        for _ in range(5):
            self.port = free_port()
            try:
                site = web.TCPSite(self._runner, HOST, self.port)
                self._loop.run_until_complete(site.start())
                break
            except OSError:
                continue
        ready.set()
        self._loop.run_forever()
        self._loop.close()

    # -- handlers ------------------------------------------------------------------------------

    async def _misbehave(self, request: web.Request) -> web.StreamResponse | None:
        self.requests[request.path] += 1
        if self.switches.delay:
            await asyncio.sleep(self.switches.delay)
        if self.switches.down:
            assert request.transport is not None
            request.transport.abort()
            raise asyncio.CancelledError
        if self.switches.status is not None:
            return web.Response(status=self.switches.status, text="upstream trouble")
        return None

    def _wants_json(self, request: web.Request) -> bool:
        return not self.switches.html_only and JSON_TYPE in request.headers.get("Accept", "")

    async def _root(self, request: web.Request) -> web.StreamResponse:
        if (bad := await self._misbehave(request)) is not None:
            return bad
        names = sorted(self.files) + self.listed
        if self._wants_json(request):
            body = orjson.dumps(
                {"meta": {"api-version": "1.1"}, "projects": [{"name": n} for n in names]}
            )
            return web.Response(body=body, content_type=JSON_TYPE)
        links = "".join(f'<a href="{n}/">{n}</a>\n' for n in names)
        return web.Response(text=f"<html><body>{links}</body></html>", content_type="text/html")

    async def _project(self, request: web.Request) -> web.StreamResponse:
        if (bad := await self._misbehave(request)) is not None:
            return bad
        project = request.match_info["project"]
        entries = self.files.get(project)
        if entries is None:
            return web.Response(status=404, text="no such project")
        as_json = self._wants_json(request)
        if self.switches.malformed:
            body = b'{"meta": {"api-version": "1.1"}, "files": 42' if as_json else b"<a href=>"
            content_type = JSON_TYPE if as_json else "text/html"
            return web.Response(body=body, content_type=content_type)
        body = self._json_page(project, entries) if as_json else self._html_page(entries)
        if self.switches.truncate_pages:
            return await _cut_short(request, body)
        etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        if request.headers.get("If-None-Match") == etag:
            self.not_modified += 1
            return web.Response(status=304, headers={"ETag": etag})
        return web.Response(
            body=body,
            content_type=JSON_TYPE if as_json else "text/html",
            headers={"ETag": etag},
        )

    def _json_page(self, project: str, entries: list[UpstreamFile]) -> bytes:
        files = []
        for f in entries:
            item: dict[str, object] = {
                "filename": f.filename,
                "url": f"../../files/{f.filename}",
                "hashes": {"sha256": f.sha256},
                "size": len(f.data),
                "yanked": f.yanked or False,
            }
            if f.requires_python:
                item["requires-python"] = f.requires_python
            if f.metadata is not None and self.switches.metadata_files:
                item["core-metadata"] = {"sha256": hashlib.sha256(f.metadata).hexdigest()}
            files.append(item)
        return orjson.dumps({"meta": {"api-version": "1.1"}, "name": project, "files": files})

    def _html_page(self, entries: list[UpstreamFile]) -> bytes:
        links = []
        for f in entries:
            attrs = f'href="../../files/{f.filename}#sha256={f.sha256}"'
            if f.requires_python:
                attrs += f' data-requires-python="{html.escape(f.requires_python)}"'
            if f.metadata is not None and self.switches.metadata_files:
                digest = hashlib.sha256(f.metadata).hexdigest()
                attrs += f' data-core-metadata="sha256={digest}"'
            if f.yanked is not None:
                attrs += f' data-yanked="{html.escape(f.yanked)}"'
            links.append(f"<a {attrs}>{f.filename}</a><br/>")
        return ("<!DOCTYPE html><html><body>" + "\n".join(links) + "</body></html>").encode()

    async def _file(self, request: web.Request) -> web.StreamResponse:
        if (bad := await self._misbehave(request)) is not None:
            return bad
        filename = request.match_info["filename"]
        wants_metadata = filename.endswith(".metadata")
        name = filename.removesuffix(".metadata")
        entry = next((f for fs in self.files.values() for f in fs if f.filename == name), None)
        if entry is None or (wants_metadata and entry.metadata is None):
            return web.Response(status=404)
        data = entry.metadata if wants_metadata else entry.data
        assert data is not None
        if not wants_metadata and name in self.switches.wrong_hash:
            data = data[:-1] + bytes([data[-1] ^ 0xFF])
        if not wants_metadata and name in self.switches.truncate:
            return await _cut_short(request, data)
        if not wants_metadata and name in self.switches.pause:
            return await _paused(request, data, self.switches.pause[name])
        return web.Response(body=data, content_type="application/octet-stream")


async def _cut_short(request: web.Request, data: bytes) -> web.StreamResponse:
    """Announce all of ``data``, send half, and drop the connection."""
    response = web.StreamResponse(headers={"Content-Length": str(len(data))})
    await response.prepare(request)
    await response.write(data[: len(data) // 2])
    assert request.transport is not None
    request.transport.abort()
    return response


async def _paused(request: web.Request, data: bytes, seconds: float) -> web.StreamResponse:
    """Send the first half of ``data``, wait ``seconds``, send the rest."""
    response = web.StreamResponse(headers={"Content-Length": str(len(data))})
    await response.prepare(request)
    await response.write(data[: len(data) // 2])
    await asyncio.sleep(seconds)
    await response.write(data[len(data) // 2 :])
    await response.write_eof()
    return response


def _wheel_metadata(data: bytes, filename: str) -> bytes | None:
    if not filename.endswith(".whl"):
        return None
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        return archive.read(name)
