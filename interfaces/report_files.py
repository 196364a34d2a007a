"""Reports as files (CSV, Excel): what the command line writes and the screens offer
for download."""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from application.access import AccessEntry
from application.oversight import LogicModelReport

STAGE_JA = {"inputs": "投入", "activities": "活動", "outputs": "結果", "outcomes": "成果"}


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


@dataclass(frozen=True)
class LogicModelSheet:
    """What a logic-model workbook says, in the reader's language: built by
    ``interfaces.web.ui.reports.logic_model_sheet`` for the screens and the command line."""

    title: str
    """ロジックモデル 令和8年度（2026年度）."""
    sheet_name: str
    """A name a 課 can file (Excel allows 31 characters)."""
    lines: tuple[str, ...]
    """Under the title: municipality, area, period, date of issue."""
    header: tuple[str, str, str, str]
    """Stage, metric, value, unit."""
    stages: dict[str, str]
    metrics: dict[str, str]
    units: dict[str, str]
    empty: str = "—"


PERCENT_FORMAT = "0.0%"
DAYS_FORMAT = "#,##0.0"
COUNT_FORMAT = "#,##0"
SHEET_NAME_LIMIT = 31


def _display_width(text: str) -> int:
    """Columns a text takes in a spreadsheet: East Asian wide characters count twice."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _number_format(metric: str) -> str:
    if metric.endswith("_share"):
        return PERCENT_FORMAT
    if metric.startswith("median_days"):
        return DAYS_FORMAT
    return COUNT_FORMAT


def write_logic_model_xlsx(report: LogicModelReport, path: Path, text: LogicModelSheet) -> None:
    """One sheet a municipality can file: a title row, who and what period it covers and
    when it was issued, then one row per metric with its stage, label, value and unit
    (shares as percentages, days with one decimal)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.worksheet.properties import PageSetupProperties

    book = Workbook()
    sheet = book.active
    assert sheet is not None  # noqa: S101 - a new workbook always has a sheet
    sheet.title = text.sheet_name[:SHEET_NAME_LIMIT]
    sheet.append([text.title])
    sheet["A1"].font = Font(bold=True, size=14)
    for line in text.lines:
        sheet.append([line])
    sheet.append([])
    sheet.append(list(text.header))
    header_row = sheet.max_row
    thin = Side(style="thin", color="808080")
    for cell in sheet[header_row]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        cell.border = Border(bottom=thin)
    widths = [_display_width(h) for h in text.header]
    for stage, metric, value in report.rows():
        row = [text.stages[stage], text.metrics.get(metric, metric), value, text.units[metric]]
        if value is None:
            row[2] = text.empty
        sheet.append(row)
        figure = sheet.cell(row=sheet.max_row, column=3)
        figure.number_format = _number_format(metric)  # also for a figure filled in later
        figure.alignment = Alignment(horizontal="right")
        for index, part in enumerate((row[0], row[1], "0,000.0%", row[3])):
            widths[index] = max(widths[index], _display_width(str(part)))
    for letter, width in zip("ABCD", widths, strict=True):
        sheet.column_dimensions[letter].width = width + 2
    sheet.freeze_panes = f"A{header_row + 1}"
    sheet.print_title_rows = f"{header_row}:{header_row}"
    # Printed on A4 portrait, one page wide, as a 課 files it.
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.orientation = sheet.ORIENTATION_PORTRAIT
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    book.save(path)


def access_log_csv(entries: Iterator[AccessEntry]) -> Iterator[str]:
    """Access-log entries as CSV that Excel opens correctly (UTF-8 with a byte-order
    mark), written as they are read (an export may hold millions of entries)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(AccessEntry.COLUMNS)
    yield "\ufeff" + buffer.getvalue()
    for entry in entries:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(entry.row())
        yield buffer.getvalue()
