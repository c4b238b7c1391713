"""Proxied project pages: bodega URLs, preserved attributes, caching and revalidation."""

from __future__ import annotations

import gzip
import json
import re
import sqlite3
import time
from contextlib import closing
from pathlib import Path

import pytest

from tests.e2e.proxy.conftest import publish
from tests.support import clients
from tests.support.server import Server
from tests.support.upstream import FakeUpstream

JSON = "application/vnd.pypi.simple.v1+json"


def page_json(server: Server, path: str) -> dict[str, object]:
    response = clients.get(server.url(path), Accept=JSON)
    assert response.status == 200, response.text
    return json.loads(response.body)


def test_page_keeps_upstream_attributes_with_bodega_urls(proxy: Server, upstream: FakeUpstream):
    wheel = publish(upstream, "ham", "1.0", requires_python=">=3.8")
    upstream.add(
        "ham-0.9-py3-none-any.whl",
        publish(upstream, "spam", "0.1").data,
    )
    document = page_json(proxy, "/pypi/simple/ham/")
    files = {f["filename"]: f for f in document["files"]}
    entry = files[wheel.filename]
    assert entry["url"] == f"../../../pypi/files/{wheel.sha256}/{wheel.filename}"
    assert entry["hashes"] == {"sha256": wheel.sha256}
    assert entry["requires-python"] == ">=3.8"
    assert entry["size"] == len(wheel.data)
    assert entry["core-metadata"]["sha256"]
    assert document["versions"] == ["0.9", "1.0"]
    html = clients.get(proxy.url("/pypi/simple/ham/"), Accept="text/html").text
    assert (
        f'href="../../../pypi/files/{wheel.sha256}/{wheel.filename}#sha256={wheel.sha256}"' in html
    )
    assert 'data-requires-python="&gt;=3.8"' in html


def test_html_only_upstream(proxy: Server, upstream: FakeUpstream):
    upstream.switches.html_only = True
    wheel = publish(upstream, "eggs", "2.0")
    upstream.files["eggs"][0].yanked = "broken build"
    document = page_json(proxy, "/pypi/simple/eggs/")
    (entry,) = document["files"]
    assert entry["hashes"] == {"sha256": wheel.sha256}
    assert entry["yanked"] == "broken build"
    assert document["versions"] == ["2.0"]


def test_pages_are_cached_for_their_ttl(proxy: Server, upstream: FakeUpstream):
    publish(upstream, "cached", "1.0")
    for _ in range(3):
        page_json(proxy, "/pypi/simple/cached/")
    assert upstream.count("/simple/cached/") == 1


def test_stale_page_is_revalidated_with_a_conditional_request(
    proxy: Server, upstream: FakeUpstream
):
    proxy.cli("index", "set", "pypi", "--ttl", "0.2")
    publish(upstream, "reval", "1.0")
    first = page_json(proxy, "/pypi/simple/reval/")
    time.sleep(0.4)
    assert page_json(proxy, "/pypi/simple/reval/") == first
    assert upstream.count("/simple/reval/") == 2
    assert upstream.not_modified >= 1
    publish(upstream, "reval", "2.0")
    time.sleep(0.4)
    assert page_json(proxy, "/pypi/simple/reval/")["versions"] == ["1.0", "2.0"]


def test_stale_if_error(proxy: Server, upstream: FakeUpstream):
    proxy.cli("index", "set", "pypi", "--ttl", "0.2")
    publish(upstream, "sturdy", "1.0")
    good = page_json(proxy, "/pypi/simple/sturdy/")
    for switch in ("status", "down", "malformed", "truncated"):
        if switch == "status":
            upstream.switches.status = 503
        elif switch == "down":
            upstream.switches.status = None
            upstream.switches.down = True
        elif switch == "malformed":
            upstream.switches.down = False
            upstream.switches.malformed = True
        else:
            upstream.switches.malformed = False
            upstream.switches.truncate_pages = True
        time.sleep(0.4)
        assert page_json(proxy, "/pypi/simple/sturdy/") == good, switch


