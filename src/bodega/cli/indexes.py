"""``bodega index ...``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
import orjson

from bodega.auth.principal import Principal
from bodega.cli.common import run_async, settings_from, storage_options
from bodega.services.importer import Importer, ImportReport
from bodega.wiring import open_services, prepare_storage


@click.group()
def index() -> None:
    """Manage indexes."""


@index.command("list")
@storage_options
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def index_list(as_json: bool, **options: Any) -> None:
    """List the indexes."""
    settings = settings_from(options)

    async def list_all() -> list[dict[str, Any]]:
        await prepare_storage(settings)
        async with open_services(settings, follow_changes=False) as services:
            records = await services.index_admin.list()
        return [{"name": r.name, "kind": r.kind, "config": r.config} for r in records]

    rows = run_async(list_all)
    if as_json:
        click.echo(orjson.dumps(rows, option=orjson.OPT_INDENT_2).decode())
        return
    for row in rows:
        click.echo(f"{row['name']}\t{row['kind']}")


@index.command("create")
@storage_options
@click.argument("name")
@click.option("--kind", type=click.Choice(["hosted"]), default="hosted", show_default=True)
@click.option(
    "--uploader",
    "uploaders",
    multiple=True,
    help="User allowed to upload (repeatable; default: every authenticated user).",
)
def index_create(name: str, kind: str, uploaders: tuple[str, ...], **options: Any) -> None:
    """Create index NAME."""
    settings = settings_from(options)
    config: dict[str, Any] = {"uploaders": list(uploaders) or [":authenticated:"]}

    async def create() -> None:
        await prepare_storage(settings)
        async with open_services(settings, follow_changes=False) as services:
            await services.index_admin.create(name, kind, config, actor="cli")

    run_async(create)
    click.echo(f"index {name} ({kind}) created")


@click.command("import")
@storage_options
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--index",
    "index_name",
    default="local",
    show_default=True,
    help="The hosted index to import into.",
)
@click.option("--quiet", "-q", is_flag=True, help="Print only the summary.")
def import_(directory: Path, index_name: str, quiet: bool, **options: Any) -> None:
    """Import the wheels and sdists in DIRECTORY into a hosted index."""
    settings = settings_from(options)

    def progress(name: str, outcome: str) -> None:
        if not quiet:
            click.echo(f"{name}: {outcome}")

    async def run() -> ImportReport:
        await prepare_storage(settings)
        async with open_services(settings, follow_changes=False) as services:
            importer = Importer(services.registry, services.publisher, services.blobs.staging)
            principal = Principal(user="cli", is_admin=True)
            return await importer.import_directory(index_name, directory, principal, progress)

    report = run_async(run)
    click.echo(
        f"{len(report.stored)} stored, {len(report.unchanged)} already stored, "
        f"{len(report.refused)} refused"
    )
    if report.refused:
        raise SystemExit(1)
