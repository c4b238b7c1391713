"""The audit log: every change, made with the CLI or over HTTP, is in ``bodega audit``
with who made it (a user, or "user (token ID)"), when, from which address (for changes
made over HTTP) and the sha256 of the files involved; its filters work; nothing in the
HTTP API changes or erases it; and no token ever appears in it or in the server's log.

One server of its own (with the access log on), one scripted history of changes, and the
tests read what the log says about it.
"""

from __future__ import annotations

import getpass
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.e2e.permissions.conftest import (
    JSON,
    User,
    add_user,
    bogus_token,
    get,
    new_token,
    request_from,
    token_auth,
    token_id,
    token_secret,
    uploaded,
)
from tests.support import clients
from tests.support.cli_batch import CliSession
from tests.support.dists import Dist, sdist_name, wheel_name
from tests.support.server import Server, start_server
from tests.support.upstream import FakeUpstream

ANA = User("ana")
REX = User("rex")
ROOT = User("root", admin=True)
DIST = Dist("audited", "1.0")


@pytest.fixture(scope="module")
def audit_server(
    tmp_path_factory: pytest.TempPathFactory, empty_upstream: FakeUpstream
) -> Iterator[Server]:
    """A server of its own, logging every request (so the log has something to leak)."""
    server = start_server(
        tmp_path_factory.mktemp("audit") / "data",
        {"PIP_INDEX_URL": empty_upstream.url, "BODEGA_ACCESS_LOG": "true"},
    )
    try:
        yield server
    finally:
        server.stop()


@dataclass(frozen=True)
class History:
    started: datetime
    cutoff: datetime  # a whole second between the uploads and the lifecycle changes
    finished: datetime
    token: str  # ana's upload token: uploads, unyanks over the admin API, then revoked
    wheel_sha: str
    sdist_sha: str
    entries: list[dict[str, Any]]  # `bodega audit --json` at the end, minus the defaults
    text: str  # `bodega audit` (the table) at the end


@pytest.fixture(scope="module")
def audit_cli(audit_server: Server) -> Iterator[CliSession]:
    with CliSession(audit_server) as session:
        yield session


@pytest.fixture(scope="module")
def history(audit_server: Server, audit_cli: CliSession) -> History:
    server, cli = audit_server, audit_cli
    started = datetime.now(UTC)
    for user in (ANA, REX, ROOT):
        add_user(cli, user)
    cli.run("user", "set", "rex", "--groups", "qa")
    cli.run("index", "create", "a-main", "--uploaders", "ana,@qa")
    cli.run("index", "create", "a-side", "--allow-delete")
    cli.run("index", "set", "a-main", "--readers", "ana,@qa,root")
    token = new_token(cli, ANA, "upload")
    # over HTTP, from two client addresses
    wheel_sha = uploaded(server, "a-main", ANA.auth, DIST, source="127.0.0.5")
    sdist_sha = uploaded(server, "a-main", token_auth(token), DIST, sdist=True, source="127.0.0.6")
    cutoff = _next_second()
    cli.run("yank", "--index", "a-main", "audited", "1.0", "--reason", "bad build")
    unyanked = cli.run(
        "unyank", "--index", "a-main", "audited", "1.0",
        "--url", server.base_url, "--token", token,
    )  # fmt: skip
    assert unyanked.stdout.startswith("unyanked 2 file(s)")
    cli.run("push", "audited", "1.0", "--from", "a-main", "--to", "a-side")
    cli.run("delete", "--index", "a-side", "audited", "1.0", "--yes")
    cli.run("token", "revoke", token_id(token))
    finished = datetime.now(UTC)
    entries = json.loads(server.cli("audit", "--json").stdout)
    text = cli.run("audit").stdout
    return History(
        started=started,
        cutoff=cutoff,
        finished=finished,
        token=token,
        wheel_sha=wheel_sha,
        sdist_sha=sdist_sha,
        entries=[e for e in entries if e["actor"] != "bodega"],
        text=text,
    )


def _next_second() -> datetime:
    """Sleep into the next whole second and return it (what ``--since`` can express)."""
    now = datetime.now(UTC)
    cutoff = now.replace(microsecond=0) + timedelta(seconds=1)
    time.sleep((cutoff - now).total_seconds() + 0.05)
    return cutoff


CLI_ACTOR = f"cli:{getpass.getuser()}"


