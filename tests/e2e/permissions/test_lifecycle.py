"""A release's life after upload: yank and unyank (PEP 592), delete, overwrite, push.

Yanks show in both page formats and the JSON API, and pip and uv respect them: an
unpinned install skips a yanked release, a pinned one still gets it. Files are immutable
unless the index says otherwise: deleting needs ``allow_delete`` and an admin of the
index, a deleted name stays bound to its bytes unless ``allow_overwrite``, a blob stays
while any index refers to it. Push promotes without copying a byte and never replaces a
file. The refusals made by principals go through the admin API (``bodega --url``).
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.e2e.conftest import VenvFactory, unique
from tests.e2e.permissions.conftest import (
    ALICE,
    BOB,
    IVAN,
    JSON,
    blob_count,
    blob_path,
    get,
    new_token,
    page_files,
    sha256,
    token_id,
    upload,
    uploaded,
)
from tests.support import clients
from tests.support.cli_batch import CliSession, Outcome
from tests.support.dists import Dist, sdist_bytes, sdist_name, wheel_bytes, wheel_name
from tests.support.server import Server


@dataclass(frozen=True)
class Tokens:
    alice_upload: str
    alice_admin: str  # admin scope, but alice administers no index
    bob_upload: str
    ivan_admin: str  # ivan administers l-del-a


@pytest.fixture(scope="module")
def tokens(acl_server: Server, acl_cli: CliSession) -> Tokens:
    acl_cli.run("index", "create", "l-main", "--uploaders", "alice")
    acl_cli.run(
        "index", "create", "l-del-a", "--allow-delete", "--admins", "ivan", "--uploaders", "alice"
    )
    acl_cli.run("index", "create", "l-del-b", "--allow-delete")
    acl_cli.run("index", "create", "l-over", "--allow-overwrite")
    acl_cli.run("index", "create", "l-both", "--allow-delete", "--allow-overwrite")
    return Tokens(
        alice_upload=new_token(acl_cli, ALICE, "upload"),
        alice_admin=new_token(acl_cli, ALICE, "admin"),
        bob_upload=new_token(acl_cli, BOB, "upload"),
        ivan_admin=new_token(acl_cli, IVAN, "admin"),
    )


def remote(cli: CliSession, token: str, *args: str) -> Outcome:
    """A ``bodega`` command sent to the running server's admin API with ``token``."""
    return cli.run(*args, "--url", cli.server.base_url, "--token", token, check=False)


def rebuilt(dist: Dist) -> Dist:
    """The same name and version with other bytes (another build)."""
    return Dist(dist.name, dist.version, summary="another build of the same version")


def anchors(server: Server, index: str, project: str) -> dict[str, str]:
    """File name -> its <a ...> tag on the PEP 503 HTML page."""
    response = get(server, f"/{index}/simple/{project}/")
    assert response.status == 200, response.text
    tags = re.findall(r"<a [^>]*>[^<]*</a>", response.text)
    return {html.unescape(re.sub(r"<[^>]+>", "", tag)): tag for tag in tags}


def project_list(server: Server, index: str) -> list[str]:
    response = get(server, f"/{index}/simple/", accept=JSON)
    assert response.status == 200, response.text
    return [p["name"] for p in json.loads(response.body)["projects"]]


def json_api(server: Server, index: str, project: str) -> dict[str, object]:
    response = get(server, f"/{index}/pypi/{project}/json")
    assert response.status == 200, response.text
    document: dict[str, object] = json.loads(response.body)
    return document


# --- yank --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Yanked:
    old: Dist  # 1.0, live
    new: Dist  # 2.0, yanked
    said: str  # what `bodega yank` printed


REASON = 'broken build: "import" fails <see #12>'


@pytest.fixture(scope="module")
def yanked(acl_server: Server, tokens: Tokens) -> Yanked:
    name = unique("yanky")
    old, new = Dist(name, "1.0"), Dist(name, "2.0")
    for dist in (old, new):
        uploaded(acl_server, "l-main", ALICE.auth, dist)
    said = acl_server.cli("yank", "--index", "l-main", name, "2.0", "--reason", REASON)
    return Yanked(old, new, said.stdout.strip())


