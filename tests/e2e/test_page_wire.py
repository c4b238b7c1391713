"""Cached pages on the wire: what raw HTTP/1.x clients see, connection handling included.

Pages on keep-alive HTTP/1.1 GETs leave as one prebuilt buffer (web/responses.py); these
tests read the bytes off a socket to check that it is a whole, well-formed response and
that the connection is kept or closed as the request asked.
"""

from __future__ import annotations

import gzip
import socket
from email.utils import parsedate_to_datetime

from tests.e2e.conftest import Account, unique, upload
from tests.support import clients
from tests.support.dists import Dist, wheel_bytes
from tests.support.server import HOST, Server


def _read_response(sock: socket.socket, buffer: bytes) -> tuple[int, dict[str, str], bytes, bytes]:
    """One response off ``sock`` (after what ``buffer`` holds): status, headers, body, and
    what was read past it."""
    while b"\r\n\r\n" not in buffer:
        chunk = sock.recv(65536)
        assert chunk, f"connection closed mid-head: {buffer!r}"
        buffer += chunk
    head, _, rest = buffer.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines:
        name, _, value = line.partition(":")
        assert name.lower() not in headers, f"header {name} sent twice"
        headers[name.lower()] = value.strip()
    length = int(headers["content-length"])
    while len(rest) < length:
        chunk = sock.recv(65536)
        assert chunk, "connection closed mid-body"
        rest += chunk
    return int(status_line.split()[1]), headers, rest[:length], rest[length:]


def _closed(sock: socket.socket) -> bool:
    sock.settimeout(5)
    try:
        return sock.recv(1) == b""
    except ConnectionResetError:
        return True


def _publish(server: Server, account: Account, prefix: str) -> str:
    name = unique(prefix)
    # enough files for a page worth compressing
    for version in ("1.0", "1.1", "1.2", "1.3", "1.4", "2.0"):
        dist = Dist(name, version)
        upload(server, account.auth, dist, wheel_bytes(dist))
    return name


def test_pipelined_requests_on_one_connection_get_whole_responses(server: Server, account: Account):
    name = _publish(server, account, "wire-keep")
    expected = clients.get(server.url(f"/simple/{name}/"))
    plain = f"GET /simple/{name}/ HTTP/1.1\r\nHost: {HOST}\r\n\r\n".encode()
    zipped = f"GET /simple/{name}/ HTTP/1.1\r\nHost: {HOST}\r\nAccept-Encoding: gzip\r\n\r\n"
    with socket.create_connection((HOST, server.port), timeout=10) as sock:
        sock.sendall(plain + zipped.encode() + plain)
        rest = b""
        for encoded in (False, True, False):
            status, headers, body, rest = _read_response(sock, rest)
            assert status == 200
            assert headers.get("content-encoding") == ("gzip" if encoded else None)
            assert (gzip.decompress(body) if encoded else body) == expected.body
            assert headers["content-type"] == "text/html; charset=utf-8"
            assert headers["etag"].startswith(expected.header("ETag")[:-1])
            assert parsedate_to_datetime(headers["date"]).tzinfo is not None
            assert "connection" not in headers  # HTTP/1.1: kept open
        # still open: one more request is answered
        sock.sendall(plain)
        status, _, body, _ = _read_response(sock, rest)
        assert (status, body) == (200, expected.body)


def test_connection_close_and_http10_are_honoured(server: Server, account: Account):
    name = _publish(server, account, "wire-close")
    expected = clients.get(server.url(f"/simple/{name}/")).body
    for request in (
        f"GET /simple/{name}/ HTTP/1.1\r\nHost: {HOST}\r\nConnection: close\r\n\r\n",
        f"GET /simple/{name}/ HTTP/1.0\r\n\r\n",
    ):
        with socket.create_connection((HOST, server.port), timeout=10) as sock:
            sock.sendall(request.encode())
            status, _, body, rest = _read_response(sock, b"")
            assert (status, body, rest) == (200, expected, b"")
            assert _closed(sock), request


def test_head_of_a_page_has_its_length_and_no_body(server: Server, account: Account):
    name = _publish(server, account, "wire-head")
    expected = clients.get(server.url(f"/simple/{name}/")).body
    with socket.create_connection((HOST, server.port), timeout=10) as sock:
        sock.sendall(f"HEAD /simple/{name}/ HTTP/1.1\r\nHost: {HOST}\r\n\r\n".encode())
        sock.sendall(f"GET /simple/{name}/ HTTP/1.1\r\nHost: {HOST}\r\n\r\n".encode())
        buffer = b""
        while b"\r\n\r\n" not in buffer:
            buffer += sock.recv(65536)
        head, _, rest = buffer.partition(b"\r\n\r\n")
        assert b"200 OK" in head
        assert f"Content-Length: {len(expected)}".encode() in head
        # the next bytes are the GET's response, not a body of the HEAD
        status, _, body, _ = _read_response(sock, rest)
        assert (status, body) == (200, expected)
