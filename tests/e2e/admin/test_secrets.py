"""Secrets stay secret: token values and passwords never reach the server log, the audit
log or the store, however they were made (API, CLI --url) and used."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from bodega.cli.main import cli
from tests.conftest import StartServer
from tests.e2e.admin.conftest import PASSWORD, Api
from tests.support.server import NO_UPSTREAM, Server


def stored_bytes(data_dir: Path) -> bytes:
    """Everything under the data directory but the blobs (the database and its journals)."""
    return b"".join(
        p.read_bytes()
        for p in sorted(data_dir.rglob("*"))
        if p.is_file() and "blobs" not in p.parts
    )


def test_token_values_and_passwords_appear_nowhere_but_in_the_creation_response(
    start_bodega: StartServer,
) -> None:
    server: Server = start_bodega({"BODEGA_ACCESS_LOG": "true", "BODEGA_LOG_LEVEL": "debug"})
    server.cli("user", "add", "root", "--admin", "--password-stdin", input=PASSWORD + "\n")
    api = Api(server).as_user("root")
    admin_token = api.new_token("root", "admin")
    api = api.as_token(admin_token)
    user_password, upstream_password = "user-secret-passphrase", "upstream-secret-passphrase"
    api.post("/api/users", {"name": "bob", "password": user_password}).expect(201)
    api.patch("/api/users/bob", {"password": user_password + "-2"}).expect(200)
    api.post(
        "/api/indexes",
        {
            "name": "mirror",
            "kind": "proxy",
            "config": {"upstream": NO_UPSTREAM, "password": upstream_password},
        },
    ).expect(201)
    by_api = api.new_token("bob", "upload", ("local",))
    by_cli = (
        CliRunner()
        .invoke(
            cli,
            [
                "token",
                "create",
                "--user",
                "bob",
                "--scope",
                "read",
                "--url",
                server.base_url,
                "--token",
                admin_token,
            ],
        )
        .stdout.strip()
    )
    assert by_cli.startswith("bodega_")
    for token in (by_api, by_cli):
        api.as_token(token).get("/api/indexes").expect(200)
    api.delete(f"/api/tokens/{by_api[7:23]}").expect(204)
    api.as_token(by_api).get("/api/indexes").expect(401)

    audit = api.get("/api/audit?limit=10000").expect(200).text
    assert '"token-create"' in audit
    assert '"user-update"' in audit
    server.stop()
    log, stored = server.log(), stored_bytes(server.data_dir)
    assert "/api/tokens" in log, "the access log is on"
    for token in (admin_token, by_api, by_cli):
        secret = token.split("_", 2)[2]  # bodega_<id>_<secret>; the secret may hold "_"
        for where, text in (("server log", log), ("audit log", audit)):
            assert secret not in text, f"a token's secret is in the {where}"
        assert secret.encode() not in stored, "a token's secret is in the data directory"
    for password in (PASSWORD, user_password, upstream_password):
        assert password not in log
        assert password not in audit
    assert upstream_password.encode() in stored, "the proxy needs its upstream password"
