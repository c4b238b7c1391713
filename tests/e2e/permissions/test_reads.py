"""Who may read a private index, over every read path: the index, its project list,
project pages (HTML and JSON), files, core-metadata files and the JSON project API.

Anonymous requests get 401 with a challenge (so pip and uv send the credentials they
have); a signed-in user who may not read gets the 404 that a missing project gets, never
a 403, so a refusal does not tell whether the project exists; readers named in the
access list, through an @group, or through a token get 200. pip and uv install from a
private index with credentials in the index URL, and fail without them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.e2e.conftest import VenvFactory, unique
from tests.e2e.permissions.conftest import (
    ALICE,
    BOB,
    CAROL,
    GINA,
    JSON,
    ROOT,
    get,
    new_token,
    token_auth,
    uploaded,
    with_credentials,
)
from tests.support import clients
from tests.support.cli_batch import CliSession
from tests.support.dists import Dist, wheel_bytes, wheel_name
from tests.support.server import Server

CHALLENGE = 'Basic realm="bodega"'
NO_SUCH = Dist("no-such-project", "1.0")


@dataclass(frozen=True)
class Private:
    """``r-priv`` (readers alice,@team) and ``r-members`` (readers :authenticated:),
    each holding one project."""

    dist: Dist  # in r-priv
    digest: str
    members_dist: Dist  # in r-members
    members_digest: str
    alice_read_token: str
    alice_members_token: str  # read scope, limited to r-members
    bob_read_token: str


@pytest.fixture(scope="module")
def private(acl_server: Server, acl_cli: CliSession) -> Private:
    # no --uploaders: the default must not open the index to every signed-in user
    acl_cli.run("index", "create", "r-priv", "--readers", "alice,@team")
    acl_cli.run("index", "create", "r-members", "--readers", ":authenticated:")
    dist = Dist(unique("secret"), "1.0")
    members_dist = Dist(unique("inner"), "1.0")
    return Private(
        dist=dist,
        # a reader of an index that names no uploaders may upload to it
        digest=uploaded(acl_server, "r-priv", ALICE.auth, dist),
        members_dist=members_dist,
        members_digest=uploaded(acl_server, "r-members", BOB.auth, members_dist),
        alice_read_token=new_token(acl_cli, ALICE, "read"),
        alice_members_token=new_token(acl_cli, ALICE, "read", "r-members"),
        bob_read_token=new_token(acl_cli, BOB, "read"),
    )


def read_paths(index: str, dist: Dist, digest: str) -> dict[str, tuple[str, str]]:
    """What a client may ask of an index about ``dist``: name -> (path, Accept)."""
    filename = wheel_name(dist)
    return {
        "index": (f"/{index}/", ""),
        "project list": (f"/{index}/simple/", ""),
        "project list (JSON)": (f"/{index}/simple/", JSON),
        "project page": (f"/{index}/simple/{dist.name}/", ""),
        "project page (JSON)": (f"/{index}/simple/{dist.name}/", JSON),
        "file": (f"/{index}/files/{digest}/{filename}", ""),
        "metadata file": (f"/{index}/files/{digest}/{filename}.metadata", ""),
        "JSON API": (f"/{index}/pypi/{dist.name}/json", ""),
        "JSON API release": (f"/{index}/pypi/{dist.name}/{dist.version}/json", ""),
    }


def missing_paths(index: str) -> dict[str, tuple[str, str]]:
    """The same requests about a project that does not exist (and a made-up digest)."""
    return read_paths(index, NO_SUCH, "0" * 64)


# --- anonymous: 401 with a challenge ---------------------------------------------


@pytest.mark.parametrize("index", ["r-priv", "r-members"])
def test_anonymous_reads_get_401_with_a_challenge(
    acl_server: Server, private: Private, index: str
) -> None:
    dist, digest = (
        (private.dist, private.digest)
        if index == "r-priv"
        else (private.members_dist, private.members_digest)
    )
    cases = read_paths(index, dist, digest)
    cases.update({f"missing {k}": v for k, v in missing_paths(index).items()})
    for what, (path, accept) in cases.items():
        response = get(acl_server, path, accept=accept)
        assert response.status == 401, f"{what}: {response.status} {response.text}"
        assert response.header("WWW-Authenticate") == CHALLENGE, what
        assert dist.name not in response.text, what
        assert f"index {index!r} needs credentials" in response.text, what


def test_a_public_index_reads_without_credentials(acl_server: Server, private: Private) -> None:
    response = get(acl_server, "/local/simple/")
    assert response.status == 200
    assert response.header("WWW-Authenticate") is None


# --- signed in without permission: 404, the same as for nothing at all -----------


def _normalised(response: clients.Response, dist: Dist) -> tuple[int, str | None, str]:
    """Status, error code and body, with the project name asked for blanked out."""
    text = response.text.replace(dist.name, "NAME").replace(dist.escaped, "NAME")
    return response.status, response.header("X-Bodega-Error"), text


@pytest.mark.parametrize("credential", ["password", "token", "token-for-another-index"])
def test_a_user_who_may_not_read_gets_404_that_reveals_nothing(
    acl_server: Server, private: Private, credential: str
) -> None:
    auth = {
        "password": BOB.auth,
        "token": token_auth(private.bob_read_token),
        # alice may read r-priv, but this token of hers is for r-members only
        "token-for-another-index": token_auth(private.alice_members_token),
    }[credential]
    existing = read_paths("r-priv", private.dist, private.digest)
    missing = missing_paths("r-priv")
    for what, (path, accept) in existing.items():
        there = get(acl_server, path, auth, accept=accept)
        assert there.status == 404, f"{what}: {there.status} {there.text}"
        assert there.header("WWW-Authenticate") is None, what
        assert private.digest not in there.text, what
        absent = get(acl_server, missing[what][0], auth, accept=missing[what][1])
        # byte for byte the answer about a project that does not exist
        assert _normalised(there, private.dist) == _normalised(absent, NO_SUCH), what


def test_refusing_the_index_reads_like_an_index_that_does_not_exist(
    acl_server: Server, private: Private
) -> None:
    for path in ("/{}/", "/{}/simple/"):
        refused = get(acl_server, path.format("r-priv"), BOB.auth)
        absent = get(acl_server, path.format("r-nothing"), BOB.auth)
        assert refused.status == absent.status == 404
        assert refused.text.replace("r-priv", "X") == absent.text.replace("r-nothing", "X")


def test_the_server_listing_shows_only_readable_indexes(
    acl_server: Server, private: Private
) -> None:
    def listed(auth: str | None) -> set[str]:
        response = get(acl_server, "/", auth)
        assert response.status == 200, response.text
        return {i["name"] for i in json.loads(response.body)["indexes"]}

    assert {"r-priv", "r-members"}.isdisjoint(listed(None))
    assert "r-priv" not in listed(BOB.auth)
    assert "r-members" in listed(BOB.auth)
    assert {"r-priv", "r-members"} <= listed(ALICE.auth)


# --- allowed: by name, by @group, by token, as server admin ------------------------


@pytest.mark.parametrize("reader", ["named", "group", "read-token", "server-admin"])
def test_allowed_readers_get_every_read_path(
    acl_server: Server, private: Private, reader: str
) -> None:
    auth = {
        "named": ALICE.auth,
        "group": CAROL.auth,
        "read-token": token_auth(private.alice_read_token),
        "server-admin": ROOT.auth,
    }[reader]
    for what, (path, accept) in read_paths("r-priv", private.dist, private.digest).items():
        response = get(acl_server, path, auth, accept=accept)
        assert response.status == 200, f"{what}: {response.status} {response.text}"
    file_path = read_paths("r-priv", private.dist, private.digest)["file"][0]
    assert get(acl_server, file_path, auth).body == wheel_bytes(private.dist)
    page = get(acl_server, f"/r-priv/simple/{private.dist.name}/", auth, accept=JSON)
    assert [f["filename"] for f in json.loads(page.body)["files"]] == [wheel_name(private.dist)]


def test_authenticated_index_admits_every_signed_in_user(
    acl_server: Server, private: Private
) -> None:
    paths = read_paths("r-members", private.members_dist, private.members_digest)
    for user in (BOB, GINA):
        for what, (path, accept) in paths.items():
            response = get(acl_server, path, user.auth, accept=accept)
            assert response.status == 200, f"{user.name} {what}: {response.text}"
    wrong = get(acl_server, paths["project page"][0], clients.basic_auth("bob", "not-his-password"))
    assert wrong.status == 401


def test_joining_a_group_with_user_set_grants_read_at_once(
    acl_server: Server, acl_cli: CliSession, private: Private
) -> None:
    page = f"/r-priv/simple/{private.dist.name}/"
    assert get(acl_server, page, GINA.auth).status == 404
    # the command as a shell runs it, on the data directory of the running server
    joined = acl_server.cli("user", "set", "gina", "--groups", "team,other")
    assert joined.stdout.strip() == "user gina updated: admin=False groups=other,team"
    assert get(acl_server, page, GINA.auth).status == 200
    acl_cli.run("user", "set", "gina", "--groups", "other")
    assert get(acl_server, page, GINA.auth).status == 404


def test_narrowing_the_readers_applies_at_once(
    acl_server: Server, acl_cli: CliSession, private: Private
) -> None:
    acl_cli.run("index", "create", "r-narrow", "--readers", "alice,bob")
    dist = Dist(unique("narrow"), "1.0")
    uploaded(acl_server, "r-narrow", ALICE.auth, dist)
    page = f"/r-narrow/simple/{dist.name}/"
    assert get(acl_server, page, BOB.auth).status == 200
    acl_cli.run("index", "set", "r-narrow", "--readers", "alice")
    assert get(acl_server, page, BOB.auth).status == 404
    assert get(acl_server, page, ALICE.auth).status == 200


# --- installers ----------------------------------------------------------------------


# pip gives up on a 401 without credentials quietly, as if the index were empty
ANONYMOUS_REFUSAL = {"pip": "No matching distribution found", "uv": "401 Unauthorized"}


@pytest.mark.parametrize("installer", ["pip", "uv"])
def test_installers_use_credentials_in_the_index_url(
    acl_server: Server, private: Private, new_venv: VenvFactory, installer: str
) -> None:
    install = clients.pip_install if installer == "pip" else clients.uv_pip_install
    python = new_venv()
    anonymous = install(python, acl_server.url("/r-priv/simple/"), private.dist.name).failed()
    assert ANONYMOUS_REFUSAL[installer] in anonymous.output
    assert not _installed(python, private.dist)

    # pip with a user's password, uv with a token (the __token__ user name)
    url = (
        ALICE.url(acl_server, "/r-priv/simple/")
        if installer == "pip"
        else with_credentials(acl_server, "/r-priv/simple/", "__token__", private.alice_read_token)
    )
    install(python, url, private.dist.name).ok()
    assert clients.installed_version(python, private.dist.escaped) == "1.0"


def test_installers_with_credentials_of_a_non_reader_find_nothing(
    acl_server: Server, private: Private, new_venv: VenvFactory
) -> None:
    python = new_venv()
    refused = clients.uv_pip_install(
        python, BOB.url(acl_server, "/r-priv/simple/"), private.dist.name
    ).failed()
    assert "not found in the package registry" in refused.output or "404" in refused.output
    assert not _installed(python, private.dist)


def _installed(python: Path, dist: Dist) -> bool:
    site = python.parent.parent / "lib"
    return any(site.glob(f"python3*/site-packages/{dist.escaped}*"))
