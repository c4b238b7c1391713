"""``bodega index ...`` and ``bodega import``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
import orjson

from bodega.auth.principal import Principal
from bodega.cli.common import run_async, settings_from, storage_options
from bodega.services.importer import Importer, ImportReport
from bodega.storage.meta.records import IndexRecord
from bodega.wiring import Services, open_services, prepare_storage

CLI_ACTOR = "cli"
F = TypeVar("F", bound=Callable[..., Any])


def config_options(func: F) -> F:
    """The options that set an index's configuration (each kind uses its own)."""
    options = [
        click.option(
            "--upstream",
            help="proxy: the upstream simple index URL "
            "('pip-config' follows the local pip configuration).",
        ),
        click.option("--username", help="proxy: user name for the upstream."),
        click.option("--password", help="proxy: password for the upstream."),
        click.option("--ttl", type=float, help="proxy: seconds a project page stays fresh."),
        click.option("--root-ttl", type=float, help="proxy: seconds the project list stays fresh."),
        click.option(
            "--negative-ttl", type=float, help="proxy: seconds an upstream 404 is remembered."
        ),
        click.option(
            "--refresh-timeout",
            type=float,
            help="proxy: seconds a request waits for a revalidation before it is served the "
            "stale copy.",
        ),
        click.option("--members", help="group: comma-separated member indexes, in order."),
        click.option(
            "--allow-upstream",
            "allow_upstream",
            multiple=True,
            help="group: project whose upstream versions may mix with private ones (repeatable).",
        ),
        click.option(
            "--route",
            "routes",
            multiple=True,
            metavar="PROJECT=MEMBER",
            help="group: consult only MEMBER for PROJECT (repeatable).",
        ),
        click.option(
            "--uploader",
            "uploaders",
            multiple=True,
            help="hosted: user allowed to upload (repeatable; default: every authenticated user).",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def config_from(options: dict[str, Any]) -> dict[str, Any]:
    """The config keys the options set (options not given are left out)."""
    config: dict[str, Any] = {}
    for key in _SCALAR_KEYS:
        if options.get(key) is not None:
            config[key] = options[key]
    if options.get("members"):
        config["members"] = [m.strip() for m in options["members"].split(",") if m.strip()]
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
    if options.get("uploaders"):
        config["uploaders"] = list(options["uploaders"])
    return config


_SCALAR_KEYS = (
    "upstream",
    "username",
    "password",
    "ttl",
    "root_ttl",
    "negative_ttl",
    "refresh_timeout",
)
_CONFIG_KEYS = (
    *_SCALAR_KEYS,
    "members",
    "allow_upstream",
    "routes",
    "uploaders",
)


def _split(options: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    config = config_from(options)
    rest = {k: v for k, v in options.items() if k not in _CONFIG_KEYS}
    return config, rest


def _with_services(settings_options: dict[str, Any], work: Callable[[Services], Any]) -> Any:
    settings = settings_from(settings_options)

    async def run() -> Any:
        await prepare_storage(settings)
        async with open_services(settings, follow_changes=False) as services:
            return await work(services)

    return run_async(run)


def _describe(record: IndexRecord) -> dict[str, Any]:
    config = {k: ("***" if k == "password" else v) for k, v in record.config.items()}
    return {"name": record.name, "kind": record.kind, "config": config}


@click.group()
def index() -> None:
    """Manage indexes."""


@index.command("list")
@storage_options
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def index_list(as_json: bool, **options: Any) -> None:
    """List the indexes."""
    records = _with_services(options, lambda s: s.index_admin.all())
    rows = [_describe(r) for r in records]
    if as_json:
        click.echo(orjson.dumps(rows, option=orjson.OPT_INDENT_2).decode())
        return
    for row in rows:
        settings = " ".join(f"{k}={v}" for k, v in row["config"].items())
        click.echo(f"{row['name']}\t{row['kind']}\t{settings}")


@index.command("create")
@storage_options
@click.argument("name")
@click.option(
    "--kind", type=click.Choice(["hosted", "proxy", "group"]), default="hosted", show_default=True
)
@config_options
def index_create(name: str, kind: str, **options: Any) -> None:
    """Create index NAME."""
    config, rest = _split(options)
    if kind == "hosted":
        config.setdefault("uploaders", [":authenticated:"])
    if kind == "proxy" and "upstream" not in config:
        raise click.UsageError("a proxy index needs --upstream URL (or --upstream pip-config)")
    if kind == "group" and "members" not in config:
        raise click.UsageError("a group index needs --members a,b,...")
    _with_services(rest, lambda s: s.index_admin.create(name, kind, config, actor=CLI_ACTOR))
    click.echo(f"index {name} ({kind}) created")


@index.command("set")
@storage_options
@click.argument("name")
@config_options
def index_set(name: str, **options: Any) -> None:
    """Change the configuration of index NAME (the running server picks it up)."""
    config, rest = _split(options)
    if not config:
        raise click.UsageError("nothing to change: give at least one option")
    record = _with_services(rest, lambda s: s.index_admin.update(name, config, actor=CLI_ACTOR))
    click.echo(f"index {name} updated: {orjson.dumps(_describe(record)['config']).decode()}")


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

    def progress(name: str, outcome: str) -> None:
        if not quiet:
            click.echo(f"{name}: {outcome}")

    async def work(services: Services) -> ImportReport:
        importer = Importer(services.registry, services.publisher, services.blobs.staging)
        principal = Principal(user=CLI_ACTOR, is_admin=True)
        return await importer.import_directory(index_name, directory, principal, progress)

    report: ImportReport = _with_services(options, work)
    click.echo(
        f"{len(report.stored)} stored, {len(report.unchanged)} already stored, "
        f"{len(report.refused)} refused"
    )
    if report.refused:
        raise SystemExit(1)
