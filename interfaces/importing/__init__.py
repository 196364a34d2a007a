"""Resource list files in and out (a driving adapter used by the CLI and the API).

``read_resource_file`` turns a CSV (UTF-8 with or without BOM, or Shift_JIS)
or .xlsx file into drafts for ``Services.import_resources``; ``report_document``
renders the outcome for people and programs; ``export`` writes the directory
back out as CSV, .xlsx or HSDS-shaped JSON. ``PROBLEM_CODES`` lists every code a
row problem can carry. See ``docs/importing.md``.
"""

from __future__ import annotations

from collections.abc import Callable

from interfaces.importing.problems import PROBLEM_CODES
from interfaces.importing.reader import FileFormatError, Table, read_table
from interfaces.importing.report import report_document
from interfaces.importing.rows import ParsedFile, RowDefaults, parse_table


def read_resource_file(
    data: bytes,
    filename: str | None = None,
    *,
    encoding: str | None = None,
    defaults: RowDefaults | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ParsedFile:
    """Read ``data`` into resource drafts; raises ``FileFormatError`` for unreadable files."""
    return parse_table(read_table(data, filename, encoding), defaults, progress)


__all__ = [
    "PROBLEM_CODES",
    "FileFormatError",
    "ParsedFile",
    "RowDefaults",
    "Table",
    "read_resource_file",
    "report_document",
]