def test_yank_reports_the_files_it_yanked(yanked: Yanked) -> None:
    assert yanked.said == f"yanked 1 file(s): {wheel_name(yanked.new)}"


def test_a_yanked_release_shows_in_every_format(acl_server: Server, yanked: Yanked) -> None:
    tags = anchors(acl_server, "l-main", yanked.new.name)
    assert f'data-yanked="{html.escape(REASON)}"' in tags[wheel_name(yanked.new)]
    assert "data-yanked" not in tags[wheel_name(yanked.old)]
    files = page_files(acl_server, "l-main", yanked.new.name)
    assert files[wheel_name(yanked.new)]["yanked"] == REASON
    assert files[wheel_name(yanked.old)]["yanked"] is False
    document = json_api(acl_server, "l-main", yanked.new.name)
    releases = document["releases"]
    assert isinstance(releases, dict)
    assert [(f["yanked"], f["yanked_reason"]) for f in releases["2.0"]] == [(True, REASON)]
    assert [(f["yanked"], f["yanked_reason"]) for f in releases["1.0"]] == [(False, None)]


@pytest.mark.parametrize("installer", ["pip", "uv"])
def test_installers_skip_a_yanked_release_unless_it_is_pinned(
    acl_server: Server, yanked: Yanked, new_venv: VenvFactory, installer: str
) -> None:
    install = clients.pip_install if installer == "pip" else clients.uv_pip_install
    url = acl_server.url("/l-main/simple/")
    python = new_venv()
    install(python, url, yanked.new.name).ok()
    assert clients.installed_version(python, yanked.new.escaped) == "1.0"
    # PEP 592: a yanked release is still installed when the requirement pins it exactly
    install(python, url, f"{yanked.new.name}==2.0").ok()
    assert clients.installed_version(python, yanked.new.escaped) == "2.0"


def test_unyank_restores_the_release(
    acl_server: Server, acl_cli: CliSession, tokens: Tokens, new_venv: VenvFactory
) -> None:
    name = unique("unyanky")
    for version in ("1.0", "2.0"):
        uploaded(acl_server, "l-main", ALICE.auth, Dist(name, version))
    acl_cli.run("yank", "--index", "l-main", name, "2.0")
    filename = wheel_name(Dist(name, "2.0"))
    # a yank without a reason is still a yank (PEP 592: an empty data-yanked)
    assert page_files(acl_server, "l-main", name)[filename]["yanked"] is True
    assert 'data-yanked=""' in anchors(acl_server, "l-main", name)[filename]

    said = acl_server.cli("unyank", "--index", "l-main", name, "2.0")
    assert said.stdout.strip() == f"unyanked 1 file(s): {filename}"
    assert page_files(acl_server, "l-main", name)[filename]["yanked"] is False
    assert "data-yanked" not in anchors(acl_server, "l-main", name)[filename]
    python = new_venv()
    clients.uv_pip_install(python, acl_server.url("/l-main/simple/"), name).ok()
    assert clients.installed_version(python, name.replace("-", "_")) == "2.0"


def test_one_file_of_a_release_can_be_yanked(
    acl_server: Server, acl_cli: CliSession, tokens: Tokens
) -> None:
    dist = Dist(unique("onefile"), "1.0")
    uploaded(acl_server, "l-main", ALICE.auth, dist)
    uploaded(acl_server, "l-main", ALICE.auth, dist, sdist=True)
    said = acl_cli.run(
        "yank", "--index", "l-main", dist.name, "1.0", "--file", wheel_name(dist),
        "--reason", "wrong tag",
    )  # fmt: skip
    assert said.stdout.strip() == f"yanked 1 file(s): {wheel_name(dist)}"
    files = page_files(acl_server, "l-main", dist.name)
    assert files[wheel_name(dist)]["yanked"] == "wrong tag"
    assert files[sdist_name(dist)]["yanked"] is False
    tags = anchors(acl_server, "l-main", dist.name)
    assert 'data-yanked="wrong tag"' in tags[wheel_name(dist)]
    assert "data-yanked" not in tags[sdist_name(dist)]


