"""Stored proxy pages: big ones are packed, and unpacking gives back what was packed."""

from __future__ import annotations

import gzip

import pytest

from bodega.storage.meta.proxy_cache import PACK_FROM, is_packed, pack, unpack


def _page(size: int) -> bytes:
    names = b",".join(b'{"name":"name-%06d"}' % i for i in range(size // 20 + 1))
    return (b'{"meta":{"api-version":"1.1"},"projects":[' + names)[:size]


@pytest.mark.parametrize("size", [0, 1, PACK_FROM - 1])
def test_small_pages_are_stored_as_they_are(size: int):
    page = _page(size)
    assert pack(page) is page
    assert not is_packed(page)
    assert unpack(page) is page


@pytest.mark.parametrize("size", [PACK_FROM, 4 * PACK_FROM + 3])
def test_big_pages_are_packed_and_come_back_whole(size: int):
    page = _page(size)
    packed = pack(page)
    assert is_packed(packed)
    assert len(packed) < len(page) // 4
    assert gzip.decompress(packed) == page
    assert unpack(packed) == page


@pytest.mark.parametrize(
    "stored",
    [b"\x1f\x8b", b"\x1f\x8bnot gzip at all", gzip.compress(b"{}" * 1000)[:-8]],
    ids=["magic only", "garbage", "truncated"],
)
def test_a_packed_page_that_does_not_decompress_is_an_error(stored: bytes):
    with pytest.raises(ValueError, match="does not decompress"):
        unpack(stored)