def by_action(history: History, action: str) -> list[dict[str, Any]]:
    return [e for e in history.entries if e["action"] == action]


def audit_json(cli: CliSession, *filters: str) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = json.loads(cli.run("audit", "--json", *filters).stdout)
    return entries


# --- what is recorded ------------------------------------------------------------------


def test_every_change_is_recorded_in_order(history: History) -> None:
    assert [(e["action"], e["index"]) for e in history.entries] == [
        ("user-create", None),
        ("user-create", None),
        ("user-create", None),
        ("user-update", None),
        ("index-create", "a-main"),
        ("index-create", "a-side"),
        ("index-update", "a-main"),
        ("token-create", None),
        ("project-create", "a-main"),
        ("upload", "a-main"),
        ("upload", "a-main"),
        ("yank", "a-main"),
        ("unyank", "a-main"),
        ("project-create", "a-side"),  # by the push: the project is new there
        ("push", "a-side"),
        ("delete", "a-side"),
        ("token-revoke", None),
    ]
    serials = [e["serial"] for e in history.entries]
    assert serials == sorted(set(serials))
    for entry in history.entries:
        at = datetime.fromisoformat(entry["at"])
        assert at.tzinfo is not None
        assert history.started - timedelta(seconds=1) <= at <= history.finished, entry


def test_changes_over_http_name_the_user_or_token_and_the_address(history: History) -> None:
    by_password, by_token = by_action(history, "upload")
    assert (by_password["actor"], by_password["remote_addr"]) == ("ana", "127.0.0.5")
    token_actor = f"ana (token {token_id(history.token)})"
    assert (by_token["actor"], by_token["remote_addr"]) == (token_actor, "127.0.0.6")
    assert by_password["detail"]["filename"] == wheel_name(DIST)
    assert by_password["detail"]["sha256"] == history.wheel_sha
    assert by_token["detail"]["filename"] == sdist_name(DIST)
    assert by_token["detail"]["sha256"] == history.sdist_sha
    project = by_action(history, "project-create")[0]  # by the first upload
    assert (project["actor"], project["remote_addr"]) == ("ana", "127.0.0.5")
    (unyank,) = by_action(history, "unyank")  # through the admin API
    assert (unyank["actor"], unyank["remote_addr"]) == (token_actor, "127.0.0.1")


def test_changes_made_with_the_local_cli_name_the_operating_system_user(
    history: History,
) -> None:
    over_http = ("upload", "unyank")
    local = [
        e
        for e in history.entries
        if e["action"] not in over_http and e["remote_addr"] != "127.0.0.5"
    ]
    assert [e["action"] for e in history.entries if e not in local] == [
        "project-create", "upload", "upload", "unyank",
    ]  # fmt: skip
    assert local
    for entry in local:
        assert entry["actor"] == CLI_ACTOR, entry
        assert entry["remote_addr"] is None, entry


def test_lifecycle_entries_carry_the_files_and_their_hashes(history: History) -> None:
    files = [
        {"filename": wheel_name(DIST), "sha256": history.wheel_sha},
        {"filename": sdist_name(DIST), "sha256": history.sdist_sha},
    ]
    (yank,) = by_action(history, "yank")
    assert yank["project"] == "audited"
    assert yank["detail"]["reason"] == "bad build"
    assert yank["detail"]["version"] == "1.0"
    for action in ("yank", "unyank", "push", "delete"):
        (entry,) = by_action(history, action)
        assert sorted(entry["detail"]["files"], key=str) == sorted(files, key=str), action
    (push,) = by_action(history, "push")
    assert (push["detail"]["from"], push["detail"]["to"]) == ("a-main", "a-side")


def test_permission_and_account_changes_are_recorded(history: History) -> None:
    (update,) = by_action(history, "index-update")
    assert update["detail"]["config"]["readers"] == ["ana", "@qa", "root"]
    assert update["detail"]["config"]["uploaders"] == ["ana", "@qa"]
    created = by_action(history, "index-create")
    assert created[0]["detail"]["config"] == {"uploaders": ["ana", "@qa"]}
    assert [e["detail"]["user"] for e in by_action(history, "user-create")] == [
        "ana", "rex", "root",
    ]  # fmt: skip
    assert by_action(history, "user-create")[2]["detail"]["admin"] is True
    (groups,) = by_action(history, "user-update")
    assert groups["detail"] == {"user": "rex", "groups": ["qa"]}
    (made,) = by_action(history, "token-create")
    assert made["detail"]["token"] == token_id(history.token)
    assert (made["detail"]["user"], made["detail"]["scope"]) == ("ana", "upload")
    (revoked,) = by_action(history, "token-revoke")
    assert revoked["detail"] == {"user": "ana", "token": token_id(history.token)}