def test_yanking_needs_upload_permission(
    acl_server: Server, acl_cli: CliSession, tokens: Tokens
) -> None:
    dist = Dist(unique("guarded"), "1.0")
    uploaded(acl_server, "l-main", ALICE.auth, dist)
    before = get(acl_server, f"/l-main/simple/{dist.name}/").body

    refused = remote(acl_cli, tokens.bob_upload, "yank", "--index", "l-main", dist.name, "1.0")
    assert refused.exit_code == 1, refused.describe()
    actor = f"bob (token {token_id(tokens.bob_upload)})"
    assert f"{actor} may not upload to 'l-main'" in refused.stderr
    assert get(acl_server, f"/l-main/simple/{dist.name}/").body == before

    yanked = remote(acl_cli, tokens.alice_upload, "yank", "--index", "l-main", dist.name, "1.0")
    assert yanked.exit_code == 0, yanked.describe()
    assert page_files(acl_server, "l-main", dist.name)[wheel_name(dist)]["yanked"] is True
    unyanked = remote(acl_cli, tokens.bob_upload, "unyank", "--index", "l-main", dist.name, "1.0")
    assert unyanked.exit_code == 1, unyanked.describe()
    assert page_files(acl_server, "l-main", dist.name)[wheel_name(dist)]["yanked"] is True


# --- delete --------------------------------------------------------------------------------


def file_url(index: str, dist: Dist, digest: str) -> str:
    return f"/{index}/files/{digest}/{wheel_name(dist)}"


def test_delete_is_refused_where_the_index_keeps_files(acl_server: Server, tokens: Tokens) -> None:
    dist = Dist(unique("kept"), "1.0")
    digest = uploaded(acl_server, "l-main", ALICE.auth, dist)
    refused = acl_server.cli("delete", "--index", "l-main", dist.name, "1.0", "--yes", check=False)
    assert refused.returncode == 1
    assert "index 'l-main' does not allow deleting files" in refused.stderr
    assert "files are immutable" in refused.stderr
    assert list(page_files(acl_server, "l-main", dist.name)) == [wheel_name(dist)]
    assert get(acl_server, file_url("l-main", dist, digest)).body == wheel_bytes(dist)


def test_deleting_needs_an_admin_of_the_index(
    acl_server: Server, acl_cli: CliSession, tokens: Tokens
) -> None:
    dist = Dist(unique("doomed"), "1.0")
    digest = uploaded(acl_server, "l-del-a", ALICE.auth, dist)
    args = ("delete", "--index", "l-del-a", dist.name, "1.0", "--yes")

    # alice uploads there, and her token has the admin scope: she still is no admin of it
    refused = remote(acl_cli, tokens.alice_admin, *args)
    assert refused.exit_code == 1, refused.describe()
    actor = f"alice (token {token_id(tokens.alice_admin)})"
    assert f"{actor} may not administer 'l-del-a'" in refused.stderr
    assert list(page_files(acl_server, "l-del-a", dist.name)) == [wheel_name(dist)]
    assert blob_path(acl_server, digest).is_file()

    deleted = remote(acl_cli, tokens.ivan_admin, *args)
    assert deleted.exit_code == 0, deleted.describe()
    assert deleted.stdout.strip() == f"deleted 1 file(s): {wheel_name(dist)}"
    assert wheel_name(dist) not in page_files(acl_server, "l-del-a", dist.name)
    assert get(acl_server, file_url("l-del-a", dist, digest)).status == 404
    assert get(acl_server, f"/l-del-a/pypi/{dist.name}/1.0/json").status == 404
    # nothing else refers to the bytes: they are gone from the disk
    assert not blob_path(acl_server, digest).exists()


def test_a_deleted_name_stays_bound_to_its_bytes(
    acl_server: Server, acl_cli: CliSession, tokens: Tokens, dist_dir: Path
) -> None:
    dist = Dist(unique("bound"), "1.0")
    uploaded(acl_server, "l-del-a", ALICE.auth, dist)
    acl_cli.run("delete", "--index", "l-del-a", dist.name, "1.0", "--yes")

    other = wheel_bytes(rebuilt(dist))
    refused = upload(acl_server, "l-del-a", ALICE.auth, dist, other)
    assert refused.status == 409
    assert "File already exists" in refused.text
    path = dist_dir / wheel_name(dist)
    path.write_bytes(other)
    ran = clients.twine_upload(acl_server.url("/l-del-a/"), [path], "alice", ALICE.password)
    assert "409" in ran.failed().output
    assert wheel_name(dist) not in page_files(acl_server, "l-del-a", dist.name)
    # the same bytes may come back under their name
    assert upload(acl_server, "l-del-a", ALICE.auth, dist).status == 200
    assert list(page_files(acl_server, "l-del-a", dist.name)) == [wheel_name(dist)]


