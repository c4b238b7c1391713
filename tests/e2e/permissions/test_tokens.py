"""Credentials: tokens listed without their secrets, refused once revoked or expired; a
changed password refused at once.

The CLI sets expiry in whole days (``--expires-in-days``, at least 1), which no test can
wait for; the admin API takes an exact ``expires_at``, so expiry is shown end to end with
a token that lives for a few seconds.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

import pytest

from tests.e2e.conftest import unique
from tests.e2e.permissions.conftest import (
    GINA,
    ROOT,
    User,
    add_user,
    get,
    new_token,
    token_auth,
    token_id,
    token_secret,
    upload,
)
from tests.support import clients
from tests.support.cli_batch import CliSession
from tests.support.dists import Dist
from tests.support.server import Server

PAGE = "/t-members/simple/"


@pytest.fixture(scope="module")
def members(acl_cli: CliSession) -> str:
    acl_cli.run("index", "create", "t-members", "--readers", ":authenticated:")
    return PAGE


def test_token_list_shows_ids_and_scopes_but_never_secrets(
    acl_server: Server, acl_cli: CliSession, members: str
) -> None:
    read = new_token(acl_cli, GINA, "read", "t-members")
    write = new_token(acl_cli, GINA, "upload")
    listed = acl_server.cli("token", "list", "--user", "gina").stdout
    lines = listed.splitlines()
    assert f"{token_id(read)}\tgina\tread\tt-members\texpires never" in lines
    assert f"{token_id(write)}\tgina\tupload\t*\texpires never" in lines
    as_json = json.loads(acl_cli.run("token", "list", "--user", "gina", "--json").stdout)
    entry = next(t for t in as_json if t["id"] == token_id(read))
    assert entry["scope"] == "read"
    assert entry["indexes"] == ["t-members"]
    assert "value" not in entry
    for value in (read, write):
        secret = token_secret(value)
        assert secret not in listed
        assert secret not in json.dumps(as_json)
    users = acl_cli.run("user", "list", "--json").stdout
    assert "argon2" not in users
    assert {u["name"] for u in json.loads(users)} >= {"alice", "bob", "gina"}


def test_a_revoked_token_is_refused_at_once(
    acl_server: Server, acl_cli: CliSession, members: str
) -> None:
    token = new_token(acl_cli, GINA, "upload")
    assert get(acl_server, members, token_auth(token)).status == 200

    revoked = acl_server.cli("token", "revoke", token_id(token))
    assert revoked.stdout.strip() == f"token {token_id(token)} revoked"
    refused = get(acl_server, members, token_auth(token))
    assert refused.status == 401
    assert "invalid credentials" in refused.text
    assert refused.header("WWW-Authenticate") == 'Basic realm="bodega"'
    dist = Dist(unique("revoked"), "1.0")
    assert upload(acl_server, "local", token_auth(token), dist).status == 401
    # gina herself still signs in
    assert get(acl_server, members, GINA.auth).status == 200

    again = acl_cli.run("token", "revoke", token_id(token), check=False)
    assert again.exit_code == 1
    assert f"no active token with id '{token_id(token)}'" in again.stderr
    listed = acl_cli.run("token", "list", "--user", "gina").stdout
    assert f"{token_id(token)}\tgina\tupload\t*\trevoked" in listed.splitlines()


def test_a_token_expiring_in_days_works_until_then(
    acl_server: Server, acl_cli: CliSession, members: str
) -> None:
    token = acl_cli.run(
        "token", "create", "--user", "gina", "--scope", "read", "--expires-in-days", "2"
    ).stdout.strip()
    assert get(acl_server, members, token_auth(token)).status == 200
    listed = json.loads(acl_cli.run("token", "list", "--user", "gina", "--json").stdout)
    expires = datetime.fromisoformat(
        next(t for t in listed if t["id"] == token_id(token))["expires_at"]
    )
    assert abs(expires - (datetime.now(UTC) + timedelta(days=2))) < timedelta(minutes=5)
    zero = acl_cli.run("token", "create", "--user", "gina", "--expires-in-days", "0", check=False)
    assert zero.exit_code == 2
    assert "--expires-in-days" in zero.stderr


LIFETIME = 3.0


def test_an_expired_token_is_refused(acl_server: Server, members: str) -> None:
    expires_at = datetime.now(UTC) + timedelta(seconds=LIFETIME)
    body = {"user": "gina", "scope": "read", "indexes": [], "expires_at": expires_at.isoformat()}
    created = clients.request(
        "POST",
        acl_server.url("/api/tokens"),
        headers={"Authorization": ROOT.auth, "Content-Type": "application/json"},
        body=json.dumps(body).encode(),
    )
    assert created.status == 201, created.text
    token = json.loads(created.body)["value"]
    # used (and so remembered by the server) just before it expires
    assert get(acl_server, members, token_auth(token)).status == 200
    time.sleep(max(0.0, (expires_at - datetime.now(UTC)).total_seconds()) + 0.2)
    refused = get(acl_server, members, token_auth(token))
    assert refused.status == 401
    assert "invalid credentials" in refused.text


def test_a_changed_password_applies_at_once(
    acl_server: Server, acl_cli: CliSession, members: str
) -> None:
    paul = User(unique("paul"))
    add_user(acl_cli, paul)
    assert get(acl_server, members, paul.auth).status == 200  # and remembered
    new_password = "a-brand-new-passphrase"
    changed = acl_cli.run("user", "set", paul.name, "--password-stdin", input=new_password + "\n")
    assert changed.stdout.strip() == f"user {paul.name} updated: admin=False groups="
    assert get(acl_server, members, paul.auth).status == 401
    assert get(acl_server, members, clients.basic_auth(paul.name, new_password)).status == 200
