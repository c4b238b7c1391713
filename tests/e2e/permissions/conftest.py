"""Fixtures of the permission tests: one server for the folder, its users made once, and
one CLI session (a long-lived process: no 2 s start per command) for what modules add.

The server runs with the change-log poll switched off, so every test that changes a user,
token or index with the CLI and then sends a request shows that the running server
applies the change at that very request, not seconds later when a poll comes round.

Requests can be sent from other loopback addresses (127.0.0.x): the server sees them as
other clients, which is how the tests tell apart who did what in the audit log and show
that the sign-in throttle counts per address.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import secrets
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import pytest

from tests.e2e.conftest import PASSWORD
from tests.support import clients
from tests.support.cli_batch import CliSession
from tests.support.dists import Dist, sdist_bytes, sdist_name, wheel_bytes, wheel_name
from tests.support.server import HOST, Server, start_server
from tests.support.upstream import FakeUpstream

JSON = "application/vnd.pypi.simple.v1+json"


@dataclass(frozen=True)
class User:
    """A user of the permission tests' server (all have the password PASSWORD)."""

    name: str
    groups: tuple[str, ...] = ()
    admin: bool = False
    password: str = PASSWORD

    @property
    def auth(self) -> str:
        return clients.basic_auth(self.name, self.password)

    def url(self, server: Server, path: str) -> str:
        """``http://NAME:PASSWORD@127.0.0.1:PORT/PATH``: credentials the way pip and uv
        take them, in the index URL."""
        return with_credentials(server, path, self.name, self.password)


def with_credentials(server: Server, path: str, user: str, secret: str) -> str:
    userinfo = f"{quote(user, safe='')}:{quote(secret, safe='')}"
    return f"http://{userinfo}@{HOST}:{server.port}/{path.lstrip('/')}"


def token_auth(token: str) -> str:
    return clients.basic_auth("__token__", token)


ALICE = User("alice")  # named in access lists
BOB = User("bob")  # signed in, named nowhere
CAROL = User("carol", groups=("team",))  # in access lists through @team
GINA = User("gina")  # gets her groups in a test (`bodega user set --groups`)
IVAN = User("ivan")  # an index admin (not a server admin)
ROOT = User("root", admin=True)  # a server admin
TESS = User("tess")  # locked out by failed sign-ins at the start (see early_lockout)
USERS = (ALICE, BOB, CAROL, GINA, IVAN, ROOT, TESS)


@pytest.fixture(scope="package")
def acl_cli(
    tmp_path_factory: pytest.TempPathFactory, empty_upstream: FakeUpstream
) -> Iterator[CliSession]:
    """The folder's server with USERS, and a CLI session on it for the whole folder;
    its default proxy follows an empty upstream."""
    server = start_server(
        tmp_path_factory.mktemp("permissions") / "data",
        {"PIP_INDEX_URL": empty_upstream.url, "BODEGA_POLL_INTERVAL": "0"},
    )
    try:
        with CliSession(server) as cli:
            for user in USERS:
                add_user(cli, user)
            yield cli
    finally:
        server.stop()


@pytest.fixture(scope="package")
def acl_server(acl_cli: CliSession) -> Server:
    return acl_cli.server


def add_user(cli: CliSession, user: User) -> None:
    args = ["user", "add", user.name, "--password-stdin"]
    if user.groups:
        args += ["--groups", ",".join(user.groups)]
    if user.admin:
        args.append("--admin")
    cli.run(*args, input=user.password + "\n")


def new_token(cli: CliSession, user: User, scope: str = "upload", *indexes: str) -> str:
    """``bodega token create``; returns the token's value."""
    args = ["token", "create", "--user", user.name, "--scope", scope]
    for index in indexes:
        args += ["--index", index]
    value = cli.run(*args).stdout.strip()
    assert value.startswith("bodega_"), value
    return value


def token_id(token: str) -> str:
    """The id part of ``bodega_<id>_<secret>``."""
    return token.split("_")[1]


def token_secret(token: str) -> str:
    """The secret part of ``bodega_<id>_<secret>`` (it may hold "_" itself)."""
    return token.split("_", 2)[2]


# --- errors in the server logs ------------------------------------------------------

# the servers of this folder; a test using one fails if it logged an error meanwhile
WATCHED = ("acl_server", "recipe_server", "audit_server")


@pytest.fixture(autouse=True)
def _no_errors_in_server_logs(request: pytest.FixtureRequest) -> Iterator[None]:
    servers: list[Server] = [
        request.getfixturevalue(name) for name in WATCHED if name in request.fixturenames
    ]
    starts = {id(s): s.log_path.stat().st_size for s in servers}
    yield
    for server in servers:
        with server.log_path.open("rb") as log:
            log.seek(starts[id(server)])
            written = log.read().decode(errors="replace")
        errors = [
            line
            for line in written.splitlines()
            if '"level":"error"' in line or line.startswith("Traceback")
        ]
        assert not errors, "the server logged errors during the test:\n" + "\n".join(errors)


