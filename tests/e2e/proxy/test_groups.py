"""The default group "root" (local + pypi): merging, dependency-confusion protection,
routing, and real installers resolving across hosted and proxied packages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e.proxy.conftest import publish
from tests.support import clients
from tests.support.dists import Dist, wheel_bytes, wheel_name
from tests.support.server import Server
from tests.support.upstream import FakeUpstream

JSON = "application/vnd.pypi.simple.v1+json"
PASSWORD = "group-tests-password"


def upload(server: Server, spec: Dist, index: str = "local") -> None:
    data = wheel_bytes(spec)
    fields = clients.upload_fields(spec.name, spec.version, "bdist_wheel", data)
    response = clients.post_upload(
        server.url(f"/{index}/"),
        clients.upload_parts(fields, wheel_name(spec), data),
        auth=clients.basic_auth("publisher", PASSWORD),
    )
    assert response.status == 200, response.text


@pytest.fixture
def group(proxy: Server) -> Server:
    proxy.cli("user", "add", "publisher", "--password-stdin", input=PASSWORD + "\n")
    return proxy


def versions(server: Server, project: str, index: str = "root") -> list[str]:
    response = clients.get(server.url(f"/{index}/simple/{project}/"), Accept=JSON)
    assert response.status == 200, response.text
    return json.loads(response.body)["versions"]


def test_default_group_answers_for_simple(group: Server, upstream: FakeUpstream):
    publish(upstream, "public-only", "3.0")
    upload(group, Dist("private-only", "1.0"))
    assert versions(group, "public-only") == ["3.0"]
    assert versions(group, "private-only") == ["1.0"]
    default = json.loads(clients.get(group.url("/simple/"), Accept=JSON).body)
    names = {p["name"] for p in default["projects"]}
    assert {"public-only", "private-only"} <= names


def test_private_name_never_gets_upstream_versions(group: Server, upstream: FakeUpstream):
    upload(group, Dist("acme-internal", "1.0"))
    publish(upstream, "acme-internal", "99.0")  # the attacker's upload upstream
    assert versions(group, "acme-internal") == ["1.0"]
    page = json.loads(clients.get(group.url("/simple/acme-internal/"), Accept=JSON).body)
    assert [f["filename"] for f in page["files"]] == ["acme_internal-1.0-py3-none-any.whl"]
    # the upstream file cannot be fetched through the group either
    sha = upstream.files["acme-internal"][0].sha256
    leaked = clients.get(group.url(f"/root/files/{sha}/acme_internal-99.0-py3-none-any.whl"))
    assert leaked.status == 404
    assert upstream.count("/files/") == 0


def test_allowed_project_mixes_upstream_versions(group: Server, upstream: FakeUpstream):
    upload(group, Dist("shared-name", "1.0"))
    publish(upstream, "shared-name", "2.0")
    group.cli("index", "set", "root", "--allow-upstream", "shared-name")
    assert versions(group, "shared-name") == ["1.0", "2.0"]


def test_routing_rule_pins_a_project_to_a_member(group: Server, upstream: FakeUpstream):
    upload(group, Dist("pinned", "1.0"))
    publish(upstream, "pinned", "5.0")
    group.cli("index", "set", "root", "--route", "pinned=pypi")
    assert versions(group, "pinned") == ["5.0"]


def test_first_member_wins_on_the_same_file_name(group: Server, upstream: FakeUpstream):
    spec = Dist("twin", "1.0")
    upload(group, spec)
    upstream.add(wheel_name(spec), wheel_bytes(Dist("twin", "1.0", summary="other bytes")))
    group.cli("index", "set", "root", "--allow-upstream", "twin")
    page = json.loads(clients.get(group.url("/simple/twin/"), Accept=JSON).body)
    (entry,) = page["files"]
    local = json.loads(clients.get(group.url("/local/simple/twin/"), Accept=JSON).body)
    assert entry["hashes"] == local["files"][0]["hashes"]


def test_new_index_and_changes_apply_without_restart(group: Server, upstream: FakeUpstream):
    publish(upstream, "late", "1.0")
    group.cli("index", "create", "mirror", "--kind", "proxy", "--upstream", upstream.url)
    group.cli("index", "create", "combined", "--kind", "group", "--members", "local,mirror")
    assert versions(group, "late", index="combined") == ["1.0"]
    listed = group.cli("index", "list", "--json").stdout
    kinds = {i["name"]: i["kind"] for i in json.loads(listed)}
    assert kinds == {
        "local": "hosted",
        "pypi": "proxy",
        "root": "group",
        "mirror": "proxy",
        "combined": "group",
    }


def test_bad_group_config_is_refused(group: Server):
    result = group.cli("index", "create", "broken", "--kind", "group", "--members", "nope",
                       check=False)  # fmt: skip
    assert result.returncode != 0
    assert "nope" in result.stderr
    result = group.cli("index", "set", "root", "--route", "x=elsewhere", check=False)
    assert result.returncode != 0
    assert "not a member" in result.stderr


@pytest.mark.parametrize("installer", ["pip", "uv"])
def test_installers_resolve_across_hosted_and_proxied(
    group: Server, upstream: FakeUpstream, tmp_path: Path, installer: str
):
    publish(upstream, "public-dep", "1.2")
    publish(upstream, "public-dep", "1.3", requires_python=">=99")  # never installable
    upload(group, Dist("inhouse-app", "0.5", requires_dist=("public-dep>=1",)))
    python = clients.make_venv(tmp_path / "venv")
    install = clients.pip_install if installer == "pip" else clients.uv_pip_install
    install(python, group.url("/simple/"), "inhouse-app").ok()
    assert clients.installed_version(python, "inhouse_app") == "0.5"
    assert clients.installed_version(python, "public_dep") == "1.2"


def test_group_degrades_when_the_upstream_is_down(group: Server, upstream: FakeUpstream):
    upload(group, Dist("still-here", "1.0"))
    upstream.switches.down = True
    listing = json.loads(clients.get(group.url("/simple/"), Accept=JSON).body)
    assert [p["name"] for p in listing["projects"]] == ["still-here"]
    assert versions(group, "still-here") == ["1.0"]
    unknown = clients.get(group.url("/simple/maybe-upstream/"))
    assert unknown.status == 502


def test_group_with_a_private_member_must_name_its_readers(group: Server):
    group.cli("index", "create", "secret", "--readers", "publisher")
    refused = group.cli("index", "create", "leaky", "--kind", "group", "--members", "secret",
                        check=False)  # fmt: skip
    assert refused.returncode != 0
    assert "set the group's readers" in refused.stderr
    group.cli("index", "create", "careful", "--kind", "group", "--members", "secret",
              "--readers", "publisher")  # fmt: skip
    # making a member of an existing public group private is refused the same way
    refused = group.cli("index", "set", "local", "--readers", "publisher", check=False)
    assert refused.returncode != 0
    assert "root" in refused.stderr