def test_a_deleted_name_takes_other_bytes_where_overwriting_is_allowed(
    acl_server: Server, acl_cli: CliSession, tokens: Tokens
) -> None:
    dist = Dist(unique("reborn"), "1.0")
    uploaded(acl_server, "l-both", ALICE.auth, dist)
    acl_cli.run("delete", "--index", "l-both", dist.name, "1.0", "--yes")
    other = wheel_bytes(rebuilt(dist))
    assert upload(acl_server, "l-both", ALICE.auth, dist, other).status == 200
    entry = page_files(acl_server, "l-both", dist.name)[wheel_name(dist)]
    assert entry["hashes"] == {"sha256": sha256(other)}


def test_a_blob_stays_while_another_index_refers_to_it(
    acl_server: Server, acl_cli: CliSession, tokens: Tokens
) -> None:
    dist = Dist(unique("shared"), "1.0")
    blobs = blob_count(acl_server)
    digest = uploaded(acl_server, "l-del-a", ALICE.auth, dist)
    assert blob_count(acl_server) == blobs + 2  # the wheel and its core metadata
    acl_cli.run("push", dist.name, "1.0", "--from", "l-del-a", "--to", "l-del-b")

    acl_cli.run("delete", "--index", "l-del-a", dist.name, "1.0", "--yes")
    assert get(acl_server, file_url("l-del-a", dist, digest)).status == 404
    assert blob_path(acl_server, digest).is_file()
    assert get(acl_server, file_url("l-del-b", dist, digest)).body == wheel_bytes(dist)

    acl_cli.run("delete", "--index", "l-del-b", dist.name, "1.0", "--yes")
    assert get(acl_server, file_url("l-del-b", dist, digest)).status == 404
    assert not blob_path(acl_server, digest).exists()
    assert blob_count(acl_server) == blobs  # the metadata file went with it


# --- overwrite -----------------------------------------------------------------------------


def test_overwriting_is_refused_by_default(
    acl_server: Server, tokens: Tokens, dist_dir: Path
) -> None:
    dist = Dist(unique("fixed"), "1.0")
    digest = uploaded(acl_server, "l-main", ALICE.auth, dist)
    other = wheel_bytes(rebuilt(dist))
    refused = upload(acl_server, "l-main", ALICE.auth, dist, other)
    assert refused.status == 409
    assert "File already exists" in refused.reason
    path = dist_dir / wheel_name(dist)
    path.write_bytes(other)
    ran = clients.twine_upload(acl_server.url("/l-main/"), [path], "alice", ALICE.password).failed()
    assert "409" in ran.output
    assert "File already exists" in ran.output
    entry = page_files(acl_server, "l-main", dist.name)[wheel_name(dist)]
    assert entry["hashes"] == {"sha256": digest}


def test_overwriting_is_allowed_where_the_index_allows_it(
    acl_server: Server, tokens: Tokens, dist_dir: Path
) -> None:
    dist = Dist(unique("mutable"), "1.0")
    first = uploaded(acl_server, "l-over", ALICE.auth, dist)
    other = wheel_bytes(rebuilt(dist))
    path = dist_dir / wheel_name(dist)
    path.write_bytes(other)
    clients.twine_upload(acl_server.url("/l-over/"), [path], "alice", ALICE.password).ok()
    entry = page_files(acl_server, "l-over", dist.name)[wheel_name(dist)]
    assert entry["hashes"] == {"sha256": sha256(other)}
    assert get(acl_server, file_url("l-over", dist, sha256(other))).body == other
    assert get(acl_server, file_url("l-over", dist, first)).status == 404


# --- push ------------------------------------------------------------------------------------