# --- HTTP from a chosen client address ---------------------------------------------


def request_from(
    source: str,
    method: str,
    url: str,
    *,
    headers: Mapping[str, str] | None = None,
    body: bytes | None = None,
) -> clients.Response:
    """One HTTP request to the loopback server, sent from loopback address ``source``."""
    parts = urlsplit(url)
    assert parts.hostname == HOST, f"e2e traffic goes to {HOST} only, not {url}"
    connection = http.client.HTTPConnection(
        HOST, parts.port, timeout=30, source_address=(source, 0)
    )
    try:
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        connection.request(method, target, body=body, headers=dict(headers or {}))
        response = connection.getresponse()
        return clients.Response(response.status, response.reason, response.headers, response.read())
    finally:
        connection.close()


def get(
    server: Server, path: str, auth: str | None = None, *, source: str = HOST, accept: str = ""
) -> clients.Response:
    headers = {"Authorization": auth} if auth else {}
    if accept:
        headers["Accept"] = accept
    return request_from(source, "GET", server.url(path), headers=headers)


# --- uploads and what the index shows ----------------------------------------------


def upload(
    server: Server,
    index: str,
    auth: str | None,
    dist: Dist,
    data: bytes | None = None,
    *,
    sdist: bool = False,
    source: str = HOST,
) -> clients.Response:
    """Upload one file as twine sends it (built from ``dist`` unless ``data`` is given)."""
    if data is None:
        data = sdist_bytes(dist) if sdist else wheel_bytes(dist)
    filename = sdist_name(dist) if sdist else wheel_name(dist)
    fields = clients.upload_fields(
        dist.name, dist.version, "sdist" if sdist else "bdist_wheel", data
    )
    content_type, body = clients.multipart(clients.upload_parts(fields, filename, data))
    headers = {"Content-Type": content_type}
    if auth is not None:
        headers["Authorization"] = auth
    return request_from(source, "POST", server.url(f"/{index}/"), headers=headers, body=body)


def uploaded(
    server: Server,
    index: str,
    auth: str,
    dist: Dist,
    *,
    data: bytes | None = None,
    sdist: bool = False,
    source: str = HOST,
) -> str:
    """Upload, expecting success; returns the file's sha256."""
    if data is None:
        data = sdist_bytes(dist) if sdist else wheel_bytes(dist)
    response = upload(server, index, auth, dist, data, sdist=sdist, source=source)
    assert response.status == 200, response.text
    return sha256(data)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def page_files(server: Server, index: str, project: str, auth: str | None = None) -> dict[str, Any]:
    """File name -> file entry of the project's PEP 691 page; empty if there is no page."""
    response = get(server, f"/{index}/simple/{project}/", auth, accept=JSON)
    if response.status == 404:
        return {}
    assert response.status == 200, f"{index}/{project}: {response.status} {response.text}"
    return {f["filename"]: f for f in json.loads(response.body)["files"]}


def blob_path(server: Server, digest: str) -> Path:
    """Where the filesystem blob store keeps the bytes with this sha256."""
    return server.blob_dir / "sha256" / digest[:2] / digest[2:4] / digest


def blob_count(server: Server) -> int:
    return sum(1 for p in (server.blob_dir / "sha256").rglob("*") if p.is_file())


# --- the throttle lockout that must lift -------------------------------------------


@dataclass(frozen=True)
class Lockout:
    """TESS locked out from ``source`` at ``at`` (time.monotonic())."""

    source: str
    at: float


LOCKOUT_SOURCE = "127.0.0.9"
# LoginThrottle: 5 failures per (address, user) within 60 s
PER_USER_LIMIT = 5
WINDOW = 60.0


def bogus_token() -> str:
    """A wrong secret shaped like a token: refused after one database lookup, where a
    wrong password costs an argon2 verification (most of a second on a small machine)."""
    return f"bodega_{secrets.token_hex(8)}_{secrets.token_urlsafe(32)}"


@pytest.fixture(scope="package", autouse=True)
def early_lockout(acl_server: Server) -> Lockout:
    """Lock TESS out from one address before the folder's first test, so that the test
    showing the lockout lift when its window has passed (in test_wrong_sign_ins.py, the
    folder's last module) needs to wait for little or none of it."""
    at = time.monotonic()  # the window runs from the first failure
    for _ in range(PER_USER_LIMIT):
        wrong = clients.basic_auth(TESS.name, "not-tess-password")
        assert get(acl_server, "/", wrong, source=LOCKOUT_SOURCE).status == 401
    assert get(acl_server, "/", TESS.auth, source=LOCKOUT_SOURCE).status == 429
    return Lockout(LOCKOUT_SOURCE, at)
