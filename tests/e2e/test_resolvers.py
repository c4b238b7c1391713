"""pip-tools, pdm and poetry resolve and lock against bodega.

A requires B; B has 1.0 and 1.1. Each tool locks A from bodega alone (its default index
replaced), must pick B 1.1 through the dependency, and must record the sha256 that
bodega's pages carry. Each runs with a private HOME and cache, so no configuration of
the machine's and no earlier cache takes part.
"""

from __future__ import annotations

import hashlib
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.e2e.conftest import Account, unique
from tests.support import clients
from tests.support.dists import Dist, write_wheel
from tests.support.server import Server

BIN = Path(sys.executable).parent


@dataclass(frozen=True)
class Locked:
    a: Dist
    b: Dist
    hashes: dict[str, str]  # wheel file name -> sha256


@pytest.fixture(scope="module")
def published(server: Server, account: Account, tmp_path_factory: pytest.TempPathFactory) -> Locked:
    out = tmp_path_factory.mktemp("resolvers")
    b = Dist(unique("bee"), "1.0")
    a = Dist(unique("ay"), "1.0", requires_dist=(f"{b.name}>=1.0",))
    wheels = [write_wheel(out, dist) for dist in (a, b, Dist(b.name, "1.1"))]
    clients.twine_upload(server.url("/local/"), wheels, "__token__", account.token).ok()
    hashes = {w.name: hashlib.sha256(w.read_bytes()).hexdigest() for w in wheels}
    return Locked(a, b, hashes)


def _tool_env(home: Path) -> dict[str, str]:
    return {
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_CACHE_HOME": str(home / "cache"),
        "XDG_DATA_HOME": str(home / "data"),
        "POETRY_CACHE_DIR": str(home / "poetry-cache"),
        "POETRY_CONFIG_DIR": str(home / "poetry-config"),
        "PDM_CACHE_DIR": str(home / "pdm-cache"),
        "PDM_PYTHON": sys.executable,
        "PDM_CHECK_UPDATE": "false",
        "PIP_NO_CACHE_DIR": "1",
    }


def _run_in(directory: Path, command: list[str], home: Path) -> clients.Ran:
    return clients.run(command, env=_tool_env(home), cwd=directory)


def _wheel(dist: Dist, version: str) -> str:
    return f"{dist.escaped}-{version}-py3-none-any.whl"


def test_pip_compile_pins_and_hashes(server: Server, published: Locked, tmp_path: Path) -> None:
    (tmp_path / "requirements.in").write_text(f"{published.a.name}\n")
    _run_in(
        tmp_path,
        [
            str(BIN / "pip-compile"), "--quiet", "--generate-hashes", "--no-emit-index-url",
            "--index-url", server.url("/simple/"), "--cache-dir", str(tmp_path / "cache"),
            "--output-file", "requirements.txt", "requirements.in",
        ],
        tmp_path / "home",
    ).ok()  # fmt: skip
    pinned = (tmp_path / "requirements.txt").read_text()
    assert f"{published.a.name}==1.0" in pinned
    assert f"{published.b.name}==1.1" in pinned
    b11 = published.hashes[_wheel(published.b, "1.1")]
    assert f"--hash=sha256:{b11}" in pinned


def _project(directory: Path, dependency: str, tool_section: str) -> None:
    directory.mkdir()
    (directory / "pyproject.toml").write_text(
        "[project]\n"
        'name = "resolver-check"\n'
        'version = "0.1"\n'
        'requires-python = ">=3.8"\n'
        f'dependencies = ["{dependency}"]\n\n' + tool_section
    )


def _assert_locked(lock_file: Path, published: Locked) -> None:
    """A 1.0 and B 1.1 are locked, with the sha256 of B 1.1's wheel (both tools write a
    ``[[package]]`` table per project with a ``files`` list of file names and hashes)."""
    document = tomllib.loads(lock_file.read_text())
    packages = {str(p["name"]): p for p in document["package"]}
    assert packages[published.a.name]["version"] == "1.0"
    assert packages[published.b.name]["version"] == "1.1"
    wheel = _wheel(published.b, "1.1")
    entry = {"file": wheel, "hash": f"sha256:{published.hashes[wheel]}"}
    assert entry in packages[published.b.name]["files"]


def test_pdm_locks_from_bodega(server: Server, published: Locked, tmp_path: Path) -> None:
    project = tmp_path / "pdm-project"
    _project(
        project,
        published.a.name,
        "[tool.pdm]\ndistribution = false\n\n"
        # a source named "pypi" replaces pdm's default index
        f'[[tool.pdm.source]]\nname = "pypi"\nurl = "{server.url("/simple/")}"\n',
    )
    _run_in(project, [str(BIN / "pdm"), "lock"], tmp_path / "home").ok()
    _assert_locked(project / "pdm.lock", published)


def test_poetry_locks_from_bodega(server: Server, published: Locked, tmp_path: Path) -> None:
    project = tmp_path / "poetry-project"
    _project(
        project,
        published.a.name,
        "[tool.poetry]\npackage-mode = false\n\n"
        # a primary source: poetry then leaves its default index out
        f'[[tool.poetry.source]]\nname = "bodega"\nurl = "{server.url("/simple/")}"\n'
        'priority = "primary"\n',
    )
    _run_in(project, [str(BIN / "poetry"), "lock", "--no-interaction"], tmp_path / "home").ok()
    _assert_locked(project / "poetry.lock", published)
