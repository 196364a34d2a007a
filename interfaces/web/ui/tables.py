"""The numbers behind a chart: one table shown on the page and offered as CSV."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any

from flask import Response

from interfaces.web.ui.core import now
from interfaces.web.ui.i18n import local


@dataclass(frozen=True)
class Table:
    """A chart's numbers: what the table shows and the CSV holds."""

    name: str
    title: str
    header: list[str]
    rows: list[list[Any]]


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> Any:
    """A cell as written: text that a spreadsheet would run as a formula (a reason typed
    as ``=HYPERLINK(...)``) is kept as text by a leading apostrophe."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_download(header: list[Any], rows: list[list[Any]], name: str) -> Response:
    """A CSV file that spreadsheet programs in Japan open correctly (UTF-8 with a BOM)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([_cell(cell) for cell in row] for row in rows)
    filename = f"tsunagu-{name}-{local(now()).strftime('%Y%m%d')}.csv"
    return Response(
        ("\ufeff" + buffer.getvalue()).encode("utf-8"),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Content-Type": "text/csv; charset=utf-8",
        },
    )


def table_csv(table: Table) -> Response:
    return csv_download(table.header, table.rows, table.name)
