"""The admin API's HTTP conventions: JSON bodies in, JSON errors out, /api/ only."""

from __future__ import annotations

import secrets

import pytest

from tests.conftest import StartServer
from tests.e2e.admin.conftest import Api, assert_error
from tests.support import clients


@pytest.mark.parametrize(
    ("raw", "content_type", "fragment"),
    [
        (b"{not json", "application/json", "the request body is not valid JSON"),
        (b'["name", "kind"]', "application/json", "must be a JSON object, not an array"),
        (b'"hosted"', "application/json", "must be a JSON object, not a string"),
        (
            b"name=x&kind=hosted",
            "application/x-www-form-urlencoded",
            "must be JSON, not 'application/x-www-form-urlencoded'",
        ),
    ],
)
def test_a_body_that_is_not_a_json_object_is_a_400(
    api: Api, raw: bytes, content_type: str, fragment: str
) -> None:
    reply = api.call("POST", "/api/indexes", raw=raw, content_type=content_type)
    assert_error(reply, 400, "invalid", fragment)


def test_an_empty_body_is_an_empty_object(api: Api) -> None:
    reply = api.call("POST", "/api/indexes", raw=b"")
    assert_error(reply, 400, "invalid", "body field 'name' is required")


def test_an_oversized_body_is_a_413(api: Api) -> None:
    raw = b'{"name": "' + b"x" * (1 << 20) + b'", "kind": "hosted"}'
    assert_error(api.call("POST", "/api/indexes", raw=raw), 413, "too-large")


def test_unknown_api_paths_and_methods_are_json_errors(api: Api) -> None:
    missing = api.get("/api/nothing-here")
    assert_error(missing, 404, "not-found", "nothing at /api/nothing-here")
    wrong = api.call("PUT", "/api/indexes/local", {})
    assert_error(wrong, 405, "not-allowed", "PUT is not allowed here")
    assert wrong.headers["Allow"] == "GET, HEAD, PATCH"


def test_errors_outside_the_api_keep_their_plain_text_form(api: Api) -> None:
    page = clients.get(api.server.url("/no-such-index/simple/"))
    assert page.status == 404
    assert str(page.header("Content-Type")).startswith("text/plain")
    assert page.text.startswith("no index named 'no-such-index'")


def test_bad_credentials_are_a_json_401(api: Api) -> None:
    # a user of its own: refused sign-ins are throttled per (address, user)
    reply = api.as_user(f"nobody-{secrets.token_hex(4)}", "not-the-password").get("/api/indexes")
    assert_error(reply, 401, "unauthenticated", "invalid credentials")
    assert reply.headers["WWW-Authenticate"] == 'Basic realm="bodega"'
    assert reply.headers["X-Bodega-Error"] == "unauthenticated"


def test_the_api_answers_json_and_the_reason_phrase_carries_the_message(api: Api) -> None:
    reply = api.get("/api/indexes/no-such-index")
    assert reply.reason == "no index named 'no-such-index'"
    ok = api.get("/api/indexes/local")
    assert ok.headers["Content-Type"] == "application/json"


def test_repeated_failed_sign_ins_are_throttled_with_a_json_429(start_bodega: StartServer) -> None:
    api = Api(start_bodega()).as_user("guesser", "wrong-password-guess")
    replies = [api.get("/api/indexes") for _ in range(6)]
    assert [r.status for r in replies] == [401] * 5 + [429]
    assert_error(replies[-1], 429, "too-many-attempts")
    assert int(replies[-1].headers["Retry-After"]) > 0
