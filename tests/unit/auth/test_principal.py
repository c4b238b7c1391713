"""Who is making a request, and what their credential allows."""

from __future__ import annotations

import pytest

from bodega.auth.principal import Principal, Scope


@pytest.mark.parametrize(
    ("scope", "needed", "allowed"),
    [
        (Scope.READ, Scope.READ, True),
        (Scope.READ, Scope.UPLOAD, False),
        (Scope.READ, Scope.ADMIN, False),
        (Scope.UPLOAD, Scope.READ, True),
        (Scope.UPLOAD, Scope.UPLOAD, True),
        (Scope.UPLOAD, Scope.ADMIN, False),
        (Scope.ADMIN, Scope.READ, True),
        (Scope.ADMIN, Scope.UPLOAD, True),
        (Scope.ADMIN, Scope.ADMIN, True),
    ],
)
def test_scope_allows(scope: Scope, needed: Scope, allowed: bool) -> None:
    assert scope.allows(needed) is allowed


@pytest.mark.parametrize(
    ("principal", "needed", "index", "allowed"),
    [
        pytest.param(Principal("ann"), Scope.ADMIN, "local", True, id="password-login"),
        pytest.param(
            Principal("ann", token_id="t", token_scope=Scope.UPLOAD),
            Scope.UPLOAD,
            "local",
            True,
            id="upload-token",
        ),
        pytest.param(
            Principal("ann", token_id="t", token_scope=Scope.READ),
            Scope.UPLOAD,
            "local",
            False,
            id="read-token",
        ),
        pytest.param(
            Principal("ann", token_id="t", token_scope=Scope.UPLOAD, token_indexes=("team",)),
            Scope.UPLOAD,
            "local",
            False,
            id="other-index",
        ),
        pytest.param(
            Principal("ann", token_id="t", token_scope=Scope.UPLOAD, token_indexes=("team",)),
            Scope.UPLOAD,
            "team",
            True,
            id="listed-index",
        ),
    ],
)
def test_token_allows(principal: Principal, needed: Scope, index: str, allowed: bool) -> None:
    assert principal.token_allows(needed, index) is allowed


@pytest.mark.parametrize(
    ("principal", "actor"),
    [
        (Principal("ann"), "ann"),
        (Principal("ann", token_id="abc", token_scope=Scope.READ), "ann (token abc)"),
    ],
)
def test_actor(principal: Principal, actor: str) -> None:
    assert principal.actor == actor
