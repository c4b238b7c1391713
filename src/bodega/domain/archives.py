"""Reading the core metadata out of a distribution archive, with limits.

A distribution arrives from an untrusted client. It is opened with bounds on member
count, metadata size and decompressed volume, every member is read once so a truncated
or corrupt archive is refused here (zip CRCs, the gzip trailer), and member paths that
would escape the extraction directory are refused.
"""

from __future__ import annotations

import gzip
import io
import posixpath
import tarfile
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO

from bodega.domain.errors import InvalidArchive, TooLarge
from bodega.domain.filenames import DistFilename, DistKind

_CHUNK = 1 << 16


@dataclass(frozen=True, slots=True)
class ArchiveLimits:
    """Bounds applied when opening an uploaded archive."""

    max_members: int = 100_000
    max_metadata_bytes: int = 8 << 20
    # decompressed bytes per compressed byte, over the whole archive
    max_ratio: int = 200
    # decompressed volume allowed regardless of ratio (small archives)
    min_unpacked_allowance: int = 64 << 20


def read_core_metadata(
    path: Path, dist: DistFilename, limits: ArchiveLimits, *, check_members: bool = True
) -> bytes:
    """Return the METADATA (wheel) or PKG-INFO (sdist) bytes of the archive at ``path``.

    ``check_members=False`` skips reading every member of a zip to its end (its CRC):
    for a file whose bytes a trusted digest already vouches for (a proxied wheel matching
    its upstream's sha256), only the metadata member is read.

    Raises:
        InvalidArchive: corrupt, truncated, unsafe member paths, or no metadata file.
        TooLarge: a limit was exceeded.
    """
    budget = max(path.stat().st_size * limits.max_ratio, limits.min_unpacked_allowance)
    if dist.kind is DistKind.WHEEL or dist.filename.endswith(".zip"):
        return _read_zip(path, dist, limits, budget, check_members)
    return _read_tar_gz(path, limits, budget)


def _check_member_path(name: str) -> None:
    path = name.replace("\\", "/")
    first = path.split("/", 1)[0]
    resolved = posixpath.normpath(path)
    if path.startswith("/") or ":" in first or resolved == ".." or resolved.startswith("../"):
        raise InvalidArchive(f"archive member {name!r} would be extracted outside its directory")


def _metadata_candidates(names: list[str], dist: DistFilename) -> list[str]:
    # the cheap test first: wheels of big projects have thousands of members
    if dist.kind is DistKind.WHEEL:
        return [n for n in names if n.endswith(".dist-info/METADATA") and _depth(n) == 2]
    return [n for n in names if n.endswith("/PKG-INFO") and _depth(n) == 2]


def _depth(name: str) -> int:
    return len(PurePosixPath(name).parts)


def _pick_metadata(candidates: list[str], dist: DistFilename) -> str:
    wanted = "a .dist-info/METADATA" if dist.kind is DistKind.WHEEL else "a top-level PKG-INFO"
    if not candidates:
        raise InvalidArchive(
            f"{dist.filename} contains no metadata file", hint=f"expected {wanted}"
        )
    if len(candidates) > 1:
        raise InvalidArchive(
            f"{dist.filename} contains {len(candidates)} metadata files: {sorted(candidates)}"
        )
    return candidates[0]


def _read_zip(
    path: Path, dist: DistFilename, limits: ArchiveLimits, budget: int, check_members: bool
) -> bytes:
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            if len(infos) > limits.max_members:
                raise TooLarge(
                    f"archive has {len(infos)} members, more than the limit of {limits.max_members}"
                )
            declared = sum(i.file_size for i in infos)
            if declared > budget:
                raise TooLarge(
                    f"archive unpacks to {declared} bytes, more than the {budget} allowed "
                    f"for a {path.stat().st_size}-byte file",
                    hint="a compression ratio this high looks like a zip bomb",
                )
            for info in infos:
                _check_member_path(info.filename)
            member = _pick_metadata(_metadata_candidates([i.filename for i in infos], dist), dist)
            metadata = b""
            for info in infos if check_members else [archive.getinfo(member)]:
                data = _read_zip_member(archive, info, limits, member)
                if info.filename == member:
                    metadata = data
            return metadata
    # zipfile also raises RuntimeError (encrypted members), NotImplementedError (a
    # compression method or zip version it cannot read) and UnicodeDecodeError (a member
    # name flagged UTF-8 that is not): all mean the upload cannot be read.
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError, ValueError) as exc:
        raise InvalidArchive(f"{dist.filename} is not a readable zip archive: {exc}") from None


