"""The resource directory as files: import a municipality's list, export ours."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response
from marshmallow import Schema, fields, validate

from application.resources import ResourceFilter
from domain.values import ServiceType
from interfaces.importing import FileFormatError, RowDefaults, report_document
from interfaces.importing.export import EXTENSIONS, FORMATS, MEDIA_TYPES, to_csv, to_hsds, to_xlsx
from interfaces.importing.isolation import read_upload
from interfaces.web.api.framework import Call, operation
from interfaces.web.api.problems import ProblemError
from interfaces.web.api.schemas import Code, EnumField, WordFlag

resource_files = Blueprint("resource_files", __name__, url_prefix="/resources")


class ImportFormSchema(Schema):
    """The form fields sent with the file (multipart/form-data)."""

    apply = WordFlag(
        load_default=False,
        metadata={
            "description": "Write the valid rows. Without it: a dry run that writes nothing."
        },
    )
    all_or_nothing = WordFlag(
        load_default=False,
        metadata={"description": "With apply: one invalid row aborts the whole import."},
    )
    encoding = fields.String(
        load_default=None,
        validate=validate.OneOf(["utf-8", "utf-8-sig", "cp932", "shift_jis"]),
        metadata={"description": "CSV encoding; detected when absent (UTF-8, else CP932)."},
    )
    area = fields.List(
        Code(),
        load_default=list,
        validate=validate.Length(max=50),
        metadata={"description": "Area code or name for rows whose file has no area column."},
    )
    service_type = EnumField(
        ServiceType,
        load_default=None,
        metadata={"description": "Service type for rows whose service cannot be mapped."},
    )
    skip_care_benefits = WordFlag(
        load_default=False,
        metadata={
            "description": "Leave out care-insurance services with no life-support "
            "counterpart (訪問看護, 福祉用具貸与, ...), counted as `skipped`. Without it they "
            "import as professional agencies (`agency_referral`)."
        },
    )


class ImportProblemSchema(Schema):
    row = fields.Integer(required=True)
    field = fields.String(required=True)
    severity = fields.String(required=True, metadata={"enum": ["error", "warning"]})
    message = fields.String(required=True)
    code = fields.String(
        required=True,
        metadata={
            "description": "Stable code of the problem (e.g. `capacity.not_a_number`); "
            "key off it, not off the English message. See docs/importing.md."
        },
    )
    params = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        required=True,
        metadata={"description": "The values the message is made from (cell text, number, ...)."},
    )


class ImportRowSchema(Schema):
    row = fields.Integer(required=True)
    source_key = fields.String(allow_none=True)
    name = fields.String(allow_none=True)
    outcome = fields.String(
        required=True, metadata={"enum": ["new", "updated", "unchanged", "invalid"]}
    )
    resource_id = fields.String(allow_none=True)
    changed = fields.List(fields.String())
    problems = fields.List(fields.Nested(ImportProblemSchema))


class ImportColumnSchema(Schema):
    header = fields.String(required=True)
    field = fields.String(allow_none=True)


class ImportNoticeSchema(Schema):
    code = fields.String(
        required=True, metadata={"description": "Stable code (e.g. `file.no_area_column`)."}
    )
    message = fields.String(required=True)
    params = fields.Dict(keys=fields.String(), values=fields.String(), required=True)
    stands_for = fields.String(
        allow_none=True,
        metadata={
            "description": "The row problem this notice explains once for the file "
            "(rows still carry it)."
        },
    )


class ImportSkippedSchema(Schema):
    row = fields.Integer(required=True)
    name = fields.String(allow_none=True)
    service = fields.String(required=True, metadata={"description": "The service as written."})
    reason = fields.String(required=True, metadata={"enum": ["care_benefit"]})


class ImportFileSchema(Schema):
    format = fields.String(required=True)
    encoding = fields.String(allow_none=True)
    sheet = fields.String(allow_none=True)
    layout = fields.String(required=True)
    layout_title = fields.String(required=True)
    header_row = fields.Integer(required=True)
    columns = fields.List(fields.Nested(ImportColumnSchema))
    ignored_columns = fields.List(fields.String())
    notices = fields.List(
        fields.Nested(ImportNoticeSchema),
        metadata={"description": "What is said once about the whole file."},
    )


class ImportReportSchema(Schema):
    """What the import made (or would make) of every row, and the counts."""

    file = fields.Nested(ImportFileSchema, required=True)
    dry_run = fields.Boolean(required=True)
    applied = fields.Boolean(required=True)
    aborted = fields.Boolean(required=True)
    position = fields.Integer(allow_none=True)
    counts = fields.Dict(
        keys=fields.String(),
        values=fields.Integer(),
        required=True,
        metadata={
            "description": "new, updated, unchanged, invalid, skipped, and rows (all of them)."
        },
    )
    rows = fields.List(fields.Nested(ImportRowSchema), required=True)
    skipped = fields.List(
        fields.Nested(ImportSkippedSchema),
        required=True,
        metadata={"description": "Rows left out under `skip_care_benefits` (not checked)."},
    )


class ExportQuerySchema(Schema):
    format = fields.String(
        load_default="csv",
        validate=validate.OneOf(FORMATS),
        metadata={"description": "csv (UTF-8 with BOM), xlsx, or hsds (Open Referral JSON)."},
    )


@operation(
    resource_files,
    "POST",
    "/import",
    summary="Import resources from a CSV or .xlsx list (dry run unless apply)",
    permission="resource.create",
    form=ImportFormSchema,
    files=("file",),
    response=ImportReportSchema,
    tag="resources",
)
def import_resources(call: Call) -> Any:
    upload = call.files["file"]
    form = call.body
    try:
        parsed = read_upload(
            upload.read(),
            upload.filename,
            encoding=form["encoding"],
            defaults=RowDefaults(
                areas=tuple(form["area"]),
                service_type=form["service_type"],
                skip_care_benefits=form["skip_care_benefits"],
            ),
        )
    except FileFormatError as error:
        raise ProblemError(
            422,
            error.code,
            "The file cannot be read",
            str(error),
            {"file": [str(error)]},
        ) from None
    report = call.services.importing.import_resources(
        parsed.drafts,
        call.actor,
        apply=form["apply"],
        all_or_nothing=form["all_or_nothing"],
        reason=f"imported from {upload.filename or 'an uploaded list'}",
    )
    return report_document(parsed, report)


@operation(
    resource_files,
    "GET",
    "/export",
    summary="Export the resource directory (CSV, .xlsx or HSDS JSON)",
    permission="resource.read",
    query=ExportQuerySchema,
    produces=tuple(dict.fromkeys(MEDIA_TYPES.values())),
    tag="resources",
)
def export_resources(call: Call) -> Response:
    fmt = call.query["format"]
    resources = call.services.resources.list_resources(ResourceFilter(), call.actor)
    organizations = {o.id: o for o in call.services.organizations.list_organizations(call.actor)}
    if fmt == "hsds":
        areas = {a.code: a.name for a in call.services.reference.list_areas(call.actor)}
        body = Response(
            _json(to_hsds(resources, organizations, areas)), mimetype="application/json"
        )
    elif fmt == "xlsx":
        body = Response(to_xlsx(resources, organizations), mimetype=MEDIA_TYPES["xlsx"])
    else:
        body = Response(to_csv(resources, organizations), content_type=MEDIA_TYPES["csv"])
    body.headers["Content-Disposition"] = f'attachment; filename="resources.{EXTENSIONS[fmt]}"'
    return body


def _json(document: dict[str, Any]) -> str:
    return json.dumps(document, ensure_ascii=False, indent=1) + "\n"
