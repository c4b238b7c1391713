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
    """The digests of one complete file, as lowercase hex (md5 and blake2 only when they
    were computed: uploads declare them, proxied files need only sha256)."""

    md5: str | None
    sha256: str
    blake2_256: str | None
    size: int

    def as_dict(self) -> dict[str, str]:
        computed = {"md5": self.md5, "sha256": self.sha256, "blake2_256": self.blake2_256}
        return {name: value for name, value in computed.items() if value is not None}

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
            if algorithm not in actual:
                raise InvalidInput(f"the {algorithm} digest of this file was not computed")
            if not hmac.compare_digest(value, actual[algorithm]):
                raise DigestMismatch(
                    f"{algorithm} digest of the uploaded file is {actual[algorithm]}, "
                    f"but {value} was declared",
                    hint="the file was changed or truncated in transit",
                )


class DigestWriter:
    """Accumulates sha256 (and, with ``full``, md5 and blake2b-256) over chunks."""

    __slots__ = ("_blake2", "_md5", "_sha256", "size")

    def __init__(self, *, full: bool = True) -> None:
        self._sha256 = hashlib.sha256()
        self._md5 = hashlib.md5(usedforsecurity=False) if full else None
        self._blake2 = hashlib.blake2b(digest_size=32) if full else None
        self.size = 0

    def update(self, chunk: bytes) -> None:
        self._sha256.update(chunk)
        if self._md5 is not None and self._blake2 is not None:
            self._md5.update(chunk)
            self._blake2.update(chunk)
        self.size += len(chunk)

    def result(self) -> Digests:
        return Digests(
            md5=self._md5.hexdigest() if self._md5 else None,
            sha256=self._sha256.hexdigest(),
            blake2_256=self._blake2.hexdigest() if self._blake2 else None,
            size=self.size,
        )


def is_sha256_hex(value: str) -> bool:
    """Whether ``value`` looks like a lowercase hex sha256 digest."""
    return len(value) == 64 and _HEX.match(value) is not None