def test_the_table_shows_the_same_entries(history: History) -> None:
    lines = [line.split("\t") for line in history.text.splitlines()]
    rows = [r for r in lines if r[4] != "bodega"]
    assert [r[2] for r in rows] == [e["action"] for e in history.entries]
    upload = next(r for r in rows if r[2] == "upload")
    assert upload[3:6] == ["a-main/audited", "ana", "127.0.0.5"]


# --- filters -------------------------------------------------------------------------------


def test_filter_by_index(audit_server: Server, audit_cli: CliSession, history: History) -> None:
    side = audit_json(audit_cli, "--index", "a-side")
    assert [e["action"] for e in side] == ["index-create", "project-create", "push", "delete"]
    assert {e["index"] for e in side} == {"a-side"}


def test_filter_by_action(audit_server: Server, audit_cli: CliSession, history: History) -> None:
    uploads = audit_json(audit_cli, "--action", "upload")
    assert [e["serial"] for e in uploads] == [e["serial"] for e in by_action(history, "upload")]
    assert audit_json(audit_cli, "--action", "yank", "--index", "a-side") == []


def test_filter_by_time(audit_server: Server, audit_cli: CliSession, history: History) -> None:
    since = history.cutoff.strftime("%Y-%m-%dT%H:%M:%S")
    later = audit_json(audit_cli, "--since", since)
    assert [e["action"] for e in later] == [
        "yank", "unyank", "project-create", "push", "delete", "token-revoke",
    ]  # fmt: skip
    before = audit_json(audit_cli, "--until", since)
    assert "upload" in [e["action"] for e in before]
    assert not {"yank", "push", "delete"} & {e["action"] for e in before}
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m-%d")
    assert audit_json(audit_cli, "--since", tomorrow) == []


# --- nothing can change it -----------------------------------------------------------------

AUDIT_PATHS = (
    "/api/audit",
    "/api/audit/1",
    "/api/audit/entries",
    "/api/changes",
    "/audit",
    "/audit/1",
    "/a-main/audit",
    "/a-main/audit/1",
)


@pytest.mark.parametrize("method", ["DELETE", "PUT", "PATCH", "POST"])
def test_no_http_request_edits_or_erases_the_log(
    audit_server: Server, audit_cli: CliSession, history: History, method: str
) -> None:
    before = audit_json(audit_cli)
    body = json.dumps({"serial": 1, "action": "nothing", "entries": []}).encode()
    headers = {"Authorization": ROOT.auth, "Content-Type": "application/json"}
    for path in AUDIT_PATHS:
        response = clients.request(method, audit_server.url(path), headers=headers, body=body)
        assert response.status in (404, 405), f"{method} {path}: {response.status} {response.text}"
    assert audit_json(audit_cli) == before


# --- no secrets ---------------------------------------------------------------------------


def test_tokens_never_appear_in_the_log_or_the_audit(
    audit_server: Server, audit_cli: CliSession, history: History
) -> None:
    live = new_token(audit_cli, ANA, "read")
    # a token used as it should be, and pasted where the user name goes
    assert get(audit_server, "/a-main/simple/", token_auth(live)).status == 200
    pasted = clients.basic_auth(live, "x")
    assert get(audit_server, "/a-main/simple/audited/", pasted, accept=JSON).status == 401
    assert get(audit_server, "/a-main/simple/", token_auth(bogus_token())).status == 401
    response = request_from(
        "127.0.0.1",
        "GET",
        audit_server.url("/a-main/simple/"),
        headers={"Authorization": f"Bearer {live}"},
    )
    assert response.status == 401

    log = audit_server.log()
    assert "/a-main/simple/" in log, "the access log is on: requests must be in the log"
    texts = {
        "server log": log,
        "audit": json.dumps(audit_json(audit_cli)) + history.text,
    }
    for value in (history.token, live):
        secret = token_secret(value)
        for where, text in texts.items():
            assert secret not in text, f"a token's secret is in the {where}"
    assert ANA.password not in log
