"""Password hashing with argon2id (argon2-cffi's defaults, RFC 9106 low-memory profile)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from bodega.domain.errors import InvalidInput

MIN_PASSWORD_LENGTH = 8
_HASHER = PasswordHasher()


def check_password_strength(password: str) -> None:
    """Raises InvalidInput when the password is too short to be worth hashing."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            f"password is {len(password)} characters long",
            hint=f"use at least {MIN_PASSWORD_LENGTH} characters",
        )


def hash_password(password: str) -> str:
    """Return an argon2id hash (CPU-heavy: call it from a thread in async code)."""
    return _HASHER.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Check a password against its hash in constant time (CPU-heavy, as hash_password)."""
    try:
        return _HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
