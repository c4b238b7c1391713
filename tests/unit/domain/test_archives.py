"""Reading core metadata out of uploaded archives: valid ones, and every way to refuse one."""

from __future__ import annotations

import gzip
import io
import tarfile
import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bodega.domain.archives import ArchiveLimits, read_core_metadata
from bodega.domain.errors import InvalidArchive, TooLarge
from bodega.domain.filenames import parse_filename
from tests.support.dists import Dist, sdist_bytes, wheel_bytes

DIST = Dist("demo", "1.0")
METADATA = DIST.metadata().encode()
WHEEL = "demo-1.0-py3-none-any.whl"
SDIST = "demo-1.0.tar.gz"
SDIST_ZIP = "demo-1.0.zip"
DEFAULT = ArchiveLimits()
# small enough that a 1 MiB member trips the ratio check, large enough for real members
BOMB_LIMITS = ArchiveLimits(max_ratio=10, min_unpacked_allowance=16 << 10)
ONE_MIB_OF_ZEROS = bytes(1 << 20)


def _read(tmp_path: Path, filename: str, data: bytes, limits: ArchiveLimits = DEFAULT) -> bytes:
    path = tmp_path / filename
    path.write_bytes(data)
    return read_core_metadata(path, parse_filename(filename), limits)


def _zip(members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(zipfile.ZipInfo(name), data, compress_type=compression)
    return buffer.getvalue()


def _wheel_members(**extra: bytes) -> dict[str, bytes]:
    return {
        "demo/__init__.py": b"",
        "demo-1.0.dist-info/METADATA": METADATA,
        "demo-1.0.dist-info/WHEEL": b"Wheel-Version: 1.0\n",
        **extra,
    }


Entry = tuple[tarfile.TarInfo, bytes | None]


def _file(name: str, data: bytes) -> Entry:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    return info, data


def _special(name: str, kind: bytes, target: str = "") -> Entry:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = target
    return info, None


def _sdist_entries(*extra: Entry) -> list[Entry]:
    return [
        _file("demo-1.0/PKG-INFO", METADATA),
        _file("demo-1.0/demo/__init__.py", b""),
        *extra,
    ]


def _tar_gz(entries: Iterable[Entry], *, trailing_zeros: int = 0) -> bytes:
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as archive:
        for info, data in entries:
            archive.addfile(info, io.BytesIO(data) if data is not None else None)
    return gzip.compress(raw.getvalue() + bytes(trailing_zeros), mtime=0)


# -- valid archives -------------------------------------------------------------------


def test_reads_wheel_metadata(tmp_path: Path) -> None:
    assert _read(tmp_path, WHEEL, wheel_bytes(DIST)) == METADATA


def test_reads_sdist_pkg_info(tmp_path: Path) -> None:
    assert _read(tmp_path, SDIST, sdist_bytes(DIST)) == METADATA


def test_reads_zip_sdist_pkg_info(tmp_path: Path) -> None:
    data = _zip({"demo-1.0/PKG-INFO": METADATA, "demo-1.0/setup.py": b""})
    assert _read(tmp_path, SDIST_ZIP, data) == METADATA


def test_reads_stored_wheel(tmp_path: Path) -> None:
    assert _read(tmp_path, WHEEL, _zip(_wheel_members(), zipfile.ZIP_STORED)) == METADATA


@pytest.mark.parametrize(
    "extra",
    [
        pytest.param(_special("demo-1.0/link", tarfile.SYMTYPE, "demo/__init__.py"), id="symlink"),
        pytest.param(_special("demo-1.0/up", tarfile.SYMTYPE, "../demo-1.0/x"), id="symlink-up"),
        pytest.param(_special("demo-1.0/h", tarfile.LNKTYPE, "demo-1.0/PKG-INFO"), id="hardlink"),
        pytest.param(_special("demo-1.0/sub", tarfile.DIRTYPE), id="directory"),
        pytest.param(_special("demo-1.0/docs", tarfile.SYMTYPE, "demo"), id="dir-symlink"),
        # egg-info PKG-INFO files lie deeper and do not count as a second metadata file
        pytest.param(_file("demo-1.0/demo.egg-info/PKG-INFO", METADATA), id="egg-info"),
    ],
)
def test_sdist_with_harmless_members_is_accepted(tmp_path: Path, extra: Entry) -> None:
    assert _read(tmp_path, SDIST, _tar_gz(_sdist_entries(extra))) == METADATA


def test_symlink_to_a_symlink_is_accepted(tmp_path: Path) -> None:
    entries = _sdist_entries(
        _special("demo-1.0/a", tarfile.SYMTYPE, "demo"),
        _special("demo-1.0/b", tarfile.SYMTYPE, "a"),
    )
    assert _read(tmp_path, SDIST, _tar_gz(entries)) == METADATA


def test_tar_with_leading_dot_slash_is_accepted(tmp_path: Path) -> None:
    entries = [_file("./demo-1.0/PKG-INFO", METADATA)]
    assert _read(tmp_path, SDIST, _tar_gz(entries)) == METADATA


# -- truncated and corrupt ------------------------------------------------------------


def _cut_end(n: int) -> Callable[[bytes], bytes]:
    return lambda data: data[:-n]


def _cut_half(data: bytes) -> bytes:
    return data[: len(data) // 2]


def _cut_middle(data: bytes) -> bytes:
    middle = len(data) // 2
    return data[: middle - 20] + data[middle + 20 :]


_CUTS = [
    pytest.param(_cut_end(1), id="last-byte"),
    pytest.param(_cut_end(8), id="last-8-bytes"),
    pytest.param(_cut_end(30), id="last-30-bytes"),
    pytest.param(_cut_half, id="half"),
    pytest.param(_cut_middle, id="middle"),
]


@pytest.mark.parametrize("cut", _CUTS)
def test_refuses_truncated_wheel(tmp_path: Path, cut: Callable[[bytes], bytes]) -> None:
    with pytest.raises(InvalidArchive, match="not a readable zip archive"):
        _read(tmp_path, WHEEL, cut(wheel_bytes(DIST)))


@pytest.mark.parametrize("cut", _CUTS)
def test_refuses_truncated_sdist(tmp_path: Path, cut: Callable[[bytes], bytes]) -> None:
    with pytest.raises(InvalidArchive, match=r"not a readable \.tar\.gz archive"):
        _read(tmp_path, SDIST, cut(sdist_bytes(DIST)))


# The tar end-of-archive marker can lie far before the end of the gzip stream; the
# gzip trailer (CRC and length) must still be checked.
_PADDED_SDIST = _tar_gz(_sdist_entries(), trailing_zeros=256 << 10)


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(_cut_end(8), id="trailer-cut"),
        pytest.param(_cut_end(1), id="trailer-byte-cut"),
        pytest.param(lambda d: d[:-8] + bytes(b ^ 0xFF for b in d[-8:-4]) + d[-4:], id="crc"),
        pytest.param(lambda d: d[:-4] + b"\x00\x00\x00\x00", id="length"),
    ],
)
def test_refuses_sdist_with_a_bad_gzip_trailer(
    tmp_path: Path, damage: Callable[[bytes], bytes]
) -> None:
    assert _read(tmp_path, SDIST, _PADDED_SDIST) == METADATA
    with pytest.raises(InvalidArchive, match=r"not a readable \.tar\.gz"):
        _read(tmp_path, SDIST, damage(_PADDED_SDIST))


