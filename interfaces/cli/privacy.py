"""``tsunagu privacy``: clients' personal data — retention (docs/privacy.md)."""

from __future__ import annotations

import json
from datetime import datetime

import click
from flask.cli import AppGroup

from application.security import SYSTEM_ACTOR
from domain.calendar import JST
from interfaces.bootstrap import rotate_master_key
from interfaces.cli.common import container, friendly_errors, progress_bar

privacy_group = AppGroup(
    "privacy", help="Clients' personal data: retention and erasure (see docs/privacy.md)."
)


@privacy_group.command("erase-expired")
@click.option(
    "--closed-before",
    "closed_before",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    required=True,
    help="Erase clients whose needs were all closed before this day (YYYY-MM-DD, "
    "Japan time). Clients with an open need, or with no need, are kept.",
)
@click.option(
    "--apply",
    is_flag=True,
    help="Erase for good. Without it: a dry run that only reports who would be erased.",
)
@click.option(
    "--reason",
    default=None,
    help="The reason recorded with each erasure (default: the retention rule and date).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def erase_expired_command(
    closed_before: datetime, apply: bool, reason: str | None, as_json: bool
) -> None:
    """Erase the personal data of clients past retention (crypto-shredding).

    Each erased client's key is destroyed: its name, kana, date of birth,
    address, phone and its needs' free text can never be read again. The needs,
    their statuses and the statistics stay. Dry run by default.
    """
    cutoff = closed_before.replace(tzinfo=JST)
    day = cutoff.date().isoformat()
    why = reason or f"retention: every need closed before {day}"
    with friendly_errors():
        clients = container().services.clients
        if apply:
            with progress_bar("erasing") as update:
                report = clients.erase_expired(
                    cutoff, why, SYSTEM_ACTOR, apply=True, progress=update
                )
        else:
            report = clients.erase_expired(cutoff, why, SYSTEM_ACTOR)
    if as_json:
        click.echo(
            json.dumps(
                {
                    "closed_before": day,
                    "applied": report.applied,
                    "candidates": [str(c) for c in report.candidates],
                    "erased": [str(c) for c in report.erased],
                    "failed": {str(c): why for c, why in report.failed.items()},
                },
                indent=2,
            )
        )
    else:
        for client_id in report.candidates:
            state = "kept (dry run)"
            if report.applied:
                state = "erased" if client_id in report.erased else "FAILED"
            click.echo(f"{client_id}  {state}")
        if report.applied:
            click.echo(
                f"{len(report.erased)} of {len(report.candidates)} clients whose needs were "
                f"all closed before {day} erased"
                + (f"; {len(report.failed)} failed" if report.failed else "")
            )
        else:
            click.echo(
                f"dry run: {len(report.candidates)} clients have every need closed before "
                f"{day}; nothing was erased (add --apply to erase them)"
            )
    if report.failed:
        raise SystemExit(1)


@privacy_group.command("rotate-master-key")
@click.option(
    "--new-key-file",
    type=click.Path(exists=True, dir_okay=False, readable=True),
    required=True,
    help="A file holding the new master key (64 hex or base64 characters: 32 bytes).",
)
def rotate_master_key_command(new_key_file: str) -> None:
    """Re-wrap every client's data key with a new master key (stop the servers first).

    Reads the current key as the server does (TSUNAGU_MASTER_KEY or
    instance/master_key). Afterwards configure the new key in its place and run
    `tsunagu projections rebuild client_directory` (search tokens derive from it).
    Events are not touched; all keys change in one transaction.
    """
    with open(new_key_file, encoding="ascii") as file:
        new_key = file.read().strip()
    try:
        count = rotate_master_key(container(), new_key)
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    click.echo(
        f"re-wrapped {count} data keys with the new master key. Now put the new key in "
        "place of the old one (TSUNAGU_MASTER_KEY or instance/master_key), keep a backup "
        "of it apart from the database, and run: tsunagu projections rebuild client_directory"
    )
