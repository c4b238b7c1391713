"""Password hashing (argon2id) and the minimum strength."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from bodega.auth.passwords import (
    MIN_PASSWORD_LENGTH,
    check_password_strength,
    hash_password,
    verify_password,
)
from bodega.domain.errors import InvalidInput

PASSWORD = "correct horse battery staple"
# verify_password reads the cost from the stored hash; a cheap one keeps the table fast
_CHEAP = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@pytest.fixture(scope="module")
def stored() -> str:
    return hash_password(PASSWORD)


def test_hash_is_argon2id_and_verifies(stored: str) -> None:
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored
    assert verify_password(stored, PASSWORD)
    assert not verify_password(stored, PASSWORD.upper())


@pytest.mark.parametrize(
    ("password", "attempt", "ok"),
    [
        (PASSWORD, PASSWORD, True),
        (PASSWORD, PASSWORD.upper(), False),
        (PASSWORD, PASSWORD + " ", False),
        (PASSWORD, PASSWORD[:-1], False),
        (PASSWORD, "", False),
        ("pässwörd-ünïcode", "pässwörd-ünïcode", True),
        ("pässwörd-ünïcode", "passwörd-ünïcode", False),
    ],
)
def test_verify(password: str, attempt: str, ok: bool) -> None:
    assert verify_password(_CHEAP.hash(password), attempt) is ok


@pytest.mark.parametrize(
    "bad_hash",
    ["", "plain text", "$argon2id$v=19$m=65536,t=3,p=4$broken", "$2b$12$" + "a" * 53],
)
def test_verify_against_a_malformed_hash_is_false(bad_hash: str) -> None:
    assert verify_password(bad_hash, PASSWORD) is False


@pytest.mark.parametrize(
    ("password", "ok"),
    [
        ("", False),
        ("a" * (MIN_PASSWORD_LENGTH - 1), False),
        ("a" * MIN_PASSWORD_LENGTH, True),
        (PASSWORD, True),
    ],
)
def test_strength(password: str, ok: bool) -> None:
    if ok:
        check_password_strength(password)
    else:
        with pytest.raises(InvalidInput, match=f"{len(password)} characters long") as caught:
            check_password_strength(password)
        assert f"at least {MIN_PASSWORD_LENGTH}" in str(caught.value)