def _flip_inside_member(data: bytes, member: str) -> bytes:
    """Flip one byte in the middle of ``member``'s compressed data."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = archive.getinfo(member)
    # local file header: 30 fixed bytes, then the name and the extra field
    header = data[info.header_offset : info.header_offset + 30]
    name_length = int.from_bytes(header[26:28], "little")
    extra_length = int.from_bytes(header[28:30], "little")
    start = info.header_offset + 30 + name_length + extra_length
    position = start + info.compress_size // 2
    return data[:position] + bytes([data[position] ^ 0x55]) + data[position + 1 :]


@pytest.mark.parametrize("member", ["demo/__init__.py", "demo-1.0.dist-info/METADATA"])
def test_refuses_stored_member_with_bad_crc(tmp_path: Path, member: str) -> None:
    members = _wheel_members() | {"demo/__init__.py": b"x = 1\n" * 50}
    data = _flip_inside_member(_zip(members, zipfile.ZIP_STORED), member)
    with pytest.raises(InvalidArchive, match="Bad CRC-32"):
        _read(tmp_path, WHEEL, data)


def test_refuses_deflated_member_with_flipped_bytes(tmp_path: Path) -> None:
    members = _wheel_members() | {"demo/data.txt": bytes(range(256)) * 40}
    data = _flip_inside_member(_zip(members), "demo/data.txt")
    with pytest.raises(InvalidArchive, match="not a readable zip archive"):
        _read(tmp_path, WHEEL, data)


def test_refuses_sdist_with_flipped_compressed_bytes(tmp_path: Path) -> None:
    data = bytearray(sdist_bytes(DIST))
    data[len(data) // 2] ^= 0x55
    with pytest.raises(InvalidArchive, match=r"not a readable \.tar\.gz"):
        _read(tmp_path, SDIST, bytes(data))


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"", id="empty"),
        pytest.param(b"PK\x03\x04 not really", id="zip-magic-only"),
        pytest.param(b"<html>not found</html>", id="html"),
    ],
)
def test_refuses_non_archives(tmp_path: Path, data: bytes) -> None:
    with pytest.raises(InvalidArchive):
        _read(tmp_path, WHEEL, data)
    with pytest.raises(InvalidArchive):
        _read(tmp_path, SDIST, data)
    with pytest.raises(InvalidArchive):
        _read(tmp_path, SDIST_ZIP, data)


def _patch_zip_headers(data: bytes, local_offset: int, central_offset: int, value: bytes) -> bytes:
    """Overwrite a field in every local and central directory header of a zip."""
    patched = bytearray(data)
    for signature, offset in ((b"PK\x03\x04", local_offset), (b"PK\x01\x02", central_offset)):
        start = patched.find(signature)
        while start != -1:
            patched[start + offset : start + offset + len(value)] = value
            start = patched.find(signature, start + 4)
    return bytes(patched)


@pytest.mark.parametrize(
    ("patch", "why"),
    [
        # general purpose flag bit 0: the members claim to be encrypted
        pytest.param(lambda d: _patch_zip_headers(d, 6, 8, b"\x01\x00"), "encrypted", id="enc"),
        # compression method 99 (AES), which zipfile cannot read
        pytest.param(lambda d: _patch_zip_headers(d, 8, 10, b"\x63\x00"), "method", id="method"),
        # "version needed to extract" far above what zipfile supports
        pytest.param(lambda d: _patch_zip_headers(d, 4, 6, b"\xff\x00"), "version", id="version"),
    ],
)
def test_refuses_zip_features_it_cannot_read(
    tmp_path: Path, patch: Callable[[bytes], bytes], why: str
) -> None:
    data = patch(_zip(_wheel_members(), zipfile.ZIP_STORED))
    with pytest.raises(InvalidArchive, match="not a readable zip archive"):
        _read(tmp_path, WHEEL, data)


def test_refuses_zip_with_undecodable_member_name(tmp_path: Path) -> None:
    data = _zip(_wheel_members(**{"demo/é.py": b""}))
    # the UTF-8 flag stays set; the name's bytes become invalid UTF-8
    data = data.replace("é".encode(), b"\xc3\x28")
    with pytest.raises(InvalidArchive, match="not a readable zip archive"):
        _read(tmp_path, WHEEL, data)


# -- the metadata file ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("members", "message"),
    [
        pytest.param({"demo/__init__.py": b""}, "contains no metadata file", id="none"),
        pytest.param(
            {"deep/demo-1.0.dist-info/METADATA": METADATA},
            "contains no metadata file",
            id="too-deep",
        ),
        pytest.param({"METADATA": METADATA}, "contains no metadata file", id="top-level"),
        pytest.param(
            {"demo-1.0.dist-info/PKG-INFO": METADATA}, "contains no metadata file", id="pkg-info"
        ),
        pytest.param(
            _wheel_members(**{"other-2.0.dist-info/METADATA": METADATA}),
            "contains 2 metadata files",
            id="two-dist-info",
        ),
    ],
)
def test_wheel_metadata_file_must_be_one_dist_info_metadata(
    tmp_path: Path, members: dict[str, bytes], message: str
) -> None:
    with pytest.raises(InvalidArchive, match=message):
        _read(tmp_path, WHEEL, _zip(members))


def test_zip_sdist_without_pkg_info_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidArchive, match="top-level PKG-INFO"):
        _read(tmp_path, SDIST_ZIP, _zip({"demo-1.0/setup.py": b""}))


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        pytest.param([_file("demo-1.0/setup.py", b"")], "contains no metadata file", id="none"),
        pytest.param([_file("PKG-INFO", METADATA)], "contains no metadata file", id="top-level"),
        pytest.param(
            [_file("demo-1.0/PKG-INFO", METADATA), _file("other-1.0/PKG-INFO", METADATA)],
            "contains 2 PKG-INFO files",
            id="two-roots",
        ),
        pytest.param(
            [_special("demo-1.0/PKG-INFO", tarfile.SYMTYPE, "setup.py")],
            "contains no metadata file",
            id="symlink-pkg-info",
        ),
    ],
)
def test_sdist_metadata_file_must_be_one_top_level_pkg_info(
    tmp_path: Path, entries: list[Entry], message: str
) -> None:
    with pytest.raises(InvalidArchive, match=message):
        _read(tmp_path, SDIST, _tar_gz(entries))


# -- member paths and types -----------------------------------------------------------

_ESCAPING_NAMES = [
    pytest.param("../evil", id="dotdot"),
    pytest.param("demo-1.0/../../evil", id="inner-dotdot"),
    pytest.param("..", id="bare-dotdot"),
    pytest.param("/etc/evil", id="absolute"),
    pytest.param("C:stuff", id="drive-relative"),
    pytest.param("C:/stuff", id="drive-absolute"),
    pytest.param("..\\evil", id="backslash-dotdot"),
    pytest.param("\\evil", id="backslash-absolute"),
]


@pytest.mark.parametrize("name", _ESCAPING_NAMES)
def test_refuses_escaping_zip_members(tmp_path: Path, name: str) -> None:
    data = _zip(_wheel_members(**{name: b"x"}))
    with pytest.raises(InvalidArchive, match="outside its directory") as caught:
        _read(tmp_path, WHEEL, data)
    assert repr(name) in caught.value.message


@pytest.mark.parametrize("name", _ESCAPING_NAMES)
def test_refuses_escaping_tar_members(tmp_path: Path, name: str) -> None:
    data = _tar_gz(_sdist_entries(_file(name, b"x")))
    with pytest.raises(InvalidArchive, match="outside its directory"):
        _read(tmp_path, SDIST, data)


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        pytest.param(
            [_special("demo-1.0/l", tarfile.SYMTYPE, "../../etc/passwd")],
            "outside its directory",
            id="symlink-dotdot",
        ),
        pytest.param(
            [_special("demo-1.0/l", tarfile.SYMTYPE, "/etc/passwd")],
            "links to an absolute path",
            id="symlink-absolute",
        ),
        pytest.param(
            [_special("demo-1.0/l", tarfile.SYMTYPE, "C:/Windows")],
            "links to an absolute path",
            id="symlink-drive",
        ),
        pytest.param(
            [_special("demo-1.0/h", tarfile.LNKTYPE, "../etc/passwd")],
            "outside its directory",
            id="hardlink-dotdot",
        ),
        pytest.param(
            [_special("demo-1.0/h", tarfile.LNKTYPE, "/etc/passwd")],
            "outside its directory",
            id="hardlink-absolute",
        ),
        # each link stays inside on its own; followed in turn they lead out:
        # demo-1.0/a -> . makes demo-1.0/a/b land at demo-1.0/b, so ../.. is the parent
        pytest.param(
            [
                _special("demo-1.0/a", tarfile.SYMTYPE, "."),
                _special("demo-1.0/a/b", tarfile.SYMTYPE, "../.."),
            ],
            "through the symlink",
            id="chained-symlinks",
        ),
        pytest.param(
            [
                _special("demo-1.0/a", tarfile.SYMTYPE, "."),
                _special("demo-1.0/b", tarfile.SYMTYPE, "a/../.."),
            ],
            "through the symlink",
            id="symlink-target-through-symlink",
        ),
        # a member placed through a link lands wherever the link points: refused too
        pytest.param(
            [
                _special("demo-1.0/a", tarfile.SYMTYPE, ".."),
                _file("demo-1.0/a/evil", b"x"),
            ],
            "through the symlink 'demo-1.0/a'",
            id="file-through-symlink",
        ),
        pytest.param(
            [
                _special("demo-1.0/a", tarfile.SYMTYPE, "."),
                _special("demo-1.0/h", tarfile.LNKTYPE, "demo-1.0/a/../../x"),
            ],
            "through the symlink",
            id="hardlink-through-symlink",
        ),
    ],
)
def test_refuses_links_that_escape(tmp_path: Path, entries: list[Entry], message: str) -> None:
    with pytest.raises(InvalidArchive, match=message):
        _read(tmp_path, SDIST, _tar_gz(_sdist_entries(*entries)))


@pytest.mark.parametrize(
    "kind",
    [
        pytest.param(tarfile.CHRTYPE, id="char-device"),
        pytest.param(tarfile.BLKTYPE, id="block-device"),
        pytest.param(tarfile.FIFOTYPE, id="fifo"),
    ],
)
def test_refuses_special_tar_members(tmp_path: Path, kind: bytes) -> None:
    data = _tar_gz(_sdist_entries(_special("demo-1.0/dev", kind)))
    with pytest.raises(InvalidArchive, match="device, fifo or other special") as caught:
        _read(tmp_path, SDIST, data)
    assert "demo-1.0/dev" in caught.value.message


# -- limits ---------------------------------------------------------------------------


def test_refuses_zip_with_too_many_members(tmp_path: Path) -> None:
    data = _zip(_wheel_members(**{f"demo/m{i}.py": b"" for i in range(5)}))
    with pytest.raises(TooLarge, match="8 members, more than the limit of 7"):
        _read(tmp_path, WHEEL, data, ArchiveLimits(max_members=7))
    assert _read(tmp_path, WHEEL, data, ArchiveLimits(max_members=8)) == METADATA


def test_refuses_tar_with_too_many_members(tmp_path: Path) -> None:
    data = _tar_gz(_sdist_entries(*(_file(f"demo-1.0/m{i}.py", b"") for i in range(5))))
    with pytest.raises(TooLarge, match="more than the limit of 6 members"):
        _read(tmp_path, SDIST, data, ArchiveLimits(max_members=6))
    assert _read(tmp_path, SDIST, data, ArchiveLimits(max_members=7)) == METADATA


@pytest.mark.parametrize(
    ("filename", "data"),
    [
        pytest.param(WHEEL, _zip(_wheel_members()), id="wheel"),
        pytest.param(SDIST, _tar_gz(_sdist_entries()), id="sdist"),
        pytest.param(SDIST_ZIP, _zip({"demo-1.0/PKG-INFO": METADATA}), id="zip-sdist"),
    ],
)
def test_refuses_metadata_above_the_limit(tmp_path: Path, filename: str, data: bytes) -> None:
    limit = len(METADATA) - 1
    with pytest.raises(TooLarge, match=f"{len(METADATA)} bytes, above the limit of {limit}"):
        _read(tmp_path, filename, data, ArchiveLimits(max_metadata_bytes=limit))
    assert _read(tmp_path, filename, data, ArchiveLimits(max_metadata_bytes=len(METADATA)))


def test_refuses_zip_bomb_by_ratio(tmp_path: Path) -> None:
    data = _zip(_wheel_members(**{"demo/zeros.bin": ONE_MIB_OF_ZEROS}))
    assert len(data) < 4096
    with pytest.raises(TooLarge, match="zip bomb") as caught:
        _read(tmp_path, WHEEL, data, BOMB_LIMITS)
    assert f"for a {len(data)}-byte file" in caught.value.message
    # the same file is fine when the ratio allows it
    assert _read(tmp_path, WHEEL, data, ArchiveLimits(max_ratio=2000)) == METADATA


def test_refuses_zip_bomb_of_overlapping_entries(tmp_path: Path) -> None:
    """Many central directory entries pointing at one member: declared sizes add up."""
    members = {f"demo/z{i}.bin": ONE_MIB_OF_ZEROS[: 64 << 10] for i in range(40)}
    data = _zip(_wheel_members(**members))
    with pytest.raises(TooLarge, match="zip bomb"):
        _read(tmp_path, WHEEL, data, BOMB_LIMITS)


def test_refuses_gzip_bomb_by_ratio(tmp_path: Path) -> None:
    data = _tar_gz(_sdist_entries(_file("demo-1.0/zeros.bin", ONE_MIB_OF_ZEROS)))
    assert len(data) < 4096
    with pytest.raises(TooLarge, match="decompression bomb"):
        _read(tmp_path, SDIST, data, BOMB_LIMITS)
    assert _read(tmp_path, SDIST, data, ArchiveLimits(max_ratio=2000)) == METADATA


def test_refuses_gzip_bomb_in_padding_after_the_tar(tmp_path: Path) -> None:
    data = _tar_gz(_sdist_entries(), trailing_zeros=1 << 20)
    with pytest.raises(TooLarge, match="decompression bomb"):
        _read(tmp_path, SDIST, data, BOMB_LIMITS)


def test_min_allowance_lets_small_archives_unpack_beyond_the_ratio(tmp_path: Path) -> None:
    data = _zip(_wheel_members(**{"demo/zeros.bin": ONE_MIB_OF_ZEROS}))
    limits = ArchiveLimits(max_ratio=1, min_unpacked_allowance=2 << 20)
    assert _read(tmp_path, WHEEL, data, limits) == METADATA


# -- properties -----------------------------------------------------------------------

_SAMPLES = {
    WHEEL: wheel_bytes(DIST),
    SDIST: sdist_bytes(DIST),
    SDIST_ZIP: _zip({"demo-1.0/PKG-INFO": METADATA, "demo-1.0/setup.py": b"pass\n"}),
}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    filename=st.sampled_from(sorted(_SAMPLES)),
    flips=st.lists(st.tuples(st.floats(0, 1, exclude_max=True), st.integers(1, 255)), max_size=4),
)
def test_damaged_archives_are_read_or_refused_cleanly(
    tmp_path_factory: pytest.TempPathFactory, filename: str, flips: list[tuple[float, int]]
) -> None:
    data = bytearray(_SAMPLES[filename])
    for where, mask in flips:
        data[int(where * len(data))] ^= mask
    try:
        result = _read(tmp_path_factory.mktemp("fuzz"), filename, bytes(data))
    except (InvalidArchive, TooLarge):
        return
    assert result


@settings(max_examples=60, deadline=None)
@given(filename=st.sampled_from([*sorted(_SAMPLES), "padded"]), data=st.data())
def test_every_proper_prefix_is_refused(
    tmp_path_factory: pytest.TempPathFactory, filename: str, data: st.DataObject
) -> None:
    whole = _PADDED_SDIST if filename == "padded" else _SAMPLES[filename]
    length = data.draw(st.integers(0, len(whole) - 1))
    name = SDIST if filename == "padded" else filename
    with pytest.raises(InvalidArchive):
        _read(tmp_path_factory.mktemp("prefix"), name, whole[:length])
