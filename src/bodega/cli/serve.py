"""``bodega serve``."""

from __future__ import annotations

import asyncio
import multiprocessing
from typing import Any

import click

from bodega.cli.common import settings_from, storage_options
from bodega.domain.errors import BodegaError
from bodega.logs import configure_logging
from bodega.settings import Settings
from bodega.web import server
from bodega.wiring import prepare_storage


@click.command()
@storage_options
@click.option("--host", help="Address to bind (default 127.0.0.1). [env: BODEGA_HOST]")
@click.option("--port", type=int, help="Port to bind (default 8700). [env: BODEGA_PORT]")
@click.option("--workers", type=int, help="Server processes sharing the port (default 1).")
@click.option(
    "--database-url",
    help="SQLAlchemy URL of the metadata database "
    "(default: SQLite in the data directory), e.g. postgresql+asyncpg://host/db.",
)
@click.option(
    "--offline/--online",
    default=None,
    help="Serve proxy indexes from their caches only; never contact an upstream.",
)
@click.option("--access-log/--no-access-log", default=None, help="Log every request.")
@click.option("--log-level", type=click.Choice(["debug", "info", "warning", "error"]))
def serve(**options: Any) -> None:
    """Run the package index server."""
    settings = settings_from(options)
    configure_logging(settings.log_level)
    _prepare_in_child(settings)
    try:
        server.run(settings)
    except OSError as exc:
        raise click.ClickException(
            f"cannot serve on {settings.host}:{settings.port}: {exc.strerror}"
        ) from None


def _prepare_in_child(settings: Settings) -> None:
    """Migrate and create the default indexes in a short-lived process, so the server
    never loads the migration machinery (it stays out of the server's memory)."""
    # fork: nothing runs in this process yet (no loop, no threads), and the child starts
    # with the modules already imported
    context = multiprocessing.get_context("fork")
    child = context.Process(target=_prepare, args=(settings,), name="bodega-prepare")
    child.start()
    child.join()
    if child.exitcode != 0:
        raise click.ClickException("preparing the data directory failed (see above)")


def _prepare(settings: Settings) -> None:
    configure_logging(settings.log_level)
    try:
        asyncio.run(prepare_storage(settings))
    except BodegaError as exc:
        click.echo(f"Error: {exc}", err=True)
        raise SystemExit(1) from None
