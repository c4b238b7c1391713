"""Who may upload to an index."""

from __future__ import annotations

from typing import Any

import pytest

from bodega.auth.policy import (
    AUTHENTICATED,
    may_change_password,
    may_upload,
    token_may_create,
)
from bodega.auth.principal import Principal, Scope

ANN = Principal("ann")
BOB = Principal("bob")
ADMIN = Principal("root", is_admin=True)


def _token(
    user: str = "ann",
    scope: Scope = Scope.UPLOAD,
    indexes: tuple[str, ...] = (),
    admin: bool = False,
) -> Principal:
    return Principal(user, is_admin=admin, token_id="t1", token_scope=scope, token_indexes=indexes)


@pytest.mark.parametrize(
    ("principal", "config", "allowed"),
    [
        pytest.param(None, {}, False, id="anonymous"),
        pytest.param(None, {"uploaders": [AUTHENTICATED]}, False, id="anonymous-open-index"),
        pytest.param(ANN, {}, True, id="default-is-authenticated"),
        pytest.param(ANN, {"uploaders": [AUTHENTICATED]}, True, id="authenticated"),
        pytest.param(ANN, {"uploaders": ["ann"]}, True, id="listed"),
        pytest.param(BOB, {"uploaders": ["ann"]}, False, id="not-listed"),
        pytest.param(ANN, {"uploaders": []}, False, id="nobody"),
        pytest.param(ADMIN, {"uploaders": []}, True, id="admin-always"),
        pytest.param(ADMIN, {"uploaders": ["ann"]}, True, id="admin-not-listed"),
        pytest.param(_token(), {"uploaders": ["ann"]}, True, id="upload-token"),
        pytest.param(_token(scope=Scope.ADMIN), {}, True, id="admin-scope-token"),
        pytest.param(_token(scope=Scope.READ), {}, False, id="read-token"),
        pytest.param(_token(scope=Scope.READ, admin=True), {}, False, id="admin-read-token"),
        pytest.param(_token(indexes=("local",)), {}, True, id="token-for-this-index"),
        pytest.param(_token(indexes=("team",)), {}, False, id="token-for-other-index"),
        pytest.param(
            _token(indexes=("team",), admin=True), {}, False, id="admin-token-for-other-index"
        ),
        pytest.param(_token(user="bob"), {"uploaders": ["ann"]}, False, id="token-not-listed"),
        # a single name where a list belongs must not match by substring
        pytest.param(Principal("li"), {"uploaders": "alice"}, False, id="string-substring"),
        pytest.param(Principal("alice"), {"uploaders": "alice"}, True, id="string-exact"),
        pytest.param(ANN, {"uploaders": None}, False, id="null-uploaders"),
    ],
)
def test_may_upload(principal: Principal | None, config: dict[str, Any], allowed: bool) -> None:
    assert may_upload(principal, "local", config) is allowed


# --- tokens creating tokens, password changes, server-wide admin ---------------------


def _token(scope: Scope, indexes: tuple[str, ...] = (), admin: bool = False) -> Principal:
    return Principal(
        user="u", is_admin=admin, token_id="t", token_scope=scope, token_indexes=indexes
    )


@pytest.mark.parametrize(
    ("creator", "scope", "indexes", "allowed"),
    [
        (Principal(user="u"), Scope.ADMIN, (), True),  # a password session: any scope
        (_token(Scope.UPLOAD), Scope.UPLOAD, (), True),
        (_token(Scope.UPLOAD), Scope.READ, ("a",), True),
        (_token(Scope.UPLOAD), Scope.ADMIN, (), False),
        (_token(Scope.READ), Scope.UPLOAD, (), False),
        (_token(Scope.UPLOAD, ("a",)), Scope.UPLOAD, ("a",), True),
        (_token(Scope.UPLOAD, ("a",)), Scope.UPLOAD, ("a", "b"), False),
        (_token(Scope.UPLOAD, ("a",)), Scope.UPLOAD, (), False),  # () means every index
    ],
)
def test_token_may_create(creator: Principal, scope: Scope, indexes: tuple[str, ...],
                          allowed: bool):  # fmt: skip
    assert (token_may_create(creator, scope, indexes) is None) is allowed


@pytest.mark.parametrize(
    ("principal", "user", "allowed"),
    [
        (Principal(user="u"), "u", True),
        (Principal(user="u"), "v", False),
        (Principal(user="root", is_admin=True), "v", True),
        (_token(Scope.UPLOAD), "u", False),
        (_token(Scope.ADMIN), "u", True),
        (_token(Scope.ADMIN, ("a",), admin=True), "v", False),  # limited: not server admin
    ],
)
def test_may_change_password(principal: Principal, user: str, allowed: bool):
    assert may_change_password(principal, user) is allowed


def test_admin_token_limited_to_indexes_is_not_a_server_admin():
    assert _token(Scope.ADMIN, admin=True).is_server_admin
    assert not _token(Scope.ADMIN, ("a",), admin=True).is_server_admin
    assert Principal(user="root", is_admin=True).is_server_admin
