"""HTTP Range requests (RFC 9110 section 14): one byte range, or the whole file."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bodega.web.ranges import ByteRange, Unsatisfiable, parse_range


@pytest.mark.parametrize(
    ("header", "size", "start", "length"),
    [
        pytest.param("bytes=0-9", 100, 0, 10, id="first-ten"),
        pytest.param("bytes=0-0", 100, 0, 1, id="first-byte"),
        pytest.param("bytes=99-99", 100, 99, 1, id="last-byte"),
        pytest.param("bytes=5-", 100, 5, 95, id="open-end"),
        pytest.param("bytes=0-", 100, 0, 100, id="everything"),
        pytest.param("bytes=90-200", 100, 90, 10, id="end-clamped"),
        pytest.param("bytes=-5", 100, 95, 5, id="suffix"),
        pytest.param("bytes=-100", 100, 0, 100, id="suffix-whole"),
        pytest.param("bytes=-500", 100, 0, 100, id="suffix-larger-than-size"),
        pytest.param("bytes=-1", 1, 0, 1, id="suffix-one-byte-file"),
        pytest.param("Bytes=0-9", 100, 0, 10, id="unit-case"),
        pytest.param(" bytes = 0-9 ", 100, 0, 10, id="spaces-around"),
        pytest.param("bytes=007-010", 100, 7, 4, id="leading-zeros"),
    ],
)
def test_satisfiable_ranges(header: str, size: int, start: int, length: int) -> None:
    assert parse_range(header, size) == ByteRange(start, length)


@pytest.mark.parametrize(
    ("header", "size"),
    [
        pytest.param(None, 100, id="no-header"),
        pytest.param("", 100, id="empty"),
        pytest.param("bytes=9-0", 100, id="end-before-start"),
        pytest.param("bytes=50-10", 10, id="end-before-start-past-end"),
        pytest.param("bytes=0-1,5-6", 100, id="multiple"),
        pytest.param("bytes=0-1, 5-6", 100, id="multiple-spaced"),
        pytest.param("items=0-9", 100, id="other-unit"),
        pytest.param("0-9", 100, id="no-unit"),
        pytest.param("bytes=", 100, id="no-spec"),
        pytest.param("bytes=-", 100, id="dash-only"),
        pytest.param("bytes=5", 100, id="no-dash"),
        pytest.param("bytes=a-b", 100, id="letters"),
        pytest.param("bytes=1.5-2", 100, id="decimal"),
        pytest.param("bytes=-5-", 100, id="negative-start"),
        pytest.param("bytes=0 - 9", 100, id="inner-spaces"),
        pytest.param("bytes=0x1-0x2", 100, id="hex"),
        pytest.param("bytes=²-", 100, id="superscript-digit"),
        pytest.param("bytes=-²", 100, id="superscript-suffix"),
        pytest.param("bytes=١-٢", 100, id="arabic-indic-digits"),
        pytest.param("bytes=" + "1" * 5000 + "-", 100, id="huge-start"),
        pytest.param("bytes=0-" + "9" * 5000, 100, id="huge-end"),
        pytest.param("bytes=-" + "9" * 5000, 100, id="huge-suffix"),
    ],
)
def test_ignored_headers_mean_the_whole_file(header: str | None, size: int) -> None:
    assert parse_range(header, size) is None


@pytest.mark.parametrize(
    ("header", "size"),
    [
        pytest.param("bytes=100-", 100, id="start-at-end"),
        pytest.param("bytes=100-200", 100, id="start-past-end"),
        pytest.param("bytes=1000-1001", 100, id="far-past-end"),
        pytest.param("bytes=-0", 100, id="empty-suffix"),
        pytest.param("bytes=0-", 0, id="empty-file-open"),
        pytest.param("bytes=0-0", 0, id="empty-file"),
        pytest.param("bytes=-5", 0, id="empty-file-suffix"),
    ],
)
def test_unsatisfiable(header: str, size: int) -> None:
    with pytest.raises(Unsatisfiable):
        parse_range(header, size)


@pytest.mark.parametrize(
    ("byte_range", "size", "expected"),
    [
        (ByteRange(0, 10), 100, "bytes 0-9/100"),
        (ByteRange(95, 5), 100, "bytes 95-99/100"),
        (ByteRange(0, 1), 1, "bytes 0-0/1"),
    ],
)
def test_content_range(byte_range: ByteRange, size: int, expected: str) -> None:
    assert byte_range.content_range(size) == expected


@given(
    size=st.integers(0, 10_000),
    first=st.none() | st.integers(0, 12_000),
    last=st.none() | st.integers(0, 12_000),
)
def test_ranges_lie_inside_the_file(size: int, first: int | None, last: int | None) -> None:
    header = f"bytes={'' if first is None else first}-{'' if last is None else last}"
    try:
        result = parse_range(header, size)
    except Unsatisfiable:
        assert size == 0 or (first is not None and first >= size) or (first is None and last == 0)
        return
    if result is None:
        both_missing = first is None and last is None
        assert both_missing or (first is not None and last is not None and last < first)
        return
    assert result.length >= 1
    assert result.start >= 0
    assert result.start + result.length <= size
    if first is not None:
        assert result.start == first
    elif last is not None:
        assert result.length == min(last, size)


@given(st.text(max_size=40), st.integers(0, 1000))
def test_any_header_is_a_range_none_or_unsatisfiable(header: str, size: int) -> None:
    try:
        result = parse_range(header, size)
    except Unsatisfiable:
        return
    if result is not None:
        assert 0 <= result.start < size
        assert result.start + result.length <= size
