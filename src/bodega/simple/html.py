"""PEP 503 HTML rendering of simple pages (with PEP 592, 629, 658/714 attributes)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from html import escape

from bodega.domain.model import ProjectList, ProjectPage
from bodega.simple.chunked import gather, joined
from bodega.simple.urls import resolve

API_VERSION = "1.1"
_HEAD = (
    '<!DOCTYPE html>\n<html>\n<head>\n<meta name="pypi:repository-version" content="'
    + API_VERSION
    + '">\n<title>{title}</title>\n</head>\n<body>\n'
)
_TAIL = "</body>\n</html>\n"


def render_project(page: ProjectPage, base: str) -> bytes:
    """Render a project page; ``base`` turns root-relative file URLs into page-relative ones."""
    title = escape(page.name)
    parts = [_HEAD.format(title=f"Links for {title}"), f"<h1>Links for {title}</h1>\n"]
    for f in page.files:
        href = resolve(f.url, base)
        sha256 = f.hashes.get("sha256")
        if sha256:
            href += f"#sha256={sha256}"
        attrs = f'href="{escape(href)}"'
        if f.requires_python:
            attrs += f' data-requires-python="{escape(f.requires_python)}"'
        if f.core_metadata is not None:
            value = _hash_attr(f.core_metadata)
            attrs += f' data-core-metadata="{value}" data-dist-info-metadata="{value}"'
        if f.yanked:
            attrs += f' data-yanked="{escape(f.yanked_reason or "")}"'
        parts.append(f"<a {attrs}>{escape(f.filename)}</a><br />\n")
    parts.append(_TAIL)
    return "".join(parts).encode()


def render_root(projects: ProjectList) -> bytes:
    """Render an index's root page: one link per project, to its normalized URL."""
    return gather(root_chunks(projects))


def root_chunks(projects: ProjectList) -> Iterator[bytes]:
    """``render_root``'s bytes, a slice of names at a time."""
    return joined(
        _HEAD.format(title="Simple index").encode(),
        projects.lines,
        lambda name: b'<a href="%s/">%s</a>\n' % (name, name),
        _TAIL.encode(),
    )


def _hash_attr(hashes: Mapping[str, str]) -> str:
    sha256 = hashes.get("sha256")
    return f"sha256={sha256}" if sha256 else "true"
