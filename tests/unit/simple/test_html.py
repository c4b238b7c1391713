"""PEP 503 HTML rendering (with PEP 592, 629, 658/714 attributes), read back with html.parser."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from hypothesis import given
from hypothesis import strategies as st
from packaging.utils import NormalizedName

from bodega.domain.model import ProjectFile, ProjectList, ProjectPage
from bodega.simple.html import API_VERSION, render_project, render_root

SHA256 = "a" * 64
OTHER_SHA256 = "b" * 64


class _Page(HTMLParser):
    """The parts of a simple page a client reads: anchors, title, meta tags."""

    def __init__(self, body: bytes) -> None:
        super().__init__(convert_charrefs=True)
        self.anchors: list[tuple[dict[str, str | None], str]] = []
        self.meta: dict[str, str | None] = {}
        self.title = ""
        self.h1 = ""
        self._in: str | None = None
        self._attrs: dict[str, str | None] = {}
        self._text: list[str] = []
        self.feed(body.decode("utf-8"))
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "meta":
            named = dict(attrs)
            self.meta[str(named.get("name"))] = named.get("content")
        elif tag in ("a", "title", "h1"):
            self._in, self._attrs, self._text = tag, dict(attrs), []

    def handle_data(self, data: str) -> None:
        if self._in:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag != self._in:
            return
        text = "".join(self._text)
        if tag == "a":
            self.anchors.append((self._attrs, text))
        elif tag == "title":
            self.title = text
        else:
            self.h1 = text
        self._in = None


def _one(file: ProjectFile, base: str = "../../") -> tuple[dict[str, str | None], str]:
    page = _Page(render_project(ProjectPage(NormalizedName("demo"), (file,)), base))
    assert len(page.anchors) == 1
    return page.anchors[0]


def _file(**kwargs: object) -> ProjectFile:
    values: dict[str, object] = {
        "filename": "demo-1.0.tar.gz",
        "url": "local/files/aa/demo-1.0.tar.gz",
    }
    values.update(kwargs)
    return ProjectFile(**values)  # type: ignore[arg-type]


def test_project_page_structure() -> None:
    files = (
        _file(hashes={"sha256": SHA256}),
        _file(filename="demo-1.0-py3-none-any.whl", url="local/files/bb/demo-1.0-py3-none-any.whl"),
    )
    body = render_project(ProjectPage(NormalizedName("demo"), files), "../../")
    assert body.startswith(b"<!DOCTYPE html>")
    page = _Page(body)
    assert page.meta == {"pypi:repository-version": API_VERSION}
    assert page.title == "Links for demo"
    assert page.h1 == "Links for demo"
    assert [text for _attrs, text in page.anchors] == [
        "demo-1.0.tar.gz",
        "demo-1.0-py3-none-any.whl",
    ]


def test_empty_project_page_has_no_links() -> None:
    page = _Page(render_project(ProjectPage(NormalizedName("demo"), ()), "../../"))
    assert page.anchors == []
    assert page.title == "Links for demo"


@pytest.mark.parametrize(
    ("hashes", "fragment"),
    [
        pytest.param({"sha256": SHA256}, f"#sha256={SHA256}", id="sha256"),
        pytest.param({"sha256": SHA256, "md5": "c" * 32}, f"#sha256={SHA256}", id="sha256-first"),
        pytest.param({"md5": "c" * 32}, "", id="md5-only"),
        pytest.param({}, "", id="none"),
    ],
)
def test_hash_fragment(hashes: dict[str, str], fragment: str) -> None:
    attrs, _text = _one(_file(hashes=hashes))
    assert attrs["href"] == f"../../local/files/aa/demo-1.0.tar.gz{fragment}"


@pytest.mark.parametrize(
    ("url", "base", "href"),
    [
        pytest.param("local/files/aa/x.tar.gz", "../../", "../../local/files/aa/x.tar.gz", id="d2"),
        pytest.param("local/files/aa/x.tar.gz", "../../../", "../../../local/files/aa/x.tar.gz"),
        pytest.param("local/files/aa/x.tar.gz", "", "local/files/aa/x.tar.gz", id="no-base"),
        pytest.param("https://files.example.invalid/x.tar.gz", "../../", None, id="https"),
        pytest.param("http://127.0.0.1:9/x.tar.gz", "../../", None, id="http"),
        pytest.param("/prefix/files/x.tar.gz", "../../", None, id="root-absolute"),
    ],
)
def test_links_relative_to_the_page_unless_absolute(url: str, base: str, href: str | None) -> None:
    attrs, _text = _one(_file(url=url), base)
    assert attrs["href"] == (href or url)


@pytest.mark.parametrize(
    "requires_python",
    [">=3.8", "<4,>=3.9", ">=3.6, !=3.7.*, <3.13", '>="3"&<4'],
)
def test_requires_python_is_escaped(requires_python: str) -> None:
    attrs, _text = _one(_file(requires_python=requires_python))
    assert attrs["data-requires-python"] == requires_python
    body = render_project(
        ProjectPage(NormalizedName("demo"), (_file(requires_python=requires_python),)), ""
    )
    if "<" in requires_python:
        assert b"&lt;" in body
    assert b"<4" not in body
    assert b'="3"' not in body


def test_requires_python_absent_when_unknown() -> None:
    attrs, _text = _one(_file(requires_python=None))
    assert "data-requires-python" not in attrs


@pytest.mark.parametrize(
    ("yanked", "reason", "expected"),
    [
        pytest.param(False, None, None, id="not-yanked"),
        pytest.param(False, "ignored", None, id="reason-without-yank"),
        pytest.param(True, None, "", id="no-reason"),
        pytest.param(True, "", "", id="empty-reason"),
        pytest.param(True, "broken build", "broken build", id="reason"),
        pytest.param(True, 'use "2.0" <now>', 'use "2.0" <now>', id="reason-escaped"),
    ],
)
def test_yanked(yanked: bool, reason: str | None, expected: str | None) -> None:
    attrs, _text = _one(_file(yanked=yanked, yanked_reason=reason))
    if expected is None:
        assert "data-yanked" not in attrs
    else:
        assert attrs["data-yanked"] == expected


@pytest.mark.parametrize(
    ("core_metadata", "expected"),
    [
        pytest.param(None, None, id="none"),
        pytest.param({}, "true", id="no-hash"),
        pytest.param({"sha256": OTHER_SHA256}, f"sha256={OTHER_SHA256}", id="sha256"),
        pytest.param({"md5": "c" * 32}, "true", id="other-hash"),
    ],
)
def test_core_metadata_attributes(
    core_metadata: dict[str, str] | None, expected: str | None
) -> None:
    attrs, _text = _one(_file(core_metadata=core_metadata))
    # PEP 714: the new name and, for older clients, the PEP 658 one
    assert attrs.get("data-core-metadata") == expected
    assert attrs.get("data-dist-info-metadata") == expected
    if expected is None:
        assert "data-core-metadata" not in attrs


def test_filename_and_url_are_escaped() -> None:
    attrs, text = _one(_file(filename="a&b<c>.tar.gz", url='local/files/x/"q"&.tar.gz'))
    assert text == "a&b<c>.tar.gz"
    assert attrs["href"] == '../../local/files/x/"q"&.tar.gz'


@pytest.mark.parametrize(
    "names",
    [
        pytest.param((), id="empty"),
        pytest.param(("demo",), id="one"),
        pytest.param(("a-b", "demo", "zope-interface"), id="several"),
    ],
)
def test_root_page_links_each_project(names: tuple[str, ...]) -> None:
    body = render_root(ProjectList.of(names))
    page = _Page(body)
    assert page.meta == {"pypi:repository-version": API_VERSION}
    assert page.title == "Simple index"
    assert [(attrs["href"], text) for attrs, text in page.anchors] == [(f"{n}/", n) for n in names]


_ANY_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=30)


@given(
    filename=_ANY_TEXT.filter(lambda s: s.strip() == s and s != ""),
    requires_python=_ANY_TEXT.filter(bool),
    reason=_ANY_TEXT,
    url=_ANY_TEXT,
)
def test_attribute_values_survive_escaping(
    filename: str, requires_python: str, reason: str, url: str
) -> None:
    attrs, text = _one(
        _file(
            filename=filename,
            url="local/" + url,
            requires_python=requires_python,
            yanked=True,
            yanked_reason=reason,
        )
    )
    assert text == filename
    assert attrs["href"] == "../../local/" + url
    assert attrs["data-requires-python"] == requires_python
    assert attrs["data-yanked"] == reason
