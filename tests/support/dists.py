"""Building small, real distributions (wheels and sdists) for tests, without a build backend."""

from __future__ import annotations

import base64
import hashlib
import io
import re
import tarfile
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Dist:
    """What to put in a distribution; the builders turn it into a file."""

    name: str
    version: str
    requires_dist: tuple[str, ...] = ()
    requires_python: str | None = None
    summary: str = "a test package"
    # module name -> source; defaults to one module named after the project
    modules: dict[str, str] = field(default_factory=dict)
    # extra lines appended to METADATA / PKG-INFO
    extra_metadata: tuple[str, ...] = ()
    build_tag: str | None = None

    @property
    def escaped(self) -> str:
        """The name as it appears in file names (PEP 427 / PEP 625)."""
        return re.sub(r"[-_.]+", "_", self.name).lower()

    def metadata(self, *, name: str | None = None, version: str | None = None) -> str:
        lines = [
            "Metadata-Version: 2.1",
            f"Name: {name or self.name}",
            f"Version: {version or self.version}",
            f"Summary: {self.summary}",
        ]
        if self.requires_python:
            lines.append(f"Requires-Python: {self.requires_python}")
        lines += [f"Requires-Dist: {r}" for r in self.requires_dist]
        lines += list(self.extra_metadata)
        return "\n".join(lines) + "\n\nA package built by bodega's tests.\n"

    def module_files(self) -> dict[str, str]:
        module = self.escaped
        return self.modules or {
            f"{module}/__init__.py": f'__version__ = "{self.version}"\nNAME = "{self.name}"\n'
        }


_ZIP_EPOCH = (2020, 2, 2, 0, 0, 0)


def _record_line(path: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{path},sha256={digest},{len(data)}"


def wheel_bytes(
    dist: Dist,
    *,
    metadata: str | None = None,
    tag: str = "py3-none-any",
    extra_members: Mapping[str, bytes] | None = None,
) -> bytes:
    """A valid wheel; ``metadata`` replaces the METADATA file's text, ``extra_members``
    adds files (path -> bytes) next to the modules."""
    distinfo = f"{dist.escaped}-{dist.version}.dist-info"
    members = {path: text.encode() for path, text in dist.module_files().items()}
    members.update(extra_members or {})
    members[f"{distinfo}/METADATA"] = (metadata or dist.metadata()).encode()
    members[f"{distinfo}/WHEEL"] = (
        f"Wheel-Version: 1.0\nGenerator: bodega-tests\nRoot-Is-Purelib: true\nTag: {tag}\n"
    ).encode()
    record = [_record_line(p, d) for p, d in members.items()] + [f"{distinfo}/RECORD,,"]
    members[f"{distinfo}/RECORD"] = ("\n".join(record) + "\n").encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, data in members.items():
            # a fixed timestamp: the same Dist always builds the same bytes
            info = zipfile.ZipInfo(path, date_time=_ZIP_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return buffer.getvalue()


def wheel_name(dist: Dist, tag: str = "py3-none-any") -> str:
    build = f"-{dist.build_tag}" if dist.build_tag else ""
    return f"{dist.escaped}-{dist.version}{build}-{tag}.whl"


def sdist_bytes(dist: Dist, *, metadata: str | None = None) -> bytes:
    """A valid .tar.gz sdist with PKG-INFO and a pyproject.toml (setuptools backend)."""
    root = f"{dist.escaped}-{dist.version}"
    members = {f"{root}/{p}": t.encode() for p, t in dist.module_files().items()}
    members[f"{root}/PKG-INFO"] = (metadata or dist.metadata()).encode()
    deps = ", ".join(f'"{r}"' for r in dist.requires_dist)
    members[f"{root}/pyproject.toml"] = (
        '[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n\n'
        f'[project]\nname = "{dist.name}"\nversion = "{dist.version}"\ndependencies = [{deps}]\n'
    ).encode()
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for path, data in members.items():
            info = tarfile.TarInfo(path)
            info.size = len(data)
            info.mtime = 0
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def sdist_name(dist: Dist) -> str:
    return f"{dist.escaped}-{dist.version}.tar.gz"


def write_wheel(
    directory: Path, dist: Dist, *, metadata: str | None = None, tag: str = "py3-none-any"
) -> Path:
    path = directory / wheel_name(dist, tag)
    path.write_bytes(wheel_bytes(dist, metadata=metadata, tag=tag))
    return path


def write_sdist(directory: Path, dist: Dist) -> Path:
    path = directory / sdist_name(dist)
    path.write_bytes(sdist_bytes(dist))
    return path


def bomb_wheel_bytes(dist: Dist, unpacked_bytes: int) -> bytes:
    """A wheel whose one extra member is ``unpacked_bytes`` zeros: small on the wire,
    with a declared unpacked size far above its own (a zip-bomb shape).

    The member is streamed into the archive, so building it never holds the zeros.
    """
    buffer = io.BytesIO(wheel_bytes(dist))
    zeros = bytes(1 << 20)
    with (
        zipfile.ZipFile(buffer, "a", zipfile.ZIP_DEFLATED) as archive,
        archive.open(f"{dist.escaped}/zeros.bin", "w", force_zip64=True) as member,
    ):
        left = unpacked_bytes
        while left > 0:
            member.write(zeros[: min(left, len(zeros))])
            left -= len(zeros)
    return buffer.getvalue()
