"""Proxied files: fetched once, verified, streamed while stored, kept."""

from __future__ import annotations

import asyncio
import hashlib
import json
import random
import time
from urllib.parse import urljoin

import aiohttp
import pytest

from tests.conftest import StartServer
from tests.e2e.proxy.conftest import publish
from tests.support import clients
from tests.support.dists import Dist, wheel_bytes, wheel_name
from tests.support.server import Server
from tests.support.upstream import FakeUpstream

JSON = "application/vnd.pypi.simple.v1+json"


def file_url(server: Server, project: str, filename: str, index: str = "pypi") -> str:
    page = json.loads(clients.get(server.url(f"/{index}/simple/{project}/"), Accept=JSON).body)
    (entry,) = [f for f in page["files"] if f["filename"] == filename]
    return urljoin(server.url(f"/{index}/simple/{project}/"), entry["url"])


def blob_count(server: Server) -> int:
    return sum(1 for p in (server.blob_dir / "sha256").rglob("*") if p.is_file())


def big_wheel(name: str, version: str, size: int) -> tuple[str, bytes]:
    """A valid wheel of a little over ``size`` bytes (a member of incompressible bytes)."""
    spec = Dist(name, version)
    filler = random.Random(name).randbytes(size)
    return wheel_name(spec), wheel_bytes(spec, extra_members={f"{name}/blob.bin": filler})


def test_file_is_fetched_once_and_kept(proxy: Server, upstream: FakeUpstream):
    wheel = publish(upstream, "keeper", "1.0")
    url = file_url(proxy, "keeper", wheel.filename)
    first = clients.get(url)
    assert first.status == 200
    assert first.body == wheel.data
    second = clients.get(url)
    assert second.body == wheel.data
    assert second.header("ETag") == f'"{wheel.sha256}"'
    assert upstream.count(f"/files/{wheel.filename}") == 1
    # still served when the upstream is gone
    upstream.switches.down = True
    assert clients.get(url).body == wheel.data
    ranged = clients.get(url, Range="bytes=0-9")
    assert ranged.status == 206
    assert ranged.body == wheel.data[:10]


def test_file_of_unknown_size_is_streamed_chunked(proxy: Server, upstream: FakeUpstream):
    # an HTML upstream page gives no size: the download goes out with chunked encoding
    upstream.switches.html_only = True
    filename, data = big_wheel("sizeless", "1.0", 1_000_000)
    upstream.add(filename, data)
    url = file_url(proxy, "sizeless", filename)

    async def fetch() -> tuple[str | None, bytes]:
        async with aiohttp.ClientSession() as session, session.get(url) as response:
            assert response.status == 200
            return response.headers.get("Transfer-Encoding"), await response.read()

    encoding, body = asyncio.run(fetch())
    assert encoding == "chunked"
    assert body == data
    assert clients.get(url).body == data  # then from the store
    assert upstream.count(f"/files/{filename}") == 1


@pytest.mark.parametrize("framing", ["sized", "chunked"])
def test_clients_get_the_bytes_while_the_upstream_sends_them(
    proxy: Server, upstream: FakeUpstream, framing: str
):
    # the first half now, the second half after a pause: a client has the first half
    # (but not the whole file) long before the upstream has sent the rest, and a client
    # that comes during the pause gets the file too
    upstream.switches.html_only = framing == "chunked"  # no size on HTML pages
    filename, data = big_wheel("trickle", "1.0", 3_000_000)
    upstream.add(filename, data)
    url = file_url(proxy, "trickle", filename)
    upstream.switches.pause[filename] = 3.0

    async def fetch() -> tuple[float, int, bytes, bytes]:
        async with aiohttp.ClientSession() as session, session.get(url) as response:
            assert response.status == 200
            started = time.monotonic()
            early = b""
            while len(early) < len(data) // 4:
                early += await response.content.readany()
            early_after = time.monotonic() - started
            # the late client: the first half is on disk or in memory by now
            async with session.get(url) as late:
                rest = await response.content.read()
                return early_after, len(early), early + rest, await late.read()

    early_after, early_size, body, late_body = asyncio.run(fetch())
    assert early_after < 2.0
    assert early_size < len(data)
    assert body == data
    assert late_body == data
    assert upstream.count(f"/files/{filename}") == 1


def test_a_client_that_falls_behind_the_download_gets_the_whole_file(
    proxy: Server, upstream: FakeUpstream
):
    # the client stops reading after the first bytes: the download is finished, stored
    # and its staged file gone before the client wants the rest
    filename, data = big_wheel("laggard", "1.0", 12_000_000)
    upstream.add(filename, data)
    url = file_url(proxy, "laggard", filename)

    async def fetch() -> bytes:
        async with aiohttp.ClientSession() as session, session.get(url) as response:
            first = await response.content.readany()
            await asyncio.sleep(2)
            return first + await response.content.read()

    assert asyncio.run(fetch()) == data
    assert clients.get(url).body == data
    assert upstream.count(f"/files/{filename}") == 1


