"""``tsunagu snapshots``: the event store's snapshots (deleting them loses nothing)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from application.store import EventStore
from application.topics import topics_of
from interfaces.bootstrap import stored_snapshots
from interfaces.cli.common import container, friendly_errors

SNAPSHOTTED = {cls.__name__: cls for cls in EventStore.snapshotting_intervals}
"""The aggregate types the event store snapshots, by name."""

snapshots_group = AppGroup(
    "snapshots", help="Snapshots of long histories (a shortcut: the events stay)."
)


@snapshots_group.command("purge")
@click.option(
    "--type",
    "type_name",
    type=click.Choice(sorted(SNAPSHOTTED)),
    default=None,
    help="Only the snapshots of this aggregate type (default: all).",
)
@click.option("--yes", is_flag=True, help="Delete without asking.")
def purge_command(type_name: str | None, yes: bool) -> None:
    """Delete stored snapshots; each aggregate then loads from its events.

    Nothing is lost: snapshots only save replaying, and new ones are taken as
    aggregates grow. Useful after changing an aggregate's attributes without an
    upcaster (such snapshots are ignored anyway), or to rule snapshots out.
    """
    topics = None if type_name is None else topics_of([SNAPSHOTTED[type_name]])
    of_type = "" if type_name is None else f" of {type_name}"
    with friendly_errors():
        snapshots = stored_snapshots(container())
        found = snapshots.count(topics)
        if not found:
            click.echo(f"no snapshots{of_type} stored")
            return
        if not yes:
            click.confirm(f"Delete {_snapshots(found)}{of_type}?", abort=True)
        deleted = snapshots.purge(topics)
    click.echo(f"deleted {_snapshots(deleted)}{of_type}; each aggregate loads from its events")


def _snapshots(count: int) -> str:
    return f"{count} snapshot" if count == 1 else f"{count} snapshots"
