"""``/api/audit``: reading and filtering the audit log; nothing can change it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pytest

from tests.e2e.admin.conftest import Admin, Api, assert_error


def test_admins_filter_the_log_by_index_action_actor_and_serial(api: Api, admin: Admin) -> None:
    name = api.new_index("audited")
    api.patch(f"/api/indexes/{name}", {"config": {"allow_delete": True}}).expect(200)
    api.patch(f"/api/indexes/{name}", {"config": {"allow_delete": None}}).expect(200)

    entries = api.audit(index=name)
    assert [e["action"] for e in entries] == ["index-create", "index-update", "index-update"]
    serials = [e["serial"] for e in entries]
    assert serials == sorted(serials)
    assert {e["index"] for e in entries} == {name}
    assert [e["serial"] for e in api.audit(index=name, action="index-update")] == serials[1:]
    assert [e["serial"] for e in api.audit(index=name, after=str(serials[0]), limit="1")] == [
        serials[1]
    ]
    actor = f"{admin.name} (token {admin.token[7:23]})"
    assert serials[0] in [e["serial"] for e in api.audit(actor=quote(actor), index=name)]
    assert api.audit(actor="somebody-else", index=name) == []


def test_since_and_until_take_iso_timestamps_with_a_zone(api: Api) -> None:
    name = api.new_index("timed")
    now = datetime.now(UTC)
    hour_ago, in_an_hour = now - timedelta(hours=1), now + timedelta(hours=1)
    assert len(api.audit(index=name, since=quote(hour_ago.isoformat()))) == 1
    assert api.audit(index=name, since=quote(in_an_hour.isoformat())) == []
    assert api.audit(index=name, until=quote(hour_ago.isoformat())) == []
    zulu = hour_ago.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert len(api.audit(index=name, since=zulu, until=quote(in_an_hour.isoformat()))) == 1
    # an unescaped "+" arrives as a space
    assert len(api.audit(index=name, since=hour_ago.isoformat())) == 1


@pytest.mark.parametrize(
    ("query", "fragment"),
    [
        (
            "since=2025-01-01T00:00:00",
            "query parameter 'since' '2025-01-01T00:00:00' has no time zone",
        ),
        ("until=yesterday", "query parameter 'until' 'yesterday' is not an ISO 8601 timestamp"),
        ("limit=0", "limit must be 1-10000, got 0"),
        ("limit=10001", "limit must be 1-10000, got 10001"),
        ("limit=ten", "query parameter 'limit' must be an integer, got 'ten'"),
        ("after=x", "query parameter 'after' must be an integer"),
        ("after=-1", "query parameter 'after' must be 0-9223372036854775807, got -1"),
        (f"after={2**70}", "query parameter 'after' must be 0-9223372036854775807"),
        ("serial=3", "unknown query parameter 'serial'"),
        ("index=a&index=b", "query parameter 'index' is given more than once"),
    ],
)
def test_bad_queries_are_a_400_naming_the_parameter(api: Api, query: str, fragment: str) -> None:
    assert_error(api.get(f"/api/audit?{query}"), 400, "invalid", fragment)


def test_only_server_admins_acting_as_admins_read_the_log(api: Api, admin: Admin) -> None:
    user = api.new_user("curious")
    assert_error(api.anonymous().get("/api/audit"), 401, "unauthenticated")
    assert_error(api.as_user(user).get("/api/audit"), 403, "forbidden", "audit log")
    for scope in ("read", "upload"):
        narrow = api.as_token(api.new_token(admin.name, scope))
        assert_error(narrow.get("/api/audit"), 403, "forbidden", "audit log")
    api.as_user(admin.name).get("/api/audit?limit=1").expect(200)


def test_nothing_edits_or_deletes_audit_entries(api: Api, api_routes: set[tuple[str, str]]) -> None:
    assert {m for m, p in api_routes if p.startswith("/api/audit")} == {"get"}
    before = api.audit(limit="10000")
    [first, *_] = before
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        reply = api.call(method, "/api/audit", {"serial": first["serial"]})
        assert_error(reply, 405, "not-allowed")
        assert reply.headers["Allow"] == "GET, HEAD"
        for path in (f"/api/audit/{first['serial']}", f"/api/audit?serial={first['serial']}"):
            assert api.call(method, path, {}).status in (404, 405)
    assert api.audit(limit="10000")[: len(before)] == before