def test_concurrent_requests_cause_one_upstream_download(proxy: Server, upstream: FakeUpstream):
    filename, data = big_wheel("crowd", "1.0", 3_000_000)
    upstream.add(filename, data)
    url = file_url(proxy, "crowd", filename)
    upstream.switches.delay = 0.3  # let every request arrive while the first is in flight

    async def fetch_all() -> list[bytes]:
        async with aiohttp.ClientSession() as session:

            async def one() -> bytes:
                async with session.get(url) as response:
                    assert response.status == 200
                    return await response.read()

            return await asyncio.gather(*(one() for _ in range(20)))

    bodies = asyncio.run(fetch_all())
    assert all(body == data for body in bodies)
    assert upstream.count(f"/files/{filename}") == 1


def test_two_processes_on_one_data_dir_download_a_file_once(
    proxy: Server, upstream: FakeUpstream, start_bodega: StartServer
):
    # worker processes share a data directory: the one that comes second waits for the
    # first one's download and serves what it stored
    sibling = start_bodega(env={"PIP_INDEX_URL": upstream.url}, data_dir=proxy.data_dir)
    filename, data = big_wheel("shared", "1.0", 2_000_000)
    upstream.add(filename, data)
    urls = [file_url(server, "shared", filename) for server in (proxy, sibling)]
    upstream.switches.delay = 0.5

    async def fetch_all() -> list[bytes]:
        async with aiohttp.ClientSession() as session:

            async def one(url: str) -> bytes:
                async with session.get(url) as response:
                    assert response.status == 200
                    return await response.read()

            return await asyncio.gather(*(one(url) for url in urls * 3))

    bodies = asyncio.run(fetch_all())
    assert all(body == data for body in bodies)
    assert upstream.count(f"/files/{filename}") == 1
    assert not list((proxy.blob_dir / "staging").glob("staged-*"))


@pytest.mark.parametrize("fault", ["wrong_hash", "truncate"])
def test_bad_download_stores_nothing_and_fails_the_client(
    proxy: Server, upstream: FakeUpstream, fault: str
):
    filename, data = big_wheel("faulty", "1.0", 2_000_000)
    upstream.add(filename, data)
    url = file_url(proxy, "faulty", filename)
    getattr(upstream.switches, fault).add(filename)
    blobs_before = blob_count(proxy)

    async def download() -> None:
        async with aiohttp.ClientSession() as session, session.get(url) as response:
            await response.read()

    with pytest.raises(aiohttp.ClientError):
        asyncio.run(download())
    assert blob_count(proxy) == blobs_before
    # nothing was kept: the next request goes upstream again and, fixed, succeeds
    getattr(upstream.switches, fault).clear()
    assert clients.get(url).body == data
    assert upstream.count(f"/files/{filename}") == 2


def test_metadata_is_proxied_when_the_upstream_offers_it(proxy: Server, upstream: FakeUpstream):
    wheel = publish(upstream, "meta", "1.0", requires_dist=("ham>=1",))
    url = file_url(proxy, "meta", wheel.filename)
    response = clients.get(url + ".metadata")
    assert response.status == 200
    assert response.body == wheel.metadata
    assert upstream.count(f"/files/{wheel.filename}.metadata") == 1
    assert upstream.requests[f"/files/{wheel.filename}"] == 0  # the wheel was not needed
    assert clients.get(url + ".metadata").body == wheel.metadata
    assert upstream.count(f"/files/{wheel.filename}.metadata") == 1


def test_metadata_that_does_not_match_its_digest_is_refused_and_not_kept(
    proxy: Server, upstream: FakeUpstream
):
    wheel = publish(upstream, "badmeta", "1.0")
    assert wheel.metadata is not None
    good = wheel.metadata
    url = file_url(proxy, "badmeta", wheel.filename) + ".metadata"  # the page is cached
    wheel.metadata = good + b"X-Tampered: yes\n"  # no longer what the page's digest says
    blobs_before = blob_count(proxy)
    refused = clients.get(url)
    assert refused.status == 502
    assert "metadata" in refused.text
    assert blob_count(proxy) == blobs_before
    # nothing was kept: fixed upstream, the next request fetches it again
    wheel.metadata = good
    assert clients.get(url).body == good
    assert upstream.count(f"/files/{wheel.filename}.metadata") == 2


