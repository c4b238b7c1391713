"""What every command shares: the data-dir/config options, settings, running async code,
and the backend a command acts on (the local data directory or a server's admin API)."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

import click
import orjson

from bodega.cli.backend import Backend, local_backend
from bodega.domain.errors import BodegaError
from bodega.settings import Settings, load_settings

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])
URL_ENV = "BODEGA_URL"
TOKEN_ENV = "BODEGA_TOKEN"  # noqa: S105 - the name of a variable, not a secret


def storage_options(func: F) -> F:
    """``--data-dir`` and ``--config``, also read from BODEGA_DATA_DIR / BODEGA_CONFIG."""
    func = click.option(
        "--config",
        type=click.Path(dir_okay=False, path_type=Path),
        help="TOML config file (default: <data dir>/bodega.toml if present). [env: BODEGA_CONFIG]",
    )(func)
    return click.option(
        "--data-dir",
        type=click.Path(file_okay=False, path_type=Path),
        help="Where the database and files live (default: the platform's user data "
        "directory). [env: BODEGA_DATA_DIR]",
    )(func)


def backend_options(func: F) -> F:
    """The storage options, plus ``--url``/``--token`` to act through a server's admin API."""
    func = storage_options(func)
    func = click.option(
        "--token",
        help=f"API token for --url (admin scope for admin commands). [env: {TOKEN_ENV}]",
    )(func)
    return click.option(
        "--url",
        help="Act on the bodega server at this URL through its admin API instead of on a "
        f"local data directory. [env: {URL_ENV}]",
    )(func)


def settings_from(options: dict[str, Any]) -> Settings:
    try:
        return load_settings(options, os.environ)
    except BodegaError as exc:
        raise click.ClickException(str(exc)) from None


def run_async(make: Callable[[], Awaitable[T]]) -> T:
    """Run a coroutine, turning bodega's errors into a clean CLI error (exit code 1)."""

    async def wrapped() -> T:
        return await make()

    try:
        return asyncio.run(wrapped())
    except BodegaError as exc:
        raise click.ClickException(str(exc)) from None


def open_backend(options: dict[str, Any]) -> AbstractAsyncContextManager[Backend]:
    """The backend the command's options point at (consumes --url and --token)."""
    url = options.pop("url", None) or os.environ.get(URL_ENV)
    token = options.pop("token", None) or os.environ.get(TOKEN_ENV)
    if url:
        from bodega.cli.remote import remote_backend

        if not token:
            raise click.UsageError(f"--url needs --token (or {TOKEN_ENV})")
        return remote_backend(url, token)
    return _local(settings_from(options))


@asynccontextmanager
async def _local(settings: Settings) -> AsyncIterator[Backend]:
    async with local_backend(settings) as backend:
        yield backend


def with_backend(options: dict[str, Any], work: Callable[[Backend], Awaitable[T]]) -> T:
    """Open the backend, run ``work`` on it, report bodega's errors as CLI errors."""
    opened = open_backend(options)

    async def run() -> T:
        async with opened as backend:
            return await work(backend)

    return run_async(run)


def echo_json(value: Any) -> None:
    click.echo(orjson.dumps(value, option=orjson.OPT_INDENT_2).decode())
