"""The in-memory cache of rendered simple pages."""

from __future__ import annotations

import gc
import gzip
import os
import random
import re
from collections import OrderedDict
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bodega.services.page_cache import (
    GZIP_MIN_BYTES,
    SPOOL_FROM,
    PageCache,
    PageKey,
    RenderedPage,
    Spooled,
)

HTML = "text/html; charset=utf-8"
JSON = "application/vnd.pypi.simple.v1+json"


def _key(project: str | None, index: str = "local", media: str = HTML) -> PageKey:
    return (index, project, media, "../../")


def _page(size: int, fill: bytes = b"x") -> RenderedPage:
    # below GZIP_MIN_BYTES the weight is exactly the body's length
    assert size < GZIP_MIN_BYTES
    return RenderedPage((fill * size)[:size], HTML)


@pytest.mark.parametrize(
    ("size", "gzipped"),
    [(0, False), (1, False), (GZIP_MIN_BYTES - 1, False), (GZIP_MIN_BYTES, True), (100_000, True)],
)
def test_gzip_only_from_the_threshold(size: int, gzipped: bool) -> None:
    body = bytes(range(256)) * (size // 256) + b"a" * (size % 256)
    page = RenderedPage(body, HTML)
    assert page.body == body
    assert page.content_type == HTML
    if gzipped:
        assert page.gzipped is not None
        assert gzip.decompress(page.gzipped) == body
        assert page.weight == len(body) + len(page.gzipped)
    else:
        assert page.gzipped is None
        assert page.weight == len(body)


def test_gzip_is_deterministic() -> None:
    body = b"<a href='x'>x</a>\n" * 200
    first, second = RenderedPage(body, HTML), RenderedPage(body, HTML)
    assert first.gzipped == second.gzipped


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        (b"body", b"body", True),
        (b"", b"", True),
        (b"body", b"Body", False),
        (b"body", b"body ", False),
        (b"", b"\x00", False),
    ],
)
def test_etag_depends_on_the_body_only(a: bytes, b: bytes, same: bool) -> None:
    first, second = RenderedPage(a, HTML), RenderedPage(b, JSON)
    assert (first.etag == second.etag) is same
    assert re.fullmatch(r'"[0-9a-f]{32}"', first.etag)


