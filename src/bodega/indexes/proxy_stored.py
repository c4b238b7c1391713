"""What proxy indexes have stored, per project, kept in memory.

A proxy consults it on every page it renders (to advertise the core metadata it
extracted) and every file it resolves (stored, or still upstream?); going to the
database each time would put round trips on the path of every cold request. A project's
records are loaded on first use; the fetcher adds what it stores, and records stored by
other processes arrive through the change feed (wiring.py connects ``forget``).

It also knows which pages each proxy has stored, so that a project never asked for
costs no read of the store. Pages stored by other processes are not announced: a
process that does not know of one asks the upstream (and the store, if that fails).
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import replace

from bodega.indexes.name_sets import NameSets
from bodega.storage.meta import proxy_cache
from bodega.storage.meta.database import Database
from bodega.storage.meta.records import ProxyFileRecord

_PROJECTS = 4096


class ProxyStored:
    def __init__(self, db: Database) -> None:
        self._db = db
        self._projects: OrderedDict[tuple[str, str], dict[str, ProxyFileRecord]] = OrderedDict()
        self._pages = NameSets(self._page_projects)

    async def has_page(self, index_name: str, project: str) -> bool:
        """Whether a page of ``project`` ("" for the root list) is stored, as far as this
        process knows."""
        return await self._pages.contains(index_name, project)

    def page_stored(self, index_name: str, project: str) -> None:
        self._pages.add(index_name, project)

    async def _page_projects(self, index_name: str) -> list[str]:
        async with self._db.read() as conn:
            return await proxy_cache.page_projects(conn, index_name)

    async def project(self, index_name: str, project: str) -> dict[str, ProxyFileRecord]:
        """The stored records of a project, by file name."""
        key = (index_name, project)
        records = self._projects.get(key)
        if records is None:
            async with self._db.read() as conn:
                found = await proxy_cache.project_files(conn, index_name, project)
            records = {r.filename: r for r in found}
            self._keep(key, records)
        else:
            self._projects.move_to_end(key)
        return records

    def nothing_yet(self, index_name: str, project: str) -> None:
        """Note that a project first seen just now has nothing stored."""
        self._keep((index_name, project), {})

    def remember(self, record: ProxyFileRecord) -> None:
        """Add what this process just stored (only to a project already loaded); what the
        record leaves empty (the file of a metadata-only record, say) is kept, as in the
        store (``proxy_cache.record_file``)."""
        records = self._projects.get((record.index_name, record.project))
        if records is None:
            return
        known = records.get(record.filename)
        if known is not None:
            record = replace(
                record,
                sha256=record.sha256 or known.sha256,
                size=record.size if record.sha256 else known.size,
                metadata_sha256=record.metadata_sha256 or known.metadata_sha256,
            )
        records[record.filename] = record

    def forget(self, index_name: str | None, project: str | None) -> None:
        if index_name is None or project is None:
            self._projects.clear()
            self._pages.forget(index_name)
        else:
            self._projects.pop((index_name, project), None)

    def _keep(self, key: tuple[str, str], records: dict[str, ProxyFileRecord]) -> None:
        self._projects[key] = records
        while len(self._projects) > _PROJECTS:
            self._projects.popitem(last=False)
