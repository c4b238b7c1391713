"""The segment router: literals before parameters with backtracking, 405 information."""

from __future__ import annotations

import pytest
from aiohttp import web
from hypothesis import given
from hypothesis import strategies as st

from bodega.web.router import Handler, Router

# the application's route table (bodega.web.app.build_router), with stand-in handlers
ROUTES = [
    ("GET", "/"),
    ("GET", "/healthz"),
    ("GET", "/simple/"),
    ("GET", "/simple/{project}/"),
    ("GET", "/simple/{project}"),
    ("GET", "/pypi/{project}/json"),
    ("GET", "/pypi/{project}/{version}/json"),
    ("GET", "/{index}/"),
    ("POST", "/{index}/"),
    ("GET", "/{index}/simple/"),
    ("GET", "/{index}/simple/{project}/"),
    ("GET", "/{index}/simple/{project}"),
    ("GET", "/{index}/files/{sha256}/{filename}"),
    ("GET", "/{index}/pypi/{project}/json"),
    ("GET", "/{index}/pypi/{project}/{version}/json"),
]


def _handler(name: str) -> Handler:
    async def handler(request: web.BaseRequest, params: dict[str, str]) -> web.StreamResponse:
        return web.Response(text=name)

    handler.__qualname__ = name
    return handler


def _router(routes: list[tuple[str, str]]) -> tuple[Router, dict[Handler, str]]:
    router = Router()
    names: dict[Handler, str] = {}
    for methods, pattern in routes:
        handler = _handler(f"{methods} {pattern}")
        names[handler] = pattern
        router.add(methods, pattern, handler)
    return router, names


APP, APP_NAMES = _router(ROUTES)


def _matched(router: Router, method: str, path: str) -> Handler:
    """The handler ``router`` picks; fails the test when there is none."""
    match = router.match(method, path)
    assert match is not None
    assert match.handler is not None
    return match.handler


@pytest.mark.parametrize(
    ("method", "path", "pattern", "params"),
    [
        ("GET", "/", "/", {}),
        ("GET", "/healthz", "/healthz", {}),
        ("GET", "/simple/", "/simple/", {}),
        ("GET", "/simple/demo/", "/simple/{project}/", {"project": "demo"}),
        ("GET", "/simple/Demo_Pkg", "/simple/{project}", {"project": "Demo_Pkg"}),
        ("GET", "/pypi/demo/json", "/pypi/{project}/json", {"project": "demo"}),
        (
            "GET",
            "/pypi/demo/1.0/json",
            "/pypi/{project}/{version}/json",
            {"project": "demo", "version": "1.0"},
        ),
        # an index named "pypi": the literal branch fails further on, so it backtracks
        ("GET", "/pypi/", "/{index}/", {"index": "pypi"}),
        ("GET", "/pypi/simple/", "/{index}/simple/", {"index": "pypi"}),
        (
            "GET",
            "/pypi/simple/demo/",
            "/{index}/simple/{project}/",
            {"index": "pypi", "project": "demo"},
        ),
        (
            "GET",
            "/pypi/files/abc/demo-1.0.tar.gz",
            "/{index}/files/{sha256}/{filename}",
            {"index": "pypi", "sha256": "abc", "filename": "demo-1.0.tar.gz"},
        ),
        # where both branches match the whole path, the literal one wins: these are the
        # top-level JSON API, not the "pypi" index's own pages
        ("GET", "/pypi/simple/json", "/pypi/{project}/json", {"project": "simple"}),
        (
            "GET",
            "/pypi/pypi/demo/json",
            "/pypi/{project}/{version}/json",
            {"project": "pypi", "version": "demo"},
        ),
        ("GET", "/local/", "/{index}/", {"index": "local"}),
        ("POST", "/local/", "/{index}/", {"index": "local"}),
        ("GET", "/local/simple/", "/{index}/simple/", {"index": "local"}),
        (
            "GET",
            "/local/simple/demo",
            "/{index}/simple/{project}",
            {"index": "local", "project": "demo"},
        ),
        (
            "GET",
            "/local/pypi/demo/2.0/json",
            "/{index}/pypi/{project}/{version}/json",
            {"index": "local", "project": "demo", "version": "2.0"},
        ),
        # GET implies HEAD
        ("HEAD", "/simple/", "/simple/", {}),
        ("HEAD", "/local/files/a/b.whl", "/{index}/files/{sha256}/{filename}", None),
    ],
)
def test_app_routes(method: str, path: str, pattern: str, params: dict[str, str] | None) -> None:
    match = APP.match(method, path)
    assert match is not None
    assert match.handler is not None
    assert APP_NAMES[match.handler] == pattern
    if params is not None:
        assert match.params == params


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("PUT", "/local/", ("GET", "HEAD", "POST")),
        # the read-only root of the default index, not an upload to an index "simple"
        ("POST", "/simple/", ("GET", "HEAD")),
        ("DELETE", "/simple/demo/", ("GET", "HEAD")),
        ("POST", "/healthz", ("GET", "HEAD")),
        ("POST", "/pypi/demo/json", ("GET", "HEAD")),
        ("PATCH", "/local/files/a/b.whl", ("GET", "HEAD")),
    ],
)
def test_method_not_allowed(method: str, path: str, allowed: tuple[str, ...]) -> None:
    match = APP.match(method, path)
    assert match is not None
    assert match.handler is None
    assert match.allowed == allowed


