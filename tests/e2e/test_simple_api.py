"""The simple repository API as installers read it: PEP 503, 629, 658/714, 691, 700,
and the HTTP around it (redirects, ETags, gzip, ranges, caching headers)."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import re
import zipfile
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote, urldefrag, urljoin

import pytest

from tests.e2e.conftest import Account, unique, upload
from tests.support import clients
from tests.support.dists import (
    Dist,
    sdist_bytes,
    sdist_name,
    wheel_bytes,
    wheel_name,
    write_wheel,
)
from tests.support.server import Server

JSON = "application/vnd.pypi.simple.v1+json"
HTML_V1 = "application/vnd.pypi.simple.v1+html"
TEXT_HTML = "text/html; charset=utf-8"
VERSIONS = ("1.0", "1.1", "1.2", "2.0")


@dataclass(frozen=True)
class Project:
    """A project on the shared server: four wheels and one sdist, bytes kept."""

    name: str  # normalised
    display: str
    files: dict[str, bytes]  # file name -> bytes

    @property
    def page(self) -> str:
        return f"/local/simple/{self.name}/"

    def sha256(self, filename: str) -> str:
        return hashlib.sha256(self.files[filename]).hexdigest()

    def file_path(self, filename: str) -> str:
        return f"/local/files/{self.sha256(filename)}/{filename}"


@pytest.fixture(scope="module")
def project(server: Server, account: Account) -> Project:
    display = unique("Simple_Page").replace("-", ".")
    files: dict[str, bytes] = {}
    for version in VERSIONS:
        python = ">=3.8" if version != "2.0" else ">=3.8,<4"
        dist = Dist(display, version, requires_python=python)
        data = wheel_bytes(dist)
        files[upload(server, account.auth, dist, data)] = data
    first = Dist(display, "1.0", requires_python=">=3.8")
    data = sdist_bytes(first)
    files[upload(server, account.auth, first, data, sdist=True)] = data
    return Project(re.sub(r"[-_.]+", "-", display).lower(), display, files)


class Anchors(HTMLParser):
    """The <a> elements and <meta> tags of a simple page."""

    def __init__(self) -> None:
        super().__init__()
        self.anchors: list[tuple[dict[str, str | None], str]] = []
        self.meta: dict[str, str | None] = {}
        self._open: dict[str, str | None] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self._open = dict(attrs)
        elif tag == "meta":
            values = dict(attrs)
            self.meta[values.get("name") or ""] = values.get("content")

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            self.anchors.append((self._open, data))
            self._open = None


def parse_html(body: bytes) -> Anchors:
    parser = Anchors()
    parser.feed(body.decode())
    return parser


def get_page(server: Server, path: str, **headers: str) -> clients.Response:
    return clients.get(server.url(path), **headers)


# --- content negotiation (PEP 691) ------------------------------------------------

PIP_ACCEPT = f"{JSON}, {HTML_V1}; q=0.1, text/html; q=0.01"


@pytest.mark.parametrize(
    ("accept", "content_type"),
    [
        (None, TEXT_HTML),
        (JSON, JSON),
        (HTML_V1, HTML_V1),
        ("text/html", TEXT_HTML),
        ("*/*", TEXT_HTML),
        ("application/vnd.pypi.simple.latest+json", JSON),
        (PIP_ACCEPT, JSON),
        (f"{JSON};q=0.5, text/html;q=0.9", TEXT_HTML),
        (f"{JSON};q=0.9, text/html;q=0.5", JSON),
        (f"{HTML_V1};q=0.2, {JSON};q=0.8", JSON),
        (f"{JSON};q=0, text/html", TEXT_HTML),
    ],
)
def test_accept_header_picks_the_format(
    server: Server, project: Project, accept: str | None, content_type: str
) -> None:
    headers = {} if accept is None else {"Accept": accept}
    response = clients.request("GET", server.url(project.page), headers=headers)
    assert response.status == 200
    assert response.header("Content-Type") == content_type
    assert "Accept" in (response.header("Vary") or "")
    if content_type == JSON:
        assert json.loads(response.body)["name"] == project.name
    else:
        assert response.body.startswith(b"<!DOCTYPE html>")


@pytest.mark.parametrize("accept", ["application/json", "image/png", "text/html;q=0"])
def test_unservable_accept_is_406(server: Server, project: Project, accept: str) -> None:
    response = get_page(server, project.page, Accept=accept)
    assert response.status == 406
    assert f"none of the media types in Accept: {accept!r} can be served" in response.text


@pytest.mark.parametrize(
    ("fmt", "content_type"), [(JSON, JSON), ("text/html", TEXT_HTML), (HTML_V1, HTML_V1)]
)
def test_format_query_overrides_accept(
    server: Server, project: Project, fmt: str, content_type: str
) -> None:
    accept = "text/html" if fmt == JSON else JSON
    response = get_page(server, f"{project.page}?format={quote(fmt)}", Accept=accept)
    assert response.status == 200
    assert response.header("Content-Type") == content_type


def test_api_version_is_declared(server: Server, project: Project) -> None:
    """PEP 629: meta api-version in JSON, the pypi:repository-version meta tag in HTML."""
    document = json.loads(get_page(server, project.page, Accept=JSON).body)
    assert document["meta"]["api-version"] == "1.1"
    html = parse_html(get_page(server, project.page).body)
    assert html.meta["pypi:repository-version"] == "1.1"
    root = json.loads(get_page(server, "/local/simple/", Accept=JSON).body)
    assert root["meta"]["api-version"] == "1.1"


# --- root and project pages -------------------------------------------------------


@pytest.mark.parametrize("path", ["/local/simple/", "/simple/"])
def test_root_lists_the_project_by_its_normalised_name(
    server: Server, project: Project, path: str
) -> None:
    document = json.loads(get_page(server, path, Accept=JSON).body)
    names = [p["name"] for p in document["projects"]]
    assert project.name in names
    assert project.display not in names
    html = parse_html(get_page(server, path).body)
    assert ({"href": f"{project.name}/"}, project.name) in html.anchors


def test_root_of_a_new_store_lists_exactly_its_projects(
    fresh_server: Server, tmp_path: Path
) -> None:
    empty = json.loads(get_page(fresh_server, "/local/simple/", Accept=JSON).body)
    assert empty == {"meta": {"api-version": "1.1"}, "projects": []}
    wheelhouse = tmp_path / "wheelhouse"
    wheelhouse.mkdir()
    for display in ("Zeta.Project", "alpha_project", "Mid-Project"):
        write_wheel(wheelhouse, Dist(display, "1.0"))
    fresh_server.cli("import", str(wheelhouse), "--index", "local", "--quiet")
    expected = ["alpha-project", "mid-project", "zeta-project"]
    document = json.loads(get_page(fresh_server, "/local/simple/", Accept=JSON).body)
    assert sorted(p["name"] for p in document["projects"]) == expected
    html = parse_html(get_page(fresh_server, "/local/simple/").body)
    assert sorted(html.anchors, key=lambda a: a[1]) == [
        ({"href": f"{name}/"}, name) for name in expected
    ]


@pytest.mark.parametrize(
    ("path", "location"),
    [
        ("/local/simple/{display}/", "/local/simple/{name}/"),
        ("/simple/{display}/", "/simple/{name}/"),
        (
            "/local/simple/{display}/?format=" + quote(JSON),
            "/local/simple/{name}/?format=" + quote(JSON),
        ),
        ("/local/simple/{name}", "/local/simple/{name}/"),
        ("/simple/{name}", "/simple/{name}/"),
    ],
    ids=["not-normalised", "not-normalised-default", "keeps-query", "no-slash", "no-slash-default"],
)
def test_redirects_to_the_canonical_url(
    server: Server, project: Project, path: str, location: str
) -> None:
    path = path.format(display=project.display, name=project.name)
    response = get_page(server, path)
    assert response.status == 301
    target = urljoin(server.url(path), response.header("Location") or "")
    assert target == server.url(location.format(name=project.name))
    assert get_page(server, target.removeprefix(server.base_url)).status == 200


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/local/simple/no-such-project/", "index 'local' has no project 'no-such-project'"),
        ("/simple/no-such-project/", "has project 'no-such-project'"),
    ],
)
def test_unknown_project_is_404(server: Server, path: str, message: str) -> None:
    response = get_page(server, path)
    assert response.status == 404
    assert message in response.text


def test_unknown_index_is_404(server: Server) -> None:
    response = get_page(server, "/nowhere/simple/")
    assert response.status == 404
    assert "no index named 'nowhere'" in response.text


def test_html_links_carry_hashes_requires_python_and_metadata(
    server: Server, project: Project
) -> None:
    page_url = server.url(project.page)
    anchors = parse_html(get_page(server, project.page).body).anchors
    assert sorted(text for _, text in anchors) == sorted(project.files)
    for attrs, filename in anchors:
        url, fragment = urldefrag(urljoin(page_url, attrs["href"] or ""))
        assert fragment == f"sha256={project.sha256(filename)}"
        assert url == server.url(project.file_path(filename))
        expected_python = ">=3.8,<4" if "-2.0-" in filename else ">=3.8"
        assert attrs["data-requires-python"] == expected_python
        if filename.endswith(".whl"):
            assert (attrs["data-core-metadata"] or "").startswith("sha256=")
            assert attrs["data-dist-info-metadata"] == attrs["data-core-metadata"]
        else:
            assert "data-core-metadata" not in attrs
        assert "data-yanked" not in attrs


def test_json_page_has_pep_700_fields(server: Server, project: Project) -> None:
    document = json.loads(get_page(server, project.page, Accept=JSON).body)
    assert document["name"] == project.name
    assert document["versions"] == list(VERSIONS)
    assert sorted(f["filename"] for f in document["files"]) == sorted(project.files)
    for entry in document["files"]:
        filename = entry["filename"]
        assert entry["hashes"] == {"sha256": project.sha256(filename)}
        assert entry["size"] == len(project.files[filename])
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", entry["upload-time"])
        assert entry["yanked"] is False
        url = urljoin(server.url(project.page), entry["url"])
        assert url == server.url(project.file_path(filename))
        if filename.endswith(".whl"):
            assert set(entry["core-metadata"]) == {"sha256"}
        else:
            assert "core-metadata" not in entry


@pytest.mark.parametrize("version", ["1.0", "2.0"])
def test_core_metadata_file_is_the_wheels_metadata(
    server: Server, project: Project, version: str
) -> None:
    """PEP 658: ``<file>.metadata`` is the METADATA inside the wheel, with the page's hash."""
    filename = wheel_name(Dist(project.display, version))
    with zipfile.ZipFile(io.BytesIO(project.files[filename])) as archive:
        inside = archive.read(f"{filename.split('-')[0]}-{version}.dist-info/METADATA")
    document = json.loads(get_page(server, project.page, Accept=JSON).body)
    entry = next(f for f in document["files"] if f["filename"] == filename)
    response = get_page(server, project.file_path(filename) + ".metadata")
    assert response.status == 200
    assert response.body == inside
    assert hashlib.sha256(response.body).hexdigest() == entry["core-metadata"]["sha256"]


