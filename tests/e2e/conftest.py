"""End-to-end fixtures: accounts made with the CLI, unique names, store snapshots, venvs."""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support import clients
from tests.support.dists import Dist, sdist_name, wheel_bytes, wheel_name
from tests.support.server import Server

PASSWORD = "correct-horse-battery"


@dataclass(frozen=True)
class Account:
    """A user on the shared server, with tokens made by ``bodega token create``."""

    user: str
    password: str
    # upload token limited to index "local"
    token: str
    # upload token limited to index "other" (a second hosted index)
    other_token: str

    @property
    def auth(self) -> str:
        return clients.basic_auth(self.user, self.password)

    @property
    def token_auth(self) -> str:
        return clients.basic_auth("__token__", self.token)


def create_user(server: Server, name: str, password: str = PASSWORD) -> None:
    result = server.cli("user", "add", name, "--password-stdin", input=password + "\n")
    assert result.stdout.strip() == f"user {name} created"


def create_token(server: Server, user: str, index: str) -> str:
    result = server.cli("token", "create", "--user", user, "--index", index, "--scope", "upload")
    token = result.stdout.strip()
    assert token.startswith("bodega_"), result.stdout
    return token


@pytest.fixture(scope="session")
def account(server: Server) -> Account:
    """alice, with a password and two tokens; index "other" exists for the second one."""
    create_user(server, "alice")
    server.cli("index", "create", "other")
    return Account(
        user="alice",
        password=PASSWORD,
        token=create_token(server, "alice", "local"),
        other_token=create_token(server, "alice", "other"),
    )


@pytest.fixture(autouse=True)
def _no_server_errors(request: pytest.FixtureRequest) -> Iterator[None]:
    """A test that used the shared server fails if the server logged an error meanwhile
    (an unhandled exception is a 500 to some client, whatever the test checked)."""
    if "server" not in request.fixturenames:
        yield
        return
    server: Server = request.getfixturevalue("server")
    start = server.log_path.stat().st_size
    yield
    with server.log_path.open("rb") as log:
        log.seek(start)
        written = log.read().decode(errors="replace")
    errors = [
        line
        for line in written.splitlines()
        if '"level":"error"' in line or line.startswith("Traceback")
    ]
    assert not errors, "the server logged errors during the test:\n" + "\n".join(errors)


def unique(prefix: str) -> str:
    """A project name no other test uses (letters first, so it is also a module name)."""
    return f"{prefix}-{secrets.token_hex(4)}"


@pytest.fixture
def dist_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "dist"
    directory.mkdir()
    return directory


VenvFactory = Callable[[], Path]


@pytest.fixture
def new_venv(tmp_path: Path) -> VenvFactory:
    """Make fresh virtual environments in tmp_path; returns each one's python."""
    count = 0

    def make() -> Path:
        nonlocal count
        count += 1
        return clients.make_venv(tmp_path / f"venv-{count}")

    return make


# --- "the store is unchanged" -----------------------------------------------------


@dataclass(frozen=True)
class StoreState:
    """What a refused request must leave as it was."""

    blob_files: tuple[str, ...]
    serial: int
    root_page: bytes
    project_status: int
    project_page: bytes

    def assert_same(self, other: StoreState) -> None:
        assert other.blob_files == self.blob_files, "files appeared in or vanished from blobs/"
        assert other.serial == self.serial, "the change log moved"
        assert other.root_page == self.root_page
        assert (other.project_status, other.project_page) == (
            self.project_status,
            self.project_page,
        )


@dataclass(frozen=True)
class Store:
    """Reads the state of the shared server's ``local`` index."""

    server: Server
    # a project that always exists, whose JSON API document carries the change-log serial
    sentinel: str

    def serial(self) -> int:
        response = clients.get(self.server.url(f"/local/pypi/{self.sentinel}/json"))
        assert response.status == 200, response.text
        return int(json.loads(response.body)["last_serial"])

    def snapshot(self, project: str) -> StoreState:
        """Blob files, change-log serial, root page and the project's JSON page."""
        root = clients.get(self.server.url("/local/simple/"), Accept=clients_json())
        assert root.status == 200
        page = clients.get(self.server.url(f"/local/simple/{project}/"), Accept=clients_json())
        files = sorted(
            str(p.relative_to(self.server.blob_dir))
            for p in self.server.blob_dir.rglob("*")
            if p.is_file()
        )
        return StoreState(tuple(files), self.serial(), root.body, page.status, page.body)


def clients_json() -> str:
    return "application/vnd.pypi.simple.v1+json"


@pytest.fixture(scope="session")
def store(server: Server, account: Account) -> Store:
    sentinel = Dist(unique("sentinel"), "1.0")
    upload(server, account.auth, sentinel, wheel_bytes(sentinel))
    return Store(server, sentinel.name)


def upload(
    server: Server, auth: str, dist: Dist, data: bytes, *, sdist: bool = False, index: str = "local"
) -> str:
    """Upload one file the way twine does, in-process (fast); returns its file name."""
    filename = sdist_name(dist) if sdist else wheel_name(dist)
    filetype = "sdist" if sdist else "bdist_wheel"
    fields = clients.upload_fields(dist.name, dist.version, filetype, data)
    response = clients.post_upload(
        server.url(f"/{index}/"), clients.upload_parts(fields, filename, data), auth=auth
    )
    assert response.status == 200, response.text
    return filename
