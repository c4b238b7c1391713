"""Uploads that must be refused: the status, a message naming the problem, nothing stored.

Each case starts from a valid upload of a fresh project and breaks one thing. Most are
spelled out in raw HTTP (twine checks its files before sending, so it cannot send most
of these); what twine can express — bad credentials, a token for another index, an
unknown index, a file over the size limit — is also sent with twine.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import os
import socket
import struct
import tarfile
import time
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.e2e.conftest import Account, Store, create_user, unique
from tests.support import clients
from tests.support.clients import Part
from tests.support.dists import (
    Dist,
    bomb_wheel_bytes,
    sdist_bytes,
    sdist_name,
    wheel_bytes,
    wheel_name,
    write_wheel,
)
from tests.support.server import HOST, Server, start_server


@dataclasses.dataclass(frozen=True)
class Upload:
    """One upload request, before it is sent."""

    dist: Dist
    filename: str
    data: bytes
    fields: dict[str, str]
    extra_parts: tuple[Part, ...] = ()

    @classmethod
    def wheel(cls, dist: Dist, data: bytes | None = None, **fields: str | None) -> Upload:
        """A valid wheel upload of ``dist``; ``fields`` override form fields (None drops one)."""
        data = wheel_bytes(dist) if data is None else data
        form = clients.upload_fields(dist.name, dist.version, "bdist_wheel", data, fields)
        return cls(dist, wheel_name(dist), data, form)

    @classmethod
    def sdist(cls, dist: Dist, data: bytes | None = None, **fields: str | None) -> Upload:
        data = sdist_bytes(dist) if data is None else data
        form = clients.upload_fields(dist.name, dist.version, "sdist", data, fields)
        return cls(dist, sdist_name(dist), data, form)

    def parts(self) -> list[Part]:
        fields = [Part(k, v.encode()) for k, v in self.fields.items()]
        content = [Part("content", self.data, self.filename)] if self.filename else []
        return [*fields, *content, *self.extra_parts]

    def renamed(self, filename: str) -> Upload:
        return dataclasses.replace(self, filename=filename)

    def with_encoded_filename(self, filename: str) -> Upload:
        """The file part's name sent as RFC 5987 ``filename*`` (percent-encoded)."""
        content = Part("content", self.data, filename, encoded_filename=True)
        return dataclasses.replace(self, filename="", extra_parts=(content,))

    def with_field(self, name: str, value: str) -> Upload:
        return dataclasses.replace(self, fields={**self.fields, name: value})

    def with_part(self, part: Part) -> Upload:
        return dataclasses.replace(self, extra_parts=(*self.extra_parts, part))


def fresh() -> Dist:
    return Dist(unique("refused"), "1.0")


def other_sha256() -> str:
    return hashlib.sha256(b"other bytes").hexdigest()


def corrupt_wheel(dist: Dist) -> bytes:
    return os.urandom(4096)


