"""Parsing upstream simple pages: both formats, absolute URLs, and refusals."""

from __future__ import annotations

from datetime import UTC, datetime

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st
from packaging.utils import NormalizedName

from bodega.domain.model import ProjectFile, ProjectList, ProjectPage
from bodega.simple import html as simple_html
from bodega.simple import json as simple_json
from bodega.simple.parse import MalformedPage, parse_project_list, parse_project_page

PAGE = "https://upstream.invalid/simple/demo/"
JSON = "application/vnd.pypi.simple.v1+json"
SHA = "ab" * 32
NAME = NormalizedName("demo")


def html(*anchors: str) -> bytes:
    return ("<!DOCTYPE html><html><body>" + "".join(anchors) + "</body></html>").encode()


def test_html_page_attributes():
    page = parse_project_page(
        html(
            f'<a href="../../files/demo-1.0-py3-none-any.whl#sha256={SHA.upper()}" '
            'data-requires-python="&gt;=3.8" data-core-metadata="sha256=' + "cd" * 32 + '" '
            'data-yanked="bad build">demo-1.0-py3-none-any.whl</a>',
            '<a href="https://files.invalid/demo-1.0.tar.gz">demo-1.0.tar.gz</a>',
        ),
        "text/html",
        PAGE,
        NAME,
    )
    wheel, sdist = page.files
    assert wheel.url == "https://upstream.invalid/files/demo-1.0-py3-none-any.whl"
    assert wheel.hashes == {"sha256": SHA}
    assert wheel.requires_python == ">=3.8"
    assert wheel.core_metadata == {"sha256": "cd" * 32}
    assert wheel.yanked
    assert wheel.yanked_reason == "bad build"
    assert sdist.hashes == {}
    assert sdist.core_metadata is None
    assert not sdist.yanked


@pytest.mark.parametrize(
    ("attribute", "expected"),
    [
        ('data-core-metadata="true"', {}),
        ('data-dist-info-metadata="sha256=' + "ef" * 32 + '"', {"sha256": "ef" * 32}),
        ('data-core-metadata="false"', None),
        ("", None),
    ],
)
def test_html_core_metadata_forms(attribute: str, expected: dict[str, str] | None):
    page = parse_project_page(
        html(f'<a href="x-1.0.tar.gz" {attribute}>x-1.0.tar.gz</a>'), "text/html", PAGE, NAME
    )
    assert page.files[0].core_metadata == expected


def test_yanked_without_reason():
    page = parse_project_page(
        html('<a href="x-1.0.tar.gz" data-yanked>x-1.0.tar.gz</a>'), "text/html", PAGE, NAME
    )
    assert page.files[0].yanked
    assert page.files[0].yanked_reason is None


def test_json_page_fields():
    document = {
        "meta": {"api-version": "1.1"},
        "name": "demo",
        "versions": ["1.0", "2.0"],
        "files": [
            {
                "filename": "demo-1.0-py3-none-any.whl",
                "url": "/files/demo-1.0-py3-none-any.whl",
                "hashes": {"sha256": SHA},
                "requires-python": ">=3.9",
                "core-metadata": True,
                "yanked": "reason",
                "size": 123,
                "upload-time": "2024-01-02T03:04:05.123456Z",
            },
            {
                "filename": "demo-2.0.tar.gz",
                "url": "demo-2.0.tar.gz",
                "hashes": {},
                "dist-info-metadata": {"sha256": "cd" * 32},
                "yanked": True,
            },
        ],
    }
    page = parse_project_page(orjson.dumps(document), JSON, PAGE, NAME)
    first, second = page.files
    assert first.url == "https://upstream.invalid/files/demo-1.0-py3-none-any.whl"
    assert first.core_metadata == {}
    assert first.yanked_reason == "reason"
    assert first.size == 123
    assert first.upload_time == datetime(2024, 1, 2, 3, 4, 5, 123456, tzinfo=UTC)
    assert second.url == PAGE + "demo-2.0.tar.gz"
    assert second.core_metadata == {"sha256": "cd" * 32}
    assert second.yanked
    assert second.yanked_reason is None
    assert page.versions == ("1.0", "2.0")


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[]",
        b'{"meta": {"api-version": "2.0"}, "files": []}',
        b'{"name": "demo", "files": []}',
        b'{"meta": {"api-version": "1.0"}, "files": 3}',
        b'{"meta": {"api-version": "1.0"}, "files": [{"filename": "x"}]}',
        b'{"meta": {"api-version": "1.0"}, "files": [{"filename": "../x", "url": "x", '
        b'"hashes": {}}]}',
        b'{"meta": {"api-version": "1.0"}, "files": [{"filename": "x", "url": "x", '
        b'"hashes": {"sha256": "zz"}}]}',
        b'{"meta": {"api-version": "1.0"}, "files": [], "versions": [1]}',
        b'{"meta": {"api-version": "1.0"}, "files": [{"filename": "x", "url": "x", '
        b'"hashes": {}, "core-metadata": "yes"}]}',
        # big pages take the other JSON parser: the same refusals
        b'{"meta": {"api-version": "1.0"}, "files": []' + b" " * (200 << 10),
        b'{"meta": {"api-version": "1.0"}, "files": [' + b"[" * 300_000 + b"]" * 300_000 + b"]}",
        b'{"meta": {"api-version": "1.0"}, "files": [], "x": "\xff"}' + b" " * (200 << 10),
    ],
)
def test_malformed_json_pages(body: bytes):
    with pytest.raises(MalformedPage):
        parse_project_page(body, JSON, PAGE, NAME)


