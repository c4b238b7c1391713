"""PEP 691 JSON rendering of simple pages (with PEP 700 fields)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import orjson

from bodega.domain.model import ProjectFile, ProjectList, ProjectPage
from bodega.simple.chunked import gather, joined
from bodega.simple.urls import resolve

API_VERSION = "1.1"
_META = {"api-version": API_VERSION}


def render_project(page: ProjectPage, base: str) -> bytes:
    """Render a project page as PEP 691 JSON."""
    document = {
        "meta": _META,
        "name": page.name,
        "files": [_file(f, base) for f in page.files],
        "versions": list(page.versions),
    }
    return orjson.dumps(document)


def render_root(projects: ProjectList) -> bytes:
    """Render an index's root page as PEP 691 JSON.

    Written out directly: normalized names need no escaping, and a root page can list
    hundreds of thousands of names (a dict per name would cost tens of MiB at once).
    """
    return gather(root_chunks(projects))


def root_chunks(projects: ProjectList) -> Iterator[bytes]:
    """``render_root``'s bytes, a slice of names at a time."""
    return joined(
        f'{{"meta":{{"api-version":"{API_VERSION}"}},"projects":['.encode(),
        projects.lines,
        lambda name: b'{"name":"%s"}' % name,
        b"]}",
        separator=b",",
    )


def _file(f: ProjectFile, base: str) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "filename": f.filename,
        "url": resolve(f.url, base),
        "hashes": dict(f.hashes),
    }
    if f.requires_python:
        entry["requires-python"] = f.requires_python
    if f.core_metadata is not None:
        value: dict[str, str] | bool = dict(f.core_metadata) or True
        entry["core-metadata"] = value
        entry["dist-info-metadata"] = value
    entry["yanked"] = (f.yanked_reason or True) if f.yanked else False
    if f.size is not None:
        entry["size"] = f.size
    if f.upload_time is not None:
        entry["upload-time"] = _upload_time(f.upload_time)
    return entry


def _upload_time(moment: datetime) -> str:
    """PEP 700's ``yyyy-mm-ddThh:mm:ss.ffffffZ``: in UTC (a naive value already is)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