def test_slow_upstream_gets_the_stale_copy_quickly(proxy: Server, upstream: FakeUpstream):
    proxy.cli("index", "set", "pypi", "--ttl", "0.2", "--refresh-timeout", "0.3")
    publish(upstream, "slowpoke", "1.0")
    good = page_json(proxy, "/pypi/simple/slowpoke/")
    upstream.switches.delay = 3.0
    time.sleep(0.4)
    started = time.monotonic()
    assert page_json(proxy, "/pypi/simple/slowpoke/") == good
    assert time.monotonic() - started < 2.0


def test_malformed_page_without_a_copy_is_a_502(proxy: Server, upstream: FakeUpstream):
    publish(upstream, "garbled", "1.0")
    upstream.switches.malformed = True
    response = clients.get(proxy.url("/pypi/simple/garbled/"), Accept=JSON)
    assert response.status == 502
    assert "not valid JSON" in response.text or "malformed" in response.text


def test_unreachable_upstream_without_a_copy_is_a_502(proxy: Server, upstream: FakeUpstream):
    upstream.switches.down = True
    response = clients.get(proxy.url("/pypi/simple/nothing-here/"))
    assert response.status == 502
    assert "upstream" in response.text


def test_truncated_page_without_a_copy_is_a_502_and_nothing_is_kept(
    proxy: Server, upstream: FakeUpstream
):
    publish(upstream, "halved", "1.0")
    upstream.switches.truncate_pages = True
    response = clients.get(proxy.url("/pypi/simple/halved/"), Accept=JSON)
    assert response.status == 502
    assert "upstream" in response.text
    # retried (bounded), then given up: a later good answer is taken, not a half page
    assert upstream.count("/simple/halved/") >= 2
    upstream.switches.truncate_pages = False
    assert [f["filename"] for f in page_json(proxy, "/pypi/simple/halved/")["files"]]


def test_unknown_upstream_project_is_a_404(proxy: Server, upstream: FakeUpstream):
    response = clients.get(proxy.url("/pypi/simple/not-upstream/"))
    assert response.status == 404


def test_root_page_lists_upstream_projects(proxy: Server, upstream: FakeUpstream):
    publish(upstream, "alpha", "1.0")
    publish(upstream, "beta", "1.0")
    document = page_json(proxy, "/pypi/simple/")
    assert [p["name"] for p in document["projects"]] == ["alpha", "beta"]
    html = clients.get(proxy.url("/pypi/simple/")).text
    assert re.findall(r'href="([^"]+)"', html) == ["alpha/", "beta/"]


def test_offline_mode_serves_only_the_cache(upstream: FakeUpstream, proxy: Server, start_bodega):
    publish(upstream, "kept", "1.0")
    online = page_json(proxy, "/pypi/simple/kept/")
    proxy.stop()
    before = sum(upstream.requests.values())
    offline = start_bodega(
        env={"PIP_INDEX_URL": upstream.url, "BODEGA_OFFLINE": "1"}, data_dir=proxy.data_dir
    )
    assert page_json(offline, "/pypi/simple/kept/") == online
    missing = clients.get(offline.url("/pypi/simple/never-fetched/"))
    assert missing.status == 404
    assert "offline" in missing.text
    assert sum(upstream.requests.values()) == before


def test_a_restarted_server_serves_stored_pages_when_the_upstream_fails(
    upstream: FakeUpstream, proxy: Server, start_bodega
):
    publish(upstream, "durable", "1.0")
    before = page_json(proxy, "/pypi/simple/durable/")
    proxy.stop()
    upstream.switches.down = True
    again = start_bodega(env={"PIP_INDEX_URL": upstream.url}, data_dir=proxy.data_dir)
    assert page_json(again, "/pypi/simple/durable/") == before


def _stored_root(data_dir: Path) -> bytes:
    with closing(sqlite3.connect(data_dir / "bodega.sqlite3")) as db:
        (page,) = db.execute(
            "SELECT page FROM proxy_pages WHERE index_name = 'pypi' AND project = ''"
        ).fetchone()
    return page


