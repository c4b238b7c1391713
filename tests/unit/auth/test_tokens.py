"""API tokens: bodega_<id>_<secret>, stored as the sha256 of the secret."""

from __future__ import annotations

import hashlib
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bodega.auth.tokens import generate, hash_secret, parse, secret_matches

_SECRET = "A" * 20 + "b_c-" + "9" * 19
VALID = f"bodega_0123456789abcdef_{_SECRET}"


def test_generated_token_round_trips() -> None:
    token = generate()
    assert re.fullmatch(r"bodega_[0-9a-f]{16}_[A-Za-z0-9_-]{43}", token.value)
    parsed = parse(token.value)
    assert parsed is not None
    token_id, secret = parsed
    assert token_id == token.id
    assert secret_matches(secret, token.secret_hash)
    assert secret not in token.secret_hash


def test_generated_tokens_differ() -> None:
    tokens = [generate() for _ in range(20)]
    assert len({t.id for t in tokens}) == 20
    assert len({t.value for t in tokens}) == 20


def test_hash_secret_is_sha256_hex() -> None:
    assert hash_secret("s") == hashlib.sha256(b"s").hexdigest()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (VALID, ("0123456789abcdef", _SECRET)),
        (f"  {VALID}\n", ("0123456789abcdef", _SECRET)),
        (f"bodega_0123456789abcdef_{'_' * 43}", ("0123456789abcdef", "_" * 43)),
    ],
)
def test_parse(value: str, expected: tuple[str, str]) -> None:
    assert parse(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("", id="empty"),
        pytest.param("bodega", id="prefix-only"),
        pytest.param(VALID.replace("bodega_", "pypi-", 1), id="other-prefix"),
        pytest.param(VALID.replace("bodega", "Bodega", 1), id="prefix-case"),
        pytest.param("bodega_0123456789ABCDEF_" + _SECRET, id="uppercase-id"),
        pytest.param("bodega_0123456789abcde_" + _SECRET, id="short-id"),
        pytest.param("bodega_0123456789abcdef0_" + _SECRET, id="long-id"),
        pytest.param("bodega_0123456789abcdef_" + _SECRET[:-1], id="short-secret"),
        pytest.param(VALID + "A", id="long-secret"),
        pytest.param(VALID[:-1] + "=", id="padding"),
        pytest.param(VALID[:-1] + "+", id="non-urlsafe"),
        pytest.param(VALID.replace("_", " ", 1), id="space"),
        pytest.param(f"{VALID} {VALID}", id="two-tokens"),
        pytest.param(f"Bearer {VALID}", id="scheme"),
    ],
)
def test_parse_refuses(value: str) -> None:
    assert parse(value) is None


@pytest.mark.parametrize(
    ("secret", "matches"),
    [(_SECRET, True), (_SECRET[:-1], False), (_SECRET + "x", False), ("", False)],
)
def test_secret_matches(secret: str, matches: bool) -> None:
    assert secret_matches(secret, hash_secret(_SECRET)) is matches


@given(st.text(max_size=120))
def test_parse_never_raises(value: str) -> None:
    parsed = parse(value)
    if parsed is not None:
        token_id, secret = parsed
        assert f"bodega_{token_id}_{secret}" == value.strip()
