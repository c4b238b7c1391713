"""``bodega user ...`` and ``bodega token ...``."""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from typing import Any

import click

from bodega.auth.principal import Scope
from bodega.cli.common import run_async, settings_from, storage_options
from bodega.wiring import open_services, prepare_storage

CLI_ACTOR = "cli"


@click.group()
def user() -> None:
    """Manage users."""


@user.command("add")
@storage_options
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.option("--admin", is_flag=True, help="Give the user every permission.")
def user_add(name: str, password_stdin: bool, admin: bool, **options: Any) -> None:
    """Create user NAME."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    settings = settings_from(options)

    async def add() -> None:
        await prepare_storage(settings)
        async with open_services(settings, follow_changes=False) as services:
            await services.accounts.add_user(name, password, is_admin=admin, actor=CLI_ACTOR)

    run_async(add)
    click.echo(f"user {name} created{' (admin)' if admin else ''}")


@click.group()
def token() -> None:
    """Manage API tokens."""


@token.command("create")
@storage_options
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
    settings = settings_from(options)
    expires_at = datetime.now(UTC) + timedelta(days=expires_in_days) if expires_in_days else None

    async def create() -> str:
        await prepare_storage(settings)
        async with open_services(settings, follow_changes=False) as services:
            for name in indexes:
                services.registry.get(name)
            _record, value = await services.accounts.create_token(
                user_name,
                scope=Scope(scope),
                indexes=indexes,
                expires_at=expires_at,
                description=description,
                actor=CLI_ACTOR,
            )
            return value

    click.echo(run_async(create))