def test_sdist_has_no_core_metadata_file(server: Server, project: Project) -> None:
    filename = sdist_name(Dist(project.display, "1.0"))
    response = get_page(server, project.file_path(filename) + ".metadata")
    assert response.status == 404


# --- conditional requests and compression -----------------------------------------


@pytest.mark.parametrize("accept", [JSON, "text/html"])
def test_page_etag_and_if_none_match(server: Server, project: Project, accept: str) -> None:
    first = get_page(server, project.page, Accept=accept)
    etag = first.header("ETag")
    assert etag
    assert etag.startswith('"')
    assert etag.endswith('"')
    assert first.header("Cache-Control") == "max-age=0, must-revalidate, public"
    again = get_page(server, project.page, Accept=accept, If_None_Match=etag)
    assert again.status == 304
    assert again.body == b""
    assert again.header("ETag") == etag
    other = get_page(server, project.page, Accept=accept, If_None_Match='"something-else"')
    assert other.status == 200
    assert other.body == first.body


def test_large_page_is_gzipped_when_asked(server: Server, project: Project) -> None:
    plain = get_page(server, project.page, Accept=JSON)
    assert len(plain.body) >= 1024
    assert plain.header("Content-Encoding") is None
    zipped = get_page(server, project.page, Accept=JSON, Accept_Encoding="gzip, deflate")
    assert zipped.status == 200
    assert zipped.header("Content-Encoding") == "gzip"
    assert gzip.decompress(zipped.body) == plain.body
    assert len(zipped.body) < len(plain.body)
    assert zipped.header("ETag") != plain.header("ETag")
    assert "Accept-Encoding" in (zipped.header("Vary") or "")
    revalidated = get_page(
        server,
        project.page,
        Accept=JSON,
        Accept_Encoding="gzip",
        If_None_Match=zipped.header("ETag") or "",
    )
    assert revalidated.status == 304
    refused = get_page(server, project.page, Accept=JSON, Accept_Encoding="gzip;q=0")
    assert refused.header("Content-Encoding") is None
    assert refused.body == plain.body


