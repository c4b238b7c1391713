"""API tokens: ``bodega_<id>_<secret>``, stored as the sha256 of the secret.

The id lets the server find the token's row without scanning; the secret has 256 bits of
entropy, so a plain sha256 (not a slow password hash) is enough to keep a database leak
from revealing usable tokens.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

PREFIX = "bodega"
_FORMAT = re.compile(rf"^{PREFIX}_([0-9a-f]{{16}})_([A-Za-z0-9_-]{{43}})$")


@dataclass(frozen=True, slots=True)
class NewToken:
    id: str
    secret_hash: str
    value: str  # shown to the user once, never stored


def generate() -> NewToken:
    token_id = secrets.token_hex(8)
    secret = secrets.token_urlsafe(32)
    return NewToken(token_id, hash_secret(secret), f"{PREFIX}_{token_id}_{secret}")


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def parse(value: str) -> tuple[str, str] | None:
    """Split a token into (id, secret); None if it is not shaped like a bodega token."""
    match = _FORMAT.match(value.strip())
    return (match.group(1), match.group(2)) if match else None


def secret_matches(secret: str, secret_hash: str) -> bool:
    return hmac.compare_digest(hash_secret(secret), secret_hash)
