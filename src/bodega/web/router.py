"""A path router over URL segments: literal segments first, then parameters.

bodega's URL space is small and regular (``/<index>/simple/<project>/``); a trie of
segments matches it with a few dict lookups, which matters on the hot paths. A literal
segment is tried before a parameter, with backtracking, so ``/pypi/<project>/json`` and
the URLs of an index named ``pypi`` coexist. A path the literal branch matches is that
branch's whatever the method: ``POST /simple/`` is a 405, not an upload to an index
named "simple".
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from aiohttp import web

Handler = Callable[[web.BaseRequest, dict[str, str]], Awaitable[web.StreamResponse]]


@dataclass
class _Node:
    literals: dict[str, _Node] = field(default_factory=dict)
    param: tuple[str, _Node] | None = None
    handlers: dict[str, Handler] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Match:
    handler: Handler | None
    params: dict[str, str]
    # methods the path accepts (for 405 and Allow) when ``handler`` is None; else empty
    allowed: tuple[str, ...]


# matched paths remembered (a page is asked for again and again); cleared when full
_MEMO_SIZE = 4096


class Router:
    def __init__(self) -> None:
        self._root = _Node()
        self._registered: list[tuple[str, str]] = []
        self._memo: dict[tuple[str, str], Match] = {}

    def add(self, methods: str, pattern: str, handler: Handler) -> None:
        """Register ``handler`` for space-separated ``methods`` on ``pattern``.

        A pattern is a path whose segments are literals or ``{name}``; a trailing ``/``
        is a final empty segment. GET implies HEAD.
        """
        self._memo.clear()
        node = self._root
        for segment in pattern.split("/")[1:]:
            if segment.startswith("{") and segment.endswith("}"):
                name = segment[1:-1]
                if node.param is None:
                    node.param = (name, _Node())
                elif node.param[0] != name:
                    raise ValueError(f"{pattern}: parameter {name} clashes with {node.param[0]}")
                node = node.param[1]
            else:
                node = node.literals.setdefault(segment, _Node())
        for method in methods.split():
            node.handlers[method] = handler
            self._registered.append((method, pattern))
            if method == "GET":
                node.handlers.setdefault("HEAD", handler)

    def routes(self) -> list[tuple[str, str]]:
        """(method, pattern) of every registration, in order (HEAD implied by GET is not
        listed)."""
        return list(self._registered)

    def match(self, method: str, path: str) -> Match | None:
        """The handler for ``method`` on ``path``; None when no pattern has this path.

        The match's ``params`` may be shared by other requests for the same path: read
        them, do not change them.
        """
        key = (method, path)
        known = self._memo.get(key)
        if known is not None:
            return known
        found = self._match(method, path)
        if found is not None and found.handler is not None:
            if len(self._memo) >= _MEMO_SIZE:
                self._memo.clear()
            self._memo[key] = found
        return found

    def _match(self, method: str, path: str) -> Match | None:
        segments = path.split("/")[1:]
        found = _walk(self._root, segments, 0, {})
        if found is None:
            return None
        node, params = found
        handler = node.handlers.get(method)
        # the allowed methods matter only for a 405: not sorted on the hot path
        return Match(handler, params, () if handler else tuple(sorted(node.handlers)))


def _walk(
    node: _Node, segments: list[str], i: int, params: dict[str, str]
) -> tuple[_Node, dict[str, str]] | None:
    if i == len(segments):
        return (node, params) if node.handlers else None
    segment = segments[i]
    child = node.literals.get(segment)
    if child is not None:
        found = _walk(child, segments, i + 1, params)
        if found is not None:
            # the path is the literal branch's, whatever the method (else a 405)
            return found
    if node.param is not None and segment:
        name, child = node.param
        return _walk(child, segments, i + 1, {**params, name: segment})
    return None
