"""``tsunagu report``: reports for the municipality, as CSV or Excel files."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from flask_babel import force_locale

from application.security import SYSTEM_ACTOR
from application.store import utc_now
from interfaces.bootstrap import Container
from interfaces.cli.common import friendly_errors
from interfaces.report_files import logic_model_csv, write_logic_model_xlsx
from interfaces.web.ui.i18n import _, local
from interfaces.web.ui.reports import logic_model_sheet

report_group = AppGroup("report", help="Produce reports (the logic model) as CSV or Excel.")


@report_group.command("logic-model")
@click.option(
    "--fiscal-year",
    "fiscal_year",
    required=True,
    type=int,
    help="April to March; 2026 means 2026-04-01 to 2027-03-31.",
)
@click.option("--area", default=None, help="One area's code; omit for the whole municipality.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "xlsx"]),
    default="csv",
    show_default=True,
    help="File format.",
)
@click.option(
    "--lang",
    type=click.Choice(["ja", "en"]),
    default="ja",
    show_default=True,
    help="Language of the Excel file's labels, dates and sheet name.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="File to write (default: standard output for CSV, logic-model-YEAR.xlsx for Excel).",
)
def logic_model_command(
    fiscal_year: int, area: str | None, fmt: str, lang: str, output: Path | None
) -> None:
    """The logic model (ロジックモデル): inputs, activities, outputs, outcomes."""
    container: Container = current_app.extensions["tsunagu"]
    container.projections.catch_up()
    with friendly_errors():
        report = container.services.oversight.logic_model(fiscal_year, SYSTEM_ACTOR, area_code=area)
    if fmt == "csv":
        text = logic_model_csv(report)
        if output is None:
            sys.stdout.write(text)
        else:
            output.write_text("\ufeff" + text, encoding="utf-8")
            click.echo(f"wrote {output}", err=True)
        return
    target = output or Path(f"logic-model-{fiscal_year}-{area or 'all'}.xlsx")
    areas = {a.code: a.name for a in container.services.reference.list_areas(SYSTEM_ACTOR)}
    with force_locale(lang):
        area_name = areas.get(area, area) if area else _("Whole municipality")
        sheet = logic_model_sheet(
            report, area_name, container.settings.municipality, local(utc_now()).date()
        )
    write_logic_model_xlsx(report, target, sheet)
    click.echo(f"wrote {target}", err=True)
