"""Reports as files (CSV, Excel): what the command line writes and the screens offer
for download."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
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
