"""A file name, once taken, means the same bytes forever — and the clients cope with that.

Identical bytes again: accepted, nothing changes. Different bytes under a taken name:
409 "File already exists", which ``twine --skip-existing`` turns into a skip; ``uv publish
--check-url`` finds identical files on the index and skips them before uploading.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.e2e.conftest import Account, Store, unique
from tests.support import clients
from tests.support.dists import (
    Dist,
    sdist_name,
    wheel_bytes,
    wheel_name,
    write_sdist,
    write_wheel,
)
from tests.support.server import Server


@dataclass(frozen=True)
class Existing:
    dist: Dist
    files: list[Path]  # what was uploaded: wheel, sdist
    changed: Path  # different bytes under the wheel's name, in another directory


@pytest.fixture
def existing(server: Server, account: Account, tmp_path: Path) -> Existing:
    dist = Dist(unique("dup"), "1.0")
    first = tmp_path / "first"
    first.mkdir()
    files = [write_wheel(first, dist), write_sdist(first, dist)]
    clients.twine_upload(server.url("/local/"), files, "__token__", account.token).ok()
    second = tmp_path / "second"
    second.mkdir()
    changed = Dist(dist.name, dist.version, summary="the same name, other bytes")
    path = write_wheel(second, changed)
    assert path.name == files[0].name
    assert path.read_bytes() != files[0].read_bytes()
    return Existing(dist, files, path)


def test_identical_bytes_again_succeed_without_a_change(
    server: Server, account: Account, store: Store, existing: Existing
) -> None:
    before = store.snapshot(existing.dist.name)
    ran = clients.twine_upload(
        server.url("/local/"), existing.files, account.user, account.password
    )
    ran.ok()
    store.snapshot(existing.dist.name).assert_same(before)

    data = existing.files[0].read_bytes()
    fields = clients.upload_fields(existing.dist.name, "1.0", "bdist_wheel", data)
    response = clients.post_upload(
        server.url("/local/"),
        clients.upload_parts(fields, existing.files[0].name, data),
        auth=account.auth,
    )
    assert response.status == 200
    assert response.text == f"OK: {existing.files[0].name} already stored (identical)\n"
    store.snapshot(existing.dist.name).assert_same(before)


def test_different_bytes_under_a_taken_name_are_refused_with_409(
    server: Server, account: Account, store: Store, existing: Existing
) -> None:
    before = store.snapshot(existing.dist.name)
    data = existing.changed.read_bytes()
    fields = clients.upload_fields(existing.dist.name, "1.0", "bdist_wheel", data)
    response = clients.post_upload(
        server.url("/local/"),
        clients.upload_parts(fields, existing.changed.name, data),
        auth=account.auth,
    )
    assert response.status == 409
    assert response.reason.startswith("File already exists")
    assert f"File already exists: '{existing.changed.name}'" in response.text
    assert response.header("X-Bodega-Error") == "file-exists"

    ran = clients.twine_upload(
        server.url("/local/"), [existing.changed], "__token__", account.token
    ).failed()
    assert "409" in ran.output
    assert "File already exists" in ran.output
    store.snapshot(existing.dist.name).assert_same(before)


def test_twine_skip_existing_skips_a_taken_name(
    server: Server, account: Account, store: Store, existing: Existing
) -> None:
    before = store.snapshot(existing.dist.name)
    ran = clients.twine_upload(
        server.url("/local/"), [existing.changed], "__token__", account.token, "--skip-existing"
    ).ok()
    assert f"Skipping {existing.changed.name} because it appears to already exist" in ran.output
    store.snapshot(existing.dist.name).assert_same(before)


def test_uv_publish_check_url_skips_identical_files(
    server: Server, account: Account, store: Store, existing: Existing
) -> None:
    before = store.snapshot(existing.dist.name)
    ran = clients.uv_publish(
        server.url("/local/"), existing.files, "__token__", account.token,
        "--check-url", server.url("/local/simple/"),
    ).ok()  # fmt: skip
    for name in (wheel_name(existing.dist), sdist_name(existing.dist)):
        assert f"File {name} already exists, skipping" in ran.output, ran.describe()
    store.snapshot(existing.dist.name).assert_same(before)


def test_uv_publish_check_url_refuses_different_bytes(
    server: Server, account: Account, store: Store, existing: Existing
) -> None:
    before = store.snapshot(existing.dist.name)
    ran = clients.uv_publish(
        server.url("/local/"), [existing.changed], "__token__", account.token,
        "--check-url", server.url("/local/simple/"),
    ).failed()  # fmt: skip
    assert f"Local file and index file do not match for `{existing.changed.name}`" in ran.output
    store.snapshot(existing.dist.name).assert_same(before)


def test_uv_publish_reports_the_409(
    server: Server, account: Account, store: Store, existing: Existing
) -> None:
    before = store.snapshot(existing.dist.name)
    ran = clients.uv_publish(
        server.url("/local/"), [existing.changed], "__token__", account.token
    ).failed()
    assert "Server returned status code 409 Conflict" in ran.output
    assert f"File already exists: '{existing.changed.name}'" in ran.output
    store.snapshot(existing.dist.name).assert_same(before)


def test_concurrent_uploads_of_one_name_keep_one_file(server: Server, account: Account) -> None:
    """Two clients race to upload different bytes under one new name: one wins, the other
    gets the 409, and the name serves the winner's bytes."""
    dist = Dist(unique("race"), "1.0")
    variants = [
        wheel_bytes(Dist(dist.name, dist.version, summary=f"variant {i}")) for i in range(2)
    ]
    filename = wheel_name(dist)

    def send(data: bytes) -> clients.Response:
        fields = clients.upload_fields(dist.name, dist.version, "bdist_wheel", data)
        return clients.post_upload(
            server.url("/local/"),
            clients.upload_parts(fields, filename, data),
            auth=account.token_auth,
        )

    with ThreadPoolExecutor(max_workers=2) as pool:
        responses = list(pool.map(send, variants))
    assert sorted(r.status for r in responses) == [200, 409], [r.text for r in responses]
    winner = variants[[r.status for r in responses].index(200)]
    page = json.loads(
        clients.get(
            server.url(f"/local/simple/{dist.name}/"),
            Accept="application/vnd.pypi.simple.v1+json",
        ).body
    )
    assert [f["filename"] for f in page["files"]] == [filename]
    served = clients.get(
        server.url(f"/local/files/{page['files'][0]['hashes']['sha256']}/{filename}")
    )
    assert served.body == winner
