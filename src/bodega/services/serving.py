"""The read side: rendered simple pages and file lookups, served from memory.

A page is rendered once per change of its project and kept with its ETag and gzip form;
concurrent requests for a page not yet rendered wait for one rendering. The change feed
drops what a write made stale, in this process and in the others.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from packaging.utils import NormalizedName

from bodega.indexes.base import FileSource
from bodega.indexes.registry import IndexRegistry
from bodega.services.changes import ChangeFeed
from bodega.services.page_cache import PageCache, PageKey, RenderedPage
from bodega.simple import html, json
from bodega.simple.negotiation import Format
from bodega.storage.meta.records import Change

T = TypeVar("T")
# actions after which the set of projects (root pages) may differ
_ROOT_ACTIONS = frozenset({"project-create", "project-delete"})
_INDEX_ACTIONS = frozenset({"index-create", "index-update", "index-delete"})
_MAX_CACHED_FILES = 200_000


class Pages:
    """Rendered pages and stored-file lookups for every index."""

    def __init__(self, registry: IndexRegistry, cache: PageCache, feed: ChangeFeed) -> None:
        self._registry = registry
        self._cache = cache
        self._feed = feed
        self._files: dict[tuple[str, str], FileSource] = {}
        self._files_by_project: dict[str, set[tuple[str, str]]] = {}
        self._inflight: dict[object, asyncio.Future[Any]] = {}
        # bumped by every invalidation: a rendering that started before one is not cached
        self._generation = 0
        feed.subscribe(self._on_changes)

    async def project(
        self, index_name: str, project: NormalizedName, fmt: Format, base: str
    ) -> RenderedPage:
        """The rendered page; raises what the index's ``project_page`` raises."""
        await self._fresh()
        key: PageKey = (index_name, project, fmt.value, base)
        page = self._cache.get(key)
        if page is None:
            page = await self._once(key, lambda: self._render_project(key, fmt))
        return page

    async def root(self, index_name: str, fmt: Format) -> RenderedPage:
        await self._fresh()
        key: PageKey = (index_name, None, fmt.value, "")
        page = self._cache.get(key)
        if page is None:
            page = await self._once(key, lambda: self._render_root(key, fmt))
        return page

    async def file(self, index_name: str, filename: str) -> FileSource:
        """The stored file; raises what the index's ``get_file`` raises."""
        await self._fresh()
        key = (index_name, filename)
        stored = self._files.get(key)
        if stored is None:
            generation = self._generation
            stored = await self._registry.get(index_name).get_file(filename)
            if generation != self._generation:
                return stored
            if len(self._files) >= _MAX_CACHED_FILES:
                self._files.clear()
                self._files_by_project.clear()
            self._files[key] = stored
            self._files_by_project.setdefault(stored.project, set()).add(key)
        return stored

    async def _fresh(self) -> None:
        if self._feed.stale():
            await self._feed.catch_up()

    async def _render_project(self, key: PageKey, fmt: Format) -> RenderedPage:
        index_name, project, _, base = key
        assert project is not None
        generation = self._generation
        model = await self._registry.get(index_name).project_page(NormalizedName(project))
        renderer = json.render_project if fmt.is_json else html.render_project
        page = await _maybe_in_thread(
            len(model.files),
            lambda: RenderedPage(
                renderer(model, base), fmt.content_type, model.max_age, self._cache.spool_dir
            ),
        )
        if generation == self._generation:
            self._cache.put(key, page)
        return page

    async def _render_root(self, key: PageKey, fmt: Format) -> RenderedPage:
        generation = self._generation
        names = await self._registry.get(key[0]).project_list()
        # written a slice of names at a time: a big root goes into a spool file as it is
        # written, never whole in memory
        renderer = json.root_chunks if fmt.is_json else html.root_chunks
        page = await _maybe_in_thread(
            len(names),
            lambda: RenderedPage(
                renderer(names), fmt.content_type, names.max_age, self._cache.spool_dir
            ),
        )
        if generation == self._generation:
            self._cache.put(key, page)
        return page

    async def _once(self, key: object, make: Callable[[], Awaitable[T]]) -> T:
        """Run ``make`` once for concurrent callers with the same key.

        The work runs in its own task, so a caller that goes away (a client that
        disconnects) does not cancel it for the others.
        """
        task = self._inflight.get(key)
        if task is None:
            task = asyncio.ensure_future(make())
            self._inflight[key] = task
            task.add_done_callback(lambda done: self._forget(key, done))
        return await asyncio.shield(task)

    def _forget(self, key: object, task: asyncio.Future[Any]) -> None:
        if self._inflight.get(key) is task:
            del self._inflight[key]

    async def _on_changes(self, batch: Sequence[Change]) -> None:
        self._generation += 1
        self._inflight.clear()
        for change in batch:
            if change.action in _INDEX_ACTIONS:
                await self._registry.reload()
                self._cache.clear()
                self._files.clear()
                self._files_by_project.clear()
                continue
            if change.project is not None:
                self._cache.invalidate_project(change.project)
                for key in self._files_by_project.pop(change.project, ()):
                    self._files.pop(key, None)
            if change.action in _ROOT_ACTIONS:
                self._cache.invalidate_project(None)


async def _maybe_in_thread(items: int, render: Callable[[], RenderedPage]) -> RenderedPage:
    """Render (and compress) big pages in a thread so the loop keeps serving meanwhile."""
    if items > 2000:
        return await asyncio.to_thread(render)
    return render()
