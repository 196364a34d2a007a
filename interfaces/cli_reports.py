"""``tsunagu report``: reports for the municipality, as CSV or Excel files."""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from application.oversight import LogicModelReport
from application.security import SYSTEM_ACTOR
from interfaces.bootstrap import Container

STAGE_JA = {"inputs": "投入", "activities": "活動", "outputs": "結果", "outcomes": "成果"}


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
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="File to write (default: standard output for CSV, logic-model-YEAR.xlsx for Excel).",
)
def logic_model_command(fiscal_year: int, area: str | None, fmt: str, output: Path | None) -> None:
    """The logic model (ロジックモデル): inputs, activities, outputs, outcomes."""
    from interfaces.cli import friendly_errors

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
    write_logic_model_xlsx(report, target)
    click.echo(f"wrote {target}", err=True)


def logic_model_csv(report: LogicModelReport) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["fiscal_year", "area", "stage", "stage_ja", "metric", "value"])
    for stage, metric, value in report.rows():
        writer.writerow(
            [
                report.fiscal_year,
                report.area_code or "all",
                stage,
                STAGE_JA[stage],
                metric,
                "" if value is None else value,
            ]
        )
    return buffer.getvalue()


def write_logic_model_xlsx(report: LogicModelReport, path: Path) -> None:
    """One sheet with the four stages side by side, as the report page shows them."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    assert sheet is not None  # noqa: S101 - a new workbook always has a sheet
    sheet.title = f"FY{report.fiscal_year}"
    sheet.append(
        [
            f"ロジックモデル {report.fiscal_year}年度 ({report.period_start} – "
            f"{report.period_end})",
            report.area_code or "全域",
        ]
    )
    sheet.append([])
    header = []
    for stage in LogicModelReport.STAGES:
        header += [f"{STAGE_JA[stage]} ({stage})", ""]
    sheet.append(header)
    for cell in sheet[3]:
        cell.font = Font(bold=True)
    columns = [list(getattr(report, stage).items()) for stage in LogicModelReport.STAGES]
    for i in range(max(len(c) for c in columns)):
        row: list[object] = []
        for column in columns:
            metric, value = column[i] if i < len(column) else ("", "")
            row += [metric, value]
        sheet.append(row)
    book.save(path)
