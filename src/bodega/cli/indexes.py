"""``bodega index ...`` and ``bodega import``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
import orjson

from bodega.cli.backend import cli_principal
from bodega.cli.common import (
    backend_options,
    echo_json,
    run_async,
    settings_from,
    storage_options,
    with_backend,
)
from bodega.services.importer import Importer, ImportReport
from bodega.wiring import open_services, prepare_storage

F = TypeVar("F", bound=Callable[..., Any])
_SCALAR_KEYS = (
    "upstream",
    "username",
    "password",
    "ttl",
    "root_ttl",
    "negative_ttl",
    "refresh_timeout",
    "allow_delete",
    "allow_overwrite",
)
_LIST_KEYS = ("members", "readers", "uploaders", "admins")
_CONFIG_KEYS = (*_SCALAR_KEYS, *_LIST_KEYS, "allow_upstream", "routes")


def config_options(func: F) -> F:
    """The options that set an index's configuration (each kind uses its own)."""
    options = [
        click.option("--upstream", help="proxy: the upstream simple index URL "
                     "('pip-config' follows the local pip configuration)."),
        click.option("--username", help="proxy: user name for the upstream."),
        click.option("--password", help="proxy: password for the upstream."),
        click.option("--ttl", type=float, help="proxy: seconds a project page stays fresh."),
        click.option("--root-ttl", type=float, help="proxy: seconds the project list stays fresh."),
        click.option("--negative-ttl", type=float,
                     help="proxy: seconds an upstream 404 is remembered."),
        click.option("--refresh-timeout", type=float,
                     help="proxy: seconds a request waits for a revalidation before it is "
                     "served the stale copy."),
        click.option("--members", help="group: comma-separated member indexes, in order."),
        click.option("--allow-upstream", "allow_upstream", multiple=True,
                     help="group: project whose upstream versions may mix with private ones "
                     "(repeatable)."),
        click.option("--route", "routes", multiple=True, metavar="PROJECT=MEMBER",
                     help="group: consult only MEMBER for PROJECT (repeatable)."),
        click.option("--readers", help="who may read: comma-separated user names, @groups, "
                     ":authenticated: or :anonymous: (default :anonymous:)."),
        click.option("--uploaders", help="hosted: who may upload and yank, in the same form "
                     "(default: every signed-in user who may read)."),
        click.option("--admins", help="who may change the index and delete files, in the "
                     "same form (server admins always may)."),
        click.option("--allow-delete/--no-allow-delete", default=None,
                     help="hosted: whether files may be deleted (default: no)."),
        click.option("--allow-overwrite/--no-allow-overwrite", default=None,
                     help="hosted: whether a file name may be given other bytes (default: no)."),
    ]  # fmt: skip
    for option in reversed(options):
        func = option(func)
    return func


def config_from(options: dict[str, Any]) -> dict[str, Any]:
    """The config keys the options set (options not given are left out)."""
    config: dict[str, Any] = {}
    for key in _SCALAR_KEYS:
        if options.get(key) is not None:
            config[key] = options[key]
    for key in _LIST_KEYS:
        if options.get(key) is not None:
            config[key] = [v.strip() for v in options[key].split(",") if v.strip()]
    if options.get("allow_upstream"):
        config["allow_upstream"] = list(options["allow_upstream"])
    if options.get("routes"):
        routes = {}
        for rule in options["routes"]:
            project, sep, member = rule.partition("=")
            if not sep or not project or not member:
                raise click.BadParameter(f"{rule!r} is not PROJECT=MEMBER", param_hint="--route")
            routes[project.strip()] = member.strip()
        config["routes"] = routes
    return config


def _split(options: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    config = config_from(options)
    rest = {k: v for k, v in options.items() if k not in _CONFIG_KEYS}
    return config, rest


@click.group()
def index() -> None:
    """Manage indexes."""


@index.command("list")
@backend_options
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def index_list(as_json: bool, **options: Any) -> None:
    """List the indexes."""
    rows = with_backend(options, lambda b: b.list_indexes())
    if as_json:
        echo_json(rows)
        return
    for row in rows:
        settings = " ".join(f"{k}={v}" for k, v in row["config"].items())
        click.echo(f"{row['name']}\t{row['kind']}\t{settings}")


@index.command("create")
@backend_options
@click.argument("name")
@click.option(
    "--kind", type=click.Choice(["hosted", "proxy", "group"]), default="hosted", show_default=True
)
@config_options
def index_create(name: str, kind: str, **options: Any) -> None:
    """Create index NAME."""
    config, rest = _split(options)
    if kind == "proxy" and "upstream" not in config:
        raise click.UsageError("a proxy index needs --upstream URL (or --upstream pip-config)")
    if kind == "group" and "members" not in config:
        raise click.UsageError("a group index needs --members a,b,...")
    with_backend(rest, lambda b: b.create_index(name, kind, config))
    click.echo(f"index {name} ({kind}) created")


@index.command("set")
@backend_options
@click.argument("name")
@config_options
def index_set(name: str, **options: Any) -> None:
    """Change the configuration of index NAME (running servers pick it up)."""
    config, rest = _split(options)
    if not config:
        raise click.UsageError("nothing to change: give at least one option")
    view = with_backend(rest, lambda b: b.update_index(name, config))
    click.echo(f"index {name} updated: {orjson.dumps(view['config']).decode()}")


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
            return await importer.import_directory(index_name, directory, cli_principal(), progress)

    report = run_async(run)
    click.echo(
        f"{len(report.stored)} stored, {len(report.unchanged)} already stored, "
        f"{len(report.refused)} refused"
    )
    if report.refused:
        raise SystemExit(1)
