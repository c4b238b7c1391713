"""What every command shares: the data-dir/config options, settings, running async code."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from bodega.domain.errors import BodegaError
from bodega.settings import Settings, load_settings

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])


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
