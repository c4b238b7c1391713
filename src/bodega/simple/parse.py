"""Parsing upstream simple pages (PEP 503 HTML, PEP 691 JSON) into the page model.

File URLs are made absolute against the page's URL. Anything that does not follow the
standards closely enough to be used safely raises MalformedPage, so the caller keeps
serving its last good copy.
"""

from __future__ import annotations

import contextlib
import html
import json
import re
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urldefrag, urljoin

import orjson
from packaging.utils import NormalizedName

from bodega.domain.errors import InvalidName, UpstreamError
from bodega.domain.model import ProjectFile, ProjectList, ProjectPage
from bodega.domain.names import MAX_PROJECT_NAME, normalize
from bodega.simple.chunked import sorted_lines

_HASH_NAMES = ("sha256", "sha384", "sha512", "sha224", "sha1", "md5", "blake2b_256")
_ORJSON_MAX = 128 << 10
_HEX = re.compile(r"^[0-9a-fA-F]+$")


class MalformedPage(UpstreamError):
    code = "upstream-malformed"


def parse_project_page(
    body: bytes, content_type: str, page_url: str, project: NormalizedName
) -> ProjectPage:
    """Parse an upstream project page of either format.

    Raises:
        MalformedPage: not valid JSON/HTML of the simple API.
    """
    if "json" in content_type:
        return _project_from_json(_load_json(body, page_url), page_url, project)
    return _project_from_html(_decode(body, page_url), page_url, project)


def parse_project_list(body: bytes, content_type: str, page_url: str) -> ProjectList:
    """Parse an upstream root page; names that are not valid project names are skipped.

    Root pages list every project of an index (hundreds of thousands of names), so the
    names are picked out with a pattern instead of building a document tree: that keeps
    the transient memory to the names themselves.
    """
    is_json = "json" in content_type
    if is_json:
        text = body.strip()
        if not (text.startswith(b"{") and text.endswith(b"}")) or b'"projects"' not in text:
            raise MalformedPage(f"root page at {page_url} is not a PEP 691 project list")
        if not _API_VERSION.search(text[:4096]):
            raise MalformedPage(
                f"root page at {page_url} lacks meta.api-version 1.x", hint="PEP 691 requires it"
            )
        found = (m.group(1) for m in _JSON_NAME.finditer(text))
    else:
        if not body.lstrip()[:1] == b"<":
            raise MalformedPage(f"root page at {page_url} is not HTML")
        found = (m.group(1) for m in _ANCHOR_TEXT.finditer(body))
    return ProjectList(sorted_lines(_normalized(found, is_json)))


def _normalized(found: Iterable[bytes], is_json: bool) -> Iterator[bytes]:
    for raw in found:
        if _NORMALIZED.fullmatch(raw) and len(raw) <= MAX_PROJECT_NAME:
            yield raw  # the usual case: no decoding, no new string
            continue
        decoded = _json_string(raw) if is_json else _html_text(raw)
        if decoded is None:
            continue
        with contextlib.suppress(InvalidName):
            yield normalize(decoded.strip()).encode()


# a name already in PEP 503 normal form
_NORMALIZED = re.compile(rb"[a-z0-9]+(?:-[a-z0-9]+)*")
_API_VERSION = re.compile(rb'"api-version"\s*:\s*"1\.')
# a JSON string's body: runs of plain characters between escapes (unrolled: much faster
# than an alternation per character)
_JSON_NAME = re.compile(rb'"name"\s*:\s*"([^"\\]*(?:\\.[^"\\]*)*)"')
_ANCHOR_TEXT = re.compile(rb"<a\b[^>]*>([^<]*)</a\s*>", re.IGNORECASE)


def _json_string(raw: bytes) -> str | None:
    try:
        return raw.decode() if b"\\" not in raw else str(orjson.loads(b'"' + raw + b'"'))
    except (UnicodeDecodeError, orjson.JSONDecodeError):
        return None


def _html_text(raw: bytes) -> str | None:
    try:
        text = raw.decode()
    except UnicodeDecodeError:
        return None
    return html.unescape(text) if "&" in text else text


def _load_json(body: bytes, page_url: str) -> dict[str, Any]:
    try:
        # orjson's parser briefly needs ~12x the text: for big pages (thousands of files)
        # the standard library's, 1.6x slower, keeps the peak near the document itself
        document = orjson.loads(body) if len(body) < _ORJSON_MAX else json.loads(body)
    except (orjson.JSONDecodeError, ValueError, RecursionError) as exc:
        raise MalformedPage(f"page at {page_url} is not valid JSON: {exc}") from None
    if not isinstance(document, dict):
        raise MalformedPage(f"page at {page_url} is not a JSON object")
    meta = document.get("meta")
    if not isinstance(meta, dict) or not str(meta.get("api-version", "")).startswith("1."):
        raise MalformedPage(
            f"page at {page_url} lacks meta.api-version 1.x", hint="PEP 691 requires it"
        )
    return document


def _decode(body: bytes, page_url: str) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        raise MalformedPage(f"page at {page_url} is not UTF-8") from None


