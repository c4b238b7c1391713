"""The ``bodega`` command."""

from __future__ import annotations

import click

from bodega import __version__
from bodega.cli.indexes import import_, index
from bodega.cli.releases import audit, delete, push, unyank, yank
from bodega.cli.serve import serve
from bodega.cli.users import token, user


@click.group()
@click.version_option(__version__, prog_name="bodega")
def cli() -> None:
    """bodega: a private package index, caching proxy and mirror in one server."""


cli.add_command(serve)
cli.add_command(user)
cli.add_command(token)
cli.add_command(index)
cli.add_command(import_)
for command in (yank, unyank, delete, push, audit):
    cli.add_command(command)


def main() -> None:
    cli()
