"""Resource development (資源開発): initiatives and the gaps report."""

from __future__ import annotations

import csv
import io
from typing import Any
from uuid import UUID

from flask import Blueprint, Response

from application.development import GapReport, InitiativeFilter
from interfaces.web.api import schemas as s
from interfaces.web.api.framework import Call, operation
from interfaces.web.api.organizations import contact_from

initiatives = Blueprint("initiatives", __name__, url_prefix="/initiatives")
reports = Blueprint("reports", __name__, url_prefix="/reports")


@operation(
    initiatives,
    "POST",
    "",
    summary="Open a development initiative for a gap",
    permission="initiative.create",
    body=s.InitiativeCreateSchema,
    response=s.InitiativeSchema,
    status=201,
    idempotent=True,
    location="api.initiatives.get_initiative",
)
def open_initiative(call: Call) -> Any:
    b = call.body
    return call.services.development.open(
        b["title"],
        b["area_code"],
        b["category"],
        b["description"],
        call.actor,
        idempotency_key=call.idempotency_key,
    )


@operation(
    initiatives,
    "GET",
    "",
    summary="List development initiatives",
    permission="initiative.read",
    query=s.InitiativeQuerySchema,
    response=s.InitiativeListSchema,
)
def list_initiatives(call: Call) -> Any:
    q = call.query
    filters = InitiativeFilter(status=q["status"], area_code=q["area"], category=q["category"])
    return {"items": call.services.development.list_initiatives(filters, call.actor)}


@operation(
    initiatives,
    "GET",
    "/<uuid:initiative_id>",
    summary="Read an initiative",
    permission="initiative.read",
    response=s.InitiativeSchema,
)
def get_initiative(call: Call, initiative_id: UUID) -> Any:
    return call.services.development.get(initiative_id, call.actor)


@operation(
    initiatives,
    "POST",
    "/<uuid:initiative_id>/needs",
    summary="Link a need in resource_gap (it moves to in_development)",
    permission="initiative.change",
    body=s.LinkNeedSchema,
    response=s.InitiativeSchema,
    if_match=True,
)
def link_need(call: Call, initiative_id: UUID) -> Any:
    return call.services.development.link_need(
        initiative_id, call.body["need_id"], call.expected_version, call.actor
    )


@operation(
    initiatives,
    "POST",
    "/<uuid:initiative_id>/unlink",
    summary="Unlink a need (it becomes a gap again)",
    permission="initiative.change",
    body=s.UnlinkNeedSchema,
    response=s.InitiativeSchema,
    if_match=True,
)
def unlink_need(call: Call, initiative_id: UUID) -> Any:
    b = call.body
    return call.services.development.unlink_need(
        initiative_id, b["need_id"], b["reason"], call.expected_version, call.actor
    )


@operation(
    initiatives,
    "POST",
    "/<uuid:initiative_id>/partners",
    summary="Add a partner organization",
    permission="initiative.change",
    body=s.PartnerSchema,
    response=s.InitiativeSchema,
    if_match=True,
)
def add_partner(call: Call, initiative_id: UUID) -> Any:
    return call.services.development.add_partner(
        initiative_id, call.body["organization_id"], call.expected_version, call.actor
    )


@operation(
    initiatives,
    "POST",
    "/<uuid:initiative_id>/milestones",
    summary="Record a milestone (council discussed, volunteers trained, pilot started)",
    permission="initiative.change",
    body=s.MilestoneSchema,
    response=s.InitiativeSchema,
    if_match=True,
)
def record_milestone(call: Call, initiative_id: UUID) -> Any:
    b = call.body
    return call.services.development.record_milestone(
        initiative_id,
        b["milestone"],
        b["on"],
        b["note"],
        call.expected_version,
        call.actor,
        volunteers=b["volunteers"],
    )


@operation(
    initiatives,
    "POST",
    "/<uuid:initiative_id>/launch",
    summary="Launch: register the new resource; waiting needs become resource_created",
    permission="initiative.change",
    body=s.LaunchSchema,
    response=s.InitiativeSchema,
    if_match=True,
)
def launch(call: Call, initiative_id: UUID) -> Any:
    b = call.body
    return call.services.development.launch(
        initiative_id,
        b["name"],
        b["service_type"],
        call.expected_version,
        call.actor,
        categories=b["categories"],
        area_codes=b["area_codes"],
        organization_id=b["organization_id"],
        weekdays=b["weekdays"],
        capacity=b["capacity"],
        eligible_care_levels=b["eligible_care_levels"],
        fee=b["fee"],
        contact=contact_from(b["contact"]),
    )


@operation(
    initiatives,
    "POST",
    "/<uuid:initiative_id>/abandon",
    summary="Abandon: waiting needs return to resource_gap",
    permission="initiative.change",
    body=s.ReasonSchema,
    response=s.InitiativeSchema,
    if_match=True,
)
def abandon(call: Call, initiative_id: UUID) -> Any:
    return call.services.development.abandon(
        initiative_id, call.body["reason"], call.expected_version, call.actor
    )


@operation(
    reports,
    "GET",
    "/gaps",
    summary="Unmet needs by area × category, now and per month (JSON or CSV)",
    permission="report.read",
    query=s.ReportFormatQuerySchema,
    response=s.GapReportSchema,
    produces=("application/json", "text/csv"),
)
def gap_report(call: Call) -> Any:
    report = call.services.development.gap_report(
        call.actor, min_position=call.query["min_position"]
    )
    if call.query["format"] == "csv":
        return csv_response(gap_rows(report), "gaps.csv")
    return report


@operation(
    reports,
    "GET",
    "/logic-model",
    summary="The logic model of a fiscal year: inputs, activities, outputs, outcomes",
    permission="report.read",
    query=s.LogicModelQuerySchema,
    response=s.LogicModelSchema,
    produces=("application/json", "text/csv"),
)
def logic_model(call: Call) -> Any:
    q = call.query
    report = call.services.oversight.logic_model(
        q["fiscal_year"], call.actor, area_code=q["area"], min_position=q["min_position"]
    )
    if q["format"] == "csv":
        rows: list[list[object]] = [["stage", "metric", "value"]]
        rows += [
            [stage, metric, "" if value is None else value]
            for stage, metric, value in report.rows()
        ]
        area = q["area"] or "all"
        return csv_response(rows, f"logic-model-{q['fiscal_year']}-{area}.csv")
    return report


def gap_rows(report: GapReport) -> list[list[object]]:
    """The monthly flows as a table, with the current counts as a last 'now' block."""
    rows: list[list[object]] = [
        ["month", "area_code", "category", "opened", "resolved", "unmet_at_end"]
    ]
    for m in report.months:
        rows.append([m.month, m.area_code, m.category.value, m.opened, m.resolved, m.unmet_at_end])
    for c in report.current:
        rows.append(["now", c.area_code, c.category.value, "", "", c.unmet])
    return rows


def csv_response(rows: list[list[object]], filename: str) -> Response:
    """CSV that Excel opens correctly (UTF-8 with a byte-order mark)."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return Response(
        "\ufeff" + buffer.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