def test_small_page_is_not_compressed(server: Server, account: Account) -> None:
    dist = Dist(unique("small"), "1.0")
    upload(server, account.auth, dist, wheel_bytes(dist))
    response = get_page(server, f"/local/simple/{dist.name}/", Accept_Encoding="gzip")
    assert response.status == 200
    assert len(response.body) < 1024
    assert response.header("Content-Encoding") is None
    assert wheel_name(dist).encode() in response.body


# --- files ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def wheel(project: Project) -> tuple[str, bytes]:
    filename = wheel_name(Dist(project.display, "1.1"))
    return project.file_path(filename), project.files[filename]


def test_file_get_and_head(server: Server, wheel: tuple[str, bytes]) -> None:
    path, data = wheel
    response = get_page(server, path)
    assert response.status == 200
    assert response.body == data
    assert response.header("Content-Length") == str(len(data))
    assert response.header("ETag") == f'"{hashlib.sha256(data).hexdigest()}"'
    assert response.header("Cache-Control") == "max-age=31536000, immutable, public"
    assert response.header("Accept-Ranges") == "bytes"
    head = clients.request("HEAD", server.url(path))
    assert head.status == 200
    assert head.body == b""
    assert head.header("Content-Length") == str(len(data))
    assert head.header("ETag") == response.header("ETag")


