"""Reading a resource list file into a table of cells: CSV in UTF-8 or Shift_JIS, or .xlsx.

Municipal spreadsheets often have a title and notes above the header row, so
the header is the first of the top rows in which at least two cells name a
field we know.
"""

from __future__ import annotations

import csv
import io
import itertools
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from interfaces.importing.columns import field_for
from interfaces.importing.normalize import clean

MAX_ROWS = 50_000
MAX_COLUMNS = 200
"""The widest national layout has 36 columns."""
MAX_CELLS = 1_000_000
"""Cells of the rows kept (blank rows are not kept): e.g. 27,000 rows of 36 columns."""
MAX_CELLS_READ = 5_000_000
"""Cells read at all, blank rows and padding included (a blank line counts as one):
what bounds the time a file of empty lines or of rows padded far to the right takes."""
MAX_UNCOMPRESSED_BYTES = 50 * 1024 * 1024
"""An .xlsx is a zip: what it unpacks to, all parts together."""
MAX_COMPRESSION_RATIO = 100
"""Spreadsheets compress about 3 to 20 times; a zip bomb compresses hundreds of times."""
RATIO_CHECKED_FROM_BYTES = 1024 * 1024
"""Small parts may compress well without costing anything."""
HEADER_SCAN_ROWS = 15
HEADER_MIN_FIELDS = 2
ENCODINGS = ("utf-8-sig", "cp932")
"""Tried in this order: CP932 accepts almost any byte string, UTF-8 seldom does by chance."""
ENCODING_NAMES = {
    "utf-8-sig": "UTF-8",
    "utf-8": "UTF-8",
    "utf8": "UTF-8",
    "cp932": "CP932 (Shift_JIS)",
    "shift_jis": "Shift_JIS",
    "sjis": "Shift_JIS",
}


class FileFormatError(ValueError):
    """The file cannot be read as a resource list; the message says why and what to do.

    ``code`` says which way it cannot be read (one of ``FILE_CODES``): screens word it
    from the code, never from the message.
    """

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


FILE_CODES = frozenset(
    {
        "file.empty",
        "file.old_excel",
        "file.not_xlsx",
        "file.encoding",
        "file.malformed_csv",
        "file.no_header",
        "file.too_many_rows",
        "file.too_many_columns",
        "file.too_many_cells",
        "file.too_large_unpacked",
        "file.compression_ratio",
        "file.too_costly",
        "file.unreadable",
    }
)
"""Every code a ``FileFormatError`` can carry (the last two come from reading an upload in
a child process, ``interfaces.importing.isolation``)."""


@dataclass(frozen=True)
class Table:
    """The header and the data rows of a file, each row with its number as a person counts it."""

    format: str
    """``csv`` or ``xlsx``."""
    encoding: str | None
    """How a CSV was decoded (e.g. ``UTF-8 (BOM)``, ``CP932 (Shift_JIS)``); None for xlsx."""
    sheet: str | None
    header_row: int
    headers: list[str]
    rows: list[tuple[int, list[Any]]]


def read_table(data: bytes, filename: str | None = None, encoding: str | None = None) -> Table:
    """The table in ``data`` (CSV or .xlsx, decided by content, then by name)."""
    if not data.strip():
        raise FileFormatError("the file is empty", "file.empty")
    name = (filename or "").lower()
    if data[:4] == b"PK\x03\x04":
        return _read_xlsx(data)
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" or name.endswith(".xls"):
        raise FileFormatError(
            "this is an old Excel (.xls) file; save it as .xlsx or CSV and import that",
            "file.old_excel",
        )
    if name.endswith((".xlsx", ".xlsm")):
        raise FileFormatError(
            "the file is named .xlsx but is not an Excel workbook", "file.not_xlsx"
        )
    text, used = decode(data, encoding)
    return _read_csv(text, used)


def decode(data: bytes, encoding: str | None = None) -> tuple[str, str]:
    """The text of a CSV and how it was decoded: as told, or UTF-8 (with or without BOM)
    and else CP932."""
    if encoding:
        try:
            codec = (
                "utf-8-sig" if encoding.lower().replace("_", "-") in ("utf-8", "utf8") else encoding
            )
            return data.decode(codec), ENCODING_NAMES.get(encoding.lower(), encoding)
        except LookupError:
            raise FileFormatError(
                f"unknown encoding {encoding!r}; use utf-8 or cp932", "file.encoding"
            ) from None
        except UnicodeDecodeError as error:
            raise FileFormatError(
                f"the file is not valid {encoding} (byte {error.start}); "
                "try without --encoding to detect it",
                "file.encoding",
            ) from None
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return data.decode("utf-16"), "UTF-16"
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    else:
        return text, "UTF-8 (BOM)" if data.startswith(b"\xef\xbb\xbf") else "UTF-8"
    try:
        return data.decode("cp932"), "CP932 (Shift_JIS)"
    except UnicodeDecodeError as error:
        raise FileFormatError(
            f"the file is neither UTF-8 nor Shift_JIS (CP932) text (byte {error.start}); "
            "save it as CSV UTF-8 or .xlsx",
            "file.encoding",
        ) from None


def _read_csv(text: str, encoding: str) -> Table:
    end = text.find("\n")
    first_line = text if end < 0 else text[:end]
    delimiter = "\t" if first_line.count("\t") > first_line.count(",") else ","
    records = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        return _table("csv", encoding, None, records)
    except csv.Error as error:
        raise FileFormatError(f"the CSV is malformed: {error}", "file.malformed_csv") from None