def test_big_json_pages_parse_like_small_ones():
    entry = {
        "filename": "demo-1.0.tar.gz",
        "url": "demo-1.0.tar.gz",
        "hashes": {"sha256": "ab" * 32},
    }
    small = orjson.dumps({"meta": {"api-version": "1.0"}, "files": [entry]})
    big = small[:-1] + b" " * (200 << 10) + b"}"
    assert parse_project_page(big, JSON, PAGE, NAME) == parse_project_page(small, JSON, PAGE, NAME)


@pytest.mark.parametrize(
    "body",
    [
        b"\xff\xfe not utf-8",
        html('<a href="x.whl#sha256=nothex">x.whl</a>'),
        html('<a href="x.whl" data-core-metadata="sha256=">x.whl</a>'),
        html('<a href="../evil">../evil</a>'),
    ],
)
def test_malformed_html_pages(body: bytes):
    with pytest.raises(MalformedPage):
        parse_project_page(body, "text/html", PAGE, NAME)


def test_root_lists_in_both_formats_skip_invalid_names():
    as_html = html('<a href="Foo_Bar/">Foo_Bar</a>', '<a href="-bad-/">-bad-</a>', "<a>zed</a>")
    assert parse_project_list(as_html, "text/html", PAGE).names == ("foo-bar", "zed")
    as_json = orjson.dumps(
        {"meta": {"api-version": "1.0"}, "projects": [{"name": "B"}, {"name": "a"}, {"x": 1}]}
    )
    assert parse_project_list(as_json, JSON, PAGE).names == ("a", "b")
    with pytest.raises(MalformedPage):
        parse_project_list(b'{"meta": {"api-version": "1.0"}}', JSON, PAGE)


_hex = st.text("0123456789abcdef", min_size=64, max_size=64)
_files = st.builds(
    ProjectFile,
    filename=st.from_regex(r"[a-z]{1,8}-[0-9]\.[0-9]\.tar\.gz", fullmatch=True),
    url=st.from_regex(r"https://files\.invalid/[a-z]{1,8}\.tar\.gz", fullmatch=True),
    hashes=st.fixed_dictionaries({"sha256": _hex}),
    requires_python=st.none() | st.just(">=3.8,<4"),
    yanked=st.booleans(),
    core_metadata=st.none() | st.fixed_dictionaries({"sha256": _hex}),
    size=st.none() | st.integers(0, 10**9),
)


@given(st.lists(_files, max_size=5))
def test_json_rendering_round_trips(files: list[ProjectFile]):
    page = ProjectPage(name=NAME, files=tuple(files), versions=("1.0",))
    parsed = parse_project_page(simple_json.render_project(page, ""), JSON, PAGE, NAME)
    assert parsed.files == page.files
    assert parsed.versions == page.versions


def test_root_rendering_round_trips():
    names = ProjectList.of(["a", "b-c"])
    assert parse_project_list(simple_json.render_root(names), JSON, PAGE) == names
    assert parse_project_list(simple_html.render_root(names), "text/html", PAGE) == names


@pytest.mark.parametrize(
    ("anchors", "expected"),
    [
        # already normal, out of order, repeated: sorted and unique
        (["zed", "abc", "zed", "abc"], ("abc", "zed")),
        # not normal: normalized, then merged with the normal spelling
        (["Foo.Bar", "foo-bar", "FOO__bar"], ("foo-bar",)),
        # entities and surrounding spaces in HTML text
        (["a&amp;b", " spaced ", "x&#45;y"], ("spaced", "x-y")),
        # too long once, fine at the limit
        (["a" * 201, "b" * 200], ("b" * 200,)),
        # runs of separators and separators at the ends
        (["a--b", "-a", "a-"], ("a-b",)),
    ],
)
def test_root_list_names(anchors: list[str], expected: tuple[str, ...]):
    body = html(*(f"<a>{a}</a>" for a in anchors))
    assert parse_project_list(body, "text/html", PAGE).names == expected


def test_json_root_names_with_escapes():
    body = b'{"meta":{"api-version":"1.1"},"projects":[{"name":"a\\u002db"},{"name":"A_B"}]}'
    assert parse_project_list(body, JSON, PAGE).names == ("a-b",)
