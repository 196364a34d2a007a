"""``tsunagu audit``: what auditors check from the command line."""

from __future__ import annotations

import json

import click
from flask.cli import AppGroup

from application.security import SYSTEM_ACTOR
from interfaces.cli.common import container, friendly_errors

audit_group = AppGroup("audit", help="Check the logs auditors rely on.")


@audit_group.command("access-verify")
@click.option("--json", "as_json", is_flag=True, help="One JSON document.")
def access_verify(as_json: bool) -> None:
    """Check the read-access log's hash chain from its first entry.

    Exit 0 when every entry is in its place, linked to the one before and
    unchanged; otherwise exit 1 naming the first entry that is not (missing,
    altered or unlinked). Keep the printed head hash: entries removed from the
    end of the log show only against a head hash kept elsewhere.
    """
    with friendly_errors():
        result = container().services.access.verify(SYSTEM_ACTOR.through("cli:audit"))
    if as_json:
        click.echo(
            json.dumps(
                {
                    "intact": result.intact,
                    "entries": result.entries,
                    "head_hash": result.head_hash,
                    "broken_seq": result.broken_seq,
                    "problem": result.problem,
                }
            )
        )
    elif result.intact:
        click.echo(f"access log intact: {result.entries} entries, head hash {result.head_hash}")
    else:
        click.echo(
            f"access log broken at entry {result.broken_seq} ({result.problem}); "
            f"the {result.entries} entries before it are intact",
            err=True,
        )
    if not result.intact:
        raise SystemExit(1)
