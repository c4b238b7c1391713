"""Who may upload: uploaders by name, by @group and ``:authenticated:``; a token's scope
and indexes; proxy and group indexes take no uploads. Each rule with twine (its exit code
and the message it shows) and in raw HTTP, the allowed side next to the refused one, and
a refused upload leaves nothing behind.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.e2e.conftest import unique
from tests.e2e.permissions.conftest import (
    ALICE,
    BOB,
    CAROL,
    GINA,
    IVAN,
    get,
    new_token,
    page_files,
    token_auth,
    token_id,
    upload,
)
from tests.support import clients
from tests.support.cli_batch import CliSession
from tests.support.dists import Dist, wheel_name, write_wheel
from tests.support.server import Server
from tests.support.upstream import FakeUpstream


@dataclass(frozen=True)
class Setup:
    read_token: str  # alice, read scope, every index
    auth_only_token: str  # alice, upload scope, limited to u-auth


@pytest.fixture(scope="module")
def setup(acl_server: Server, acl_cli: CliSession, empty_upstream: FakeUpstream) -> Setup:
    acl_cli.run("index", "create", "u-team", "--uploaders", "alice,@team")
    acl_cli.run("index", "create", "u-auth", "--uploaders", ":authenticated:")
    acl_cli.run("index", "create", "u-private", "--readers", "alice")
    acl_cli.run(
        "index", "create", "u-admins", "--readers", "alice", "--uploaders", "alice",
        "--admins", "ivan",
    )  # fmt: skip
    acl_cli.run("index", "create", "u-anyone", "--uploaders", ":anonymous:")
    acl_cli.run("index", "create", "u-mirror", "--kind", "proxy", "--upstream", empty_upstream.url)
    acl_cli.run("index", "create", "u-group", "--kind", "group", "--members", "u-team,u-mirror")
    return Setup(
        read_token=new_token(acl_cli, ALICE, "read"),
        auth_only_token=new_token(acl_cli, ALICE, "upload", "u-auth"),
    )


def twine(server: Server, index: str, path: Path, user: str, secret: str) -> clients.Ran:
    return clients.twine_upload(server.url(f"/{index}/"), [path], user, secret)


def assert_not_stored(server: Server, dist: Dist, *indexes: str) -> None:
    for index in indexes:
        assert wheel_name(dist) not in page_files(server, index, dist.name, ALICE.auth)


# --- by name and by group ------------------------------------------------------------


def test_an_uploader_by_name_uploads_with_twine(
    acl_server: Server, setup: Setup, dist_dir: Path
) -> None:
    dist = Dist(unique("named"), "1.0")
    ran = twine(acl_server, "u-team", write_wheel(dist_dir, dist), "alice", ALICE.password).ok()
    assert f"Uploading {wheel_name(dist)}" in ran.output
    assert list(page_files(acl_server, "u-team", dist.name)) == [wheel_name(dist)]


def test_an_uploader_by_group_uploads(acl_server: Server, setup: Setup, dist_dir: Path) -> None:
    dist = Dist(unique("grouped"), "1.0")
    response = upload(acl_server, "u-team", CAROL.auth, dist)
    assert response.status == 200, response.text
    again = Dist(dist.name, "1.1")
    twine(acl_server, "u-team", write_wheel(dist_dir, again), "carol", CAROL.password).ok()
    assert sorted(page_files(acl_server, "u-team", dist.name)) == sorted(
        [wheel_name(dist), wheel_name(again)]
    )


def test_a_user_who_is_not_an_uploader_is_refused_with_403(
    acl_server: Server, setup: Setup, dist_dir: Path
) -> None:
    dist = Dist(unique("outsider"), "1.0")
    response = upload(acl_server, "u-team", BOB.auth, dist)
    assert response.status == 403
    assert "bob may not upload to index 'u-team'" in response.text
    ran = twine(acl_server, "u-team", write_wheel(dist_dir, dist), "bob", BOB.password).failed()
    assert "403" in ran.output
    assert "bob may not upload to index 'u-team'" in ran.output
    assert_not_stored(acl_server, dist, "u-team")


@pytest.mark.parametrize("index", ["u-auth", "u-anyone"])
def test_anonymous_upload_is_refused_with_401(acl_server: Server, setup: Setup, index: str) -> None:
    # even where the uploaders list says :anonymous:, an upload needs an account
    dist = Dist(unique("nobody"), "1.0")
    response = upload(acl_server, index, None, dist)
    assert response.status == 401
    assert response.header("WWW-Authenticate") == 'Basic realm="bodega"'
    assert_not_stored(acl_server, dist, index)
    assert upload(acl_server, index, GINA.auth, dist).status == 200


def test_authenticated_uploaders_admit_every_signed_in_user(
    acl_server: Server, setup: Setup, dist_dir: Path
) -> None:
    dist = Dist(unique("anyone"), "1.0")
    ran = twine(acl_server, "u-auth", write_wheel(dist_dir, dist), "gina", GINA.password).ok()
    assert "Uploading" in ran.output
    wrong = upload(acl_server, "u-auth", clients.basic_auth("gina", "wrong-password"), dist)
    assert wrong.status == 401
    assert list(page_files(acl_server, "u-auth", dist.name)) == [wheel_name(dist)]


def test_a_private_index_without_an_uploaders_list_takes_uploads_from_its_readers_only(
    acl_server: Server, setup: Setup
) -> None:
    dist = Dist(unique("closed"), "1.0")
    refused = upload(acl_server, "u-private", BOB.auth, dist)
    assert refused.status == 403, refused.text
    assert upload(acl_server, "u-private", ALICE.auth, dist).status == 200
    # and what it holds stays private to its readers
    page = f"/u-private/simple/{dist.name}/"
    assert get(acl_server, page).status == 401
    assert get(acl_server, page, BOB.auth).status == 404
    assert get(acl_server, page, ALICE.auth).status == 200


# --- tokens ----------------------------------------------------------------------------


def test_a_read_scoped_token_cannot_upload(
    acl_server: Server, setup: Setup, dist_dir: Path
) -> None:
    dist = Dist(unique("readonly"), "1.0")
    actor = f"alice (token {token_id(setup.read_token)})"
    response = upload(acl_server, "u-team", token_auth(setup.read_token), dist)
    assert response.status == 403
    assert f"{actor} may not upload to index 'u-team'" in response.text
    path = write_wheel(dist_dir, dist)
    ran = twine(acl_server, "u-team", path, "__token__", setup.read_token).failed()
    assert "403" in ran.output
    assert f"{actor} may not upload" in ran.output
    assert_not_stored(acl_server, dist, "u-team")
    # alice herself may: it is the token's scope that refuses
    twine(acl_server, "u-team", path, "alice", ALICE.password).ok()


def test_a_token_limited_to_another_index_cannot_upload(
    acl_server: Server, setup: Setup, dist_dir: Path
) -> None:
    dist = Dist(unique("elsewhere"), "1.0")
    path = write_wheel(dist_dir, dist)
    response = upload(acl_server, "u-team", token_auth(setup.auth_only_token), dist)
    assert response.status == 403
    ran = twine(acl_server, "u-team", path, "__token__", setup.auth_only_token).failed()
    assert "403" in ran.output
    assert_not_stored(acl_server, dist, "u-team")
    # the same token uploads to the index it names
    twine(acl_server, "u-auth", path, "__token__", setup.auth_only_token).ok()
    assert list(page_files(acl_server, "u-auth", dist.name)) == [wheel_name(dist)]


# --- kinds of index that take no uploads ----------------------------------------------


@pytest.mark.parametrize(("index", "kind"), [("u-mirror", "proxy"), ("u-group", "group")])
def test_proxy_and_group_indexes_refuse_uploads_with_405(
    acl_server: Server, setup: Setup, dist_dir: Path, index: str, kind: str
) -> None:
    dist = Dist(unique("nowhere"), "1.0")
    message = f"index '{index}' is a {kind} index and accepts no uploads"
    response = upload(acl_server, index, ALICE.auth, dist)
    assert response.status == 405
    assert message in response.text
    ran = twine(acl_server, index, write_wheel(dist_dir, dist), "alice", ALICE.password).failed()
    assert "405" in ran.output
    assert message in ran.output
    assert_not_stored(acl_server, dist, "u-team", index)


def test_an_admin_of_the_index_may_upload_and_read_without_being_listed_there(
    acl_server: Server, setup: Setup
) -> None:
    dist = Dist(unique("adminned"), "1.0")
    assert upload(acl_server, "u-admins", IVAN.auth, dist).status == 200
    assert get(acl_server, f"/u-admins/simple/{dist.name}/", IVAN.auth).status == 200
    assert upload(acl_server, "u-admins", BOB.auth, Dist(dist.name, "2.0")).status == 403
    assert get(acl_server, f"/u-admins/simple/{dist.name}/", BOB.auth).status == 404
