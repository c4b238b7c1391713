"""PEP 691 content negotiation."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bodega.simple.negotiation import (
    HTML_V1,
    JSON_V1,
    TEXT_HTML,
    Format,
    NotAcceptable,
    choose_format,
)

PIP_ACCEPT = (
    "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, "
    "text/html; q=0.01"
)
UV_ACCEPT = (
    "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, "
    "text/html;q=0.01"
)


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        pytest.param(None, Format.HTML, id="no-header"),
        pytest.param("", Format.HTML, id="empty"),
        pytest.param("   ", Format.HTML, id="blank"),
        pytest.param("*/*", Format.HTML, id="anything"),
        pytest.param("text/html", Format.HTML, id="text-html"),
        pytest.param("text/*", Format.HTML, id="text-any"),
        pytest.param("TEXT/HTML", Format.HTML, id="uppercase"),
        pytest.param("text/html; charset=utf-8", Format.HTML, id="other-params"),
        pytest.param(HTML_V1, Format.HTML_V1, id="v1-html"),
        pytest.param("application/vnd.pypi.simple.latest+html", Format.HTML_V1, id="latest-html"),
        pytest.param(JSON_V1, Format.JSON, id="v1-json"),
        pytest.param("application/vnd.pypi.simple.latest+json", Format.JSON, id="latest-json"),
        pytest.param("Application/Vnd.PyPI.Simple.V1+JSON", Format.JSON, id="mixed-case"),
        pytest.param("application/*", Format.JSON, id="application-any"),
        pytest.param(PIP_ACCEPT, Format.JSON, id="pip"),
        pytest.param(UV_ACCEPT, Format.JSON, id="uv"),
        # equal weights: the server's preference (JSON, then v1 HTML, then text/html)
        pytest.param(f"{TEXT_HTML}, {JSON_V1}", Format.JSON, id="tie-json-first"),
        pytest.param(f"{TEXT_HTML}, {HTML_V1}", Format.HTML_V1, id="tie-v1-html"),
        pytest.param(f"*/*, {HTML_V1}", Format.HTML_V1, id="tie-with-anything"),
        # higher weight wins over server preference
        pytest.param(f"{JSON_V1};q=0.5, {TEXT_HTML}", Format.HTML, id="q-order"),
        pytest.param(f"{JSON_V1};q=0.5, {HTML_V1};q=0.6", Format.HTML_V1, id="q-order-v1"),
        pytest.param(f"{TEXT_HTML};q=0.9, */*;q=0.1", Format.HTML, id="q-star-low"),
        pytest.param(f"{JSON_V1}; Q=0.1, {TEXT_HTML}; q=0.2", Format.HTML, id="uppercase-q"),
        pytest.param(f"{JSON_V1};q=1.000, {TEXT_HTML};q=0.999", Format.JSON, id="three-decimals"),
        # q=0 means "not acceptable"
        pytest.param(f"{JSON_V1};q=0, {TEXT_HTML};q=0.1", Format.HTML, id="q0-excluded"),
        pytest.param(f"{TEXT_HTML};q=0, */*", Format.HTML, id="q0-then-star"),
        pytest.param(f"image/png, {HTML_V1};q=0.3", Format.HTML_V1, id="unknown-skipped"),
        pytest.param(f"{JSON_V1},,", Format.JSON, id="empty-parts"),
    ],
)
def test_choose_format(accept: str | None, expected: Format) -> None:
    assert choose_format(accept) is expected


@pytest.mark.parametrize(
    "accept",
    [
        pytest.param("application/xml", id="xml"),
        pytest.param("image/png, application/json", id="unknown-types"),
        pytest.param("application/vnd.pypi.simple.v2+json", id="future-version"),
        pytest.param(f"{JSON_V1};q=0", id="only-q0"),
        pytest.param(f"{JSON_V1};q=0, {TEXT_HTML};q=0.0", id="all-q0"),
        pytest.param(",", id="only-comma"),
    ],
)
def test_not_acceptable(accept: str) -> None:
    with pytest.raises(NotAcceptable) as caught:
        choose_format(accept)
    assert caught.value.code == "not-acceptable"
    assert accept in caught.value.message
    assert JSON_V1 in str(caught.value.hint)


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        # a weight that is not an RFC 9110 qvalue makes that range unacceptable,
        # rather than letting it outrank well-formed ones
        pytest.param(f"{JSON_V1};q=abc, {TEXT_HTML};q=0.5", Format.HTML, id="letters"),
        pytest.param(f"{JSON_V1};q=, {TEXT_HTML};q=0.5", Format.HTML, id="empty"),
        pytest.param(f"{TEXT_HTML};q=nan, {JSON_V1}", Format.JSON, id="nan"),
        pytest.param(f"{TEXT_HTML};q=inf, {JSON_V1}", Format.JSON, id="inf"),
        pytest.param(f"{TEXT_HTML};q=2, {JSON_V1};q=0.5", Format.JSON, id="above-one"),
        pytest.param(f"{TEXT_HTML};q=1e0, {JSON_V1};q=0.5", Format.JSON, id="exponent"),
        pytest.param(f"{TEXT_HTML};q=-1, {JSON_V1};q=0.5", Format.JSON, id="negative"),
        pytest.param(f"{TEXT_HTML};q=0.5000, {JSON_V1};q=0.1", Format.JSON, id="four-decimals"),
    ],
)
def test_malformed_weights(accept: str, expected: Format) -> None:
    assert choose_format(accept) is expected


@pytest.mark.parametrize(
    ("accept", "override", "expected"),
    [
        (TEXT_HTML, JSON_V1, Format.JSON),
        (JSON_V1, TEXT_HTML, Format.HTML),
        (None, HTML_V1, Format.HTML_V1),
        (JSON_V1, f" {HTML_V1} ", Format.HTML_V1),
        (JSON_V1, "", Format.JSON),
        (JSON_V1, None, Format.JSON),
    ],
)
def test_format_override(accept: str | None, override: str | None, expected: Format) -> None:
    assert choose_format(accept, override) is expected


def test_unknown_override_is_not_acceptable() -> None:
    with pytest.raises(NotAcceptable):
        choose_format(TEXT_HTML, "application/xml")


@pytest.mark.parametrize(
    ("fmt", "content_type", "is_json"),
    [
        (Format.JSON, JSON_V1, True),
        (Format.HTML_V1, HTML_V1, False),
        (Format.HTML, "text/html; charset=utf-8", False),
    ],
)
def test_format_properties(fmt: Format, content_type: str, is_json: bool) -> None:
    assert fmt.content_type == content_type
    assert fmt.is_json is is_json


_SERVES = {
    JSON_V1: {Format.JSON},
    HTML_V1: {Format.HTML_V1},
    TEXT_HTML: {Format.HTML},
    "*/*": {Format.HTML},
    "text/*": {Format.HTML},
    "application/*": {Format.JSON, Format.HTML_V1},
    "image/png": set(),
    "": set(),
}
# weights that are absent here (0 and malformed ones) make a range unacceptable
_WEIGHTS = {"": 1.0, ";q=1": 1.0, ";q=1.0": 1.0, ";q=0.5": 0.5, ";q=0.1": 0.1, ";q=0.001": 0.001}
_ALL_WEIGHTS = [*_WEIGHTS, ";q=0", ";q=x", ";q=nan", ";q=2", ";q=0.0001"]


@given(st.lists(st.tuples(st.sampled_from(sorted(_SERVES)), st.sampled_from(_ALL_WEIGHTS))))
def test_choice_is_acceptable_and_has_the_highest_weight(parts: list[tuple[str, str]]) -> None:
    accept = ", ".join(media + weight for media, weight in parts)
    ranked = [(_WEIGHTS[w], f) for m, w in parts if w in _WEIGHTS for f in _SERVES[m]]
    try:
        chosen = choose_format(accept)
    except NotAcceptable:
        assert not ranked
        return
    if not accept.strip():
        assert chosen is Format.HTML
        return
    best = max(q for q, _ in ranked)
    assert (best, chosen) in ranked


@given(st.text(max_size=60))
def test_any_header_gives_a_format_or_not_acceptable(accept: str) -> None:
    with contextlib.suppress(NotAcceptable):
        assert isinstance(choose_format(accept), Format)