@pytest.mark.parametrize(
    ("header", "start", "end"),
    [("bytes=0-99", 0, 99), ("bytes=100-", 100, None), ("bytes=-50", -50, None)],
)
def test_file_range_request(
    server: Server, wheel: tuple[str, bytes], header: str, start: int, end: int | None
) -> None:
    path, data = wheel
    response = get_page(server, path, Range=header)
    assert response.status == 206
    expected = data[start : None if end is None else end + 1]
    assert response.body == expected
    first = start if start >= 0 else len(data) + start
    assert response.header("Content-Range") == (
        f"bytes {first}-{first + len(expected) - 1}/{len(data)}"
    )


@pytest.mark.parametrize(
    "spec",
    [
        "{size}-{end}",
        "{size}-",
        "0-0,{size}-",  # several ranges: the server may send the whole file instead
    ],
    ids=["closed", "open", "several"],
)
def test_unsatisfiable_range_is_416(server: Server, wheel: tuple[str, bytes], spec: str) -> None:
    path, data = wheel
    header = "bytes=" + spec.format(size=len(data) + 10, end=len(data) + 20)
    response = get_page(server, path, Range=header)
    if "," in spec:
        assert response.status == 200
        assert response.body == data
        return
    assert response.status == 416
    assert response.header("Content-Range") == f"bytes */{len(data)}"
    assert response.body == b""


def test_file_if_none_match_is_304(server: Server, wheel: tuple[str, bytes]) -> None:
    path, data = wheel
    etag = f'"{hashlib.sha256(data).hexdigest()}"'
    response = get_page(server, path, If_None_Match=etag)
    assert response.status == 304
    assert response.body == b""
    assert response.header("ETag") == etag


def test_file_url_with_a_wrong_sha256_is_404(server: Server, wheel: tuple[str, bytes]) -> None:
    path, _ = wheel
    _, index, files, _sha, filename = path.split("/")
    wrong = hashlib.sha256(b"not these bytes").hexdigest()
    response = get_page(server, f"/{index}/{files}/{wrong}/{filename}")
    assert response.status == 404
    assert f"with sha256 {wrong}" in response.text
    missing = get_page(server, f"/{index}/{files}/{wrong}/no_such-1.0-py3-none-any.whl")
    assert missing.status == 404