def test_a_big_stored_root_page_is_packed_and_served_after_a_restart(
    upstream: FakeUpstream, proxy: Server, start_bodega
):
    publish(upstream, "alpha", "1.0")
    upstream.listed = [f"name-{i:05d}" for i in range(60_000)]
    before = clients.get(proxy.url("/pypi/simple/"), Accept=JSON).body
    assert len(before) > 1 << 20
    proxy.stop()
    stored = _stored_root(proxy.data_dir)
    assert stored.startswith(b"\x1f\x8b")  # gzip
    assert len(stored) < len(before) // 4
    upstream.switches.down = True
    again = start_bodega(env={"PIP_INDEX_URL": upstream.url}, data_dir=proxy.data_dir)
    assert clients.get(again.url("/pypi/simple/"), Accept=JSON).body == before


def test_an_unreadable_stored_root_page_is_fetched_again(
    upstream: FakeUpstream, proxy: Server, start_bodega
):
    publish(upstream, "alpha", "1.0")
    upstream.listed = [f"name-{i:05d}" for i in range(60_000)]
    before = clients.get(proxy.url("/pypi/simple/"), Accept=JSON).body
    proxy.stop()
    with closing(sqlite3.connect(proxy.data_dir / "bodega.sqlite3")) as db, db:
        # the gzip magic, then bytes that do not decompress
        db.execute("UPDATE proxy_pages SET page = ? WHERE project = ''", (b"\x1f\x8bnot gzip",))
    fetched = upstream.requests["/simple/"]
    again = start_bodega(env={"PIP_INDEX_URL": upstream.url}, data_dir=proxy.data_dir)
    assert clients.get(again.url("/pypi/simple/"), Accept=JSON).body == before
    assert upstream.requests["/simple/"] == fetched + 1
    assert "discarding unreadable cached page" in again.log_path.read_text()
    assert _stored_root(proxy.data_dir).startswith(b"\x1f\x8b")


def test_a_page_another_process_stored_is_served_when_the_upstream_fails(
    upstream: FakeUpstream, proxy: Server, start_bodega
):
    # two servers on one data directory (as worker processes are): the second one has
    # read what was stored before the first one stored "shared"
    sibling = start_bodega(env={"PIP_INDEX_URL": upstream.url}, data_dir=proxy.data_dir)
    publish(upstream, "early", "1.0")
    publish(upstream, "shared", "1.0")
    page_json(sibling, "/pypi/simple/early/")
    stored = page_json(proxy, "/pypi/simple/shared/")
    upstream.switches.down = True
    # the first server stores its page just after answering
    deadline = time.monotonic() + 5
    while True:
        response = clients.get(sibling.url("/pypi/simple/shared/"), Accept=JSON)
        if response.status == 200 or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert response.status == 200, response.text
    assert json.loads(response.body) == stored


# 10k names: a page sent a slice at a time; 40k: one kept in a spool file (sendfile)
@pytest.mark.parametrize(
    ("names", "sizes"), [(10_000, (256 << 10, 1 << 20)), (40_000, (1 << 20, 4 << 20))]
)
def test_a_big_root_page_arrives_whole_in_every_form(
    proxy: Server, upstream: FakeUpstream, names: int, sizes: tuple[int, int]
):
    publish(upstream, "alpha", "1.0")
    # many names, out of order, some repeated or not in normal form
    upstream.listed = [f"Name_{i:05d}" for i in reversed(range(names))] + ["alpha", "ALPHA"]
    expected = sorted({"alpha", *(f"name-{i:05d}" for i in range(names))})
    assert [p["name"] for p in page_json(proxy, "/pypi/simple/")["projects"]] == expected
    plain = clients.get(proxy.url("/pypi/simple/"), Accept="text/html")
    assert sizes[0] <= len(plain.body) < sizes[1]
    assert plain.header("Content-Length") == str(len(plain.body))
    assert re.findall(r'<a href="([^"]+)/">\1</a>', plain.text) == expected
    packed = clients.get(proxy.url("/pypi/simple/"), Accept="text/html", Accept_Encoding="gzip")
    assert packed.header("Content-Encoding") == "gzip"
    assert gzip.decompress(packed.body) == plain.body
    head = clients.request("HEAD", proxy.url("/pypi/simple/"), headers={"Accept": "text/html"})
    assert head.status == 200
    assert head.body == b""
    assert head.header("Content-Length") == str(len(plain.body))
    # through the default group too, merged with the hosted index's (empty) list
    assert clients.get(proxy.url("/simple/"), Accept="text/html").body == plain.body
