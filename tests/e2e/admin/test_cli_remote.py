"""The CLI's ``--url``/``--token`` mode: every admin command through the admin API, with
the same output as the same command run on the data directory.

Most commands run in-process (click's runner: the real command, real HTTP, no interpreter
start-up per command); one test runs the installed entry point with BODEGA_URL/TOKEN.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest
from click.testing import CliRunner, Result

from bodega.cli.main import cli
from tests.e2e.admin.conftest import PASSWORD, Admin, Api, publish, yanked
from tests.support.server import NO_UPSTREAM, Server


@dataclass(frozen=True)
class Cli:
    """``bodega`` commands on the shared server: remotely (``--url``) or locally."""

    server: Server
    token: str

    def remote(self, *args: str, input: str | None = None, token: str | None = None) -> Result:
        options = ["--url", self.server.base_url, "--token", token or self.token]
        return self._invoke([*args, *options], input)

    def local(self, *args: str, input: str | None = None) -> Result:
        return self._invoke([*args, "--data-dir", str(self.server.data_dir)], input)

    def both(self, *args: str) -> str:
        """Run ``args`` remotely and locally; both must succeed and print the same."""
        remote, local = self.remote(*args), self.local(*args)
        assert ok(remote) == ok(local), f"remote:\n{remote.stdout}\nlocal:\n{local.stdout}"
        return remote.stdout

    @staticmethod
    def _invoke(args: list[str], input: str | None) -> Result:
        return CliRunner().invoke(
            cli, args, input=input, env={"BODEGA_URL": None, "BODEGA_TOKEN": None}
        )


def ok(result: Result) -> str:
    assert result.exit_code == 0, f"exit {result.exit_code}\n{result.output}\n{result.exception!r}"
    return result.stdout


def failed(result: Result) -> str:
    """The error a command printed; it must have exited 1 with nothing on stdout."""
    assert result.exit_code == 1, f"exit {result.exit_code}\n{result.output}"
    assert result.stdout == ""
    return result.stderr


@pytest.fixture
def bodega(server: Server, admin: Admin) -> Cli:
    return Cli(server, admin.token)


def unique_name(api: Api, prefix: str) -> str:
    name = api.new_user(prefix)  # only for its unique name: the user is not used
    return f"{name}-cli"


def test_user_add_list_and_set(bodega: Cli, api: Api) -> None:
    name = unique_name(api, "remote")
    added = bodega.remote(
        "user", "add", name, "--password-stdin", "--groups", "dev", input=PASSWORD + "\n"
    )
    assert ok(added) == f"user {name} created\n"
    changed = bodega.remote("user", "set", name, "--admin", "--groups", "dev,ops")
    assert ok(changed) == f"user {name} updated: admin=True groups=dev,ops\n"
    new_password = "a-brand-new-passphrase"
    bodega.remote("user", "set", name, "--password-stdin", input=new_password + "\n")
    api.as_user(name, new_password).get("/api/users").expect(200)
    listing = bodega.both("user", "list")
    assert f"{name} admin\tgroups=dev,ops\n" in listing
    assert json.loads(bodega.both("user", "list", "--json")) == api.get("/api/users").json["users"]


def test_token_create_list_and_revoke(bodega: Cli, api: Api) -> None:
    user = api.new_user("tokens")
    created = bodega.remote(
        "token",
        "create",
        "--user",
        user,
        "--index",
        "local",
        "--scope",
        "read",
        "--expires-in-days",
        "5",
        "--description",
        "from the cli",
    )
    value = ok(created).strip()
    assert value.startswith("bodega_")
    api.as_token(value).get("/api/indexes").expect(200)

    listing = bodega.both("token", "list", "--user", user)
    token_id = value[7:23]
    assert listing.startswith(f"{token_id}\t{user}\tread\tlocal\texpires 20")
    as_json = json.loads(bodega.both("token", "list", "--user", user, "--json"))
    assert [t["description"] for t in as_json] == ["from the cli"]
    assert value not in bodega.both("token", "list")

    assert ok(bodega.remote("token", "revoke", token_id)) == f"token {token_id} revoked\n"
    # refused credentials count towards the sign-in throttle of (address, user): the
    # owner's name (which a token may be sent with) keeps "__token__" out of it
    assert api.as_user(user, value).get("/api/indexes").status == 401
    assert "revoked" in bodega.both("token", "list", "--user", user)


def test_index_create_set_and_list(bodega: Cli, api: Api) -> None:
    name = unique_name(api, "ix").lower()
    made = bodega.remote("index", "create", name, "--allow-delete", "--uploaders", "a,@b")
    assert ok(made) == f"index {name} (hosted) created\n"
    proxy = f"{name}-proxy"
    ok(
        bodega.remote(
            "index",
            "create",
            proxy,
            "--kind",
            "proxy",
            "--upstream",
            NO_UPSTREAM,
            "--password",
            "upstream-secret",
            "--ttl",
            "30",
        )
    )
    changed = bodega.remote("index", "set", name, "--no-allow-delete", "--admins", "root")
    assert ok(changed) == (
        f'index {name} updated: {{"allow_delete":false,"uploaders":["a","@b"],"admins":["root"]}}\n'
    )
    listing = bodega.both("index", "list")
    assert f"{name}\thosted\tallow_delete=False uploaders=['a', '@b'] admins=['root']\n" in listing
    assert f"{proxy}\tproxy\tupstream={NO_UPSTREAM} password=*** ttl=30.0\n" in listing
    assert "upstream-secret" not in bodega.both("index", "list", "--json")


def test_yank_unyank_delete_push_and_audit(bodega: Cli, api: Api) -> None:
    user = api.new_user("releaser")
    scratch = api.new_index("scratch", allow_delete=True)
    project, (wheel, sdist) = publish(api, user, index=scratch)

    yank = bodega.remote("yank", project, "1.0", "--index", scratch, "--reason", "bad build")
    assert ok(yank).startswith("yanked 2 file(s): ")
    assert sorted(yank.stdout.strip().split(": ")[1].split(", ")) == sorted([wheel, sdist])
    unyank = bodega.remote("unyank", project, "1.0", "--index", scratch, "--file", wheel)
    assert ok(unyank) == f"unyanked 1 file(s): {wheel}\n"
    assert yanked(api, scratch, project) == {wheel: False, sdist: "bad build"}

    pushed = bodega.remote("push", project, "1.0", "--from", scratch, "--to", "local")
    assert ok(pushed).startswith("pushed 2 file(s) to local: ")
    again = bodega.remote("push", project, "1.0", "--from", scratch, "--to", "local")
    assert ok(again) == f"local already has every file of {project} 1.0\n"

    deleted = bodega.remote("delete", project, "1.0", "--index", scratch, "--file", sdist, "--yes")
    assert ok(deleted) == f"deleted 1 file(s): {sdist}\n"
    assert set(yanked(api, scratch, project)) == {wheel}

    log = bodega.both("audit", "--index", scratch, "--project", project)
    actions = [line.split("\t")[2] for line in log.splitlines()]
    assert [a for a in actions if a != "project-create"] == [
        "upload",
        "upload",
        "yank",
        "unyank",
        "delete",
    ]
    since = bodega.both("audit", "--project", project, "--since", "2000-01-01", "--limit", "2")
    assert since.splitlines() == log.splitlines()[:2]
    entries = json.loads(bodega.both("audit", "--project", project, "--json"))
    assert entries == api.audit(project=project)
    assert {e["remote_addr"] for e in entries} == {"127.0.0.1"}


def test_refusals_print_the_servers_message_and_exit_1(bodega: Cli, api: Api, admin: Admin) -> None:
    taken = bodega.remote("user", "add", admin.name, "--password-stdin", input=PASSWORD + "\n")
    local = bodega.local("user", "add", admin.name, "--password-stdin", input=PASSWORD + "\n")
    assert failed(taken) == failed(local) == f"Error: user {admin.name!r} exists already\n"

    user = api.new_user("plain")
    plain = api.as_user(user).new_token(user, "upload")
    refused = failed(bodega.remote("user", "list", token=plain))
    assert refused.startswith(f"Error: {user} (token {plain[7:23]}) may not list users")
    assert "Error: no index named 'nowhere'" in failed(
        bodega.remote("yank", "x", "1.0", "--index", "nowhere")
    )
    bad_token = failed(bodega.remote("index", "list", token="bodega_0000000000000000_" + "x" * 43))
    assert bad_token.startswith("Error: invalid credentials")


def test_an_unreachable_or_malformed_url_is_a_clean_error(bodega: Cli) -> None:
    closed = NO_UPSTREAM.removesuffix("/simple/")
    result = CliRunner().invoke(cli, ["index", "list", "--url", closed, "--token", bodega.token])
    assert "Error: cannot reach the bodega server at http://127.0.0.1:9" in failed(result)
    result = CliRunner().invoke(cli, ["index", "list", "--url", "ftp://127.0.0.1/", "--token", "t"])
    assert "is not an http:// or https:// URL" in failed(result)
    result = CliRunner().invoke(cli, ["index", "list", "--url", bodega.server.base_url])
    assert result.exit_code == 2
    assert "--url needs --token" in result.stderr


def test_the_installed_command_reads_bodega_url_and_token_from_the_environment(
    server: Server, admin: Admin
) -> None:
    env = {"BODEGA_URL": server.base_url + "/", "BODEGA_TOKEN": admin.token}
    listing = server.cli("index", "list", env=env, data_dir_option=False)
    assert ["local", "hosted"] in [line.split("\t")[:2] for line in listing.stdout.splitlines()]
    refused = server.cli("index", "create", "local", env=env, data_dir_option=False, check=False)
    assert (refused.returncode, refused.stdout) == (1, "")
    assert refused.stderr == "Error: index 'local' exists already\n"