def test_metadata_answered_while_stored_honours_ranges_and_etags(
    proxy: Server, upstream: FakeUpstream
):
    # the request that fetches a metadata file is answered from memory, as stored ones are
    first = publish(upstream, "partial", "1.0")
    second = publish(upstream, "partial", "2.0")
    assert first.metadata is not None
    assert second.metadata is not None
    url = file_url(proxy, "partial", first.filename) + ".metadata"
    ranged = clients.get(url, Range="bytes=0-9")
    assert ranged.status == 206
    assert ranged.body == first.metadata[:10]
    assert ranged.header("Content-Range") == f"bytes 0-9/{len(first.metadata)}"
    digest = hashlib.sha256(second.metadata).hexdigest()
    url = file_url(proxy, "partial", second.filename) + ".metadata"
    assert clients.get(url, If_None_Match=f'"{digest}"').status == 304
    whole = clients.get(url)
    assert whole.body == second.metadata
    assert whole.header("ETag") == f'"{digest}"'


def wait_until_stored(server: Server, project: str, filename: str, index: str = "pypi") -> None:
    """The client has the last bytes once they are verified; storing them completes just
    after: wait for the page to show the stored file's metadata."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        page = json.loads(clients.get(server.url(f"/{index}/simple/{project}/"), Accept=JSON).body)
        (entry,) = [f for f in page["files"] if f["filename"] == filename]
        if entry.get("core-metadata"):
            return
        time.sleep(0.05)
    raise AssertionError(f"{filename} was not stored")


def test_metadata_fetched_before_the_wheel_is_kept_with_it(proxy: Server, upstream: FakeUpstream):
    # what installers do: the metadata file, then the wheel
    wheel = publish(upstream, "ordered", "1.0", requires_dist=("ham>=1",))
    url = file_url(proxy, "ordered", wheel.filename)
    assert clients.get(url + ".metadata").body == wheel.metadata
    assert clients.get(url).body == wheel.data
    wait_until_stored(proxy, "ordered", wheel.filename)
    upstream.switches.down = True
    assert clients.get(url + ".metadata").body == wheel.metadata
    assert clients.get(url).body == wheel.data
    assert upstream.count(f"/files/{wheel.filename}.metadata") == 1


def test_served_metadata_is_the_one_the_page_advertises(proxy: Server, upstream: FakeUpstream):
    # an upstream whose metadata file differs from the wheel's METADATA (it may rewrite
    # it): the page advertises the upstream's digest, so that is the file to serve, also
    # once the wheel (fetched first here) is stored
    wheel = publish(upstream, "rewritten", "1.0")
    assert wheel.metadata is not None
    wheel.metadata += b"X-Rewritten: by the upstream\n"
    url = file_url(proxy, "rewritten", wheel.filename)
    assert clients.get(url).body == wheel.data
    # the page advertises the upstream's metadata whether the wheel is stored or not:
    # wait for its blob, then for the record committed with it
    blob = proxy.blob_dir / "sha256" / wheel.sha256[:2] / wheel.sha256[2:4] / wheel.sha256
    deadline = time.monotonic() + 5
    while not blob.exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.3)
    upstream.switches.down = True
    metadata = clients.get(url + ".metadata")
    assert metadata.status == 200
    assert metadata.body == wheel.metadata


def test_metadata_is_extracted_from_the_stored_wheel_otherwise(
    proxy: Server, upstream: FakeUpstream
):
    upstream.switches.metadata_files = False
    wheel = publish(upstream, "nometa", "1.0")
    page = json.loads(clients.get(proxy.url("/pypi/simple/nometa/"), Accept=JSON).body)
    assert "core-metadata" not in page["files"][0]
    url = file_url(proxy, "nometa", wheel.filename)
    assert clients.get(url + ".metadata").status == 404
    assert clients.get(url).body == wheel.data
    # the client gets the last bytes once they are verified; storing them (and so the
    # extracted metadata) completes just after
    deadline = time.monotonic() + 5
    while True:
        page = json.loads(clients.get(proxy.url("/pypi/simple/nometa/"), Accept=JSON).body)
        if "core-metadata" in page["files"][0] or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    metadata_hash = page["files"][0]["core-metadata"]["sha256"]
    metadata = clients.get(url + ".metadata")
    assert metadata.status == 200
    assert metadata.body == wheel.metadata
    assert hashlib.sha256(metadata.body).hexdigest() == metadata_hash


def test_head_does_not_fetch(proxy: Server, upstream: FakeUpstream):
    wheel = publish(upstream, "headless", "1.0")
    url = file_url(proxy, "headless", wheel.filename)
    response = clients.request("HEAD", url)
    assert response.status == 200
    assert response.header("Content-Length") == str(len(wheel.data))
    assert upstream.requests[f"/files/{wheel.filename}"] == 0


def test_wrong_digest_in_url_is_a_404(proxy: Server, upstream: FakeUpstream):
    wheel = publish(upstream, "digest", "1.0")
    url = file_url(proxy, "digest", wheel.filename).replace(wheel.sha256, "0" * 64)
    assert clients.get(url).status == 404
    assert upstream.count("/files/") == 0


def test_a_file_fetched_just_before_the_server_stops_is_kept(
    proxy: Server, upstream: FakeUpstream, start_bodega: StartServer
):
    # the server is told to stop while the file it just sent waits to be recorded: it is
    # stored and recorded before the server exits, not thrown away
    wheel = publish(upstream, "lastone", "1.0")
    url = file_url(proxy, "lastone", wheel.filename)
    assert clients.get(url).body == wheel.data
    proxy.stop()
    assert '"level":"error"' not in proxy.log()
    upstream.switches.down = True
    again = start_bodega(env={"PIP_INDEX_URL": upstream.url}, data_dir=proxy.data_dir)
    assert clients.get(url.replace(proxy.base_url, again.base_url)).body == wheel.data
    assert upstream.count(f"/files/{wheel.filename}") == 1


def _restart_without_blobs(
    proxy: Server, start_bodega: StartServer, upstream: FakeUpstream, *blobs: bytes, **env: str
) -> Server:
    """Stop ``proxy`` (what it fetched is recorded by then), remove the blobs of ``blobs``
    from its data directory, and start a server on that directory again."""
    proxy.stop()
    for data in blobs:
        digest = hashlib.sha256(data).hexdigest()
        (proxy.blob_dir / "sha256" / digest[:2] / digest[2:4] / digest).unlink()
    return start_bodega(env={"PIP_INDEX_URL": upstream.url, **env}, data_dir=proxy.data_dir)


def test_a_proxied_file_lost_from_the_blob_store_is_fetched_again(
    proxy: Server, upstream: FakeUpstream, start_bodega: StartServer
):
    # someone removed blobs from the data directory: the proxy fetches the file again
    # (checked against the digest it was stored under) instead of failing
    wheel = publish(upstream, "lost", "1.0")
    url = file_url(proxy, "lost", wheel.filename)
    assert clients.get(url).body == wheel.data
    again = _restart_without_blobs(proxy, start_bodega, upstream, wheel.data)
    url = url.replace(proxy.base_url, again.base_url)
    assert clients.get(url).body == wheel.data
    assert upstream.count(f"/files/{wheel.filename}") == 2
    upstream.switches.down = True
    deadline = time.monotonic() + 10
    while not (again.blob_dir / "sha256" / wheel.sha256[:2] / wheel.sha256[2:4]).is_dir():
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert clients.get(url).body == wheel.data  # stored again
    assert "fetching it again" in again.log()


def test_a_lost_file_that_cannot_be_fetched_again_is_a_clear_error(
    proxy: Server, upstream: FakeUpstream, start_bodega: StartServer
):
    wheel = publish(upstream, "gone", "1.0")
    url = file_url(proxy, "gone", wheel.filename)
    assert clients.get(url + ".metadata").body == wheel.metadata
    assert clients.get(url).body == wheel.data
    upstream.switches.down = True
    # online, the upstream is down: a 502, before any byte of a 200
    again = _restart_without_blobs(proxy, start_bodega, upstream, wheel.data, wheel.metadata)
    url = url.replace(proxy.base_url, again.base_url)
    failed = clients.get(url)
    assert failed.status == 502
    assert failed.header("X-Bodega-Error") == "upstream-error"
    # the metadata file is not fetched again: the blob store's loss is reported
    metadata = clients.get(url + ".metadata")
    assert metadata.status == 500
    assert metadata.header("X-Bodega-Error") == "blob-missing"
    assert "missing from the blob store" in metadata.text
    # offline, nothing is fetched: the loss is reported, for HEAD too
    logged_before = len(again.log())
    offline = _restart_without_blobs(again, start_bodega, upstream, BODEGA_OFFLINE="1")
    url = url.replace(again.base_url, offline.base_url)
    for method in ("GET", "HEAD"):
        response = clients.request(method, url)
        assert response.status == 500, method
        assert response.header("X-Bodega-Error") == "blob-missing"
    logged = offline.log()[logged_before:]
    assert logged.count("a stored file is missing from the blob store") == 2
    assert "fetching it again" not in logged


def test_a_cold_file_the_upstream_fails_to_send_is_a_502(proxy: Server, upstream: FakeUpstream):
    # the status waits for the upstream's answer: not a 200 cut short
    wheel = publish(upstream, "refused", "1.0")
    url = file_url(proxy, "refused", wheel.filename)
    upstream.switches.down = True
    response = clients.get(url)
    assert response.status == 502
    assert "upstream" in response.text