def test_push_copies_no_bytes_and_is_idempotent(
    acl_server: Server, acl_cli: CliSession, tokens: Tokens
) -> None:
    dist = Dist(unique("promoted"), "1.0")
    sdist = sdist_bytes(dist)  # gzip stamps the time: build the bytes once
    uploaded(acl_server, "l-main", ALICE.auth, dist)
    sdist_sha = uploaded(acl_server, "l-main", ALICE.auth, dist, data=sdist, sdist=True)
    blobs = blob_count(acl_server)
    assert dist.name not in project_list(acl_server, "l-over")

    pushed = acl_cli.run("push", dist.name, "1.0", "--from", "l-main", "--to", "l-over")
    names = sorted([wheel_name(dist), sdist_name(dist)])
    assert pushed.stdout.strip() == f"pushed 2 file(s) to l-over: {', '.join(names)}"
    assert blob_count(acl_server) == blobs
    # the project is new in the target: its project list shows it, in both formats
    assert dist.name in project_list(acl_server, "l-over")
    assert f'<a href="{dist.name}/">' in get(acl_server, "/l-over/simple/").text
    source = page_files(acl_server, "l-main", dist.name)
    target = page_files(acl_server, "l-over", dist.name)
    assert sorted(target) == names
    assert {n: f["hashes"] for n, f in target.items()} == {
        n: f["hashes"] for n, f in source.items()
    }
    url = f"/l-over/files/{sdist_sha}/{sdist_name(dist)}"
    assert get(acl_server, url).body == sdist

    again = acl_cli.run("push", dist.name, "1.0", "--from", "l-main", "--to", "l-over")
    assert again.stdout.strip() == f"l-over already has every file of {dist.name} 1.0"
    assert page_files(acl_server, "l-over", dist.name) == target
    assert blob_count(acl_server) == blobs


def test_push_is_refused_when_the_target_has_other_bytes_under_a_name(
    acl_server: Server, acl_cli: CliSession, tokens: Tokens, dist_dir: Path
) -> None:
    dist = Dist(unique("clash"), "1.0")
    uploaded(acl_server, "l-main", ALICE.auth, dist)
    uploaded(acl_server, "l-main", ALICE.auth, dist, sdist=True)
    theirs = uploaded(acl_server, "l-over", ALICE.auth, dist, data=wheel_bytes(rebuilt(dist)))
    before = get(acl_server, f"/l-over/simple/{dist.name}/").body
    pushes = len(json.loads(acl_cli.run("audit", "--json", "--action", "push").stdout))

    refused = acl_server.cli(
        "push", dist.name, "1.0", "--from", "l-main", "--to", "l-over", check=False
    )
    assert refused.returncode == 1
    assert f"index 'l-over' already has '{wheel_name(dist)}' with different contents" in (
        refused.stderr
    )
    assert "nothing was pushed" in refused.stderr
    # not even the sdist, which did not clash
    assert get(acl_server, f"/l-over/simple/{dist.name}/").body == before
    assert list(page_files(acl_server, "l-over", dist.name)) == [wheel_name(dist)]
    assert page_files(acl_server, "l-over", dist.name)[wheel_name(dist)]["hashes"] == {
        "sha256": theirs
    }
    assert len(json.loads(acl_cli.run("audit", "--json", "--action", "push").stdout)) == pushes


def test_push_needs_upload_permission_on_the_target(
    acl_server: Server, acl_cli: CliSession, tokens: Tokens
) -> None:
    dist = Dist(unique("uphill"), "1.0")
    uploaded(acl_server, "l-del-b", BOB.auth, dist)
    args = ("push", dist.name, "1.0", "--from", "l-del-b", "--to", "l-main")
    refused = remote(acl_cli, tokens.bob_upload, *args)
    assert refused.exit_code == 1, refused.describe()
    assert "may not upload to 'l-main'" in refused.stderr
    assert page_files(acl_server, "l-main", dist.name) == {}
    pushed = remote(acl_cli, tokens.alice_upload, *args)
    assert pushed.exit_code == 0, pushed.describe()
    assert list(page_files(acl_server, "l-main", dist.name)) == [wheel_name(dist)]