def truncated_wheel(dist: Dist) -> bytes:
    data = wheel_bytes(dist, extra_members={"pad.bin": os.urandom(8192)})
    return data[: len(data) // 2]


def evil_member_wheel(dist: Dist) -> bytes:
    buffer = io.BytesIO(wheel_bytes(dist))
    with zipfile.ZipFile(buffer, "a") as archive:
        archive.writestr("../../evil.py", b"print('escaped')\n")
    return buffer.getvalue()


def tar_gz(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for path, data in members.items():
            info = tarfile.TarInfo(path)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def evil_member_sdist(dist: Dist) -> bytes:
    root = f"{dist.escaped}-{dist.version}"
    return tar_gz({f"{root}/PKG-INFO": dist.metadata().encode(), "../evil.py": b"print(1)\n"})


def no_metadata_wheel(dist: Dist) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(f"{dist.escaped}/__init__.py", b"")
    return buffer.getvalue()


def assert_nothing_staged(server: Server, timeout: float = 5.0) -> None:
    """The staging directory empties once the server is done with a refused upload
    (the server may still be finishing when the client has given up)."""
    staging = server.blob_dir / "staging"
    deadline = time.monotonic() + timeout
    while (left := list(staging.iterdir())) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not left, f"staged uploads were left behind: {left}"


# id -> (upload builder, status, message the body must contain)
Builder = Callable[[Dist], Upload]
CASES: dict[str, tuple[Builder, int, str]] = {
    "no-digest": (
        lambda d: Upload.wheel(d, md5_digest=None, sha256_digest=None, blake2_256_digest=None),
        400,
        "upload declares no digest",
    ),
    "wrong-sha256": (
        lambda d: Upload.wheel(d, sha256_digest=other_sha256()),
        400,
        f"but {other_sha256()} was declared",
    ),
    "wrong-md5": (
        lambda d: Upload.wheel(d, md5_digest="0" * 32),
        400,
        "md5 digest of the uploaded file is",
    ),
    "wrong-blake2": (
        lambda d: Upload.wheel(d, blake2_256_digest="f" * 64),
        400,
        "blake2_256 digest of the uploaded file is",
    ),
    "malformed-digest": (
        lambda d: Upload.wheel(d, sha256_digest="not-hex"),
        400,
        "declared sha256 digest 'not-hex' is not 64 hex digits",
    ),
    "name-mismatch": (
        lambda d: Upload.wheel(d, name="someone-else"),
        400,
        "not 'someone-else' as declared",
    ),
    "version-mismatch": (
        lambda d: Upload.wheel(d, version="2.0"),
        400,
        "is version 1.0, not 2.0 as declared",
    ),
    "filetype-mismatch": (
        lambda d: Upload.wheel(d, filetype="sdist"),
        400,
        "filetype 'sdist' does not match file",
    ),
    "path-traversal-filename": (
        lambda d: Upload.wheel(d).renamed(f"../{d.escaped}-1.0.tar.gz"),
        400,
        "is not a safe distribution file name",
    ),
    "absolute-filename": (
        lambda d: Upload.wheel(d).renamed(f"/tmp/{wheel_name(d)}"),
        400,
        "is not a safe distribution file name",
    ),
    "bad-extension": (
        lambda d: Upload.wheel(d).renamed(f"{d.escaped}-1.0.exe"),
        400,
        "has an unsupported extension",
    ),
    "invalid-wheel-name": (
        lambda d: Upload.wheel(d).renamed(f"{d.escaped}-1.0.whl"),
        400,
        "is not a valid wheel file name",
    ),
    "metadata-names-another-project": (
        lambda d: Upload.wheel(d, wheel_bytes(d, metadata=d.metadata(name="someone-else"))),
        400,
        "is for project 'someone-else'",
    ),
    "metadata-names-another-version": (
        lambda d: Upload.wheel(d, wheel_bytes(d, metadata=d.metadata(version="9.9"))),
        400,
        "says version 9.9, but the file name says 1.0",
    ),
    "metadata-without-version": (
        lambda d: Upload.wheel(
            d, wheel_bytes(d, metadata=f"Metadata-Version: 2.1\nName: {d.name}\n")
        ),
        400,
        "core metadata lacks Version",
    ),
    "metadata-bad-requires-python": (
        lambda d: Upload.wheel(d, wheel_bytes(dataclasses.replace(d, requires_python="banana"))),
        400,
        "Requires-Python 'banana' is not a valid specifier set",
    ),
    "sdist-metadata-names-another-project": (
        lambda d: Upload.sdist(d, sdist_bytes(d, metadata=d.metadata(name="someone-else"))),
        400,
        "is for project 'someone-else'",
    ),
    "sdist-member-escaping-its-directory": (
        lambda d: Upload.sdist(d, evil_member_sdist(d)),
        400,
        "would be extracted outside its directory",
    ),
    "sdist-corrupt": (
        lambda d: Upload.sdist(d, os.urandom(4096)),
        400,
        "is not a readable .tar.gz archive",
    ),
    "encoded-path-traversal-filename": (
        lambda d: Upload.wheel(d).with_encoded_filename(f"../{wheel_name(d)}"),
        400,
        "is not a safe distribution file name",
    ),
    "corrupt-archive": (
        lambda d: Upload.wheel(d, corrupt_wheel(d)),
        400,
        "is not a readable zip archive",
    ),
    "truncated-wheel": (
        lambda d: Upload.wheel(d, truncated_wheel(d)),
        400,
        "is not a readable zip archive",
    ),
    "member-escaping-its-directory": (
        lambda d: Upload.wheel(d, evil_member_wheel(d)),
        400,
        "would be extracted outside its directory",
    ),
    "no-metadata-file": (
        lambda d: Upload.wheel(d, no_metadata_wheel(d)),
        400,
        "contains no metadata file",
    ),
    "empty-file": (
        lambda d: Upload.wheel(d, b""),
        400,
        "the uploaded file is empty",
    ),
    "zip-bomb": (
        # ~100 KiB on the wire declaring 100 MiB: above both the 200x ratio and the
        # 64 MiB the server allows any archive
        lambda d: Upload.wheel(d, bomb_wheel_bytes(d, 100 << 20)),
        413,
        "a compression ratio this high looks like a zip bomb",
    ),
    "second-content-part": (
        lambda d: Upload.wheel(d).with_part(Part("content", sdist_bytes(d), sdist_name(d))),
        400,
        "upload has more than one 'content' part",
    ),
    "wrong-action": (
        lambda d: Upload.wheel(d).with_field(":action", "submit"),
        400,
        "unsupported :action 'submit'",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_malformed_upload_is_refused(
    server: Server, account: Account, store: Store, case: str
) -> None:
    build, status, message = CASES[case]
    upload = build(fresh())
    before = store.snapshot(upload.dist.name)
    response = clients.post_upload(server.url("/local/"), upload.parts(), auth=account.auth)
    assert response.status == status, response.text
    assert message in response.text
    # clients show the reason phrase: it carries the message too
    assert response.reason
    assert response.reason in response.text
    store.snapshot(upload.dist.name).assert_same(before)


def test_no_content_part_is_refused(server: Server, account: Account, store: Store) -> None:
    dist = fresh()
    before = store.snapshot(dist.name)
    fields = clients.upload_fields(dist.name, "1.0", "bdist_wheel", wheel_bytes(dist))
    parts = [Part(k, v.encode()) for k, v in fields.items()]
    response = clients.post_upload(server.url("/local/"), parts, auth=account.auth)
    assert response.status == 400
    assert "upload has no 'content' file part" in response.text
    store.snapshot(dist.name).assert_same(before)


def test_non_multipart_body_is_refused(server: Server, account: Account, store: Store) -> None:
    dist = fresh()
    before = store.snapshot(dist.name)
    response = clients.post_upload(
        server.url("/local/"),
        [],
        auth=account.auth,
        content_type="application/x-www-form-urlencoded",
        body=f":action=file_upload&name={dist.name}&version=1.0".encode(),
    )
    assert response.status == 400
    assert "upload body is 'application/x-www-form-urlencoded'" in response.text
    assert "hint: send multipart/form-data" in response.text
    store.snapshot(dist.name).assert_same(before)


def test_multipart_body_without_its_end_is_refused(
    server: Server, account: Account, store: Store
) -> None:
    upload = Upload.wheel(fresh())
    before = store.snapshot(upload.dist.name)
    content_type, body = clients.multipart(upload.parts())
    cut = body[: body.rindex(b"--\r\n") - 20]  # well-formed length, but the body stops early
    response = clients.post_upload(
        server.url("/local/"), [], auth=account.auth, content_type=content_type, body=cut
    )
    assert response.status == 400
    assert "upload body is malformed or incomplete" in response.text
    store.snapshot(upload.dist.name).assert_same(before)


@pytest.mark.parametrize("abort", ["close", "reset"])
def test_connection_closed_mid_body_stores_nothing(
    server: Server, account: Account, store: Store, abort: str
) -> None:
    """The client promises more bytes than it sends, then goes away mid-file."""
    dist = fresh()
    upload = Upload.wheel(dist, wheel_bytes(dist, extra_members={"pad": os.urandom(2_000_000)}))
    before = store.snapshot(upload.dist.name)
    content_type, body = clients.multipart(upload.parts())
    head = (
        f"POST /local/ HTTP/1.1\r\nHost: {HOST}:{server.port}\r\n"
        f"Content-Type: {content_type}\r\nAuthorization: {account.auth}\r\n"
        f"Content-Length: {len(body) + 100_000}\r\n\r\n"
    ).encode()
    staging = server.blob_dir / "staging"
    with socket.create_connection((HOST, server.port), timeout=10) as sock:
        sock.sendall(head + body[: len(body) // 2])
        # wait until the server is streaming the file into staging, then go away
        deadline = time.monotonic() + 10
        while not list(staging.iterdir()) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert list(staging.iterdir()), "the server never started receiving the file"
        if abort == "reset":
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    assert server.is_healthy()
    assert_nothing_staged(server)
    store.snapshot(upload.dist.name).assert_same(before)


# --- who may upload where ---------------------------------------------------------


@pytest.mark.parametrize(
    ("user", "secret", "message"),
    [
        ("alice", "wrong-password", "invalid credentials"),
        ("nobody", "correct-horse-battery", "invalid credentials"),
        ("__token__", "bodega_0123456789abcdef_" + "A" * 43, "invalid credentials"),
        ("__token__", "not-a-token", "invalid credentials"),
    ],
    ids=["wrong-password", "unknown-user", "unknown-token", "malformed-token"],
)
def test_bad_credentials_are_refused_with_401(
    server: Server, store: Store, user: str, secret: str, message: str
) -> None:
    upload = Upload.wheel(fresh())
    before = store.snapshot(upload.dist.name)
    response = clients.post_upload(
        server.url("/local/"), upload.parts(), auth=clients.basic_auth(user, secret)
    )
    assert response.status == 401
    assert message in response.text
    assert response.header("WWW-Authenticate") == 'Basic realm="bodega"'
    store.snapshot(upload.dist.name).assert_same(before)


def test_a_token_with_a_wrong_secret_is_refused(
    server: Server, account: Account, store: Store
) -> None:
    prefix = "_".join(account.token.split("_", 2)[:2])  # the secret may hold "_"
    forged = f"{prefix}_{'B' * 43}"
    upload = Upload.wheel(fresh())
    before = store.snapshot(upload.dist.name)
    response = clients.post_upload(
        server.url("/local/"), upload.parts(), auth=clients.basic_auth("__token__", forged)
    )
    assert response.status == 401
    assert "invalid credentials" in response.text
    store.snapshot(upload.dist.name).assert_same(before)


def test_anonymous_upload_is_refused_with_401(server: Server, store: Store) -> None:
    upload = Upload.wheel(fresh())
    before = store.snapshot(upload.dist.name)
    response = clients.post_upload(server.url("/local/"), upload.parts(), auth=None)
    assert response.status == 401
    assert "uploading to 'local' needs credentials" in response.text
    store.snapshot(upload.dist.name).assert_same(before)


def test_twine_with_a_wrong_password_fails_with_401(
    server: Server, store: Store, dist_dir: Path
) -> None:
    dist = fresh()
    path = write_wheel(dist_dir, dist)
    before = store.snapshot(dist.name)
    ran = clients.twine_upload(server.url("/local/"), [path], "alice", "wrong-password").failed()
    assert "401" in ran.output
    store.snapshot(dist.name).assert_same(before)


def test_token_for_another_index_is_refused_with_403(
    server: Server, account: Account, store: Store, dist_dir: Path
) -> None:
    dist = fresh()
    path = write_wheel(dist_dir, dist)
    before = store.snapshot(dist.name)
    upload = Upload.wheel(dist, path.read_bytes())
    response = clients.post_upload(
        server.url("/local/"),
        upload.parts(),
        auth=clients.basic_auth("__token__", account.other_token),
    )
    assert response.status == 403
    assert "may not upload to index 'local'" in response.text
    ran = clients.twine_upload(
        server.url("/local/"), [path], "__token__", account.other_token
    ).failed()
    assert "403" in ran.output
    store.snapshot(dist.name).assert_same(before)
    # the same token is good for the index it names
    clients.twine_upload(server.url("/other/"), [path], "__token__", account.other_token).ok()
    listed = clients.get(server.url(f"/other/simple/{dist.name}/"))
    assert listed.status == 200
    assert path.name in listed.text


@pytest.mark.parametrize(
    ("target", "status", "says"),
    [
        ("/nowhere/", 404, "no index named 'nowhere'"),
        # where installers read the default index: no index of its own
        ("/simple/", 405, "POST is not allowed here"),
    ],
)
def test_upload_to_a_url_that_is_no_index_is_refused(
    server: Server,
    account: Account,
    store: Store,
    dist_dir: Path,
    target: str,
    status: int,
    says: str,
) -> None:
    dist = fresh()
    path = write_wheel(dist_dir, dist)
    before = store.snapshot(dist.name)
    upload = Upload.wheel(dist, path.read_bytes())
    response = clients.post_upload(server.url(target), upload.parts(), auth=account.auth)
    assert response.status == status
    assert says in response.text
    if status == 405:
        assert response.header("Allow") == "GET, HEAD"
    ran = clients.twine_upload(server.url(target), [path], account.user, account.password).failed()
    assert str(status) in ran.output
    store.snapshot(dist.name).assert_same(before)


# --- the upload size limit --------------------------------------------------------

LIMIT = 100_000


@pytest.fixture(scope="module")
def small_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server that takes files of at most LIMIT bytes."""
    started = start_server(
        tmp_path_factory.mktemp("small") / "data", {"BODEGA_MAX_UPLOAD_BYTES": str(LIMIT)}
    )
    try:
        yield started
    finally:
        started.stop()


@pytest.fixture(scope="module")
def small_store(small_server: Server) -> Store:
    create_user(small_server, "alice")
    sentinel = Dist(unique("sentinel"), "1.0")
    upload = Upload.wheel(sentinel)
    response = clients.post_upload(
        small_server.url("/local/"),
        upload.parts(),
        auth=clients.basic_auth("alice", "correct-horse-battery"),
    )
    assert response.status == 200, response.text
    return Store(small_server, sentinel.name)


def big_wheel(dist: Dist, size: int) -> bytes:
    return wheel_bytes(dist, extra_members={"blob.bin": os.urandom(size)})


def test_file_over_the_limit_is_refused_with_413(
    small_server: Server, small_store: Store, dist_dir: Path
) -> None:
    dist = fresh()
    path = dist_dir / wheel_name(dist)
    path.write_bytes(big_wheel(dist, 2 * LIMIT))
    before = small_store.snapshot(dist.name)
    ran = clients.twine_upload(
        small_server.url("/local/"), [path], "alice", "correct-horse-battery"
    ).failed()
    assert "413" in ran.output
    upload = Upload.wheel(dist, path.read_bytes())
    response = clients.post_upload(
        small_server.url("/local/"),
        upload.parts(),
        auth=clients.basic_auth("alice", "correct-horse-battery"),
    )
    assert response.status == 413
    assert f"uploaded file exceeds the limit of {LIMIT} bytes" in response.text
    small_store.snapshot(dist.name).assert_same(before)
    assert_nothing_staged(small_server)


def test_body_declared_far_over_the_limit_is_refused_before_reading(
    small_server: Server, small_store: Store
) -> None:
    dist = fresh()
    upload = Upload.wheel(dist, big_wheel(dist, 1_300_000))
    before = small_store.snapshot(dist.name)
    response = clients.post_upload(
        small_server.url("/local/"),
        upload.parts(),
        auth=clients.basic_auth("alice", "correct-horse-battery"),
    )
    assert response.status == 413
    assert f"exceeds the limit of {LIMIT}" in response.text
    small_store.snapshot(dist.name).assert_same(before)


def test_file_under_the_limit_is_accepted(small_server: Server, small_store: Store) -> None:
    dist = fresh()
    upload = Upload.wheel(dist, big_wheel(dist, LIMIT // 2))
    response = clients.post_upload(
        small_server.url("/local/"),
        upload.parts(),
        auth=clients.basic_auth("alice", "correct-horse-battery"),
    )
    assert response.status == 200, response.text
