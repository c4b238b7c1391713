"""Links inside simple pages: root-relative URLs become page-relative ones."""

from __future__ import annotations

from urllib.parse import urljoin

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bodega.simple.urls import base_for_depth, resolve


@pytest.mark.parametrize(
    ("url", "base", "expected"),
    [
        ("local/files/ab/x.whl", "../../", "../../local/files/ab/x.whl"),
        ("local/files/ab/x.whl", "../../../", "../../../local/files/ab/x.whl"),
        ("local/files/ab/x.whl", "", "local/files/ab/x.whl"),
        ("https://files.example.invalid/x.whl", "../../", "https://files.example.invalid/x.whl"),
        ("http://127.0.0.1:8080/x.whl", "../../", "http://127.0.0.1:8080/x.whl"),
        ("/mounted/local/files/x.whl", "../../", "/mounted/local/files/x.whl"),
    ],
)
def test_resolve(url: str, base: str, expected: str) -> None:
    assert resolve(url, base) == expected


@pytest.mark.parametrize(
    ("depth", "expected"), [(0, ""), (1, "../"), (2, "../../"), (3, "../../../")]
)
def test_base_for_depth(depth: int, expected: str) -> None:
    assert base_for_depth(depth) == expected


@given(
    prefix=st.sampled_from(["", "/bodega", "/a/b"]),
    segments=st.lists(st.text("az09-", min_size=1, max_size=8), min_size=1, max_size=3),
    target=st.tuples(st.text("az", min_size=1, max_size=5), st.text("az09.-", max_size=11)).map(
        lambda parts: f"{parts[0]}/files/ab12/x{parts[1]}"
    ),
)
def test_relative_links_land_on_the_root_relative_path_under_any_prefix(
    prefix: str, segments: list[str], target: str
) -> None:
    # a page at <prefix>/<segments...>/ links back to <prefix>/<target>
    page = f"http://h{prefix}/{'/'.join(segments)}/"
    href = resolve(target, base_for_depth(len(segments)))
    assert urljoin(page, href) == f"http://h{prefix}/{target}"