@pytest.mark.parametrize(
    "path",
    [
        "/nothing/here/at/all",
        "/local/simple",
        "/local/files/abc",
        "/local/files/abc/x/y",
        "//simple/",
        "/local//",
        "/simple//",
        "/pypi//json",
        "/local/unknown/",
    ],
)
def test_no_match(path: str) -> None:
    assert APP.match("GET", path) is None


def test_params_from_an_abandoned_branch_do_not_leak() -> None:
    match = APP.match("GET", "/pypi/simple/")
    assert match is not None
    assert match.params == {"index": "pypi"}


def test_trailing_slash_is_its_own_segment() -> None:
    router, names = _router([("GET", "/a/"), ("GET", "/a"), ("GET", "/b/")])
    assert names[_matched(router, "GET", "/a/")] == "/a/"
    assert names[_matched(router, "GET", "/a")] == "/a"
    assert router.match("GET", "/b") is None


def test_a_path_of_the_literal_branch_is_never_taken_by_a_parameter() -> None:
    router, names = _router([("GET", "/x/{y}"), ("POST", "/{a}/{b}")])
    assert names[_matched(router, "GET", "/x/1")] == "/x/{y}"
    assert names[_matched(router, "POST", "/z/1")] == "/{a}/{b}"
    post = router.match("POST", "/z/1")
    assert post is not None
    assert post.params == {"a": "z", "b": "1"}
    # "/x/1" is the literal branch's path: other methods are refused, not rerouted
    for method in ("POST", "PUT"):
        refused = router.match(method, "/x/1")
        assert refused is not None
        assert refused.handler is None
        assert refused.allowed == ("GET", "HEAD")


def test_explicit_head_is_kept() -> None:
    head, get = _handler("head"), _handler("get")
    router = Router()
    router.add("HEAD", "/p", head)
    router.add("GET", "/p", get)
    assert _matched(router, "HEAD", "/p") is head
    assert _matched(router, "GET", "/p") is get


def test_several_methods_at_once() -> None:
    handler = _handler("h")
    router = Router()
    router.add("GET POST", "/p/", handler)
    for method in ("GET", "HEAD", "POST"):
        assert _matched(router, method, "/p/") is handler
    put = router.match("PUT", "/p/")
    assert put is not None
    assert put.allowed == ("GET", "HEAD", "POST")


def test_clashing_parameter_names_are_refused() -> None:
    router = Router()
    router.add("GET", "/{index}/simple/", _handler("a"))
    with pytest.raises(ValueError, match="clashes with index"):
        router.add("GET", "/{name}/other/", _handler("b"))


async def test_matched_handler_is_callable() -> None:
    handler = _matched(APP, "GET", "/simple/demo/")
    assert handler.__qualname__ == "GET /simple/{project}/"


_SEGMENT = st.sampled_from(["", "simple", "pypi", "json", "files", "local", "demo", "1.0"])


@given(st.sampled_from(["GET", "HEAD", "POST", "PUT"]), st.lists(_SEGMENT, max_size=6))
def test_matches_agree_with_some_pattern(method: str, segments: list[str]) -> None:
    path = "/" + "/".join(segments)
    match = APP.match(method, path)
    if match is None or match.handler is None:
        return
    pattern = APP_NAMES[match.handler]
    parts = pattern.split("/")
    assert len(parts) == len(path.split("/"))
    for expected, actual in zip(parts, path.split("/"), strict=True):
        if expected.startswith("{"):
            assert match.params[expected[1:-1]] == actual
            assert actual
        else:
            assert expected == actual


def test_repeated_matches_are_the_same_and_follow_new_routes() -> None:
    router, _ = _router([("GET", "/{index}/simple/{project}/")])
    first = router.match("GET", "/local/simple/ham/")
    again = router.match("GET", "/local/simple/ham/")
    assert first is not None
    assert again is not None
    assert (again.handler, again.params) == (first.handler, {"index": "local", "project": "ham"})
    assert router.match("GET", "/local/simple/eggs/").params["project"] == "eggs"  # type: ignore[union-attr]
    # a route added later wins where it is more specific, also for paths matched before
    literal = _handler("literal")
    router.add("GET", "/local/simple/ham/", literal)
    assert _matched(router, "GET", "/local/simple/ham/") is literal


def test_many_distinct_paths_keep_matching() -> None:
    router, _ = _router([("GET", "/{index}/simple/{project}/")])
    for i in range(10_000):
        match = router.match("GET", f"/i/simple/p{i}/")
        assert match is not None
        assert match.params == {"index": "i", "project": f"p{i}"}
