"""Admin API fixtures: JSON requests to the shared server, a server admin and its token,
and users, tokens and indexes made through the API itself (fast: no CLI process)."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bodega.settings import load_settings
from bodega.web.app import build_router
from bodega.wiring import open_services, prepare_storage
from tests.e2e.conftest import PASSWORD, unique, upload
from tests.support import clients
from tests.support.dists import Dist, sdist_bytes, wheel_bytes
from tests.support.server import NO_UPSTREAM, Server

_NO_BODY = object()


@dataclass(frozen=True)
class Reply:
    """An admin API response."""

    status: int
    reason: str
    headers: Any
    body: bytes

    @property
    def json(self) -> Any:
        assert self.headers.get("Content-Type", "").startswith("application/json"), self.text
        return json.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode(errors="replace")

    @property
    def error(self) -> str:
        """The error code of a JSON error response."""
        return str(self.json["error"])

    @property
    def message(self) -> str:
        return str(self.json["message"])

    def expect(self, status: int) -> Reply:
        assert self.status == status, f"expected {status}, got {self.status}: {self.text}"
        return self


@dataclass(frozen=True)
class Api:
    """Requests to one server's admin API with one set of credentials (None: anonymous)."""

    server: Server
    auth: str | None = None

    def as_token(self, token: str) -> Api:
        return Api(self.server, clients.basic_auth("__token__", token))

    def as_user(self, user: str, password: str = PASSWORD) -> Api:
        return Api(self.server, clients.basic_auth(user, password))

    def anonymous(self) -> Api:
        return Api(self.server)

    def call(
        self,
        method: str,
        path: str,
        body: object = _NO_BODY,
        *,
        raw: bytes | None = None,
        content_type: str = "application/json",
    ) -> Reply:
        headers = {"Content-Type": content_type} if body is not _NO_BODY or raw else {}
        if self.auth is not None:
            headers["Authorization"] = self.auth
        data = raw if raw is not None else None if body is _NO_BODY else json.dumps(body).encode()
        response = clients.request(method, self.server.url(path), headers=headers, body=data)
        return Reply(response.status, response.reason, response.headers, response.body)

    def get(self, path: str) -> Reply:
        return self.call("GET", path)

    def post(self, path: str, body: object = _NO_BODY) -> Reply:
        return self.call("POST", path, body)

    def patch(self, path: str, body: object = _NO_BODY) -> Reply:
        return self.call("PATCH", path, body)

    def delete(self, path: str) -> Reply:
        return self.call("DELETE", path)

    # --- making things --------------------------------------------------------------

    def new_user(
        self, prefix: str = "user", *, admin: bool = False, groups: tuple[str, ...] = ()
    ) -> str:
        """A new user (password PASSWORD) with a unique name."""
        name = f"{prefix}-{secrets.token_hex(4)}"
        body = {"name": name, "password": PASSWORD, "admin": admin, "groups": list(groups)}
        self.post("/api/users", body).expect(201)
        return name

    def new_token(self, user: str, scope: str, indexes: tuple[str, ...] = ()) -> str:
        body = {"user": user, "scope": scope, "indexes": list(indexes)}
        value = self.post("/api/tokens", body).expect(201).json["value"]
        assert isinstance(value, str)
        return value

    def new_index(self, prefix: str = "ix", kind: str = "hosted", **config: Any) -> str:
        name = f"{prefix}-{secrets.token_hex(4)}"
        self.post("/api/indexes", {"name": name, "kind": kind, "config": config}).expect(201)
        return name

    def audit(self, **query: str) -> list[dict[str, Any]]:
        search = "&".join(f"{k}={v}" for k, v in query.items())
        entries = self.get(f"/api/audit?{search}").expect(200).json["entries"]
        assert isinstance(entries, list)
        return entries


def publish(
    api: Api, user: str, index: str = "local", version: str = "1.0"
) -> tuple[str, list[str]]:
    """A new project with a wheel and an sdist of ``version`` in ``index``."""
    dist = Dist(unique("life"), version)
    auth = clients.basic_auth(user, PASSWORD)
    names = [
        upload(api.server, auth, dist, wheel_bytes(dist), index=index),
        upload(api.server, auth, dist, sdist_bytes(dist), sdist=True, index=index),
    ]
    return dist.name, names


def yanked(api: Api, index: str, project: str) -> dict[str, Any]:
    page = clients.get(
        api.server.url(f"/{index}/simple/{project}/"), Accept="application/vnd.pypi.simple.v1+json"
    )
    if page.status == 404:
        return {}
    return {f["filename"]: f["yanked"] for f in json.loads(page.body)["files"]}


@pytest.fixture
async def api_routes(tmp_path: Path) -> set[tuple[str, str]]:
    """(method, pattern) of the /api/ routes of the router built from real services."""
    settings = load_settings({"data_dir": tmp_path / "data"}, {"PIP_INDEX_URL": NO_UPSTREAM})
    await prepare_storage(settings)
    async with open_services(settings, follow_changes=False) as services:
        routes = build_router(services).routes()
    return {(m.lower(), p) for m, p in routes if p.startswith("/api/")}


@dataclass(frozen=True)
class Admin:
    """A server admin on the shared server: a password and an admin-scope token."""

    name: str
    token: str
    api: Api


@pytest.fixture(scope="session")
def admin(server: Server) -> Admin:
    """Made with the local CLI (the only way to get the first admin), then a token from the API."""
    name = f"root-{secrets.token_hex(4)}"
    server.cli("user", "add", name, "--admin", "--password-stdin", input=PASSWORD + "\n")
    token = Api(server).as_user(name).new_token(name, "admin")
    return Admin(name, token, Api(server).as_token(token))


@pytest.fixture
def api(admin: Admin) -> Api:
    """The admin API as the shared server's admin (admin-scope token)."""
    return admin.api


def assert_error(reply: Reply, status: int, code: str, *fragments: str) -> None:
    """A JSON error with this status and code whose message contains ``fragments``."""
    reply.expect(status)
    document = reply.json
    assert set(document) == {"error", "message", "hint"}, document
    assert document["error"] == code, document
    for fragment in fragments:
        assert fragment in document["message"], document


__all__ = ["PASSWORD", "Admin", "Api", "Reply", "assert_error", "publish", "yanked"]