def _read_zip_member(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, limits: ArchiveLimits, wanted: str
) -> bytes:
    """Read one member to its end (checking its CRC); keep it only if it is ``wanted``."""
    keep = info.filename == wanted
    if keep and info.file_size > limits.max_metadata_bytes:
        raise TooLarge(
            f"metadata file is {info.file_size} bytes, above the limit of "
            f"{limits.max_metadata_bytes}"
        )
    parts: list[bytes] = []
    read = 0
    with archive.open(info) as stream:
        while chunk := stream.read(_CHUNK):
            read += len(chunk)
            if read > info.file_size:
                raise InvalidArchive(f"member {info.filename!r} is larger than declared")
            if keep:
                parts.append(chunk)
    return b"".join(parts)


class _BoundedReader(io.RawIOBase):
    """A read-only stream that fails once more than ``budget`` bytes pass through it."""

    def __init__(self, inner: IO[bytes] | gzip.GzipFile, budget: int) -> None:
        self._inner = inner
        self._left = budget

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        data = self._inner.read(len(buffer))
        self._left -= len(data)
        if self._left < 0:
            raise TooLarge(
                "archive unpacks to more bytes than allowed",
                hint="a compression ratio this high looks like a decompression bomb",
            )
        buffer[: len(data)] = data
        return len(data)


def _read_tar_gz(path: Path, limits: ArchiveLimits, budget: int) -> bytes:
    found: dict[str, bytes] = {}
    symlinks: set[str] = set()
    count = 0
    try:
        with gzip.open(path, "rb") as unzipped:
            bounded = io.BufferedReader(_BoundedReader(unzipped, budget), _CHUNK)
            with tarfile.open(fileobj=bounded, mode="r|") as archive:
                for member in archive:
                    count += 1
                    if count > limits.max_members:
                        raise TooLarge(
                            f"archive has more than the limit of {limits.max_members} members"
                        )
                    _check_tar_member(member, symlinks)
                    if (
                        member.isfile()
                        and _depth(member.name) == 2
                        and (member.name.endswith("/PKG-INFO"))
                    ):
                        found[member.name] = _read_tar_member(archive, member, limits)
            # tar stops at its end marker; read on to the end of the gzip stream so the
            # gzip trailer (CRC and length) is checked whatever padding follows the marker
            while bounded.read(_CHUNK):
                pass
    except (tarfile.TarError, zlib.error, EOFError, OSError) as exc:
        raise InvalidArchive(f"{path.name} is not a readable .tar.gz archive: {exc}") from None
    if not found:
        raise InvalidArchive(
            f"{path.name} contains no metadata file", hint="expected a top-level PKG-INFO"
        )
    if len(found) > 1:
        raise InvalidArchive(f"{path.name} contains {len(found)} PKG-INFO files: {sorted(found)}")
    return next(iter(found.values()))


def _check_tar_member(member: tarfile.TarInfo, symlinks: set[str]) -> None:
    """Refuse a member that is special or would land, or link, outside the directory.

    ``symlinks`` holds the symlinks seen so far; this member is added when it is one.
    """
    _check_member_path(member.name)
    _check_not_through_symlink(member.name, member.name, symlinks)
    if member.issym():
        link = member.linkname.replace("\\", "/")
        if link.startswith("/") or ":" in link.split("/", 1)[0]:
            raise InvalidArchive(f"archive member {member.name!r} links to an absolute path")
        target = posixpath.join(posixpath.dirname(member.name), member.linkname)
        _check_member_path(target)
        _check_not_through_symlink(member.name, target, symlinks)
        symlinks.add(posixpath.normpath(member.name.replace("\\", "/")))
    elif member.islnk():
        _check_member_path(member.linkname)
        _check_not_through_symlink(member.name, member.linkname, symlinks)
    elif not (member.isfile() or member.isdir()):
        raise InvalidArchive(f"archive member {member.name!r} is a device, fifo or other special")


def _check_not_through_symlink(name: str, path: str, symlinks: set[str]) -> None:
    """Refuse a path whose directories include an earlier symlink member.

    Where such a path lands depends on the link, which a check of the path's text cannot
    see: with ``a -> .``, the link ``a/b -> ../..`` looks one level deep but leads out.
    """
    parents: list[str] = []
    for part in path.replace("\\", "/").split("/")[:-1]:
        if part in ("", "."):
            continue
        if part == "..":
            if parents:
                parents.pop()
            continue
        parents.append(part)
        if "/".join(parents) in symlinks:
            raise InvalidArchive(
                f"archive member {name!r} reaches {path!r} through the symlink "
                f"{'/'.join(parents)!r}",
                hint="a path may not pass through a symlink of the same archive",
            )


def _read_tar_member(
    archive: tarfile.TarFile, member: tarfile.TarInfo, limits: ArchiveLimits
) -> bytes:
    if member.size > limits.max_metadata_bytes:
        raise TooLarge(
            f"metadata file is {member.size} bytes, above the limit of {limits.max_metadata_bytes}"
        )
    stream = archive.extractfile(member)
    if stream is None:  # pragma: no cover - isfile() was checked
        raise InvalidArchive(f"cannot read {member.name!r}")
    return stream.read()