def _listing(size: int) -> bytes:
    """A root page's worth of lines, ``size`` bytes long, that compress like one."""
    rng = random.Random(size)
    lines = b"".join(
        b'<a href="%s/">%s</a>\n' % (name, name)
        for name in (f"name-{rng.randrange(10**9):09d}".encode() for _ in range(size // 40 + 1))
    )
    return lines[:size]


@pytest.mark.parametrize("size", [SPOOL_FROM, 3 * SPOOL_FROM + 17])
def test_a_big_page_is_spooled_with_its_gzip_form(tmp_path: Path, size: int) -> None:
    body = _listing(size)
    page = RenderedPage(body, HTML, spool_dir=tmp_path)
    in_memory = RenderedPage(body, HTML)
    assert isinstance(page.body, Spooled)
    assert isinstance(page.gzipped, Spooled)
    assert page.body.read() == body
    assert page.gzipped.read() == in_memory.gzipped
    assert gzip.decompress(page.gzipped.read()) == body
    assert page.etag == in_memory.etag
    assert page.weight == in_memory.weight == len(body) + len(page.gzipped)
    assert page.body.file is page.gzipped.file  # one file for both forms
    # the file has no name: nothing is left in the directory, even after a crash
    assert list(tmp_path.iterdir()) == []


def test_smaller_pages_and_pages_without_a_spool_stay_in_memory(tmp_path: Path) -> None:
    small = _listing(SPOOL_FROM - 1)
    assert RenderedPage(small, HTML, spool_dir=tmp_path).body == small
    big = _listing(SPOOL_FROM)
    assert RenderedPage(big, HTML).body == big


def test_a_page_that_cannot_be_spooled_stays_in_memory(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    body = _listing(2 * SPOOL_FROM)
    page = RenderedPage(
        (body[i : i + 4096] for i in range(0, len(body), 4096)), HTML, None, tmp_path / "gone"
    )
    assert page.body == body
    assert page.gzipped is not None
    assert gzip.decompress(page.gzipped) == body
    assert "cannot spool a big page" in caplog.text


def test_the_spool_file_is_closed_when_its_last_holder_lets_go(tmp_path: Path) -> None:
    body = _listing(SPOOL_FROM)
    page = RenderedPage(body, HTML, spool_dir=tmp_path)
    assert isinstance(page.body, Spooled)
    fd = page.body.file.fileno()
    sending = page.gzipped  # a response still sending the page after it left the cache
    cache = PageCache(max_bytes=1, spool_dir=tmp_path)
    cache.put(_key(None), page)
    cache.put(_key("other"), _page(10))  # evicts it
    del page
    gc.collect()
    assert isinstance(sending, Spooled)
    assert gzip.decompress(sending.read()) == body
    os.fstat(fd)  # still open
    del sending
    gc.collect()
    with pytest.raises(OSError, match="Bad file descriptor"):
        os.fstat(fd)


def test_get_returns_what_was_put() -> None:
    cache = PageCache(max_bytes=1000)
    page = _page(10)
    cache.put(_key("demo"), page)
    assert cache.get(_key("demo")) is page
    assert cache.get(_key("demo", media=JSON)) is None
    assert cache.get(_key("other")) is None
    assert cache.size_bytes == 10


def test_replacing_a_page_counts_it_once() -> None:
    cache = PageCache(max_bytes=1000)
    cache.put(_key("demo"), _page(100))
    replacement = _page(30)
    cache.put(_key("demo"), replacement)
    assert cache.size_bytes == 30
    assert cache.get(_key("demo")) is replacement


def test_evicts_least_recently_used_by_bytes() -> None:
    cache = PageCache(max_bytes=300)
    for name in ("a", "b", "c"):
        cache.put(_key(name), _page(100))
    assert cache.size_bytes == 300
    assert cache.get(_key("a")) is not None  # "b" is now the least recently used
    cache.put(_key("d"), _page(100))
    assert cache.get(_key("b")) is None
    assert all(cache.get(_key(n)) is not None for n in ("a", "c", "d"))
    assert cache.size_bytes == 300


def test_a_large_page_evicts_several() -> None:
    cache = PageCache(max_bytes=300)
    for name in ("a", "b", "c"):
        cache.put(_key(name), _page(100))
    cache.put(_key("big"), _page(150))
    assert [cache.get(_key(n)) is not None for n in ("a", "b", "c", "big")] == [
        False,
        False,
        True,
        True,
    ]
    assert cache.size_bytes == 250


def test_a_page_larger_than_the_cache_is_kept_alone() -> None:
    cache = PageCache(max_bytes=100)
    cache.put(_key("a"), _page(50))
    cache.put(_key("huge"), _page(500))
    assert cache.get(_key("a")) is None
    assert cache.get(_key("huge")) is not None
    assert cache.size_bytes == 500


def test_invalidate_project_drops_it_in_every_index_and_format() -> None:
    cache = PageCache(max_bytes=10_000)
    keys = [
        _key("demo"),
        _key("demo", media=JSON),
        _key("demo", index="group"),
        _key("other"),
        _key(None),
    ]
    for key in keys:
        cache.put(key, _page(10))
    cache.invalidate_project("demo")
    assert [cache.get(k) is not None for k in keys] == [False, False, False, True, True]
    assert cache.size_bytes == 20


def test_invalidate_none_drops_the_root_pages() -> None:
    cache = PageCache(max_bytes=10_000)
    cache.put(_key(None), _page(10))
    cache.put(_key(None, index="group", media=JSON), _page(10))
    cache.put(_key("demo"), _page(10))
    cache.invalidate_project(None)
    assert cache.get(_key(None)) is None
    assert cache.get(_key(None, index="group", media=JSON)) is None
    assert cache.get(_key("demo")) is not None
    assert cache.size_bytes == 10


def test_invalidate_unknown_project_is_harmless() -> None:
    cache = PageCache(max_bytes=1000)
    cache.put(_key("demo"), _page(10))
    cache.invalidate_project("nothing")
    assert cache.get(_key("demo")) is not None


def test_evicted_pages_are_not_invalidated_twice() -> None:
    cache = PageCache(max_bytes=100)
    cache.put(_key("demo"), _page(80))
    cache.put(_key("other"), _page(80))  # evicts demo
    cache.invalidate_project("demo")
    assert cache.size_bytes == 80
    cache.put(_key("demo"), _page(10))
    assert cache.get(_key("demo")) is not None


def test_clear() -> None:
    cache = PageCache(max_bytes=1000)
    cache.put(_key("demo"), _page(10))
    cache.clear()
    assert cache.get(_key("demo")) is None
    assert cache.size_bytes == 0


_OPS = st.lists(
    st.one_of(
        st.tuples(st.just("put"), st.sampled_from(["a", "b", "c", "d", None]), st.integers(1, 120)),
        st.tuples(st.just("get"), st.sampled_from(["a", "b", "c", "d", None]), st.just(0)),
        st.tuples(st.just("invalidate"), st.sampled_from(["a", "b", None]), st.just(0)),
    ),
    max_size=40,
)


@given(_OPS)
def test_behaves_like_a_byte_bounded_lru(ops: list[tuple[str, str | None, int]]) -> None:
    limit = 200
    cache = PageCache(max_bytes=limit)
    model: OrderedDict[str | None, int] = OrderedDict()
    for op, project, size in ops:
        if op == "put":
            cache.put(_key(project), _page(size))
            model.pop(project, None)
            model[project] = size
            while sum(model.values()) > limit and len(model) > 1:
                model.popitem(last=False)
        elif op == "get":
            found = cache.get(_key(project))
            assert (found is not None) == (project in model)
            if project in model:
                model.move_to_end(project)
        else:
            cache.invalidate_project(project)
            model.pop(project, None)
        assert cache.size_bytes == sum(model.values())
    for project, size in list(model.items()):
        page = cache.get(_key(project))
        assert page is not None
        assert len(page.body) == size