def _read_xlsx(data: bytes) -> Table:
    from openpyxl import load_workbook

    _check_zip(data)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as error:
        raise FileFormatError(
            f"the workbook cannot be read ({error}); is it an .xlsx file?", "file.not_xlsx"
        ) from None
    try:
        problems: list[str] = []
        for sheet in workbook.worksheets:
            _check_dimensions(sheet.max_row, sheet.max_column)
            rows = sheet.iter_rows(values_only=True)
            try:
                return _table("xlsx", None, sheet.title, rows)
            except FileFormatError as error:
                if error.code != "file.no_header":
                    raise
                problems.append(f"{sheet.title}: {error}")
        raise FileFormatError(
            "no sheet has a header row we recognise (" + "; ".join(problems) + ")",
            "file.no_header",
        )
    finally:
        workbook.close()


def _check_zip(data: bytes) -> None:
    """Refuse a workbook that would unpack to far more than any resource list, before
    anything is unpacked. The sizes are the zip's own word; reading a part never yields
    more than its declared size (zipfile stops there and fails the CRC check)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise FileFormatError(
            f"the workbook cannot be read ({error}); is it an .xlsx file?", "file.not_xlsx"
        ) from None
    total = sum(part.file_size for part in parts)
    if total > MAX_UNCOMPRESSED_BYTES:
        raise FileFormatError(
            f"the workbook unpacks to {total // (1024 * 1024)} MiB, more than "
            f"{MAX_UNCOMPRESSED_BYTES // (1024 * 1024)} MiB; split it or save it as CSV",
            "file.too_large_unpacked",
        )
    for part in parts:
        if part.file_size < RATIO_CHECKED_FROM_BYTES:
            continue
        ratio = part.file_size / max(part.compress_size, 1)
        if ratio > MAX_COMPRESSION_RATIO:
            raise FileFormatError(
                f"{part.filename} is compressed {ratio:.0f} times, more than a spreadsheet "
                f"ever is ({MAX_COMPRESSION_RATIO} at most); save the list again as .xlsx or CSV",
                "file.compression_ratio",
            )


def _check_dimensions(rows: int | None, columns: int | None) -> None:
    """The size a sheet declares (its ``dimension``), checked before reading its cells;
    the cells are counted while reading too, since the declaration can lie."""
    if columns is not None and columns > MAX_COLUMNS:
        raise _too_many_columns(columns)
    if rows is not None and columns is not None and rows * columns > MAX_CELLS:
        raise FileFormatError(
            f"the sheet declares {rows} rows of {columns} columns, more than "
            f"{MAX_CELLS:,} cells; split the file",
            "file.too_many_cells",
        )


def _too_many_columns(columns: int) -> FileFormatError:
    return FileFormatError(
        f"{columns} columns; at most {MAX_COLUMNS}, remove the columns that are not needed",
        "file.too_many_columns",
    )


def _table(
    fmt: str, encoding: str | None, sheet: str | None, records: Iterable[Sequence[Any]]
) -> Table:
    """The header and data rows of ``records``, read one record at a time: blank rows are
    dropped as they come and reading stops at the first limit passed, so a file of
    millions of empty lines or cells costs no more memory than the rows it keeps."""
    budget = _CellBudget()
    stream = iter(records)
    top = [budget.read(record) for record in itertools.islice(stream, HEADER_SCAN_ROWS)]
    header_index = _find_header(top)
    headers = [clean(cell) or "" for cell in top[header_index]]
    rows: list[tuple[int, list[Any]]] = []
    numbered = enumerate(itertools.chain(top[header_index + 1 :], stream), start=header_index + 2)
    for number, record in numbered:
        if number > len(top):  # the top rows were counted already
            record = budget.read(record)
        if not record or not any(clean(cell) for cell in record):
            continue
        if len(rows) == MAX_ROWS:
            raise FileFormatError(
                f"more than {MAX_ROWS} rows; at most {MAX_ROWS} at a time, split the file",
                "file.too_many_rows",
            )
        cells = list(record)
        budget.keep(max(len(cells), len(headers)))
        cells += [None] * (len(headers) - len(cells))
        rows.append((number, cells))
    return Table(fmt, encoding, sheet, header_index + 1, headers, rows)


class _CellBudget:
    """Counts cells as they are read and kept, and stops the reading at a limit."""

    def __init__(self) -> None:
        self.read_cells = 0
        self.kept_cells = 0

    def read(self, record: Sequence[Any]) -> Sequence[Any]:
        self.read_cells += len(record) or 1
        if self.read_cells > MAX_CELLS_READ:
            raise FileFormatError(
                f"more than {MAX_CELLS_READ:,} cells, blank ones included; remove the empty "
                "rows and columns or split the file",
                "file.too_many_cells",
            )
        if len(record) <= MAX_COLUMNS:
            return record
        # Empty cells to the right (a sheet formatted far out) are no columns.
        if any(clean(cell) is not None for cell in record[MAX_COLUMNS:]):
            raise _too_many_columns(len(record))
        return record[:MAX_COLUMNS]

    def keep(self, cells: int) -> None:
        self.kept_cells += cells
        if self.kept_cells > MAX_CELLS:
            raise FileFormatError(
                f"more than {MAX_CELLS:,} cells; split the file", "file.too_many_cells"
            )


def _find_header(records: Sequence[Sequence[Any]]) -> int:
    for index, record in enumerate(records[:HEADER_SCAN_ROWS]):
        known = {field_for(text) for text in (clean(c) for c in record) if text}
        known.discard(None)
        if len(known) >= HEADER_MIN_FIELDS:
            return index
    raise FileFormatError(
        "no header row: none of the first rows names two columns we know "
        "(e.g. 名称 and 住所, or name and service_type); see docs/importing.md",
        "file.no_header",
    )
