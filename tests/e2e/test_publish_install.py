"""Publish with twine and uv, install with pip and uv: the round trip users do first.

Two projects, A requiring B. A 2.0 declares ``Requires-Python: >=3.99`` (a lower bound:
uv ignores upper bounds), so every installer on this Python must pass it over for A 1.0 —
which also shows that the pages carry Requires-Python and the installers read it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.e2e.conftest import Account, VenvFactory, unique
from tests.support import clients
from tests.support.dists import Dist, write_sdist, write_wheel
from tests.support.server import Server


@dataclass(frozen=True)
class Published:
    a: Dist
    b: Dist
    a_unsupported: Dist
    b_newer: Dist
    runs: dict[str, clients.Ran]

    @property
    def expected_files(self) -> dict[str, list[str]]:
        return {
            self.a.name: sorted(
                [
                    f"{self.a.escaped}-1.0-py3-none-any.whl",
                    f"{self.a.escaped}-1.0.tar.gz",
                    f"{self.a.escaped}-2.0-py3-none-any.whl",
                ]
            ),
            self.b.name: sorted(
                [
                    f"{self.b.escaped}-1.0-py3-none-any.whl",
                    f"{self.b.escaped}-1.0.tar.gz",
                    f"{self.b.escaped}-1.1-py3-none-any.whl",
                ]
            ),
        }


@pytest.fixture(scope="module")
def published(
    server: Server, account: Account, tmp_path_factory: pytest.TempPathFactory
) -> Published:
    """A 1.0 by twine with a password, B 1.0 by twine with a token, A 2.0 and B 1.1 by uv."""
    out = tmp_path_factory.mktemp("publish")
    b = Dist(unique("bee"), "1.0", requires_python=">=3.8")
    a = Dist(unique("ay"), "1.0", requires_dist=(f"{b.name}>=1.0",), requires_python=">=3.8")
    a2 = Dist(a.name, "2.0", requires_dist=(f"{b.name}>=1.0",), requires_python=">=3.99")
    b11 = Dist(b.name, "1.1")
    for directory, dists in (("a", [a]), ("b", [b])):
        (out / directory).mkdir()
        for dist in dists:
            write_wheel(out / directory, dist)
            write_sdist(out / directory, dist)
    (out / "uv").mkdir()
    uv_files = [write_wheel(out / "uv", a2), write_wheel(out / "uv", b11)]
    url = server.url("/local/")
    runs = {
        "twine-password": clients.twine_upload(
            url, sorted((out / "a").iterdir()), account.user, account.password
        ).ok(),
        "twine-token": clients.twine_upload(
            url, sorted((out / "b").iterdir()), "__token__", account.token
        ).ok(),
        "uv-publish": clients.uv_publish(url, uv_files, "__token__", account.token).ok(),
    }
    return Published(a, b, a2, b11, runs)


def test_every_uploaded_file_is_listed(server: Server, published: Published) -> None:
    for project, filenames in published.expected_files.items():
        response = clients.get(
            server.url(f"/local/simple/{project}/"), Accept="application/vnd.pypi.simple.v1+json"
        )
        assert response.status == 200, response.text
        page = json.loads(response.body)
        assert sorted(f["filename"] for f in page["files"]) == filenames


def test_twine_reports_each_upload(published: Published) -> None:
    output = published.runs["twine-password"].output
    assert f"Uploading {published.a.escaped}-1.0-py3-none-any.whl" in output
    assert f"Uploading {published.a.escaped}-1.0.tar.gz" in output


@pytest.mark.parametrize("index_path", ["/local/simple/", "/simple/"])
@pytest.mark.parametrize("installer", ["pip", "uv"])
def test_install_resolves_the_dependency_and_requires_python(
    server: Server, published: Published, new_venv: VenvFactory, installer: str, index_path: str
) -> None:
    python = new_venv()
    install = clients.pip_install if installer == "pip" else clients.uv_pip_install
    install(python, server.url(index_path), published.a.name).ok()
    assert clients.installed_version(python, published.a.escaped) == "1.0"
    assert clients.installed_version(python, published.b.escaped) == "1.1"


@pytest.mark.parametrize("installer", ["pip", "uv"])
def test_a_release_for_another_python_is_not_installed(
    server: Server, published: Published, new_venv: VenvFactory, installer: str
) -> None:
    python = new_venv()
    install = clients.pip_install if installer == "pip" else clients.uv_pip_install
    result = install(python, server.url("/simple/"), f"{published.a.name}==2.0").failed()
    expected = {
        "pip": "require a different python version: 2.0 Requires-Python >=3.99",
        "uv": f"{published.a.name}==2.0 depends on Python>=3.99",
    }
    assert expected[installer] in result.output
    site = Path(python).parent.parent / "lib"
    assert not list(site.glob(f"python3*/site-packages/{published.a.escaped}*"))
