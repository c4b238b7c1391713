"""Release lifecycle over the API: yank/unyank, delete and push, allowed and refused."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.admin.conftest import Admin, Api, assert_error, publish, yanked


def test_an_uploader_yanks_and_unyanks_a_release_and_a_file(api: Api) -> None:
    user = api.new_user("yanker")
    project, (wheel, sdist) = publish(api, user)
    as_user = api.as_token(api.new_token(user, "upload", ("local",)))

    reply = as_user.post(
        "/api/indexes/local/yank", {"project": project, "version": "1.0", "reason": "broken"}
    )
    assert sorted(reply.expect(200).json["files"]) == sorted([wheel, sdist])
    assert yanked(api, "local", project) == {wheel: "broken", sdist: "broken"}
    unyank = {"project": project, "version": "1.0", "filename": sdist}
    assert as_user.post("/api/indexes/local/unyank", unyank).expect(200).json == {"files": [sdist]}
    assert yanked(api, "local", project) == {wheel: "broken", sdist: False}

    entries = api.audit(index="local", project=project)
    assert [e["action"] for e in entries[-2:]] == ["yank", "unyank"]
    assert {e["remote_addr"] for e in entries[-2:]} == {"127.0.0.1"}
    assert entries[-2]["detail"]["reason"] == "broken"


def test_yanking_is_refused_without_upload_rights_on_the_index(api: Api, admin: Admin) -> None:
    user, stranger = api.new_user("owner"), api.new_user("stranger")
    team = api.new_index("team", uploaders=[user])
    project, _ = publish(api, user, index=team)
    body = {"project": project, "version": "1.0"}
    path = f"/api/indexes/{team}/yank"
    assert_error(api.anonymous().post(path, body), 401, "unauthenticated")
    assert_error(api.as_user(stranger).post(path, body), 403, "forbidden", team)
    assert_error(api.as_token(api.new_token(user, "read")).post(path, body), 403, "forbidden")
    limited = api.as_token(api.new_token(user, "upload", ("local",)))
    assert_error(limited.post(path, body), 403, "forbidden", team)
    assert yanked(api, team, project) == dict.fromkeys(yanked(api, team, project), False)
    assert api.post(path, body).expect(200).json["files"]


@pytest.mark.parametrize(
    ("path", "body", "status", "code", "fragment"),
    [
        (
            "/api/indexes/local/yank",
            {"project": "x"},
            400,
            "invalid",
            "body field 'version' is required",
        ),
        (
            "/api/indexes/local/yank",
            {"version": "1.0"},
            400,
            "invalid",
            "body field 'project' is required",
        ),
        (
            "/api/indexes/local/yank",
            {"project": "x", "version": 1},
            400,
            "invalid",
            "body field 'version' must be a string",
        ),
        (
            "/api/indexes/local/yank",
            {"project": "x", "version": "1.0", "why": "?"},
            400,
            "invalid",
            "unknown body field 'why'",
        ),
        (
            "/api/indexes/local/yank",
            {"project": "x", "version": "one"},
            400,
            "invalid",
            "'one' is not a valid version",
        ),
        (
            "/api/indexes/local/yank",
            {"project": "never-uploaded", "version": "1.0"},
            404,
            "not-found",
            "never-uploaded",
        ),
        (
            "/api/indexes/pypi/yank",
            {"project": "x", "version": "1.0"},
            405,
            "not-allowed",
            "proxy index",
        ),
        (
            "/api/indexes/no-such-index/yank",
            {"project": "x", "version": "1.0"},
            404,
            "index-not-found",
            "no-such-index",
        ),
        (
            "/api/indexes/local/delete",
            {"version": "1.0"},
            400,
            "invalid",
            "body field 'project' is required",
        ),
        (
            "/api/push",
            {"project": "x", "version": "1.0", "from": "local"},
            400,
            "invalid",
            "body field 'to' is required",
        ),
        (
            "/api/push",
            {"project": "x", "version": "1.0", "from": "local", "to": "local"},
            400,
            "invalid",
            "two different indexes",
        ),
    ],
)
def test_invalid_lifecycle_requests_name_the_problem(
    api: Api, path: str, body: dict[str, Any], status: int, code: str, fragment: str
) -> None:
    assert_error(api.post(path, body), status, code, fragment)


def test_an_index_admin_deletes_where_the_index_allows_it(api: Api) -> None:
    boss, uploader = api.new_user("boss"), api.new_user("uploader")
    scratch = api.new_index("scratch", allow_delete=True, admins=[boss], uploaders=[uploader])
    project, (wheel, sdist) = publish(api, uploader, index=scratch)
    body = {"project": project, "version": "1.0", "filename": wheel}
    path = f"/api/indexes/{scratch}/delete"

    assert_error(api.anonymous().post(path, body), 401, "unauthenticated")
    assert_error(api.as_user(uploader).post(path, body), 403, "forbidden", "administer")
    boss_upload = api.as_token(api.new_token(boss, "upload"))
    assert_error(boss_upload.post(path, body), 403, "forbidden")
    boss_elsewhere = api.as_token(api.new_token(boss, "admin", ("local",)))
    assert_error(boss_elsewhere.post(path, body), 403, "forbidden")
    assert set(yanked(api, scratch, project)) == {wheel, sdist}

    boss_token = api.new_token(boss, "admin", (scratch,))
    boss_admin = api.as_token(boss_token)
    assert boss_admin.post(path, body).expect(200).json == {"files": [wheel]}
    assert set(yanked(api, scratch, project)) == {sdist}
    everything = boss_admin.post(path, {"project": project}).expect(200).json["files"]
    assert sdist in everything
    first, _ = api.audit(index=scratch, action="delete")
    assert first["actor"] == f"{boss} (token {boss_token[7:23]})"
    assert first["remote_addr"] == "127.0.0.1"
    assert first["detail"]["files"] == [
        {"filename": wheel, "sha256": first["detail"]["files"][0]["sha256"]}
    ]


def test_deleting_is_refused_where_the_index_forbids_it(api: Api) -> None:
    user = api.new_user("keeper")
    project, _ = publish(api, user)
    reply = api.post("/api/indexes/local/delete", {"project": project, "version": "1.0"})
    assert_error(reply, 405, "not-allowed", "does not allow deleting")
    assert len(yanked(api, "local", project)) == 2


def test_push_promotes_a_release_between_hosted_indexes(api: Api) -> None:
    user, reader = api.new_user("pusher"), api.new_user("reader")
    staging = api.new_index("staging", uploaders=[user])
    release = api.new_index("release", uploaders=[user], readers=[":anonymous:"])
    project, names = publish(api, user, index=staging)
    body = {"project": project, "version": "1.0", "from": staging, "to": release}

    assert_error(api.anonymous().post("/api/push", body), 401, "unauthenticated")
    assert_error(api.as_user(reader).post("/api/push", body), 403, "forbidden", release)
    read_token = api.as_token(api.new_token(user, "read"))
    assert_error(read_token.post("/api/push", body), 403, "forbidden")
    only_staging = api.as_token(api.new_token(user, "upload", (staging,)))
    assert_error(only_staging.post("/api/push", body), 403, "forbidden", release)
    assert yanked(api, release, project) == {}

    pusher = api.as_token(api.new_token(user, "upload", (staging, release)))
    assert sorted(pusher.post("/api/push", body).expect(200).json["files"]) == sorted(names)
    assert set(yanked(api, release, project)) == set(names)
    assert pusher.post("/api/push", body).expect(200).json == {"files": []}
    # the second push changed nothing, so it is not in the log
    (first,) = api.audit(index=release, action="push")
    assert (first["detail"]["from"], first["remote_addr"]) == (staging, "127.0.0.1")
    assert sorted(first["detail"]["added"]) == sorted(names)
