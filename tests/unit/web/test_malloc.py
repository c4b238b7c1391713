"""The allocator settings are taken where the C library is glibc."""

from __future__ import annotations

import platform

import pytest

from bodega.web import malloc


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="only glibc has these settings")
def test_glibc_takes_every_setting() -> None:
    assert malloc.tune() == len(malloc._SETTINGS)
