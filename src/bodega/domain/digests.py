"""File digests: computed while bytes stream by, compared against declared ones."""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass

from bodega.domain.errors import DigestMismatch, InvalidInput

_HEX = re.compile(r"^[0-9a-f]+$")
# Hex lengths of the digests the upload API may declare.
DIGEST_LENGTHS = {"md5": 32, "sha256": 64, "blake2_256": 64}


@dataclass(frozen=True, slots=True)
class Digests:
    """The digests of one complete file, as lowercase hex."""

    md5: str
    sha256: str
    blake2_256: str
    size: int

    def as_dict(self) -> dict[str, str]:
        return {"md5": self.md5, "sha256": self.sha256, "blake2_256": self.blake2_256}

    def verify(self, declared: Mapping[str, str]) -> None:
        """Check every declared digest (upload API field names) against these.

        Raises:
            InvalidInput: an unknown algorithm, or a declared digest that is not well-formed
                hex of the right length.
            DigestMismatch: a declared digest differs from the one of the bytes received.
        """
        actual = self.as_dict()
        for algorithm, value in declared.items():
            value = value.strip().lower()
            expected_length = DIGEST_LENGTHS.get(algorithm)
            if expected_length is None:
                raise InvalidInput(
                    f"unknown digest algorithm {algorithm!r}",
                    hint=f"known: {', '.join(sorted(DIGEST_LENGTHS))}",
                )
            if len(value) != expected_length or not _HEX.match(value):
                raise InvalidInput(
                    f"declared {algorithm} digest {value!r} is not {expected_length} hex digits"
                )
            if not hmac.compare_digest(value, actual[algorithm]):
                raise DigestMismatch(
                    f"{algorithm} digest of the uploaded file is {actual[algorithm]}, "
                    f"but {value} was declared",
                    hint="the file was changed or truncated in transit",
                )


class DigestWriter:
    """Accumulates md5, sha256 and blake2b-256 over chunks written to it."""

    __slots__ = ("_blake2", "_md5", "_sha256", "size")

    def __init__(self) -> None:
        self._md5 = hashlib.md5(usedforsecurity=False)
        self._sha256 = hashlib.sha256()
        self._blake2 = hashlib.blake2b(digest_size=32)
        self.size = 0

    def update(self, chunk: bytes) -> None:
        self._md5.update(chunk)
        self._sha256.update(chunk)
        self._blake2.update(chunk)
        self.size += len(chunk)

    def result(self) -> Digests:
        return Digests(
            md5=self._md5.hexdigest(),
            sha256=self._sha256.hexdigest(),
            blake2_256=self._blake2.hexdigest(),
            size=self.size,
        )


def is_sha256_hex(value: str) -> bool:
    """Whether ``value`` looks like a lowercase hex sha256 digest."""
    return len(value) == 64 and _HEX.match(value) is not None
