"""PEP 691 JSON rendering (with PEP 700 fields)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st
from packaging.utils import NormalizedName

from bodega.domain.model import ProjectFile, ProjectList, ProjectPage
from bodega.simple.json import API_VERSION, render_project, render_root

SHA256 = "a" * 64
_UPLOAD_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z")


def _file(**kwargs: object) -> ProjectFile:
    values: dict[str, object] = {
        "filename": "demo-1.0.tar.gz",
        "url": "local/files/aa/demo-1.0.tar.gz",
        "hashes": {"sha256": SHA256},
    }
    values.update(kwargs)
    return ProjectFile(**values)  # type: ignore[arg-type]


def _document(*files: ProjectFile, versions: tuple[str, ...] = ()) -> dict[str, Any]:
    page = ProjectPage(NormalizedName("demo"), files, versions=versions)
    document = orjson.loads(render_project(page, "../../"))
    assert isinstance(document, dict)
    return document


def _entry(file: ProjectFile) -> dict[str, Any]:
    files = _document(file)["files"]
    assert len(files) == 1
    entry: dict[str, Any] = files[0]
    return entry


def test_project_document() -> None:
    document = _document(_file(), versions=("1.0", "2.0"))
    assert document["meta"] == {"api-version": API_VERSION}
    assert API_VERSION == "1.1"  # PEP 700 fields (versions, size, upload-time) are sent
    assert document["name"] == "demo"
    assert document["versions"] == ["1.0", "2.0"]
    assert document["files"] == [
        {
            "filename": "demo-1.0.tar.gz",
            "url": "../../local/files/aa/demo-1.0.tar.gz",
            "hashes": {"sha256": SHA256},
            "yanked": False,
        }
    ]


def test_empty_project_document() -> None:
    assert _document() == {
        "meta": {"api-version": "1.1"},
        "name": "demo",
        "files": [],
        "versions": [],
    }


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("local/files/aa/x.tar.gz", "../../local/files/aa/x.tar.gz"),
        ("https://files.example.invalid/x.tar.gz", "https://files.example.invalid/x.tar.gz"),
        ("/root/x.tar.gz", "/root/x.tar.gz"),
    ],
)
def test_url(url: str, expected: str) -> None:
    assert _entry(_file(url=url))["url"] == expected


@pytest.mark.parametrize(
    "hashes",
    [{}, {"sha256": SHA256}, {"sha256": SHA256, "md5": "c" * 32, "blake2b_256": "d" * 64}],
)
def test_hashes_are_all_listed(hashes: dict[str, str]) -> None:
    assert _entry(_file(hashes=hashes))["hashes"] == hashes


@pytest.mark.parametrize(
    ("requires_python", "expected"),
    [(None, None), ("", None), ("<4,>=3.8", "<4,>=3.8")],
)
def test_requires_python(requires_python: str | None, expected: str | None) -> None:
    assert _entry(_file(requires_python=requires_python)).get("requires-python") == expected


@pytest.mark.parametrize(
    ("yanked", "reason", "expected"),
    [
        (False, None, False),
        (False, "ignored", False),
        (True, None, True),
        (True, "", True),
        (True, "broken build", "broken build"),
    ],
)
def test_yanked(yanked: bool, reason: str | None, expected: bool | str) -> None:
    assert _entry(_file(yanked=yanked, yanked_reason=reason))["yanked"] == expected


@pytest.mark.parametrize(
    ("core_metadata", "expected"),
    [
        (None, None),
        ({}, True),
        ({"sha256": "b" * 64}, {"sha256": "b" * 64}),
    ],
)
def test_core_metadata(core_metadata: dict[str, str] | None, expected: object) -> None:
    entry = _entry(_file(core_metadata=core_metadata))
    # PEP 714: "core-metadata", and "dist-info-metadata" for older clients
    assert entry.get("core-metadata") == expected
    assert entry.get("dist-info-metadata") == expected
    if expected is None:
        assert "core-metadata" not in entry
        assert "dist-info-metadata" not in entry


@pytest.mark.parametrize(("size", "expected"), [(None, None), (0, 0), (12345, 12345)])
def test_size(size: int | None, expected: int | None) -> None:
    assert _entry(_file(size=size)).get("size") == expected


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        pytest.param(None, None, id="unknown"),
        pytest.param(
            datetime(2024, 1, 2, 3, 4, 5, 6789, tzinfo=UTC), "2024-01-02T03:04:05.006789Z", id="utc"
        ),
        pytest.param(
            datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC), "2024-01-02T03:04:05.000000Z", id="whole"
        ),
        pytest.param(
            datetime(2024, 1, 2, 3, 4, 5), "2024-01-02T03:04:05.000000Z", id="naive-is-utc"
        ),
        pytest.param(
            datetime(2024, 1, 2, 1, 0, 0, tzinfo=timezone(timedelta(hours=2))),
            "2024-01-01T23:00:00.000000Z",
            id="offset-converted",
        ),
        pytest.param(
            datetime(2024, 12, 31, 20, 30, 0, 5, tzinfo=timezone(timedelta(hours=-5))),
            "2025-01-01T01:30:00.000005Z",
            id="negative-offset",
        ),
    ],
)
def test_upload_time(moment: datetime | None, expected: str | None) -> None:
    assert _entry(_file(upload_time=moment)).get("upload-time") == expected


@given(
    st.datetimes(
        min_value=datetime(1980, 1, 1),
        max_value=datetime(2200, 1, 1),
        timezones=st.sampled_from([UTC, timezone(timedelta(hours=5, minutes=30))]),
    )
)
def test_upload_time_is_pep700_utc(moment: datetime) -> None:
    rendered = _entry(_file(upload_time=moment))["upload-time"]
    assert _UPLOAD_TIME.fullmatch(rendered)
    assert datetime.fromisoformat(rendered.replace("Z", "+00:00")) == moment


@pytest.mark.parametrize("names", [(), ("demo",), ("a", "b-c")])
def test_root_document(names: tuple[str, ...]) -> None:
    body = render_root(ProjectList.of(names))
    assert orjson.loads(body) == {
        "meta": {"api-version": API_VERSION},
        "projects": [{"name": n} for n in names],
    }
