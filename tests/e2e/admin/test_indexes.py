"""``/api/indexes``: listing, creating and configuring indexes, allowed and refused."""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import quote

import pytest

from tests.e2e.admin.conftest import Admin, Api, assert_error
from tests.support import clients
from tests.support.server import NO_UPSTREAM


def test_anonymous_requests_get_a_json_401_with_a_basic_challenge(api: Api) -> None:
    for method, path in (
        ("GET", "/api/indexes"),
        ("POST", "/api/indexes"),
        ("GET", "/api/indexes/local"),
        ("PATCH", "/api/indexes/local"),
    ):
        reply = api.anonymous().call(method, path, {})
        assert_error(reply, 401, "unauthenticated", "needs credentials")
        assert reply.headers["WWW-Authenticate"] == 'Basic realm="bodega"'


def test_listing_shows_only_the_indexes_the_caller_may_read(api: Api) -> None:
    owner = api.new_user("owner")
    other = api.new_user("other")
    private = api.new_index("private", readers=[owner])

    names = [i["name"] for i in api.get("/api/indexes").expect(200).json["indexes"]]
    assert {"local", "pypi", "root", private} <= set(names)
    as_owner = api.as_user(owner)
    assert private in [i["name"] for i in as_owner.get("/api/indexes").expect(200).json["indexes"]]
    assert as_owner.get(f"/api/indexes/{private}").expect(200).json["config"] == {
        "readers": [owner]
    }
    as_other = api.as_user(other)
    assert private not in [i["name"] for i in as_other.get("/api/indexes").json["indexes"]]
    assert_error(as_other.get(f"/api/indexes/{private}"), 404, "index-not-found", private)
    assert_error(api.get("/api/indexes/no-such-index"), 404, "index-not-found")


def test_token_limited_to_another_index_sees_only_that_index(api: Api, admin: Admin) -> None:
    elsewhere = api.new_index("elsewhere")
    limited = api.as_token(api.new_token(admin.name, "admin", (elsewhere,)))
    names = [i["name"] for i in limited.get("/api/indexes").expect(200).json["indexes"]]
    assert names == [elsewhere]
    assert_error(limited.get("/api/indexes/local"), 404, "index-not-found")


def test_an_admin_creates_an_index_that_serves_at_once_and_is_audited(
    api: Api, admin: Admin
) -> None:
    name = f"made-{secrets.token_hex(4)}"
    body = {"name": name, "kind": "hosted", "config": {"allow_delete": True, "admins": ["x"]}}
    created = api.post("/api/indexes", body).expect(201).json
    assert created["name"] == name
    assert (created["kind"], created["config"]) == ("hosted", body["config"])
    fetched = api.get(f"/api/indexes/{name}").expect(200).json
    assert (fetched["kind"], fetched["config"]) == ("hosted", body["config"])
    assert clients.get(api.server.url(f"/{name}/simple/")).status == 200

    [entry] = api.audit(index=name, action="index-create")
    assert entry["actor"] == f"{admin.name} (token {admin.token[7:23]})"
    assert entry["remote_addr"] == "127.0.0.1"
    assert entry["detail"]["config"] == body["config"]


def test_creating_an_index_needs_a_server_admin_acting_with_admin_scope(
    api: Api, admin: Admin
) -> None:
    user = api.new_user("creator")
    body = {"name": "never-made", "kind": "hosted"}
    assert_error(api.as_user(user).post("/api/indexes", body), 403, "forbidden")
    for scope in ("read", "upload"):
        narrow = api.as_token(api.new_token(admin.name, scope))
        assert_error(narrow.post("/api/indexes", body), 403, "forbidden")
    assert_error(api.post("/api/indexes", {"name": "local", "kind": "hosted"}), 409, "conflict")
    assert_error(api.get("/api/indexes/never-made"), 404, "index-not-found")


@pytest.mark.parametrize(
    ("body", "code", "fragment"),
    [
        ({"kind": "hosted"}, "invalid", "body field 'name' is required"),
        (
            {"name": 5, "kind": "hosted"},
            "invalid",
            "body field 'name' must be a string, got a number",
        ),
        (
            {"name": "x-1", "kind": "hosted", "colour": "red"},
            "invalid",
            "unknown body field 'colour'",
        ),
        (
            {"name": "Bad Name", "kind": "hosted"},
            "invalid-name",
            "'Bad Name' is not a valid index name",
        ),
        ({"name": "api", "kind": "hosted"}, "invalid-name", "'api' is reserved"),
        ({"name": "x-2", "kind": "mirror"}, "invalid", "unknown index kind 'mirror'"),
        (
            {"name": "x-3", "kind": "hosted", "config": []},
            "invalid",
            "body field 'config' must be an object",
        ),
        (
            {"name": "x-4", "kind": "hosted", "config": {"colour": "red"}},
            "invalid",
            "unknown config key 'colour'",
        ),
        (
            {"name": "x-5", "kind": "hosted", "config": {"allow_delete": "yes"}},
            "invalid",
            "config key 'allow_delete' must be a boolean, got a string",
        ),
        (
            {"name": "x-6", "kind": "proxy", "config": {"upstream": NO_UPSTREAM, "ttl": -1}},
            "invalid",
            "config key 'ttl' must be a number of seconds (>= 0), got -1",
        ),
        (
            {"name": "x-7", "kind": "group", "config": {"members": ["local", "gone"]}},
            "config-error",
            "'gone', which does not exist",
        ),
        (
            {"name": "x-8", "kind": "proxy", "config": {"upstream": "ftp://example.invalid/"}},
            "config-error",
            "ftp://example.invalid/",
        ),
    ],
)
def test_invalid_definitions_are_a_400_naming_the_field(
    api: Api, body: dict[str, Any], code: str, fragment: str
) -> None:
    assert_error(api.post("/api/indexes", body), 400, code, fragment)
    if isinstance(body.get("name"), str):
        assert api.get(f"/api/indexes/{quote(body['name'])}").status == 404


