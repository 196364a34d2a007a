"""Importing a municipality's resource list (CSV or .xlsx) and exporting the directory.

The upload is checked first (a dry run: every row with what would happen and
why); the checked file is kept for its owner so that importing it takes one
more click. Nothing is written before that click.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from flask import Response, abort, flash, request, url_for
from flask_babel import lazy_gettext as _l

from application.importing import ImportReport, RowResult
from application.resources import ResourceFilter
from application.security import Actor
from domain.values import ServiceType
from interfaces.importing import FileFormatError, ParsedFile, RowDefaults, reader
from interfaces.importing.export import EXTENSIONS, MEDIA_TYPES, to_csv, to_hsds, to_xlsx
from interfaces.importing.isolation import read_upload
from interfaces.web.api.framework import MAX_UPLOAD_BYTES
from interfaces.web.ui import uploads
from interfaces.web.ui.core import Screens, actor, render, services, signed_in
from interfaces.web.ui.forms import FORM, Form
from interfaces.web.ui.i18n import _
from interfaces.web.ui.import_messages import (
    field_label,
    layout_label,
    translate_notice,
    translate_problem,
)

screens = Screens()

ENCODINGS = ("utf-8", "cp932")
ROWS_SHOWN = 300
UPLOAD_ENDPOINTS = frozenset({"ui.import_resources"})
"""Screens that accept a file (up to the API's upload limit instead of the form limit)."""


@dataclass(frozen=True)
class Options:
    """How to read the file: its encoding and what to assume for rows that say nothing."""

    encoding: str | None
    areas: tuple[str, ...]
    service_type: ServiceType | None
    skip_care_benefits: bool = False

    def defaults(self) -> RowDefaults:
        return RowDefaults(
            areas=self.areas,
            service_type=self.service_type,
            skip_care_benefits=self.skip_care_benefits,
        )


@dataclass(frozen=True)
class ProblemLine:
    field: str
    severity: str
    text: str
    translated: bool


@dataclass(frozen=True)
class ReportRow:
    row: int
    name: str | None
    outcome: str
    changed: list[str]
    problems: list[ProblemLine]


def _options(form: Form, areas: dict[str, str]) -> Options:
    encoding = form.code("encoding", ENCODINGS, required=False)
    return Options(
        encoding=encoding,
        areas=tuple(form.codes("areas", areas)),
        service_type=form.choice("service_type", ServiceType, required=False),
        skip_care_benefits=form.checkbox("skip_care_benefits"),
    )


FILE_PROBLEMS: dict[str, Any] = {
    "file.empty": _l("The file is empty."),
    "file.old_excel": _l(
        "This is an old Excel (.xls) file: save it as .xlsx or CSV and upload that."
    ),
    "file.not_xlsx": _l("The file is not an Excel workbook (.xlsx)."),
    "file.encoding": _l(
        "The file is neither UTF-8 nor Shift_JIS (CP932) text: save it as CSV UTF-8 or .xlsx."
    ),
    "file.no_header": _l(
        "No header row was found: none of the first rows names two columns we know "
        "(e.g. 名称 and 住所, or name and service_type)."
    ),
    "file.too_many_rows": _l(
        "The file has too many rows: split it into parts of at most 50,000 rows."
    ),
    "file.malformed_csv": _l(
        "The CSV file is malformed (for example, an unclosed quotation mark)."
    ),
    "file.too_many_columns": _l(
        "The file has too many columns (at most %(columns)d): remove the columns that are "
        "not needed.",
        columns=reader.MAX_COLUMNS,
    ),
    "file.too_many_cells": _l(
        "The file has too many cells: at most %(kept)s in the rows with data, and %(read)s "
        "read in all, blank rows and columns included. Remove empty rows and columns, or "
        "split the file.",
        kept=f"{reader.MAX_CELLS:,}",
        read=f"{reader.MAX_CELLS_READ:,}",
    ),
    "file.too_large_unpacked": _l(
        "The workbook is too large once unpacked (at most %(megabytes)d MiB): split it, or "
        "save it as CSV.",
        megabytes=reader.MAX_UNCOMPRESSED_BYTES // (1024 * 1024),
    ),
    "file.compression_ratio": _l(
        "The workbook is compressed far more than a spreadsheet ever is, so it is not read. "
        "Open it in Excel and save it again as .xlsx or CSV."
    ),
    "file.too_costly": _l(
        "Reading the file needed more memory or time than a resource list may: split it, "
        "or save it again as CSV."
    ),
    "file.unreadable": _l("The file cannot be read. Save it again as CSV or .xlsx."),
}
"""Why a file cannot be read (the reader's code) -> what the screen says."""


def file_problem(error: FileFormatError) -> str:
    """Why the file cannot be read, in the screen's language."""
    return str(FILE_PROBLEMS.get(error.code, _l("The file cannot be read.")))


def _rows(report: ImportReport, said: frozenset[str] = frozenset()) -> list[ReportRow]:
    """Rows worth reading first: errors, then warnings, then changes; unchanged rows last."""

    def rank(r: RowResult) -> tuple[int, int]:
        if r.outcome == "invalid":
            return (0, r.row)
        if r.problems:
            return (1, r.row)
        return ({"new": 2, "updated": 2}.get(r.outcome, 3), r.row)

    rows = []
    for r in sorted(report.rows, key=rank)[:ROWS_SHOWN]:
        problems = []
        for p in r.problems:
            if p.code in said:
                continue  # said once for the file, above the table
            text, translated = translate_problem(p)
            problems.append(ProblemLine(field_label(p.field), p.severity, text, translated))
        rows.append(
            ReportRow(r.row, r.name, r.outcome, [field_label(f) for f in r.changed], problems)
        )
    return rows


def _screen(
    form: Form,
    status: int = 200,
    *,
    parsed: ParsedFile | None = None,
    report: ImportReport | None = None,
    token: str | None = None,
    filename: str = "",
) -> Any:
    who = actor()
    areas = {a.code: a.name for a in services().reference.list_areas(who)}
    return render(
        "resources/import.html",
        status,
        form=form,
        parsed=parsed,
        report=report,
        rows=_rows(report, _said(parsed)) if report is not None else [],
        notices=[translate_notice(n) for n in parsed.notices] if parsed is not None else [],
        skipped=len(parsed.skipped) if parsed is not None else 0,
        token=token,
        filename=filename,
        layout=layout_label(parsed.layout.code) if parsed is not None else "",
        ignored=list(parsed.ignored_columns) if parsed is not None else [],
        areas=areas,
        service_types=list(ServiceType),
        encodings=[("utf-8", _("UTF-8")), ("cp932", _("Shift_JIS (CP932)"))],
        rows_shown=ROWS_SHOWN,
        max_megabytes=MAX_UPLOAD_BYTES // (1024 * 1024),
    )


def _said(parsed: ParsedFile | None) -> frozenset[str]:
    if parsed is None:
        return frozenset()
    return frozenset(n.stands_for for n in parsed.notices if n.stands_for)


def _parse(data: bytes, filename: str, options: Options, form: Form) -> ParsedFile | None:
    try:
        return read_upload(data, filename, encoding=options.encoding, defaults=options.defaults())
    except FileFormatError as error:
        form.error("file", file_problem(error))
        return None


def _import(parsed: ParsedFile, filename: str, who: Actor, apply: bool, atomic: bool) -> Any:
    return services().importing.import_resources(
        parsed.drafts,
        who,
        apply=apply,
        all_or_nothing=atomic,
        reason=_("imported from %(file)s", file=filename or _("an uploaded list")),
    )


@screens.route("/resources/import", methods=["GET", "POST"])
@signed_in("resource.create")
def import_resources() -> Any:
    if request.method == "GET":
        return _screen(Form())
    who = actor()
    areas = {a.code: a.name for a in services().reference.list_areas(who)}
    form = Form(request.form)
    options = _options(form, areas)
    if form.value("step") == "apply":
        return _apply(form, options, who)
    upload = request.files.get("file")
    data = upload.read() if upload is not None else b""
    filename = (upload.filename or "") if upload is not None else ""
    if not data:
        form.error("file", _("Choose a CSV or Excel (.xlsx) file."))
    if not form.ok:
        return _screen(form, 422)
    parsed = _parse(data, filename, options, form)
    if parsed is None:
        return _screen(form, 422)
    report = _import(parsed, filename, who, apply=False, atomic=False)
    token = uploads.keep(data, who.user_id)
    return _screen(form, parsed=parsed, report=report, token=token, filename=filename)


def _apply(form: Form, options: Options, who: Actor) -> Any:
    token = form.value("token")
    filename = form.text("filename", required=False, max_length=255) or ""
    data = uploads.fetch(token, who.user_id)
    if data is None:
        form.error(
            FORM,
            _(
                "The checked file is no longer kept (files are kept for an hour). Choose it "
                "again and check it once more."
            ),
        )
        return _screen(form, 422)
    parsed = _parse(data, filename, options, form)
    if parsed is None or not form.ok:
        return _screen(form, 422)
    atomic = form.checkbox("all_or_nothing")
    report = _import(parsed, filename, who, apply=True, atomic=atomic)
    if report.aborted:
        form.error(
            FORM,
            _(
                "Nothing was imported: at least one row cannot be imported and you asked for all "
                "or nothing. Correct the file, or import the valid rows only."
            ),
        )
        return _screen(form, 409, parsed=parsed, report=report, token=token, filename=filename)
    uploads.drop(token, who.user_id)
    counts = report.counts
    flash(
        _(
            "Imported: %(new)d new, %(updated)d updated, %(unchanged)d unchanged, "
            "%(invalid)d not imported, %(skipped)d skipped.",
            new=counts.get("new", 0),
            updated=counts.get("updated", 0),
            unchanged=counts.get("unchanged", 0),
            invalid=counts.get("invalid", 0),
            skipped=len(parsed.skipped),
        ),
        "success",
    )
    return _screen(Form(), parsed=parsed, report=report, filename=filename)


@screens.get("/resources/export.<fmt>")
@signed_in("resource.read")
def export_resources(fmt: str) -> Response:
    """The whole directory as CSV or .xlsx (the import's columns) or HSDS JSON."""
    kinds = {"csv": "csv", "xlsx": "xlsx", "json": "hsds"}
    if fmt not in kinds:
        abort(404)
    kind = kinds[fmt]
    app = services()
    who = actor()
    resources = app.resources.list_resources(ResourceFilter(), who)
    organizations = {o.id: o for o in app.organizations.list_organizations(who)}
    if kind == "hsds":
        areas = {a.code: a.name for a in app.reference.list_areas(who)}
        document = to_hsds(resources, organizations, areas)
        body: bytes = (json.dumps(document, ensure_ascii=False, indent=1) + "\n").encode()
    elif kind == "xlsx":
        body = to_xlsx(resources, organizations)
    else:
        body = to_csv(resources, organizations)
    return Response(
        body,
        headers={
            "Content-Type": MEDIA_TYPES[kind],
            "Content-Disposition": f'attachment; filename="resources.{EXTENSIONS[kind]}"',
        },
    )


def export_links() -> list[tuple[str, str]]:
    return [
        (url_for("ui.export_resources", fmt="csv"), _("CSV")),
        (url_for("ui.export_resources", fmt="xlsx"), _("Excel (.xlsx)")),
        (url_for("ui.export_resources", fmt="json"), _("Open Referral HSDS (JSON)")),
    ]


screens.template_global(export_links, "export_links")
