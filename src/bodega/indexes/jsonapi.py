"""The JSON project API (``/pypi/<project>/json``) built from stored file records."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from packaging.version import Version

from bodega.storage.meta.records import FileRecord

# info fields read by tools, in the names the JSON API uses, from core metadata keys
_INFO_FIELDS = {
    "author": "author",
    "author_email": "author_email",
    "classifiers": "classifiers",
    "description": "description",
    "description_content_type": "description_content_type",
    "download_url": "download_url",
    "home_page": "home_page",
    "keywords": "keywords",
    "license": "license",
    "license_expression": "license_expression",
    "license_files": "license_files",
    "maintainer": "maintainer",
    "maintainer_email": "maintainer_email",
    "platform": "platforms",
    "project_urls": "project_urls",
    "provides_extra": "provides_extra",
    "requires_dist": "requires_dist",
    "requires_python": "requires_python",
    "summary": "summary",
    "dynamic": "dynamic",
}


def build_project_json(
    display_name: str, records: Sequence[FileRecord], version: str | None, base: str, serial: int
) -> dict[str, Any] | None:
    """Build the document for a project, or for one of its versions.

    ``base`` is the server-root URL that file URLs are joined onto. Returns None when the
    requested version has no files.
    """
    releases: dict[str, list[dict[str, Any]]] = {}
    for record in records:
        releases.setdefault(record.version, []).append(_file(record, base))
    chosen = version if version is not None else _latest(records)
    if chosen not in releases:
        return None
    chosen_records = [r for r in records if r.version == chosen]
    info = _info(display_name, chosen_records)
    document: dict[str, Any] = {
        "info": info,
        "last_serial": serial,
        "urls": releases[chosen],
        "vulnerabilities": [],
    }
    if version is None:
        ordered = sorted(releases, key=Version)
        document["releases"] = {v: releases[v] for v in ordered}
    return document


def _latest(records: Sequence[FileRecord]) -> str | None:
    """The newest version, preferring final releases with files that are not yanked."""
    versions = {Version(r.version): r.version for r in records}
    live = {Version(r.version): r.version for r in records if not r.yanked}
    pool = live or versions
    finals = [v for v in pool if not v.is_prerelease]
    best = max(finals or pool, default=None)
    return pool[best] if best is not None else None


def _info(display_name: str, records: Sequence[FileRecord]) -> dict[str, Any]:
    # prefer a wheel's metadata (static by construction) over an sdist's
    ordered = sorted(records, key=lambda r: r.packagetype != "bdist_wheel")
    metadata = ordered[0].core_metadata
    info: dict[str, Any] = {name: metadata.get(key) for name, key in _INFO_FIELDS.items()}
    info["name"] = display_name
    info["version"] = records[0].version
    info["yanked"] = all(r.yanked for r in records)
    info["yanked_reason"] = next((r.yanked_reason for r in records if r.yanked_reason), None)
    if isinstance(info["keywords"], list):
        info["keywords"] = ",".join(info["keywords"])
    return info


def _file(record: FileRecord, base: str) -> dict[str, Any]:
    uploaded = record.uploaded_at
    return {
        "filename": record.filename,
        "url": f"{base}{record.index_name}/files/{record.sha256}/{record.filename}",
        "digests": {
            "md5": record.md5,
            "sha256": record.sha256,
            "blake2b_256": record.blake2_256,
        },
        "md5_digest": record.md5,
        "size": record.size,
        "packagetype": record.packagetype,
        "python_version": record.python_version,
        "requires_python": record.requires_python,
        "upload_time": uploaded.strftime("%Y-%m-%dT%H:%M:%S"),
        "upload_time_iso_8601": uploaded.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "yanked": record.yanked,
        "yanked_reason": record.yanked_reason,
        "has_sig": False,
        "comment_text": "",
        "core_metadata": {"sha256": record.metadata_sha256} if record.metadata_sha256 else False,
    }
