"""The pure checks of the publish use case: the form, the file name, digests and metadata."""

from __future__ import annotations

import hashlib

import pytest

from bodega.domain.digests import DigestWriter
from bodega.domain.errors import DigestMismatch, InvalidFilename, InvalidInput, InvalidMetadata
from bodega.domain.filenames import DistKind, parse_filename
from bodega.domain.metadata import parse_core_metadata
from bodega.services.publish import UploadForm, check_digests, check_filename, check_metadata

SHA256 = hashlib.sha256(b"data").hexdigest()
FIELDS = {
    ":action": "file_upload",
    "protocol_version": "1",
    "name": "Demo",
    "version": "1.0",
    "filetype": "sdist",
    "sha256_digest": SHA256,
}


def _form(name: str = "demo", version: str = "1.0", filetype: str = "sdist") -> UploadForm:
    return UploadForm(name, version, filetype, {"sha256": SHA256})


def test_form_from_twine_fields() -> None:
    form = UploadForm.from_fields(
        FIELDS | {"md5_digest": "a" * 32, "blake2_256_digest": "b" * 64, "pyversion": "source"}
    )
    assert form == UploadForm(
        "Demo", "1.0", "sdist", {"sha256": SHA256, "md5": "a" * 32, "blake2_256": "b" * 64}
    )


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        pytest.param(FIELDS | {":action": "submit"}, "unsupported :action 'submit'", id="action"),
        pytest.param({k: v for k, v in FIELDS.items() if k != ":action"}, "None", id="no-action"),
        pytest.param(FIELDS | {"protocol_version": "2"}, "protocol_version '2'", id="protocol"),
        pytest.param({k: v for k, v in FIELDS.items() if k != "name"}, "lacks name", id="no-name"),
        pytest.param(FIELDS | {"version": ""}, "lacks version", id="empty-version"),
        pytest.param(
            {k: v for k, v in FIELDS.items() if k not in ("name", "filetype")},
            "lacks name, filetype",
            id="two-missing",
        ),
        pytest.param(
            {k: v for k, v in FIELDS.items() if k != "sha256_digest"}, "no digest", id="no-digest"
        ),
        pytest.param(FIELDS | {"sha256_digest": ""}, "no digest", id="empty-digest"),
    ],
)
def test_form_refusals(fields: dict[str, str], message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        UploadForm.from_fields(fields)


def test_protocol_version_may_be_omitted() -> None:
    fields = {k: v for k, v in FIELDS.items() if k != "protocol_version"}
    assert UploadForm.from_fields(fields).name == "Demo"


@pytest.mark.parametrize(
    ("form", "filename", "kind"),
    [
        (_form(), "demo-1.0.tar.gz", DistKind.SDIST),
        (_form(filetype="bdist_wheel"), "demo-1.0-py3-none-any.whl", DistKind.WHEEL),
        (_form(name="Demo"), "demo-1.0.tar.gz", DistKind.SDIST),
        (_form(name="demo_pkg"), "demo.pkg-1.0.zip", DistKind.SDIST),
        (_form(name="Demo.Pkg"), "Demo_Pkg-1.0.tar.gz", DistKind.SDIST),
        # equal under PEP 440, written differently
        (_form(version="1.0.0"), "demo-1.0.tar.gz", DistKind.SDIST),
        (_form(version="1.0"), "demo-1.0.0.tar.gz", DistKind.SDIST),
        (_form(version="v1.0"), "demo-1.0.tar.gz", DistKind.SDIST),
        (_form(version="1.0-alpha1"), "demo-1.0a1.tar.gz", DistKind.SDIST),
        (_form(version="1.0-1"), "demo-1.0.post1.tar.gz", DistKind.SDIST),
    ],
)
def test_check_filename_accepts(form: UploadForm, filename: str, kind: DistKind) -> None:
    dist = check_filename(form, filename)
    assert dist.kind is kind
    assert dist.filename == filename


@pytest.mark.parametrize(
    ("form", "filename", "message"),
    [
        pytest.param(
            _form(filetype="bdist_wheel"), "demo-1.0.tar.gz", "filetype 'bdist_wheel'", id="type"
        ),
        pytest.param(
            _form(filetype="sdist"), "demo-1.0-py3-none-any.whl", "filetype 'sdist'", id="type2"
        ),
        pytest.param(
            _form(filetype="bdist_egg"), "demo-1.0.tar.gz", "filetype 'bdist_egg'", id="egg-type"
        ),
        pytest.param(_form(name="other"), "demo-1.0.tar.gz", "not 'other'", id="name"),
        pytest.param(_form(name="demo2"), "demo-1.0.tar.gz", "not 'demo2'", id="name-prefix"),
        pytest.param(_form(version="1.1"), "demo-1.0.tar.gz", "version 1.0, not 1.1", id="ver"),
        pytest.param(_form(version="1.0.1"), "demo-1.0.tar.gz", "not 1.0.1", id="ver-longer"),
        pytest.param(_form(version="1.0+local"), "demo-1.0.tar.gz", "not 1.0", id="ver-local"),
        pytest.param(_form(version="one"), "demo-1.0.tar.gz", "'one' is not PEP 440", id="bad"),
    ],
)
def test_check_filename_refuses(form: UploadForm, filename: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        check_filename(form, filename)


@pytest.mark.parametrize("filename", ["../demo-1.0.tar.gz", "demo-1.0.egg", "demo.tar.gz"])
def test_check_filename_refuses_bad_file_names(filename: str) -> None:
    with pytest.raises(InvalidFilename):
        check_filename(_form(), filename)


def _digests(data: bytes) -> DigestWriter:
    writer = DigestWriter()
    writer.update(data)
    return writer


def test_check_digests() -> None:
    check_digests(_digests(b"data").result(), _form())
    with pytest.raises(DigestMismatch):
        check_digests(_digests(b"other").result(), _form())
    with pytest.raises(InvalidInput, match="empty"):
        check_digests(_digests(b"").result(), _form())


def _metadata(name: str, version: str) -> bytes:
    return f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n".encode()


@pytest.mark.parametrize(
    ("name", "version", "filename"),
    [
        ("demo", "1.0", "demo-1.0.tar.gz"),
        ("Demo", "1.0", "demo-1.0-py3-none-any.whl"),
        ("demo_pkg", "1.0", "demo.pkg-1.0.tar.gz"),
        ("demo", "1.0.0", "demo-1.0.tar.gz"),
        ("demo", "1.0-post1", "demo-1.0.post1.tar.gz"),
    ],
)
def test_check_metadata_accepts(name: str, version: str, filename: str) -> None:
    metadata = parse_core_metadata(_metadata(name, version))
    assert check_metadata(metadata, parse_filename(filename)) is metadata


@pytest.mark.parametrize(
    ("name", "version", "filename", "message"),
    [
        ("other", "1.0", "demo-1.0.tar.gz", "is for project 'other'"),
        ("demo", "2.0", "demo-1.0.tar.gz", "says version 2.0, but the file name says 1.0"),
        ("demo", "1.0.1", "demo-1.0-py3-none-any.whl", "says version 1.0.1"),
    ],
)
def test_check_metadata_refuses(name: str, version: str, filename: str, message: str) -> None:
    metadata = parse_core_metadata(_metadata(name, version))
    with pytest.raises(InvalidMetadata, match=message):
        check_metadata(metadata, parse_filename(filename))
