"""``/api/tokens``: creating (value shown once), listing and revoking tokens."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.e2e.admin.conftest import Admin, Api, assert_error


def test_users_manage_their_own_tokens(api: Api) -> None:
    user = api.new_user("owner")
    as_user = api.as_user(user)
    expires = (datetime.now(UTC) + timedelta(days=3)).replace(microsecond=0)
    created = as_user.post(
        "/api/tokens",
        {
            "user": user,
            "scope": "upload",
            "indexes": ["local"],
            "expires_at": expires.isoformat(),
            "description": "ci",
        },
    ).expect(201)
    token = created.json
    assert token["value"].startswith(f"bodega_{token['id']}_")
    assert created.headers["Cache-Control"] == "no-store"
    assert (token["user"], token["scope"], token["indexes"], token["description"]) == (
        user,
        "upload",
        ["local"],
        "ci",
    )
    assert datetime.fromisoformat(token["expires_at"]) == expires

    listed = as_user.get(f"/api/tokens?user={user}").expect(200).json["tokens"]
    assert listed == [{k: v for k, v in token.items() if k != "value"}]
    api.as_token(token["value"]).get("/api/indexes").expect(200)

    as_user.delete(f"/api/tokens/{token['id']}").expect(204)
    [revoked] = as_user.get(f"/api/tokens?user={user}").json["tokens"]
    assert revoked["revoked_at"] is not None
    # sent with the owner's name, not "__token__": failures count per (address, user)
    assert_error(api.as_user(user, token["value"]).get("/api/indexes"), 401, "unauthenticated")
    assert_error(as_user.delete(f"/api/tokens/{token['id']}"), 404, "not-found")

    actions = [e["action"] for e in api.audit(action="token-create") if e["detail"]["user"] == user]
    assert actions == ["token-create"]
    [entry] = [e for e in api.audit(action="token-revoke") if e["detail"]["user"] == user]
    assert (entry["detail"]["token"], entry["remote_addr"]) == (token["id"], "127.0.0.1")


def test_admins_manage_everyones_tokens_and_users_only_their_own(api: Api) -> None:
    alice, bob = api.new_user("alice"), api.new_user("bob")
    alices = api.new_token(alice, "read", ("local",))
    alices_id = alices[7:23]
    as_bob = api.as_user(bob)
    assert_error(
        as_bob.post("/api/tokens", {"user": alice, "scope": "read", "indexes": []}),
        403,
        "forbidden",
    )
    assert_error(as_bob.get(f"/api/tokens?user={alice}"), 403, "forbidden")
    assert_error(as_bob.get("/api/tokens"), 403, "forbidden")
    assert_error(as_bob.delete(f"/api/tokens/{alices_id}"), 404, "not-found")
    assert_error(api.anonymous().get("/api/tokens"), 401, "unauthenticated")
    assert_error(api.anonymous().delete(f"/api/tokens/{alices_id}"), 401, "unauthenticated")

    everyone = api.get("/api/tokens").expect(200).json["tokens"]
    assert alices_id in [t["id"] for t in everyone]
    assert all("value" not in t and "secret_hash" not in t for t in everyone)
    api.delete(f"/api/tokens/{alices_id}").expect(204)
    assert_error(api.as_user(alice, alices).get("/api/indexes"), 401, "unauthenticated")


def test_a_token_can_only_create_tokens_within_its_own_limits(api: Api, admin: Admin) -> None:
    user = api.new_user("narrow")
    upload_local = api.as_token(api.new_token(user, "upload", ("local",)))
    refused: list[dict[str, Any]] = [
        {"user": user, "scope": "admin", "indexes": ["local"]},
        {"user": user, "scope": "upload", "indexes": []},
        {"user": user, "scope": "upload", "indexes": ["local", "root"]},
    ]
    for body in refused:
        assert_error(upload_local.post("/api/tokens", body), 403, "forbidden")
    narrower = upload_local.post(
        "/api/tokens", {"user": user, "scope": "read", "indexes": ["local"]}
    )
    assert narrower.expect(201).json["scope"] == "read"
    # an admin's read token is not an admin: it cannot make tokens for others
    admin_read = api.as_token(api.new_token(admin.name, "read"))
    assert_error(
        admin_read.post("/api/tokens", {"user": user, "scope": "read", "indexes": []}),
        403,
        "forbidden",
    )


@pytest.mark.parametrize(
    ("change", "status", "code", "fragment"),
    [
        (
            {"scope": "write"},
            400,
            "invalid",
            "body field 'scope' must be one of read, upload, admin",
        ),
        ({"scope": None}, 400, "invalid", "body field 'scope' is required"),
        ({"indexes": None}, 400, "invalid", "body field 'indexes' is required"),
        ({"indexes": "local"}, 400, "invalid", "body field 'indexes' must be an array of strings"),
        ({"indexes": ["no-such-index"]}, 404, "index-not-found", "no-such-index"),
        ({"user": "nobody-here"}, 404, "not-found", "no user named 'nobody-here'"),
        (
            {"expires_at": "2030-01-01T00:00:00"},
            400,
            "invalid",
            "body field 'expires_at' '2030-01-01T00:00:00' has no time zone",
        ),
        ({"expires_at": "next week"}, 400, "invalid", "is not an ISO 8601 timestamp"),
        ({"expires_at": "2001-01-01T00:00:00+00:00"}, 400, "invalid", "is in the past"),
        (
            {"expires_in_days": 0},
            400,
            "invalid",
            "body field 'expires_in_days' must be 1-36500, got 0",
        ),
        (
            {"expires_in_days": "7"},
            400,
            "invalid",
            "body field 'expires_in_days' must be an integer",
        ),
        (
            {"expires_in_days": 7, "expires_at": "2030-01-01T00:00:00+00:00"},
            400,
            "invalid",
            "not both",
        ),
        ({"secret": "x"}, 400, "invalid", "unknown body field 'secret'"),
    ],
)
def test_invalid_token_requests_name_the_field(
    api: Api, admin: Admin, change: dict[str, Any], status: int, code: str, fragment: str
) -> None:
    body = {"user": admin.name, "scope": "read", "indexes": ["local"], **change}
    before = len(api.get(f"/api/tokens?user={admin.name}").json["tokens"])
    assert_error(api.post("/api/tokens", body), status, code, fragment)
    assert len(api.get(f"/api/tokens?user={admin.name}").json["tokens"]) == before


def test_expires_in_days_sets_the_expiry(api: Api, admin: Admin) -> None:
    body = {"user": admin.name, "scope": "read", "indexes": [], "expires_in_days": 2}
    token = api.post("/api/tokens", body).expect(201).json
    left = datetime.fromisoformat(token["expires_at"]) - datetime.now(UTC)
    assert timedelta(days=2) - timedelta(minutes=5) < left <= timedelta(days=2)
