"""Reading a resource list file into a table of cells: CSV in UTF-8 or Shift_JIS, or .xlsx.

Municipal spreadsheets often have a title and notes above the header row, so
the header is the first of the top rows in which at least two cells name a
field we know.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from interfaces.importing.columns import field_for
from interfaces.importing.normalize import clean

MAX_ROWS = 50_000
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

    ``code`` says which way it cannot be read (``file.empty``, ``file.old_excel``,
    ``file.not_xlsx``, ``file.encoding``, ``file.malformed_csv``, ``file.no_header``,
    ``file.too_many_rows``): screens word it from the code, never from the message.
    """

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


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
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if first_line.count("\t") > first_line.count(",") else ","
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as error:
        raise FileFormatError(f"the CSV is malformed: {error}", "file.malformed_csv") from None
    return _table("csv", encoding, None, records)


def _read_xlsx(data: bytes) -> Table:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as error:
        raise FileFormatError(
            f"the workbook cannot be read ({error}); is it an .xlsx file?", "file.not_xlsx"
        ) from None
    try:
        problems: list[str] = []
        for sheet in workbook.worksheets:
            rows = sheet.iter_rows(values_only=True)
            try:
                return _table("xlsx", None, sheet.title, _bounded(rows))
            except FileFormatError as error:
                problems.append(f"{sheet.title}: {error}")
        raise FileFormatError(
            "no sheet has a header row we recognise (" + "; ".join(problems) + ")",
            "file.no_header",
        )
    finally:
        workbook.close()


def _bounded(rows: Iterable[Sequence[Any]]) -> list[Sequence[Any]]:
    taken: list[Sequence[Any]] = []
    for row in rows:
        taken.append(row)
        if len(taken) > MAX_ROWS + HEADER_SCAN_ROWS:
            raise FileFormatError(
                f"more than {MAX_ROWS} rows; split the file", "file.too_many_rows"
            )
    return taken


def _table(
    fmt: str, encoding: str | None, sheet: str | None, records: Sequence[Sequence[Any]]
) -> Table:
    header_index = _find_header(records)
    headers = [clean(cell) or "" for cell in records[header_index]]
    rows: list[tuple[int, list[Any]]] = []
    for index in range(header_index + 1, len(records)):
        cells = list(records[index])
        if not any(clean(cell) for cell in cells):
            continue
        cells += [None] * (len(headers) - len(cells))
        rows.append((index + 1, cells))
    if len(rows) > MAX_ROWS:
        raise FileFormatError(
            f"{len(rows)} rows; at most {MAX_ROWS} at a time, split the file", "file.too_many_rows"
        )
    return Table(fmt, encoding, sheet, header_index + 1, headers, rows)


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
