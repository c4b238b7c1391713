"""The "dev and stable" setup that teams used to build from Apache rules, in one server.

``dev`` is a hosted index every developer (@dev) may upload to; ``stable`` only the
release team (@release). Each falls back to the public upstream through its own group:
``dev-all`` = dev + the upstream proxy, ``stable-all`` = stable + the same proxy. A
developer publishes to dev and is refused by stable; the release manager publishes to
stable and promotes a dev release with ``bodega push``; installers pointed at each group
get that group's releases, with public dependencies from the upstream, and never the
upstream's release of a name the company owns.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.e2e.conftest import VenvFactory
from tests.e2e.permissions.conftest import JSON, User, add_user, get, page_files
from tests.support import clients
from tests.support.cli_batch import CliSession
from tests.support.dists import Dist, wheel_bytes, wheel_name, write_wheel
from tests.support.server import Server, start_server
from tests.support.upstream import FakeUpstream

DANA = User("dana", groups=("dev",))  # a developer
RITA = User("rita", groups=("dev", "release"))  # the release manager

APP_1 = Dist("acme-app", "1.0", requires_dist=("shared-lib>=1",))
APP_2 = Dist("acme-app", "2.0", requires_dist=("shared-lib>=1",))
TOOL = Dist("acme-tool", "1.0")
SHARED = Dist("shared-lib", "1.4")
# a public release under the company's name: a group must never offer it
IMPOSTOR = Dist("acme-app", "9.0", summary="not ours")


@pytest.fixture(scope="module")
def upstream() -> Iterator[FakeUpstream]:
    fake = FakeUpstream().start()
    for dist in (SHARED, IMPOSTOR):
        fake.add(wheel_name(dist), wheel_bytes(dist))
    try:
        yield fake
    finally:
        fake.stop()


@pytest.fixture(scope="module")
def recipe_server(
    tmp_path_factory: pytest.TempPathFactory, upstream: FakeUpstream
) -> Iterator[Server]:
    server = start_server(
        tmp_path_factory.mktemp("dev-stable") / "data", {"PIP_INDEX_URL": upstream.url}
    )
    try:
        with CliSession(server) as cli:
            for user in (DANA, RITA):
                add_user(cli, user)
            cli.run("index", "create", "dev", "--uploaders", "@dev")
            cli.run("index", "create", "stable", "--uploaders", "@release")
            cli.run("index", "create", "public", "--kind", "proxy", "--upstream", upstream.url)
            cli.run("index", "create", "dev-all", "--kind", "group", "--members", "dev,public")
            cli.run(
                "index", "create", "stable-all", "--kind", "group", "--members", "stable,public"
            )
        yield server
    finally:
        server.stop()


@dataclass(frozen=True)
class Released:
    """What the developer and the release manager ran, in order."""

    dana_to_dev: clients.Ran
    dana_to_stable: clients.Ran
    rita_to_stable: clients.Ran
    push: str


@pytest.fixture(scope="module")
def released(recipe_server: Server, tmp_path_factory: pytest.TempPathFactory) -> Released:
    out = tmp_path_factory.mktemp("dev-stable-dists")
    app_1, app_2, tool = (write_wheel(out, d) for d in (APP_1, APP_2, TOOL))

    def twine(index: str, user: User, *files: Path) -> clients.Ran:
        url = recipe_server.url(f"/{index}/")
        return clients.twine_upload(url, list(files), user.name, user.password)

    dana_to_dev = twine("dev", DANA, app_1, app_2)
    dana_to_stable = twine("stable", DANA, app_1)
    rita_to_stable = twine("stable", RITA, tool)
    push = recipe_server.cli("push", "acme-app", "1.0", "--from", "dev", "--to", "stable")
    return Released(dana_to_dev, dana_to_stable, rita_to_stable, push.stdout.strip())


def test_a_developer_uploads_to_dev(recipe_server: Server, released: Released) -> None:
    released.dana_to_dev.ok()
    assert sorted(page_files(recipe_server, "dev", "acme-app")) == sorted(
        [wheel_name(APP_1), wheel_name(APP_2)]
    )


def test_a_developer_is_refused_by_stable(recipe_server: Server, released: Released) -> None:
    ran = released.dana_to_stable.failed()
    assert "403" in ran.output
    assert "dana may not upload to index 'stable'" in ran.output
    # acme-app came to stable only by the release manager's push, below
    audit = json.loads(recipe_server.cli("audit", "--json", "--index", "stable").stdout)
    assert [e["action"] for e in audit if e["project"] == "acme-app"] == [
        "project-create", "push",
    ]  # fmt: skip


def test_the_release_manager_uploads_to_stable(recipe_server: Server, released: Released) -> None:
    released.rita_to_stable.ok()
    assert list(page_files(recipe_server, "stable", "acme-tool")) == [wheel_name(TOOL)]


def test_push_promotes_one_release_from_dev_to_stable(
    recipe_server: Server, released: Released
) -> None:
    assert released.push == f"pushed 1 file(s) to stable: {wheel_name(APP_1)}"
    stable = page_files(recipe_server, "stable", "acme-app")
    dev = page_files(recipe_server, "dev", "acme-app")
    assert list(stable) == [wheel_name(APP_1)]
    assert stable[wheel_name(APP_1)]["hashes"] == dev[wheel_name(APP_1)]["hashes"]


@pytest.mark.parametrize(
    ("group", "app_version"), [("stable-all", "1.0"), ("dev-all", "2.0")]
)  # fmt: skip
def test_each_group_offers_its_releases_and_the_public_ones(
    recipe_server: Server, released: Released, group: str, app_version: str
) -> None:
    page = json.loads(get(recipe_server, f"/{group}/simple/acme-app/", accept=JSON).body)
    # the upstream's acme-app 9.0 does not mix with the hosted releases of the name
    versions = {"stable-all": ["1.0"], "dev-all": ["1.0", "2.0"]}[group]
    assert page["versions"] == versions
    assert sorted(page_files(recipe_server, group, "shared-lib")) == [wheel_name(SHARED)]
    # acme-tool went to stable only
    tool = get(recipe_server, f"/{group}/simple/acme-tool/").status
    assert tool == {"stable-all": 200, "dev-all": 404}[group]


@pytest.mark.parametrize(
    ("group", "installer"), [("stable-all", "pip"), ("dev-all", "uv")]
)  # fmt: skip
def test_installers_get_what_each_group_should_give(
    recipe_server: Server,
    released: Released,
    new_venv: VenvFactory,
    group: str,
    installer: str,
) -> None:
    install = clients.pip_install if installer == "pip" else clients.uv_pip_install
    python = new_venv()
    install(python, recipe_server.url(f"/{group}/simple/"), "acme-app").ok()
    expected = {"stable-all": "1.0", "dev-all": "2.0"}[group]
    assert clients.installed_version(python, "acme_app") == expected
    assert clients.installed_version(python, "shared_lib") == "1.4"
