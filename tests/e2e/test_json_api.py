"""The JSON project API (``/<index>/pypi/<project>/json``) that tools read for metadata."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin

import pytest

from tests.e2e.conftest import Account, unique, upload
from tests.support import clients
from tests.support.dists import Dist, sdist_bytes, wheel_bytes
from tests.support.server import Server


@dataclass(frozen=True)
class Project:
    display: str
    name: str
    files: dict[str, bytes]  # file name -> bytes
    versions: dict[str, str]  # file name -> version


@pytest.fixture(scope="module")
def project(server: Server, account: Account) -> Project:
    """1.0 (wheel + sdist) and 2.0 (wheel, with dependencies and a new summary)."""
    display = unique("Json_Api")
    one = Dist(display, "1.0", summary="the first release", requires_python=">=3.8")
    two = Dist(
        display,
        "2.0",
        summary="the second release",
        requires_dist=("packaging>=24", 'tomli; python_version < "3.11"'),
        requires_python=">=3.9",
    )
    files: dict[str, bytes] = {}
    versions: dict[str, str] = {}
    for dist, data, sdist in (
        (one, wheel_bytes(one), False),
        (one, sdist_bytes(one), True),
        (two, wheel_bytes(two), False),
    ):
        filename = upload(server, account.auth, dist, data, sdist=sdist)
        files[filename] = data
        versions[filename] = dist.version
    return Project(display, re.sub(r"[-_.]+", "-", display).lower(), files, versions)


def get_json(server: Server, path: str) -> dict[str, Any]:
    response = clients.get(server.url(path))
    assert response.status == 200, response.text
    assert response.header("Content-Type") == "application/json"
    document: dict[str, Any] = json.loads(response.body)
    return document


def check_file_entry(server: Server, project: Project, entry: dict[str, Any]) -> None:
    data = project.files[entry["filename"]]
    assert entry["digests"] == {
        "md5": hashlib.md5(data, usedforsecurity=False).hexdigest(),
        "sha256": hashlib.sha256(data).hexdigest(),
        "blake2b_256": hashlib.blake2b(data, digest_size=32).hexdigest(),
    }
    assert entry["md5_digest"] == entry["digests"]["md5"]
    assert entry["size"] == len(data)
    is_wheel = entry["filename"].endswith(".whl")
    assert entry["packagetype"] == ("bdist_wheel" if is_wheel else "sdist")
    assert entry["python_version"] == ("py3" if is_wheel else "source")
    assert entry["yanked"] is False
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z", entry["upload_time_iso_8601"])
    fetched = clients.get(urljoin(server.url("/"), entry["url"]))
    assert fetched.status == 200
    assert fetched.body == data


@pytest.mark.parametrize("prefix", ["/local", ""], ids=["local", "default-index"])
def test_project_document(server: Server, project: Project, prefix: str) -> None:
    document = get_json(server, f"{prefix}/pypi/{project.name}/json")
    info = document["info"]
    assert info["name"] == project.display
    assert info["version"] == "2.0"
    assert info["summary"] == "the second release"
    assert info["requires_python"] == ">=3.9"
    assert info["requires_dist"] == ["packaging>=24", 'tomli; python_version < "3.11"']
    assert sorted(document["releases"]) == ["1.0", "2.0"]
    by_release = {v: sorted(f["filename"] for f in fs) for v, fs in document["releases"].items()}
    for filename, version in project.versions.items():
        assert filename in by_release[version]
    assert [f["filename"] for f in document["urls"]] == by_release["2.0"]
    for files in document["releases"].values():
        for entry in files:
            check_file_entry(server, project, entry)
    assert isinstance(document["last_serial"], int)
    assert document["last_serial"] > 0


def test_version_document(server: Server, project: Project) -> None:
    document = get_json(server, f"/local/pypi/{project.name}/1.0/json")
    assert document["info"]["version"] == "1.0"
    assert document["info"]["summary"] == "the first release"
    assert document["info"]["requires_dist"] is None
    assert "releases" not in document
    expected = sorted(f for f, v in project.versions.items() if v == "1.0")
    assert sorted(f["filename"] for f in document["urls"]) == expected
    for entry in document["urls"]:
        check_file_entry(server, project, entry)


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/local/pypi/{name}/3.0/json", "has no version 3.0 of project"),
        ("/local/pypi/no-such-project/json", "has no project 'no-such-project'"),
        ("/pypi/no-such-project/json", "project 'no-such-project'"),
        ("/nowhere/pypi/{name}/json", "no index named 'nowhere'"),
    ],
    ids=["unknown-version", "unknown-project", "unknown-project-default", "unknown-index"],
)
def test_unknown_is_404(server: Server, project: Project, path: str, message: str) -> None:
    response = clients.get(server.url(path.format(name=project.name)))
    assert response.status == 404
    assert message in response.text


@pytest.mark.parametrize(
    ("path", "target"),
    [
        ("/local/pypi/{display}/json", "/local/pypi/{name}/json"),
        ("/local/pypi/{display}/1.0/json", "/local/pypi/{name}/1.0/json"),
    ],
)
def test_not_normalised_name_redirects(
    server: Server, project: Project, path: str, target: str
) -> None:
    url = server.url(path.format(display=project.display))
    response = clients.get(url)
    assert response.status == 301
    location = urljoin(url, response.header("Location") or "")
    assert location == server.url(target.format(name=project.name))
