"""``bodega serve``."""

from __future__ import annotations

import asyncio
from typing import Any

import click

from bodega.cli.common import settings_from, storage_options
from bodega.logs import configure_logging
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
@click.option("--access-log/--no-access-log", default=None, help="Log every request.")
@click.option("--log-level", type=click.Choice(["debug", "info", "warning", "error"]))
def serve(**options: Any) -> None:
    """Run the package index server."""
    settings = settings_from(options)
    configure_logging(settings.log_level)
    asyncio.run(prepare_storage(settings))
    try:
        server.run(settings)
    except OSError as exc:
        raise click.ClickException(
            f"cannot serve on {settings.host}:{settings.port}: {exc.strerror}"
        ) from None
