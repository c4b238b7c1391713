"""Distribution file names: wheels (PEP 427/491) and sdists (PEP 625, legacy forms)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from packaging.tags import Tag
from packaging.version import Version

from bodega.domain.errors import InvalidFilename
from bodega.domain.filenames import (
    MAX_FILENAME_LENGTH,
    DistKind,
    check_safe_filename,
    parse_filename,
)


@pytest.mark.parametrize(
    ("filename", "project", "version", "tags"),
    [
        ("demo-1.0-py3-none-any.whl", "demo", "1.0", {"py3-none-any"}),
        ("demo-1.0-1-py3-none-any.whl", "demo", "1.0", {"py3-none-any"}),
        ("demo-1.0-2build-py3-none-any.whl", "demo", "1.0", {"py3-none-any"}),
        ("demo-1.0-py2.py3-none-any.whl", "demo", "1.0", {"py2-none-any", "py3-none-any"}),
        (
            "numpy-2.0.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
            "numpy",
            "2.0.0",
            {"cp311-cp311-manylinux_2_17_x86_64", "cp311-cp311-manylinux2014_x86_64"},
        ),
        ("zope_interface-6.0-cp312-cp312-win_amd64.whl", "zope-interface", "6.0", None),
        # legacy, non-normalized names written by old build tools
        ("Django-1.0-py3-none-any.whl", "django", "1.0", None),
        ("Foo.Bar-1.0-py3-none-any.whl", "foo-bar", "1.0", None),
        ("foo_bar-1.0-py3-none-any.whl", "foo-bar", "1.0", None),
        ("demo-1.0+local.1-py3-none-any.whl", "demo", "1.0+local.1", None),
        ("demo-1!2.0rc1-py3-none-any.whl", "demo", "1!2.0rc1", None),
    ],
)
def test_parse_wheel(filename: str, project: str, version: str, tags: set[str] | None) -> None:
    dist = parse_filename(filename)
    assert dist.filename == filename
    assert dist.kind is DistKind.WHEEL
    assert dist.project == project
    assert dist.version == Version(version)
    assert dist.suffix == ".whl"
    if tags is not None:
        assert {str(t) for t in dist.tags} == tags


@pytest.mark.parametrize(
    ("filename", "project", "version", "suffix"),
    [
        ("demo-1.0.tar.gz", "demo", "1.0", ".tar.gz"),
        ("demo-1.0.zip", "demo", "1.0", ".zip"),
        ("Django-1.0.tar.gz", "django", "1.0", ".tar.gz"),
        ("zope.interface-5.4.0.tar.gz", "zope-interface", "5.4.0", ".tar.gz"),
        ("foo_bar-2.0.post1.tar.gz", "foo-bar", "2.0.post1", ".tar.gz"),
        # legacy sdists keep the dash in the name: the version is after the last one
        ("foo-bar-1.0.tar.gz", "foo-bar", "1.0", ".tar.gz"),
        ("demo-1!1.0.tar.gz", "demo", "1!1.0", ".tar.gz"),
        ("demo-1.0+local.tar.gz", "demo", "1.0+local", ".tar.gz"),
    ],
)
def test_parse_sdist(filename: str, project: str, version: str, suffix: str) -> None:
    dist = parse_filename(filename)
    assert dist.kind is DistKind.SDIST
    assert dist.project == project
    assert dist.version == Version(version)
    assert dist.tags == frozenset()
    assert dist.suffix == suffix
    assert dist.python_version == "source"


@pytest.mark.parametrize(
    ("filename", "python_version"),
    [
        ("demo-1.0-py3-none-any.whl", "py3"),
        ("demo-1.0-py2.py3-none-any.whl", "py2.py3"),
        ("demo-1.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl", "cp311"),
        ("demo-1.0-cp312-abi3-macosx_11_0_arm64.whl", "cp312"),
        ("demo-1.0.tar.gz", "source"),
        ("demo-1.0.zip", "source"),
    ],
)
def test_python_version(filename: str, python_version: str) -> None:
    assert parse_filename(filename).python_version == python_version


def test_wheel_tags_are_packaging_tags() -> None:
    dist = parse_filename("demo-1.0-cp311-abi3-linux_x86_64.whl")
    assert dist.tags == frozenset({Tag("cp311", "abi3", "linux_x86_64")})


@pytest.mark.parametrize(
    ("filename", "message"),
    [
        pytest.param("", "1-255 characters, got 0", id="empty"),
        pytest.param("a" * 252 + ".zip", "got 256", id="too-long"),
        pytest.param("../demo-1.0.tar.gz", "not a safe", id="dotdot-prefix"),
        pytest.param("../x.whl", "not a safe", id="dotdot-wheel"),
        pytest.param("a/b.whl", "not a safe", id="slash"),
        pytest.param("/demo-1.0.tar.gz", "not a safe", id="absolute"),
        pytest.param("a\\b.whl", "not a safe", id="backslash"),
        pytest.param("..\\demo-1.0.tar.gz", "not a safe", id="backslash-dotdot"),
        pytest.param("demo..-1.0.tar.gz", "not a safe", id="inner-dotdot"),
        pytest.param("demo-1.0.tar.gz\x00.whl", "not a safe", id="nul"),
        pytest.param("demo-1.0\n.tar.gz", "not a safe", id="newline"),
        pytest.param("demo-1.0.tar.gz\n", "not a safe", id="trailing-newline"),
        pytest.param("demo-1.0\x1b.tar.gz", "not a safe", id="escape"),
        pytest.param("demo-1.0\t.tar.gz", "not a safe", id="tab"),
        pytest.param("demo 1.0.tar.gz", "not a safe", id="space"),
        pytest.param(".demo-1.0.tar.gz", "not a safe", id="hidden"),
        pytest.param("démo-1.0.tar.gz", "not a safe", id="unicode"),
        pytest.param("demo-1.0.tar.gz?x=1", "not a safe", id="query"),
        pytest.param("demo-1.0.tar.gz#frag", "not a safe", id="fragment"),
        pytest.param("demo-1.0-py2.7.egg", "unsupported extension", id="egg"),
        pytest.param("demo-1.0.win32.exe", "unsupported extension", id="exe"),
        pytest.param("demo-1.0.tar.bz2", "unsupported extension", id="bz2"),
        pytest.param("demo-1.0.tar", "unsupported extension", id="tar"),
        pytest.param("demo-1.0.tgz", "unsupported extension", id="tgz"),
        pytest.param("demo-1.0.tar.xz", "unsupported extension", id="xz"),
        pytest.param("demo-1.0-py3-none-any.WHL", "unsupported extension", id="uppercase-whl"),
        pytest.param("demo-1.0-py3-none-any.whl.", "unsupported extension", id="trailing-dot"),
        pytest.param("demo-one-py3-none-any.whl", "not a valid wheel", id="wheel-bad-version"),
        pytest.param("demo-1.0-any.whl", "not a valid wheel", id="wheel-too-few-parts"),
        pytest.param("demo-1.0-x-y-py3-none-any.whl", "not a valid wheel", id="wheel-extra-parts"),
        pytest.param("demo-1.0-a1-py3-none-any.whl", "not a valid wheel", id="build-not-digit"),
        pytest.param("foo-bar-1.0-py3-none-any.whl", "not a valid wheel", id="wheel-dash"),
        pytest.param("demo-notaversion.tar.gz", "not a valid sdist", id="sdist-bad-version"),
        pytest.param("demo.tar.gz", "not a valid sdist", id="sdist-no-version"),
        pytest.param("demo-.zip", "not a valid sdist", id="sdist-empty-version"),
    ],
)
def test_parse_filename_refuses(filename: str, message: str) -> None:
    with pytest.raises(InvalidFilename, match=message) as caught:
        parse_filename(filename)
    assert caught.value.code == "invalid-filename"


@pytest.mark.parametrize(
    "filename", ["demo-1.0.tar.gz", "a", "demo-1!2.0+local_x-py3-none-any.whl", "x" * 255]
)
def test_check_safe_filename_accepts(filename: str) -> None:
    assert check_safe_filename(filename) == filename


def test_max_length_is_inclusive() -> None:
    assert len("x" * MAX_FILENAME_LENGTH) == 255
    with pytest.raises(InvalidFilename):
        check_safe_filename("x" * (MAX_FILENAME_LENGTH + 1))


_FILENAME_CHARS = st.sampled_from("abcdemo019._-+!/\\\x00\n :")


@given(st.text(_FILENAME_CHARS, max_size=40).map(lambda s: s + ".whl"))
def test_parsed_wheel_names_are_safe(filename: str) -> None:
    try:
        dist = parse_filename(filename)
    except InvalidFilename:
        return
    assert "/" not in filename
    assert "\\" not in filename
    assert ".." not in filename
    assert dist.kind is DistKind.WHEEL
    assert dist.tags


@given(st.text(max_size=80))
def test_parse_filename_raises_only_invalid_filename(filename: str) -> None:
    try:
        dist = parse_filename(filename)
    except InvalidFilename:
        return
    assert dist.filename == filename
    assert filename.isascii()
    assert filename.endswith((".whl", ".tar.gz", ".zip"))


@given(
    # escaped names (PEP 427): alphanumeric runs joined by single underscores
    name=st.lists(st.text("az09", min_size=1, max_size=4), min_size=1, max_size=3).map("_".join),
    release=st.lists(st.integers(0, 999), min_size=1, max_size=4),
    build=st.none() | st.integers(0, 99),
)
def test_wheel_names_round_trip(name: str, release: list[int], build: int | None) -> None:
    version = ".".join(map(str, release))
    build_part = f"-{build}" if build is not None else ""
    dist = parse_filename(f"{name}-{version}{build_part}-py3-none-any.whl")
    assert dist.project == name.replace("_", "-")
    assert dist.version == Version(version)
    assert dist.python_version == "py3"
