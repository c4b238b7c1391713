"""``bodega yank``, ``unyank``, ``delete``, ``push`` and ``audit``."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import click

from bodega.cli.common import backend_options, echo_json, with_backend
from bodega.services.audit import AuditQuery
from bodega.services.lifecycle import Selection


def _selection_options(func: Any) -> Any:
    func = click.option("--file", "filename", help="Only this file of the release.")(func)
    return click.option("--index", "index_name", default="local", show_default=True,
                        help="The hosted index.")(func)  # fmt: skip


@click.command()
@backend_options
@_selection_options
@click.argument("project")
@click.argument("version")
@click.option("--reason", help="Why (shown to installers, PEP 592).")
def yank(
    project: str,
    version: str,
    index_name: str,
    filename: str | None,
    reason: str | None,
    **options: Any,
) -> None:
    """Yank release VERSION of PROJECT (or one file of it)."""
    names = with_backend(
        options,
        lambda b: b.yank(
            index_name, Selection(project, version, filename), yanked=True, reason=reason
        ),
    )
    click.echo(f"yanked {len(names)} file(s): {', '.join(names)}")


@click.command()
@backend_options
@_selection_options
@click.argument("project")
@click.argument("version")
def unyank(
    project: str, version: str, index_name: str, filename: str | None, **options: Any
) -> None:
    """Take back the yank of release VERSION of PROJECT (or of one file of it)."""
    names = with_backend(
        options,
        lambda b: b.yank(
            index_name, Selection(project, version, filename), yanked=False, reason=None
        ),
    )
    click.echo(f"unyanked {len(names)} file(s): {', '.join(names)}")


@click.command()
@backend_options
@_selection_options
@click.argument("project")
@click.argument("version", required=False)
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def delete(
    project: str,
    version: str | None,
    index_name: str,
    filename: str | None,
    yes: bool,
    **options: Any,
) -> None:
    """Delete PROJECT's files (of VERSION, or one --file) from an index that allows it."""
    what = filename or (f"{project} {version}" if version else f"every file of {project}")
    if not yes:
        click.confirm(f"Delete {what} from {index_name}?", abort=True)
    names = with_backend(
        options, lambda b: b.delete(index_name, Selection(project, version, filename))
    )
    click.echo(f"deleted {len(names)} file(s): {', '.join(names)}")


@click.command()
@backend_options
@click.argument("project")
@click.argument("version")
@click.option("--from", "source", required=True, help="The hosted index to promote from.")
@click.option("--to", "target", required=True, help="The hosted index to promote to.")
def push(project: str, version: str, source: str, target: str, **options: Any) -> None:
    """Promote release VERSION of PROJECT between hosted indexes (no bytes are copied)."""
    added = with_backend(options, lambda b: b.push(project, version, source=source, target=target))
    if added:
        click.echo(f"pushed {len(added)} file(s) to {target}: {', '.join(added)}")
    else:
        click.echo(f"{target} already has every file of {project} {version}")


@click.command()
@backend_options
@click.option("--index", "index_name", help="Only changes of this index.")
@click.option("--project", help="Only changes of this project.")
@click.option("--action", help="Only this action (upload, yank, delete, push, ...).")
@click.option("--actor", help="Only changes made by this user (or 'user (token ID)').")
@click.option(
    "--since",
    type=click.DateTime(formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S"]),
    help="Only changes at or after this UTC time.",
)
@click.option(
    "--until",
    type=click.DateTime(formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S"]),
    help="Only changes before this UTC time.",
)
@click.option("--limit", type=click.IntRange(1, 10_000), default=1000, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def audit(
    index_name: str | None,
    project: str | None,
    action: str | None,
    actor: str | None,
    since: datetime | None,
    until: datetime | None,
    limit: int,
    as_json: bool,
    **options: Any,
) -> None:
    """Read the audit log: every upload, yank, delete, push, index and account change."""
    query = AuditQuery(
        index_name=index_name,
        project=project,
        action=action,
        actor=actor,
        since=since.replace(tzinfo=UTC) if since else None,
        until=until.replace(tzinfo=UTC) if until else None,
        limit=limit,
    )
    entries = with_backend(options, lambda b: b.audit(query))
    if as_json:
        echo_json(entries)
        return
    for entry in entries:
        where = "/".join(p for p in (entry["index"], entry["project"]) if p)
        click.echo(
            f"{entry['serial']}\t{entry['at']}\t{entry['action']}\t{where or '-'}\t"
            f"{entry['actor'] or '-'}\t{entry['remote_addr'] or '-'}\t{entry['detail']}"
        )
