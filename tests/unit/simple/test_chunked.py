"""Root lists as lines: slicing, writing and merging agree with the plain definitions."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bodega.domain.model import ProjectList
from bodega.simple.chunked import gather, joined, slices, sorted_lines, union

# long names too, so that slices meet names longer than a slice
_names = st.lists(st.from_regex(r"[a-z0-9]{1,12}", fullmatch=True) | st.just("n" * 70_000))


@given(_names)
def test_slices_give_every_name_once_in_order(names: list[str]):
    lines = ProjectList.of(names).lines
    assert [n for part in slices(lines) for n in part] == [n.encode() for n in sorted(set(names))]


@given(_names)
def test_joined_is_a_join(names: list[str]):
    lines = ProjectList.of(names).lines
    written = gather(joined(b"[", lines, lambda n: n.upper(), b"]", separator=b","))
    expected = b"[" + b",".join(n.encode().upper() for n in sorted(set(names))) + b"]"
    assert written == expected


@given(st.lists(_names, max_size=4))
def test_union_is_the_sorted_set(lists: list[list[str]]):
    merged = union([ProjectList.of(names).lines for names in lists])
    assert merged == ProjectList.of(n for names in lists for n in names).lines


def test_a_project_list_counts_and_lists_its_names():
    listing = ProjectList.of(["b", "a", "b"])
    assert len(listing) == 2
    assert listing.names == ("a", "b")
    assert len(ProjectList()) == 0
    assert ProjectList().names == ()


@given(st.lists(st.from_regex(r"[a-z]{1,3}", fullmatch=True)), st.booleans())
def test_sorted_lines_takes_any_order(names: list[str], presort: bool):
    arrival = sorted(names) if presort else names
    lines = sorted_lines(n.encode() for n in arrival)
    assert lines == ProjectList.of(names).lines
