"""``tsunagu resources``: import a municipality's resource list, export the directory."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
from flask import current_app
from flask.cli import AppGroup

from application.errors import ApplicationError
from application.importing import ImportReport
from application.resources import ResourceFilter
from application.security import SYSTEM_ACTOR, Actor
from domain.errors import DomainError
from domain.values import ServiceType
from interfaces.bootstrap import Container
from interfaces.importing import (
    FileFormatError,
    ParsedFile,
    RowDefaults,
    read_resource_file,
    report_document,
)
from interfaces.importing.export import FORMATS, to_csv, to_hsds, to_xlsx

PROGRESS_FROM_ROWS = 200
"""Files with at least this many rows get a progress bar (on stderr)."""

resources_group = AppGroup("resources", help="Import and export the resource directory.")


def _container() -> Container:
    built: Container = current_app.extensions["tsunagu"]
    return built


def _actor(built: Container, username: str | None) -> Actor:
    if username is None:
        return SYSTEM_ACTOR
    try:
        return built.services.accounts.actor_for_username(username)
    except (ApplicationError, DomainError) as error:
        raise click.BadParameter(str(error), param_hint="--user") from None


@contextmanager
def _progress(label: str, total: int) -> Iterator[Callable[[int, int], None] | None]:
    if total < PROGRESS_FROM_ROWS:
        yield None
        return
    with click.progressbar(length=total, label=label, file=sys.stderr) as bar:
        reached = [0]

        def update(done: int, _total: int) -> None:
            bar.update(done - reached[0])
            reached[0] = done

        yield update


@resources_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--apply", is_flag=True, help="Write the valid rows (default: a dry run).")
@click.option(
    "--all-or-nothing", is_flag=True, help="With --apply: one invalid row aborts everything."
)
@click.option(
    "--encoding",
    type=click.Choice(["utf-8", "cp932", "shift_jis"], case_sensitive=False),
    default=None,
    help="CSV encoding (default: detect UTF-8, else CP932).",
)
@click.option(
    "--area",
    "areas",
    multiple=True,
    help="Area code or name for rows whose file has no area column (repeatable).",
)
@click.option(
    "--service-type",
    type=click.Choice([s.value for s in ServiceType]),
    default=None,
    help="Service type for rows whose service cannot be mapped.",
)
@click.option(
    "--skip-care-benefits",
    is_flag=True,
    help="Leave out care-insurance services with no life-support counterpart (訪問看護, "
    "福祉用具貸与, ...), counted as skipped; by default they import as professional "
    "agencies (agency_referral).",
)
@click.option("--user", "username", default=None, help="Import as this user (default: system).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def import_command(
    file: Path,
    apply: bool,
    all_or_nothing: bool,
    encoding: str | None,
    areas: tuple[str, ...],
    service_type: str | None,
    skip_care_benefits: bool,
    username: str | None,
    as_json: bool,
) -> None:
    """Import resources from FILE (.csv or .xlsx); a dry run unless --apply.

    Columns are matched by their headers (Japanese or English, see
    docs/importing.md); the national 介護サービス事業所一覧 layouts and 通いの場
    lists are recognised as they are published. Without an area column or
    --area, each row's area is inferred from its address where the areas list
    their towns (see `tsunagu resources towns`). Re-importing a file changes
    only what changed in it.
    """
    built = _container()
    actor = _actor(built, username)
    defaults = RowDefaults(
        areas=areas,
        service_type=ServiceType(service_type) if service_type else None,
        skip_care_benefits=skip_care_benefits,
    )
    data = file.read_bytes()
    try:
        parsed = read_resource_file(data, file.name, encoding=encoding, defaults=defaults)
    except FileFormatError as error:
        raise click.ClickException(f"{file.name}: {error}") from None
    try:
        with _progress("checking rows", len(parsed.drafts)) as progress:
            report = built.services.importing.import_resources(
                parsed.drafts,
                actor,
                apply=apply,
                all_or_nothing=all_or_nothing,
                reason=f"imported from {file.name}",
                progress=progress,
            )
    except (ApplicationError, DomainError) as error:
        raise click.ClickException(str(error)) from None
    if as_json:
        click.echo(json.dumps(report_document(parsed, report), ensure_ascii=False, indent=1))
    else:
        _print_report(file.name, parsed, report)
    if report.aborted:
        sys.exit(1)


def _print_report(name: str, parsed: ParsedFile, report: ImportReport) -> None:
    kind = "Excel workbook" if parsed.format == "xlsx" else f"CSV, {parsed.encoding}"
    sheet = f", sheet {parsed.sheet!r}" if parsed.sheet else ""
    click.echo(f"{name}: {kind}{sheet}; header on row {parsed.header_row}")
    click.echo(f"layout: {parsed.layout.title}")
    if parsed.ignored_columns:
        click.echo("ignored columns: " + ", ".join(parsed.ignored_columns))
    for notice in parsed.notices:
        click.echo(f"note: {notice.message}")
    if parsed.skipped:
        click.echo(
            f"skipped (--skip-care-benefits): {len(parsed.skipped)} rows of care-insurance "
            "services with no life-support counterpart"
        )
    said = {n.stands_for for n in parsed.notices if n.stands_for}
    click.echo()
    for row in report.rows:
        label = {"invalid": "INVALID"}.get(row.outcome, row.outcome)
        changed = f" ({', '.join(row.changed)})" if row.changed else ""
        click.echo(f"row {row.row:>5}  {label:<9}  {row.name or '(no name)'}{changed}")
        for problem in row.problems:
            if problem.code in said:
                continue  # said once above
            mark = "error" if problem.severity == "error" else "note "
            click.echo(f"{'':>11}{mark}  {problem.field}: {problem.message}")
    counts = report.counts
    click.echo()
    click.echo(
        f"new {counts['new']} · updated {counts['updated']} · unchanged {counts['unchanged']}"
        f" · invalid {counts['invalid']}"
        + (f" · skipped {len(parsed.skipped)}" if parsed.skipped else "")
        + f"  ({len(report.rows) + len(parsed.skipped)} rows)"
    )
    valid = counts["new"] + counts["updated"]
    if report.dry_run and valid:
        click.echo(f"dry run: nothing written. Add --apply to write the {valid} new/changed rows.")
    elif report.dry_run:
        click.echo("dry run: nothing written, and nothing would be.")
    elif report.aborted:
        click.echo("aborted (--all-or-nothing): nothing written; fix the invalid rows first.")
    elif report.applied:
        click.echo(f"written: {valid} resources (log position {report.position}).")
    else:
        click.echo("nothing to write: the directory already says what the file says.")


@resources_group.command("towns")
@click.argument("area")
@click.argument("towns", nargs=-1)
@click.option("--user", "username", default=None, help="As this user (default: system).")
def towns_command(area: str, towns: tuple[str, ...], username: str | None) -> None:
    """Say which towns (町・字) make up AREA (its code), replacing its list.

    An import infers a row's area from its address by these towns when the
    file has no area column and no --area is given. No TOWNS: clear the list.
    """
    built = _container()
    actor = _actor(built, username)
    try:
        listed = built.services.reference.list_towns(area, list(towns), actor)
    except (ApplicationError, DomainError) as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"{area}: " + ("、".join(listed) if listed else "(no towns)"))


@resources_group.command("export")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="csv",
    show_default=True,
    help="csv (UTF-8 with BOM), xlsx, or hsds (Open Referral JSON).",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    default=None,
    help="File to write (default: standard output; required for xlsx).",
)
def export_command(fmt: str, output: Path | None) -> None:
    """Export the resource directory as CSV, .xlsx or HSDS-style JSON."""
    app = _container().services
    resources = app.resources.list_resources(ResourceFilter(), SYSTEM_ACTOR)
    organizations = {o.id: o for o in app.organizations.list_organizations(SYSTEM_ACTOR)}
    data: bytes
    if fmt == "hsds":
        areas = {a.code: a.name for a in app.reference.list_areas(SYSTEM_ACTOR)}
        document: dict[str, Any] = to_hsds(resources, organizations, areas)
        data = (json.dumps(document, ensure_ascii=False, indent=1) + "\n").encode()
    elif fmt == "xlsx":
        if output is None:
            raise click.UsageError("an .xlsx workbook needs -o FILE")
        data = to_xlsx(resources, organizations)
    else:
        data = to_csv(resources, organizations)
    if output is None:
        click.echo(data, nl=False)
        return
    output.write_bytes(data)
    click.echo(f"wrote {len(resources)} resources to {output}", err=True)
