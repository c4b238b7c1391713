"""Project, index and version names (PEP 503, PEP 508, PEP 440)."""

from __future__ import annotations

import re
import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bodega.domain.errors import InvalidInput, InvalidName
from bodega.domain.names import (
    RESERVED_INDEX_NAMES,
    is_normalized,
    normalize,
    normalize_version,
    validate_index_name,
)

# PEP 508 names: letters, digits, . _ -, starting and ending with a letter or digit
_PEP508 = re.compile(r"^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$", re.IGNORECASE | re.ASCII)
_NAME_CHARS = string.ascii_letters + string.digits + "._-"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("requests", "requests"),
        ("Django", "django"),
        ("zope.interface", "zope-interface"),
        ("Foo_Bar", "foo-bar"),
        ("foo__bar", "foo-bar"),
        ("foo.-_bar", "foo-bar"),
        ("FOO---BAR", "foo-bar"),
        ("a", "a"),
        ("1", "1"),
        ("0x", "0x"),
        ("a" * 200, "a" * 200),
    ],
)
def test_normalize_gives_the_pep503_form(name: str, expected: str) -> None:
    assert normalize(name) == expected


@pytest.mark.parametrize(
    "name",
    [
        pytest.param("", id="empty"),
        pytest.param("-foo", id="leading-dash"),
        pytest.param("foo-", id="trailing-dash"),
        pytest.param(".foo", id="leading-dot"),
        pytest.param("foo.", id="trailing-dot"),
        pytest.param("_foo", id="leading-underscore"),
        pytest.param("foo_", id="trailing-underscore"),
        pytest.param("foo bar", id="space"),
        pytest.param(" foo", id="leading-space"),
        pytest.param("foo\n", id="trailing-newline"),
        pytest.param("foo/bar", id="slash"),
        pytest.param("foo@1", id="at"),
        pytest.param("café", id="latin-accent"),
        pytest.param("\u212a", id="kelvin-sign-folds-to-k"),
        pytest.param("\u017f", id="long-s-folds-to-s"),
        pytest.param("пакет", id="cyrillic"),
        pytest.param("foo\x00", id="nul"),
        pytest.param("a" * 201, id="too-long"),
    ],
)
def test_normalize_refuses_invalid_names(name: str) -> None:
    with pytest.raises(InvalidName) as caught:
        normalize(name)
    assert caught.value.code == "invalid-name"
    assert caught.value.hint


def test_normalize_names_the_length_of_a_too_long_name() -> None:
    with pytest.raises(InvalidName, match="201 characters"):
        normalize("a" * 201)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("foo-bar", True),
        ("foo", True),
        ("Foo", False),
        ("foo_bar", False),
        ("foo.bar", False),
        ("foo--bar", False),
        ("", False),
        ("-foo", False),
    ],
)
def test_is_normalized(name: str, expected: bool) -> None:
    assert is_normalized(name) is expected


@given(st.text(alphabet=_NAME_CHARS, min_size=1, max_size=60))
def test_normalize_accepts_exactly_the_pep508_names(name: str) -> None:
    if _PEP508.match(name):
        result = normalize(name)
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", result)
        assert is_normalized(result)
        assert normalize(result) == result
    else:
        with pytest.raises(InvalidName):
            normalize(name)


@given(st.text(max_size=40))
def test_normalize_output_is_always_ascii_and_idempotent(name: str) -> None:
    try:
        result = normalize(name)
    except InvalidName:
        assert not _PEP508.match(name)
        return
    assert result.isascii()
    assert normalize(result) == result


@pytest.mark.parametrize(
    ("version", "expected"),
    [
        ("1.0", "1.0"),
        ("1.0.0", "1.0.0"),
        ("v1.0", "1.0"),
        ("1.0-alpha1", "1.0a1"),
        ("1.0.post", "1.0.post0"),
        ("1.0-1", "1.0.post1"),
        ("1.0.DEV2", "1.0.dev2"),
        ("1!2.0", "1!2.0"),
        ("1.0+Local.Tag", "1.0+local.tag"),
        (" 1.0 ", "1.0"),
    ],
)
def test_normalize_version(version: str, expected: str) -> None:
    assert normalize_version(version) == expected


@pytest.mark.parametrize("version", ["", "one", "1.0-", "1.0.x", "1..0", "1.0 2.0", "latest"])
def test_normalize_version_refuses_non_pep440(version: str) -> None:
    with pytest.raises(InvalidInput, match="not a valid version") as caught:
        normalize_version(version)
    assert "PEP 440" in str(caught.value)


@pytest.mark.parametrize(
    "name",
    ["local", "pypi", "a", "0", "team-a", "team_b", "a1", "x" * 64, "pypi-mirror"],
)
def test_validate_index_name_accepts(name: str) -> None:
    assert validate_index_name(name) == name


@pytest.mark.parametrize(
    "name",
    [
        pytest.param("", id="empty"),
        pytest.param("Local", id="uppercase"),
        pytest.param("-local", id="leading-dash"),
        pytest.param("local-", id="trailing-dash"),
        pytest.param("_local", id="leading-underscore"),
        pytest.param("lo.cal", id="dot"),
        pytest.param("lo cal", id="space"),
        pytest.param("lo/cal", id="slash"),
        pytest.param("..", id="dotdot"),
        pytest.param("local\n", id="trailing-newline"),
        pytest.param("lokál", id="unicode"),
        pytest.param("x" * 65, id="too-long"),
    ],
)
def test_validate_index_name_refuses_bad_characters_and_length(name: str) -> None:
    with pytest.raises(InvalidName, match="not a valid index name"):
        validate_index_name(name)


@pytest.mark.parametrize("name", sorted(RESERVED_INDEX_NAMES - {"favicon.ico"}))
def test_validate_index_name_refuses_reserved_names(name: str) -> None:
    with pytest.raises(InvalidName, match="reserved"):
        validate_index_name(name)


def test_reserved_names_cover_the_server_routes() -> None:
    assert {"simple", "healthz", "api", "admin"} <= RESERVED_INDEX_NAMES
    # the default proxy index is called "pypi": the router tells its URLs apart
    assert "pypi" not in RESERVED_INDEX_NAMES


@given(st.text(max_size=70))
def test_validate_index_name_accepts_only_safe_url_segments(name: str) -> None:
    try:
        result = validate_index_name(name)
    except InvalidName:
        return
    assert result == name
    assert re.fullmatch(r"[a-z0-9_-]{1,64}", result)
    assert result not in RESERVED_INDEX_NAMES