def _project_from_json(
    document: dict[str, Any], page_url: str, project: NormalizedName
) -> ProjectPage:
    entries = document.get("files")
    if not isinstance(entries, list):
        raise MalformedPage(f"page at {page_url} has no 'files' list")
    # each entry is dropped once converted: a page of thousands of files never holds the
    # whole document and the whole model at once
    entries.reverse()
    converted = []
    while entries:
        converted.append(_json_file(entries.pop(), page_url))
    files = tuple(converted)
    versions = document.get("versions")
    if versions is not None and not (
        isinstance(versions, list) and all(isinstance(v, str) for v in versions)
    ):
        raise MalformedPage(f"page at {page_url} has a malformed 'versions' list")
    return ProjectPage(name=project, files=files, versions=tuple(versions or ()))


def _json_file(entry: Any, page_url: str) -> ProjectFile:
    if not isinstance(entry, dict):
        raise MalformedPage(f"page at {page_url} has a file entry that is not an object")
    filename, url, hashes = entry.get("filename"), entry.get("url"), entry.get("hashes")
    if not isinstance(filename, str) or not isinstance(url, str) or not isinstance(hashes, dict):
        raise MalformedPage(f"page at {page_url} has a file without filename, url or hashes")
    _check_filename(filename, page_url)
    yanked = entry.get("yanked", False)
    metadata = entry.get("core-metadata", entry.get("dist-info-metadata"))
    size = entry.get("size")
    return ProjectFile(
        filename=filename,
        url=urljoin(page_url, url),
        hashes=_clean_hashes(hashes, page_url),
        requires_python=_optional_str(entry.get("requires-python")),
        yanked=bool(yanked),
        yanked_reason=yanked if isinstance(yanked, str) and yanked else None,
        core_metadata=_metadata_hashes(metadata, page_url),
        size=size if isinstance(size, int) and size >= 0 else None,
        upload_time=_timestamp(entry.get("upload-time")),
    )


def _metadata_hashes(value: Any, page_url: str) -> dict[str, str] | None:
    if value is None or value is False:
        return None
    if value is True:
        return {}
    if isinstance(value, dict):
        return _clean_hashes(value, page_url)
    raise MalformedPage(f"page at {page_url} has a malformed core-metadata value {value!r}")


def _clean_hashes(hashes: dict[Any, Any], page_url: str) -> dict[str, str]:
    clean = {}
    for name, value in hashes.items():
        if not isinstance(name, str) or not isinstance(value, str) or not _HEX.match(value):
            raise MalformedPage(f"page at {page_url} has a malformed hash {name!r}: {value!r}")
        clean[name.lower()] = value.lower()
    return clean


def _optional_str(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _timestamp(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _check_filename(filename: str, page_url: str) -> None:
    if not filename or "/" in filename or "\\" in filename or filename in (".", ".."):
        raise MalformedPage(f"page at {page_url} lists an unsafe file name {filename!r}")


class _LinkCollector(HTMLParser):
    """Collects the anchors of a page: (attributes, text)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[dict[str, str | None], str]] = []
        self._current: dict[str, str | None] | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self._current = dict(attrs)
            self._text = []

    def handle_data(self, data: str) -> None:
        if self._current is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._current is not None:
            self.links.append((self._current, "".join(self._text).strip()))
            self._current = None


def _feed(parser: HTMLParser, text: str, page_url: str) -> None:
    try:
        parser.feed(text)
        parser.close()
    except Exception as exc:  # html.parser raises assorted errors on broken markup
        raise MalformedPage(f"page at {page_url} is not parseable HTML: {exc}") from None


def _project_from_html(text: str, page_url: str, project: NormalizedName) -> ProjectPage:
    collector = _LinkCollector()
    _feed(collector, text, page_url)
    files = []
    for attrs, anchor_text in collector.links:
        href = attrs.get("href")
        if not href:
            continue
        url, fragment = urldefrag(urljoin(page_url, href))
        filename = anchor_text or url.rsplit("/", 1)[-1]
        _check_filename(filename, page_url)
        metadata = attrs.get("data-core-metadata", attrs.get("data-dist-info-metadata"))
        yanked = attrs.get("data-yanked")
        files.append(
            ProjectFile(
                filename=filename,
                url=url,
                hashes=_fragment_hashes(fragment, page_url),
                requires_python=_optional_str(attrs.get("data-requires-python")),
                yanked="data-yanked" in attrs,
                yanked_reason=yanked or None,
                core_metadata=_html_metadata(metadata, page_url)
                if "data-core-metadata" in attrs or "data-dist-info-metadata" in attrs
                else None,
            )
        )
    return ProjectPage(name=project, files=tuple(files))


def _fragment_hashes(fragment: str, page_url: str) -> dict[str, str]:
    if not fragment:
        return {}
    name, _, value = fragment.partition("=")
    if name.lower() not in _HASH_NAMES:
        return {}
    if not _HEX.match(value):
        raise MalformedPage(f"page at {page_url} has a malformed hash fragment {fragment!r}")
    return {name.lower(): value.lower()}


def _html_metadata(value: str | None, page_url: str) -> dict[str, str] | None:
    if value is None or value.lower() == "true" or value == "":
        return {}
    if value.lower() == "false":
        return None
    name, _, digest = value.partition("=")
    if not digest or not _HEX.match(digest):
        raise MalformedPage(f"page at {page_url} has a malformed data-core-metadata {value!r}")
    return {name.lower(): digest.lower()}
