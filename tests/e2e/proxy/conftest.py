"""Proxy fixtures: a fake upstream on loopback and a bodega server whose default proxy
("pypi", a member of the default group "root") follows it."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import pytest

from tests.conftest import StartServer
from tests.support.dists import Dist, wheel_bytes, wheel_name
from tests.support.server import Server
from tests.support.upstream import FakeUpstream, UpstreamFile


@pytest.fixture
def upstream() -> Iterator[FakeUpstream]:
    fake = FakeUpstream().start()
    try:
        yield fake
    finally:
        fake.stop()


@pytest.fixture
def proxy(upstream: FakeUpstream, start_bodega: StartServer) -> Server:
    """A server whose "pypi" index proxies ``upstream``."""
    return start_bodega(env={"PIP_INDEX_URL": upstream.url})


def publish(upstream: FakeUpstream, name: str, version: str, **dist: object) -> UpstreamFile:
    """Put a wheel of ``name`` ``version`` on the fake upstream."""
    spec = Dist(name, version, **dist)  # type: ignore[arg-type]
    return upstream.add(wheel_name(spec), wheel_bytes(spec))


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
