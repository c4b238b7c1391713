"""Accounts made with the CLI on the data directory of a running server work at once."""

from __future__ import annotations

from tests.e2e.conftest import PASSWORD, create_token, create_user, unique
from tests.support import clients
from tests.support.dists import Dist, wheel_bytes, wheel_name
from tests.support.server import Server


def upload_wheel(server: Server, auth: str, index: str = "local") -> clients.Response:
    dist = Dist(unique("cli"), "1.0")
    data = wheel_bytes(dist)
    fields = clients.upload_fields(dist.name, dist.version, "bdist_wheel", data)
    return clients.post_upload(
        server.url(f"/{index}/"), clients.upload_parts(fields, wheel_name(dist), data), auth=auth
    )


def test_user_and_token_made_while_the_server_runs_can_upload(server: Server) -> None:
    before = upload_wheel(server, clients.basic_auth("carol", PASSWORD))
    assert before.status == 401

    create_user(server, "carol")
    token = create_token(server, "carol", "local")

    by_password = upload_wheel(server, clients.basic_auth("carol", PASSWORD))
    assert by_password.status == 200, by_password.text
    assert by_password.text.startswith("OK: ")
    by_token = upload_wheel(server, clients.basic_auth("__token__", token))
    assert by_token.status == 200, by_token.text


def test_bodega_data_dir_environment_variable_selects_the_same_store(server: Server) -> None:
    env = {"BODEGA_DATA_DIR": str(server.data_dir)}
    added = server.cli(
        "user", "add", "dave", "--password-stdin",
        input=PASSWORD + "\n", env=env, data_dir_option=False,
    )  # fmt: skip
    assert added.stdout.strip() == "user dave created"
    made = server.cli(
        "token", "create", "--user", "dave", "--index", "local", "--scope", "upload",
        env=env, data_dir_option=False,
    )  # fmt: skip
    token = made.stdout.strip()

    response = upload_wheel(server, clients.basic_auth("__token__", token))
    assert response.status == 200, response.text
    listed = server.cli("index", "list", env=env, data_dir_option=False)
    assert ["local", "hosted"] in [line.split("\t")[:2] for line in listed.stdout.splitlines()]


def test_adding_a_taken_user_name_fails_with_a_message(server: Server) -> None:
    create_user(server, "erin")
    again = server.cli(
        "user", "add", "erin", "--password-stdin", input=PASSWORD + "\n", check=False
    )
    assert again.returncode == 1
    assert "user 'erin' exists already" in again.stderr


def test_token_for_an_unknown_user_is_refused(server: Server) -> None:
    result = server.cli("token", "create", "--user", "nobody-here", "--index", "local", check=False)
    assert result.returncode == 1
    assert "no user named 'nobody-here'" in result.stderr
    assert result.stdout == ""
