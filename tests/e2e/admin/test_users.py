"""``/api/users``: creating, listing and changing users, allowed and refused."""

from __future__ import annotations

import secrets
from typing import Any

import pytest

from tests.e2e.admin.conftest import PASSWORD, Admin, Api, assert_error

NEW_PASSWORD = "another-long-passphrase"


def test_an_admin_creates_lists_and_changes_users_without_echoing_passwords(
    api: Api, admin: Admin
) -> None:
    name = f"made-{secrets.token_hex(4)}"
    created = api.post(
        "/api/users", {"name": name, "password": PASSWORD, "groups": ["ops", "dev", "ops"]}
    ).expect(201)
    assert set(created.json) == {"name", "admin", "groups", "created_at"}
    assert (created.json["name"], created.json["admin"], created.json["groups"]) == (
        name,
        False,
        ["dev", "ops"],
    )
    listed = api.get("/api/users").expect(200)
    assert created.json in listed.json["users"]
    assert admin.name in [u["name"] for u in listed.json["users"]]

    changed = api.patch(f"/api/users/{name}", {"admin": True, "groups": []}).expect(200)
    assert (changed.json["admin"], changed.json["groups"]) == (True, [])
    api.patch(f"/api/users/{name}", {"password": NEW_PASSWORD}).expect(200)
    api.as_user(name, NEW_PASSWORD).get("/api/users").expect(200)

    entries = [e for e in api.audit(action="user-create") if e["detail"]["user"] == name]
    entries += [e for e in api.audit(action="user-update") if e["detail"]["user"] == name]
    assert [e["remote_addr"] for e in entries] == ["127.0.0.1"] * 3
    assert entries[2]["detail"] == {"user": name, "password_changed": True}
    for reply in (created, listed, changed, api.get("/api/audit?action=user-update")):
        assert PASSWORD not in reply.text
        assert NEW_PASSWORD not in reply.text


def test_managing_users_needs_a_server_admin_with_admin_scope(api: Api, admin: Admin) -> None:
    user = api.new_user("plain")
    body = {"name": f"nope-{secrets.token_hex(4)}", "password": PASSWORD}
    callers = [api.as_user(user)] + [
        api.as_token(api.new_token(admin.name, scope)) for scope in ("read", "upload")
    ]
    for caller in callers:
        assert_error(caller.get("/api/users"), 403, "forbidden", "may not list users")
        assert_error(caller.post("/api/users", body), 403, "forbidden", "may not create users")
        assert_error(caller.patch(f"/api/users/{user}", {"admin": True}), 403, "forbidden")
    assert_error(api.anonymous().get("/api/users"), 401, "unauthenticated")
    assert_error(api.anonymous().post("/api/users", body), 401, "unauthenticated")
    assert_error(api.anonymous().patch(f"/api/users/{user}", {}), 401, "unauthenticated")
    assert body["name"] not in [u["name"] for u in api.get("/api/users").json["users"]]


def test_users_change_their_own_password_but_not_with_a_narrow_token(api: Api) -> None:
    user = api.new_user("self")
    as_user = api.as_user(user)
    assert_error(
        as_user.patch(f"/api/users/{user}", {"password": NEW_PASSWORD, "admin": True}),
        403,
        "forbidden",
    )
    upload_token = as_user.new_token(user, "upload")
    reply = api.as_token(upload_token).patch(f"/api/users/{user}", {"password": NEW_PASSWORD})
    assert_error(reply, 403, "forbidden", "may not change the password")
    as_user.patch(f"/api/users/{user}", {"password": NEW_PASSWORD}).expect(200)
    api.as_user(user, NEW_PASSWORD).get("/api/tokens?user=" + user).expect(200)


@pytest.mark.parametrize(
    ("body", "code", "fragment"),
    [
        ({"password": PASSWORD}, "invalid", "body field 'name' is required"),
        ({"name": "x"}, "invalid", "body field 'password' is required"),
        (
            {"name": "x", "password": PASSWORD, "admin": "yes"},
            "invalid",
            "body field 'admin' must be a boolean, got a string",
        ),
        (
            {"name": "x", "password": PASSWORD, "groups": "dev"},
            "invalid",
            "body field 'groups' must be an array of strings, got a string",
        ),
        (
            {"name": "x", "password": PASSWORD, "role": "admin"},
            "invalid",
            "unknown body field 'role'",
        ),
        (
            {"name": "__token__", "password": PASSWORD},
            "invalid",
            "'__token__' is not a valid user name",
        ),
        ({"name": "x y", "password": PASSWORD}, "invalid", "'x y' is not a valid user name"),
        (
            {"name": "x", "password": PASSWORD, "groups": ["@bad"]},
            "invalid",
            "'@bad' is not a valid group",
        ),
        ({"name": "weak-pw", "password": "tiny-pw"}, "invalid", "password is 7 characters long"),
    ],
)
def test_invalid_users_are_a_400_naming_the_field(
    api: Api, body: dict[str, Any], code: str, fragment: str
) -> None:
    reply = api.post("/api/users", body)
    assert_error(reply, 400, code, fragment)
    assert str(body.get("password")) not in reply.text


def test_taken_names_unknown_users_and_empty_changes(api: Api, admin: Admin) -> None:
    taken = {"name": admin.name, "password": PASSWORD}
    assert_error(api.post("/api/users", taken), 409, "conflict", "exists already")
    assert_error(api.patch("/api/users/nobody-here", {"admin": True}), 404, "not-found", "nobody")
    assert_error(api.patch(f"/api/users/{admin.name}", {}), 400, "invalid", "nothing to change")
    assert_error(
        api.patch(f"/api/users/{admin.name}", {"admin": None, "name": "x"}),
        400,
        "invalid",
        "unknown body field 'name'",
    )
