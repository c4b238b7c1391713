"""Failed sign-ins are throttled (bodega.auth.throttle.LoginThrottle): within 60 s, 5
failures for one user (or one token) from one address, or 30 from one address for any
users, make the
server answer 429 with Retry-After, even to the right password, until the oldest failure
is 60 s old. The user's other addresses and the address's other users (below 30) are
not affected, and signing in successfully clears the user's count.

Each test signs in from its own loopback address (127.0.0.x), so the server sees a
client of its own for it.
"""

from __future__ import annotations

import time

import pytest

from tests.e2e.permissions.conftest import (
    ALICE,
    BOB,
    GINA,
    PER_USER_LIMIT,
    TESS,
    WINDOW,
    Lockout,
    bogus_token,
    get,
)
from tests.support import clients
from tests.support.cli_batch import CliSession
from tests.support.server import Server

PAGE = "/th-members/simple/"
PER_ADDRESS_LIMIT = 30


@pytest.fixture(scope="module")
def members(acl_cli: CliSession) -> str:
    acl_cli.run("index", "create", "th-members", "--readers", ":authenticated:")
    return PAGE


def sign_in(server: Server, user: str, secret: str, source: str) -> clients.Response:
    return get(server, PAGE, clients.basic_auth(user, secret), source=source)


def assert_throttled(response: clients.Response, source: str) -> None:
    assert response.status == 429, response.text
    assert f"too many failed sign-ins from {source}" in response.text
    retry_after = response.header("Retry-After")
    assert retry_after is not None
    assert 1 <= int(retry_after) <= WINDOW + 1


def test_wrong_passwords_lock_the_user_out_from_that_address(
    acl_server: Server, members: str
) -> None:
    source = "127.0.0.3"
    for _ in range(PER_USER_LIMIT):
        failed = sign_in(acl_server, "bob", "not-his-password", source)
        assert failed.status == 401, failed.text
    assert_throttled(sign_in(acl_server, "bob", "not-his-password", source), source)
    # the right password from there is refused too, until the window has passed
    assert_throttled(sign_in(acl_server, "bob", BOB.password, source), source)
    # ... but bob's other addresses, and the address's other users, are not locked out
    assert sign_in(acl_server, "bob", BOB.password, "127.0.0.4").status == 200
    assert sign_in(acl_server, "bob", BOB.password, "127.0.0.1").status == 200
    assert sign_in(acl_server, "alice", ALICE.password, source).status == 200


def test_signing_in_clears_the_users_count(acl_server: Server, members: str) -> None:
    source = "127.0.0.5"
    for _ in range(2):
        for _ in range(PER_USER_LIMIT - 1):
            assert sign_in(acl_server, "gina", "not-ginas-password", source).status == 401
        assert sign_in(acl_server, "gina", GINA.password, source).status == 200
    assert sign_in(acl_server, "gina", "not-ginas-password", source).status == 401


def test_bad_tokens_do_not_lock_out_the_users_password(acl_server: Server, members: str) -> None:
    """Each token counts on its own: a runner holding stale tokens keeps its good ones."""
    source = "127.0.0.8"
    for _ in range(PER_USER_LIMIT + 2):
        assert sign_in(acl_server, "__token__", bogus_token(), source).status == 401
    assert sign_in(acl_server, "gina", GINA.password, source).status == 200


def test_many_users_failing_from_one_address_lock_the_address(
    acl_server: Server, members: str
) -> None:
    source = "127.0.0.6"
    for n in range(PER_ADDRESS_LIMIT):
        assert sign_in(acl_server, f"guess-{n}", bogus_token(), source).status == 401
    assert_throttled(sign_in(acl_server, "alice", ALICE.password, source), source)
    assert sign_in(acl_server, "alice", ALICE.password, "127.0.0.7").status == 200


def test_a_lockout_lifts_when_its_window_has_passed(
    acl_server: Server, members: str, early_lockout: Lockout
) -> None:
    source = early_lockout.source
    if time.monotonic() < early_lockout.at + WINDOW - 2:
        # still inside the window (when this test runs early, or alone)
        assert_throttled(sign_in(acl_server, "tess", TESS.password, source), source)
    time.sleep(max(0.0, early_lockout.at + WINDOW + 1 - time.monotonic()))
    assert sign_in(acl_server, "tess", TESS.password, source).status == 200
