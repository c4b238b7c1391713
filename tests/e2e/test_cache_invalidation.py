"""Pages are served from memory, yet a write shows on the very next request — also a write
made by another process (the CLI) on the same data directory, with no wait."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import StartServer
from tests.e2e.conftest import Account, unique, upload
from tests.support import clients
from tests.support.dists import Dist, wheel_bytes, wheel_name, write_wheel
from tests.support.server import Server
from tests.support.upstream import FakeUpstream

JSON = "application/vnd.pypi.simple.v1+json"


def page(server: Server, path: str, **headers: str) -> clients.Response:
    response = clients.get(server.url(path), Accept=JSON, **headers)
    assert response.status == 200, response.text
    return response


def versions(server: Server, project: str) -> list[str]:
    versions: list[str] = json.loads(page(server, f"/local/simple/{project}/").body)["versions"]
    return versions


def root_names(server: Server, path: str = "/local/simple/") -> list[str]:
    return [p["name"] for p in json.loads(page(server, path).body)["projects"]]


def test_upload_shows_on_the_next_request(server: Server, account: Account) -> None:
    name = unique("fresh")
    upload(server, account.auth, Dist(name, "1.0"), wheel_bytes(Dist(name, "1.0")))
    cached = page(server, f"/local/simple/{name}/")
    assert versions(server, name) == ["1.0"]

    upload(server, account.auth, Dist(name, "1.1"), wheel_bytes(Dist(name, "1.1")))
    assert versions(server, name) == ["1.0", "1.1"]
    revalidated = page(server, f"/local/simple/{name}/", If_None_Match=cached.header("ETag") or "")
    assert revalidated.header("ETag") != cached.header("ETag")


def test_cli_import_shows_on_the_next_request(
    start_bodega: StartServer, empty_upstream: FakeUpstream, tmp_path: Path
) -> None:
    # no polling of the change log: only the cross-process signal can make the change show
    server = start_bodega(env={"BODEGA_POLL_INTERVAL": "0", "PIP_INDEX_URL": empty_upstream.url})
    existing, new = unique("imported"), unique("imported-new")
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    write_wheel(first, Dist(existing, "1.0"))
    server.cli("import", str(first), "--index", "local", "--quiet")
    # everything the next import changes is now rendered and cached by the server
    assert versions(server, existing) == ["1.0"]
    assert new not in root_names(server)
    assert new not in root_names(server, "/simple/")
    missing = clients.get(server.url(f"/local/simple/{new}/"), Accept=JSON)
    assert missing.status == 404

    write_wheel(second, Dist(existing, "1.1"))
    write_wheel(second, Dist(new, "0.1"))
    (second / "README.txt").write_text("not a distribution")
    result = server.cli("import", str(second), "--index", "local")
    assert result.stdout.splitlines()[-1] == "2 stored, 0 already stored, 0 refused"

    assert versions(server, existing) == ["1.0", "1.1"]
    assert new in root_names(server)
    assert new in root_names(server, "/simple/")
    assert versions(server, new) == ["0.1"]
    filename = wheel_name(Dist(new, "0.1"))
    entry = json.loads(page(server, f"/local/simple/{new}/").body)["files"][0]
    assert entry["filename"] == filename
    fetched = clients.get(server.url(f"/local/files/{entry['hashes']['sha256']}/{filename}"))
    assert fetched.status == 200
    assert fetched.body == (second / filename).read_bytes()

    again = server.cli("import", str(second), "--index", "local", "--quiet")
    assert again.stdout.splitlines() == ["0 stored, 2 already stored, 0 refused"]


def test_cli_import_refuses_what_an_upload_would(server: Server, tmp_path: Path) -> None:
    name = unique("import-refused")
    wheelhouse = tmp_path / "wheelhouse"
    wheelhouse.mkdir()
    dist = Dist(name, "1.0")
    (wheelhouse / wheel_name(dist)).write_bytes(
        wheel_bytes(dist, metadata=dist.metadata(name="someone-else"))
    )
    result = server.cli("import", str(wheelhouse), "--index", "local", check=False)
    assert result.returncode == 1
    assert f"{wheel_name(dist)}: refused: " in result.stdout
    assert "is for project 'someone-else'" in result.stdout
    assert result.stdout.splitlines()[-1] == "0 stored, 0 already stored, 1 refused"
    assert clients.get(server.url(f"/local/simple/{name}/")).status == 404
