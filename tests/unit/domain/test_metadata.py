"""Core metadata (PKG-INFO / METADATA) parsing and checks."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from packaging.version import Version

from bodega.domain.errors import InvalidMetadata
from bodega.domain.metadata import parse_core_metadata

_WHEEL_METADATA = b"""\
Metadata-Version: 2.1
Name: Demo.Package
Version: 1.0.post1
Summary: a demo
Requires-Python: >=3.9, <4
Requires-Dist: requests>=2
Requires-Dist: tomli; python_version < "3.11"
Provides-Extra: fast
Classifier: Programming Language :: Python :: 3
Classifier: License :: OSI Approved :: MIT License
Project-URL: Homepage, https://example.invalid/demo
Description-Content-Type: text/markdown

# Demo

The long description, in the body.
"""

_PKG_INFO = b"""\
Metadata-Version: 1.0
Name: legacy_thing
Version: 0.3
Summary: an old sdist
Platform: any
"""


def test_parses_wheel_metadata() -> None:
    metadata = parse_core_metadata(_WHEEL_METADATA)
    assert metadata.name == "Demo.Package"
    assert metadata.project == "demo-package"
    assert metadata.version == Version("1.0.post1")
    assert metadata.requires_python == ">=3.9, <4"
    info = metadata.info()
    assert info["summary"] == "a demo"
    assert info["requires_dist"] == ["requests>=2", 'tomli; python_version < "3.11"']
    assert info["classifiers"] == [
        "Programming Language :: Python :: 3",
        "License :: OSI Approved :: MIT License",
    ]
    assert info["provides_extra"] == ["fast"]
    assert info["project_urls"] == {"Homepage": "https://example.invalid/demo"}
    assert "The long description" in info["description"]


def test_parses_legacy_pkg_info() -> None:
    metadata = parse_core_metadata(_PKG_INFO)
    assert metadata.project == "legacy-thing"
    assert metadata.version == Version("0.3")
    assert metadata.requires_python is None
    assert metadata.info()["platforms"] == ["any"]


@pytest.mark.parametrize(
    "field",
    ["classifiers", "requires_dist", "provides_extra", "platforms", "dynamic", "license_files"],
)
def test_single_list_field_values_stay_lists(field: str) -> None:
    header = {
        "classifiers": "Classifier",
        "requires_dist": "Requires-Dist",
        "provides_extra": "Provides-Extra",
        "platforms": "Platform",
        "dynamic": "Dynamic",
        "license_files": "License-File",
    }[field]
    value = "License" if field == "dynamic" else "x"
    text = f"Metadata-Version: 2.4\nName: demo\nVersion: 1\n{header}: {value}\n"
    assert parse_core_metadata(text.encode()).info()[field] == [value]


def test_info_is_a_copy() -> None:
    metadata = parse_core_metadata(_PKG_INFO)
    metadata.info()["summary"] = "changed"
    assert metadata.info()["summary"] == "an old sdist"


@pytest.mark.parametrize(
    ("requires_python", "expected"),
    [
        (">=3.8", ">=3.8"),
        ("  >=3.8  ", ">=3.8"),
        (">=3.8,!=3.9.*", ">=3.8,!=3.9.*"),
        ("", None),
    ],
)
def test_requires_python_is_stripped(requires_python: str, expected: str | None) -> None:
    text = f"Metadata-Version: 2.1\nName: demo\nVersion: 1\nRequires-Python: {requires_python}\n"
    assert parse_core_metadata(text.encode()).requires_python == expected


@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param(b"", "lacks Name and Version", id="empty"),
        pytest.param(b"Metadata-Version: 2.1\nVersion: 1.0\n", "lacks Name", id="no-name"),
        pytest.param(b"Metadata-Version: 2.1\nName: demo\n", "lacks Version", id="no-version"),
        pytest.param(b"Name: \nVersion: 1.0\n", "lacks Name", id="blank-name"),
        pytest.param(b"Name: demo\nVersion: one\n", "'one' is not PEP 440", id="bad-version"),
        pytest.param(b"Name: demo\nVersion: 1.0-\n", "not PEP 440", id="trailing-dash-version"),
        pytest.param(
            b"Name: demo\nVersion: 1.0\nRequires-Python: 3.8\n",
            "Requires-Python '3.8' is not a valid specifier",
            id="bare-version-requires-python",
        ),
        pytest.param(
            b"Name: demo\nVersion: 1.0\nRequires-Python: >=3.8; <4\n",
            "Requires-Python",
            id="semicolon-requires-python",
        ),
        pytest.param(
            b"Name: demo\xff\nVersion: 1.0\n", r"not valid UTF-8 \(byte 10\)", id="latin1"
        ),
        pytest.param(b"\xfe\xffName: demo\n", "not valid UTF-8", id="bom-utf16"),
        pytest.param(b"Name: foo bar\nVersion: 1.0\n", "foo bar", id="invalid-name"),
        pytest.param(b"Name: -demo\nVersion: 1.0\n", "-demo", id="name-leading-dash"),
    ],
)
def test_refuses_invalid_metadata(data: bytes, message: str) -> None:
    with pytest.raises(InvalidMetadata, match=message) as caught:
        parse_core_metadata(data)
    assert caught.value.code == "invalid-metadata"


@given(st.binary(max_size=300))
def test_arbitrary_bytes_parse_or_raise_invalid_metadata(data: bytes) -> None:
    try:
        metadata = parse_core_metadata(data)
    except InvalidMetadata:
        return
    assert metadata.project
    assert str(metadata.version)


@given(
    name=st.tuples(
        st.sampled_from("aZ"), st.text("aZ09._-", max_size=20), st.sampled_from("Z9")
    ).map("".join),
    version=st.lists(st.integers(0, 99), min_size=1, max_size=3).map(
        lambda parts: ".".join(map(str, parts))
    ),
)
def test_name_and_version_round_trip(name: str, version: str) -> None:
    metadata = parse_core_metadata(
        f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n".encode()
    )
    assert metadata.name == name
    assert metadata.version == Version(version)
