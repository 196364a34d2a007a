"""Files made to cost a server dearly, for the tests of the upload limits."""

from __future__ import annotations

import io
import zipfile


def workbook_with_sheet(sheet_xml: bytes) -> bytes:
    """A real .xlsx (made by openpyxl) whose first sheet is ``sheet_xml``, packed as
    tightly as zip can."""
    from openpyxl import Workbook

    book = io.BytesIO()
    Workbook().save(book)
    out = io.BytesIO()
    with (
        zipfile.ZipFile(book) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for item in source.infolist():
            data = sheet_xml if item.filename == "xl/worksheets/sheet1.xml" else source.read(item)
            target.writestr(item.filename, data, compresslevel=9)
    return out.getvalue()


def compression_bomb(cells: int = 1_000_000) -> bytes:
    """An .xlsx of about 100 KB whose sheet holds ``cells`` numbers under a header row."""
    row = "<row>" + '<c t="n"><v>1</v></c>' * 10 + "</row>"
    sheet = (
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<sheetData><row><c t="inlineStr"><is><t>名称</t></is></c>'
        '<c t="inlineStr"><is><t>住所</t></is></c></row>'
        + row * (cells // 10)
        + "</sheetData></worksheet>"
    )
    return workbook_with_sheet(sheet.encode())
