"""Fixtures shared by every test layer: real bodega servers on loopback ports.

``server`` is one server for the whole session (tests keep out of each other's way by
using unique project names); ``fresh_server`` is a pristine store per test;
``start_bodega`` starts servers with a chosen environment (e.g. a small upload limit).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import pytest

from tests.support.server import Server, start_server
from tests.support.upstream import FakeUpstream

StartServer = Callable[..., Server]


@pytest.fixture(scope="session")
def empty_upstream() -> Iterator[FakeUpstream]:
    """An upstream index on loopback that has no projects (and answers promptly)."""
    upstream = FakeUpstream().start()
    try:
        yield upstream
    finally:
        upstream.stop()


@pytest.fixture(scope="session")
def server(
    tmp_path_factory: pytest.TempPathFactory, empty_upstream: FakeUpstream
) -> Iterator[Server]:
    """A bodega server shared by the session; use unique project names in it.

    Its default proxy follows an empty upstream, so the default group (``/simple/``)
    answers as it does on a machine whose configured index is reachable: hosted projects
    come from ``local``, unknown names are 404.
    """
    started = start_server(
        tmp_path_factory.mktemp("shared-server") / "data", {"PIP_INDEX_URL": empty_upstream.url}
    )
    try:
        yield started
    finally:
        started.stop()


@pytest.fixture
def start_bodega(tmp_path: Path) -> Iterator[StartServer]:
    """Start servers on fresh data dirs (or a given one); all are stopped after the test."""
    started: list[Server] = []

    def start(env: Mapping[str, str] | None = None, data_dir: Path | None = None) -> Server:
        directory = data_dir or tmp_path / f"server-{len(started)}" / "data"
        new = start_server(directory, env)
        started.append(new)
        return new

    try:
        yield start
    finally:
        for each in started:
            each.stop()


@pytest.fixture
def fresh_server(start_bodega: StartServer) -> Server:
    """A server on an empty data directory, for tests that need a pristine store."""
    return start_bodega()
