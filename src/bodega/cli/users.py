"""``bodega user ...`` and ``bodega token ...``."""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from typing import Any

import click

from bodega.auth.principal import Scope
from bodega.cli.common import backend_options, echo_json, with_backend


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return str(click.prompt("Password", hide_input=True, confirmation_prompt=True))


def _groups(value: str | None) -> list[str] | None:
    return None if value is None else [g.strip() for g in value.split(",") if g.strip()]


@click.group()
def user() -> None:
    """Manage users."""


@user.command("add")
@backend_options
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.option("--admin", is_flag=True, help="Give the user every permission.")
@click.option("--groups", help="Comma-separated groups the user belongs to (@group in ACLs).")
def user_add(
    name: str, password_stdin: bool, admin: bool, groups: str | None, **options: Any
) -> None:
    """Create user NAME."""
    password = _read_password(password_stdin)
    with_backend(
        options,
        lambda b: b.add_user(name, password, admin=admin, groups=_groups(groups) or []),
    )
    click.echo(f"user {name} created{' (admin)' if admin else ''}")


@user.command("set")
@backend_options
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read a new password from standard input.")
@click.option("--admin/--no-admin", default=None, help="Grant or take away server admin.")
@click.option("--groups", help="Comma-separated groups (replaces the current ones).")
def user_set(
    name: str,
    password_stdin: bool,
    admin: bool | None,
    groups: str | None,
    **options: Any,
) -> None:
    """Change user NAME's password, admin flag or groups."""
    password = _read_password(True) if password_stdin else None
    if password is None and admin is None and groups is None:
        raise click.UsageError("nothing to change: give --password-stdin, --admin or --groups")
    view = with_backend(
        options,
        lambda b: b.update_user(name, password=password, admin=admin, groups=_groups(groups)),
    )
    click.echo(f"user {name} updated: admin={view['admin']} groups={','.join(view['groups'])}")


@user.command("list")
@backend_options
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def user_list(as_json: bool, **options: Any) -> None:
    """List the users."""
    users = with_backend(options, lambda b: b.list_users())
    if as_json:
        echo_json(users)
        return
    for entry in users:
        flags = " admin" if entry["admin"] else ""
        click.echo(f"{entry['name']}{flags}\tgroups={','.join(entry['groups'])}")


@click.group()
def token() -> None:
    """Manage API tokens."""


@token.command("create")
@backend_options
@click.option("--user", "user_name", required=True, help="The user the token acts as.")
@click.option(
    "--index",
    "indexes",
    multiple=True,
    help="Limit the token to this index (repeatable; default: every index the user may use).",
)
@click.option(
    "--scope",
    type=click.Choice([s.value for s in Scope]),
    default="upload",
    show_default=True,
    help="What the token may do.",
)
@click.option("--expires-in-days", type=click.IntRange(min=1), help="Expire after N days.")
@click.option("--description", help="A note to recognise the token by.")
def token_create(
    user_name: str,
    indexes: tuple[str, ...],
    scope: str,
    expires_in_days: int | None,
    description: str | None,
    **options: Any,
) -> None:
    """Create an API token and print it (it is shown only this once)."""
    expires_at = datetime.now(UTC) + timedelta(days=expires_in_days) if expires_in_days else None
    created = with_backend(
        options,
        lambda b: b.create_token(
            user_name,
            scope=scope,
            indexes=list(indexes),
            expires_at=expires_at,
            description=description,
        ),
    )
    click.echo(created["value"])


@token.command("list")
@backend_options
@click.option("--user", "user_name", help="Only this user's tokens.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def token_list(user_name: str | None, as_json: bool, **options: Any) -> None:
    """List tokens (their ids and scopes; never their secrets)."""
    tokens = with_backend(options, lambda b: b.list_tokens(user_name))
    if as_json:
        echo_json(tokens)
        return
    for entry in tokens:
        state = "revoked" if entry["revoked_at"] else f"expires {entry['expires_at'] or 'never'}"
        indexes = ",".join(entry["indexes"]) or "*"
        click.echo(f"{entry['id']}\t{entry['user']}\t{entry['scope']}\t{indexes}\t{state}")


@token.command("revoke")
@backend_options
@click.argument("token_id")
def token_revoke(token_id: str, **options: Any) -> None:
    """Revoke the token with id TOKEN_ID (the part after "bodega_")."""
    with_backend(options, lambda b: b.revoke_token(token_id))
    click.echo(f"token {token_id} revoked")
