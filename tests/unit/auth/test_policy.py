"""Who may upload to an index."""

from __future__ import annotations

from typing import Any

import pytest

from bodega.auth.policy import AUTHENTICATED, may_upload
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
