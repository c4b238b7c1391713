"""File digests computed while bytes stream by, compared against declared ones."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bodega.domain.digests import Digests, DigestWriter, is_sha256_hex
from bodega.domain.errors import DigestMismatch, InvalidInput

_DATA = b"the bytes of a distribution file\n" * 100


def _digests_of(data: bytes) -> Digests:
    writer = DigestWriter()
    writer.update(data)
    return writer.result()


@pytest.mark.parametrize(
    "chunks",
    [
        pytest.param([], id="empty"),
        pytest.param([b""], id="one-empty-chunk"),
        pytest.param([b"a"], id="one-byte"),
        pytest.param([_DATA], id="one-chunk"),
        pytest.param([_DATA[:7], b"", _DATA[7:1000], _DATA[1000:]], id="uneven-chunks"),
    ],
)
def test_digest_writer_matches_hashlib(chunks: list[bytes]) -> None:
    writer = DigestWriter()
    for chunk in chunks:
        writer.update(chunk)
    data = b"".join(chunks)
    result = writer.result()
    assert result.size == len(data)
    assert result.md5 == hashlib.md5(data, usedforsecurity=False).hexdigest()
    assert result.sha256 == hashlib.sha256(data).hexdigest()
    assert result.blake2_256 == hashlib.blake2b(data, digest_size=32).hexdigest()


@given(st.lists(st.binary(max_size=200), max_size=8))
def test_digests_do_not_depend_on_chunking(chunks: list[bytes]) -> None:
    writer = DigestWriter()
    for chunk in chunks:
        writer.update(chunk)
    assert writer.result() == _digests_of(b"".join(chunks))


def test_as_dict_uses_upload_api_names() -> None:
    digests = _digests_of(_DATA)
    assert digests.as_dict() == {
        "md5": digests.md5,
        "sha256": digests.sha256,
        "blake2_256": digests.blake2_256,
    }


_ACTUAL = _digests_of(_DATA)


@pytest.mark.parametrize(
    "declared",
    [
        pytest.param({}, id="nothing-declared"),
        pytest.param({"sha256": _ACTUAL.sha256}, id="sha256"),
        pytest.param({"md5": _ACTUAL.md5}, id="md5"),
        pytest.param({"blake2_256": _ACTUAL.blake2_256}, id="blake2"),
        pytest.param(_ACTUAL.as_dict(), id="all-three"),
        pytest.param({"sha256": _ACTUAL.sha256.upper()}, id="uppercase"),
        pytest.param({"sha256": f" {_ACTUAL.sha256}\n"}, id="surrounding-whitespace"),
    ],
)
def test_verify_accepts_matching_digests(declared: dict[str, str]) -> None:
    _ACTUAL.verify(declared)


def _flip_last(hex_digest: str) -> str:
    return hex_digest[:-1] + ("0" if hex_digest[-1] != "0" else "1")


@pytest.mark.parametrize(
    ("declared", "algorithm"),
    [
        ({"sha256": _flip_last(_ACTUAL.sha256)}, "sha256"),
        ({"md5": _flip_last(_ACTUAL.md5)}, "md5"),
        ({"blake2_256": _flip_last(_ACTUAL.blake2_256)}, "blake2_256"),
        ({"sha256": _ACTUAL.sha256, "md5": _flip_last(_ACTUAL.md5)}, "md5"),
        # a blake2 digest declared as sha256: right shape, wrong value
        ({"sha256": _ACTUAL.blake2_256}, "sha256"),
    ],
)
def test_verify_refuses_mismatches(declared: dict[str, str], algorithm: str) -> None:
    with pytest.raises(DigestMismatch) as caught:
        _ACTUAL.verify(declared)
    assert caught.value.code == "digest-mismatch"
    assert algorithm in caught.value.message
    assert _ACTUAL.as_dict()[algorithm] in caught.value.message


@pytest.mark.parametrize(
    "declared",
    [
        pytest.param({"sha256": ""}, id="empty"),
        pytest.param({"sha256": _ACTUAL.sha256[:-1]}, id="too-short"),
        pytest.param({"sha256": _ACTUAL.sha256 + "0"}, id="too-long"),
        pytest.param({"sha256": "g" * 64}, id="not-hex"),
        pytest.param({"sha256": "0x" + _ACTUAL.sha256[2:]}, id="0x-prefix"),
        pytest.param({"md5": _ACTUAL.sha256}, id="sha256-length-as-md5"),
        pytest.param({"sha256": _ACTUAL.md5}, id="md5-length-as-sha256"),
        pytest.param({"sha256": "٠" * 64}, id="unicode-digits"),
        pytest.param({"sha256": _ACTUAL.sha256[:32] + " " + _ACTUAL.sha256[33:]}, id="space"),
    ],
)
def test_verify_refuses_malformed_hex(declared: dict[str, str]) -> None:
    with pytest.raises(InvalidInput, match="hex digits") as caught:
        _ACTUAL.verify(declared)
    assert not isinstance(caught.value, DigestMismatch)


@pytest.mark.parametrize("algorithm", ["sha512", "SHA256", "blake2b_256", ""])
def test_verify_refuses_unknown_algorithms(algorithm: str) -> None:
    with pytest.raises(InvalidInput, match=f"unknown digest algorithm {algorithm!r}"):
        _ACTUAL.verify({algorithm: _ACTUAL.sha256})


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("a" * 64, True),
        (hashlib.sha256(b"").hexdigest(), True),
        ("A" * 64, False),
        ("a" * 63, False),
        ("a" * 65, False),
        ("g" * 64, False),
        ("", False),
        ("a" * 64 + "\n", False),
    ],
)
def test_is_sha256_hex(value: str, expected: bool) -> None:
    assert is_sha256_hex(value) is expected