def test_patch_merges_config_changes_and_null_removes_a_key(api: Api) -> None:
    name = api.new_index("patched", allow_delete=True, readers=[":anonymous:"])
    changed = api.patch(f"/api/indexes/{name}", {"config": {"allow_delete": None, "admins": ["z"]}})
    assert changed.expect(200).json["config"] == {"readers": [":anonymous:"], "admins": ["z"]}
    assert api.get(f"/api/indexes/{name}").json["config"] == changed.json["config"]
    [entry] = api.audit(index=name, action="index-update")
    assert entry["detail"]["config"] == changed.json["config"]
    assert entry["remote_addr"] == "127.0.0.1"


def test_an_upstream_password_is_never_echoed(api: Api) -> None:
    secret = "upstream-secret-4711"
    name = api.new_index(
        "private-proxy", "proxy", upstream=NO_UPSTREAM, username="robot", password=secret
    )
    shown = api.get(f"/api/indexes/{name}").expect(200)
    assert shown.json["config"]["password"] == "***"
    patched = api.patch(f"/api/indexes/{name}", {"config": {"ttl": 60, "username": None}})
    assert patched.expect(200).json["config"] == {
        "upstream": NO_UPSTREAM,
        "password": "***",
        "ttl": 60,
    }
    for reply in (shown, patched, api.get("/api/indexes"), api.get(f"/api/audit?index={name}")):
        assert secret not in reply.text
    assert secret not in api.server.log()


def test_index_admins_may_change_their_index_through_an_admin_scope_token(api: Api) -> None:
    boss, uploader = api.new_user("boss"), api.new_user("uploader")
    name = api.new_index("owned", admins=[boss], uploaders=[uploader])
    elsewhere = api.new_index("elsewhere")
    change = {"config": {"allow_overwrite": True}}

    as_boss = api.as_user(boss)
    boss_admin_token = as_boss.new_token(boss, "admin", (name,))
    api.as_token(boss_admin_token).patch(f"/api/indexes/{name}", change).expect(200)
    for scope in ("read", "upload"):
        narrow = api.as_token(as_boss.new_token(boss, scope))
        assert_error(narrow.patch(f"/api/indexes/{name}", change), 403, "forbidden", name)
    other_index = api.as_token(as_boss.new_token(boss, "admin", (elsewhere,)))
    assert_error(other_index.patch(f"/api/indexes/{name}", change), 404, "index-not-found")
    assert_error(api.as_user(uploader).patch(f"/api/indexes/{name}", change), 403, "forbidden")
    assert_error(api.patch("/api/indexes/no-such-index", change), 404, "index-not-found")


@pytest.mark.parametrize(
    ("body", "code", "fragment"),
    [
        ({}, "invalid", "body field 'config' is required"),
        ({"config": {"allow_delete": 1}}, "invalid", "config key 'allow_delete' must be a boolean"),
        (
            {"config": {"readers": "bob"}},
            "invalid",
            "config key 'readers' must be an array of strings",
        ),
        ({"config": {}, "kind": "proxy"}, "invalid", "unknown body field 'kind'"),
        ({"config": {}}, "invalid", "body field 'config' has no changes"),
    ],
)
def test_invalid_changes_are_a_400_naming_the_field(
    api: Api, body: dict[str, Any], code: str, fragment: str
) -> None:
    name = api.new_index("unchanged")
    before = api.get(f"/api/indexes/{name}").json
    assert_error(api.patch(f"/api/indexes/{name}", body), 400, code, fragment)
    assert api.get(f"/api/indexes/{name}").json == before


def test_a_change_that_breaks_an_index_definition_is_refused(api: Api) -> None:
    before = api.get("/api/indexes/root").expect(200).json
    reply = api.patch("/api/indexes/root", {"config": {"members": []}})
    assert_error(reply, 400, "config-error", "group index 'root' has no members")
    assert api.get("/api/indexes/root").json == before
