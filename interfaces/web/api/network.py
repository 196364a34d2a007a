"""Network building (ネットワーク構築): councils, meetings, contacts and the network view."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import Blueprint

from interfaces.web.api import schemas as s
from interfaces.web.api.framework import Call, operation

councils = Blueprint("councils", __name__, url_prefix="/councils")
contacts = Blueprint("contacts", __name__, url_prefix="/organizations")
network = Blueprint("network", __name__, url_prefix="/reports")


@operation(
    councils,
    "POST",
    "",
    summary="Form a council (協議体), tier 1 or tier 2",
    permission="council.create",
    body=s.CouncilCreateSchema,
    response=s.CouncilSchema,
    status=201,
    idempotent=True,
    location="api.councils.get_council",
)
def form_council(call: Call) -> Any:
    b = call.body
    return call.services.network.form_council(
        b["name"],
        b["tier"],
        call.actor,
        area_code=b["area_code"],
        idempotency_key=call.idempotency_key,
    )


@operation(
    councils,
    "GET",
    "",
    summary="List councils",
    permission="council.read",
    response=s.CouncilListSchema,
)
def list_councils(call: Call) -> Any:
    return {"items": call.services.network.list_councils(call.actor)}


@operation(
    councils,
    "GET",
    "/<uuid:council_id>",
    summary="Read a council",
    permission="council.read",
    response=s.CouncilSchema,
)
def get_council(call: Call, council_id: UUID) -> Any:
    return call.services.network.get_council(council_id, call.actor)


@operation(
    councils,
    "GET",
    "/<uuid:council_id>/meetings",
    summary="A council's meetings",
    permission="council.read",
    response=s.MeetingListSchema,
)
def list_meetings(call: Call, council_id: UUID) -> Any:
    return {"items": call.services.network.council_meetings(council_id, call.actor)}


@operation(
    councils,
    "POST",
    "/<uuid:council_id>/members",
    summary="An organization joins",
    permission="council.change",
    body=s.MembershipSchema,
    response=s.CouncilSchema,
    if_match=True,
)
def admit_member(call: Call, council_id: UUID) -> Any:
    b = call.body
    return call.services.network.admit_to_council(
        council_id, b["organization_id"], b["on"], call.expected_version, call.actor
    )


@operation(
    councils,
    "POST",
    "/<uuid:council_id>/leave",
    summary="An organization leaves",
    permission="council.change",
    body=s.LeaveSchema,
    response=s.CouncilSchema,
    if_match=True,
)
def release_member(call: Call, council_id: UUID) -> Any:
    b = call.body
    return call.services.network.release_from_council(
        council_id, b["organization_id"], b["on"], b["reason"], call.expected_version, call.actor
    )


@operation(
    councils,
    "POST",
    "/<uuid:council_id>/meetings",
    summary="Record a meeting: attendees, topics, needs and gaps discussed",
    permission="council.change",
    body=s.MeetingCreateSchema,
    response=s.CouncilSchema,
    if_match=True,
)
def record_meeting(call: Call, council_id: UUID) -> Any:
    b = call.body
    return call.services.network.record_council_meeting(
        council_id,
        b["held_on"],
        b["attendees"],
        b["topics"],
        call.expected_version,
        call.actor,
        need_ids=b["need_ids"],
        gaps=[(g["area_code"], g["category"]) for g in b["gaps"]],
        note=b["note"],
    )


@operation(
    contacts,
    "POST",
    "/<uuid:organization_id>/contacts",
    summary="Log a coordinator's contact with an organization",
    permission="organization.contact",
    body=s.ContactLogSchema,
    response=s.OrganizationSchema,
    if_match=True,
)
def log_contact(call: Call, organization_id: UUID) -> Any:
    b = call.body
    return call.services.organizations.log_contact(
        organization_id, b["on"], b["purpose"], b["outcome"], call.expected_version, call.actor
    )


@operation(
    network,
    "GET",
    "/network",
    summary="Per organization: councils, recent contacts, resources, matches; "
    "per area: active organizations and new ties per month",
    permission="report.read",
    response=s.NetworkSchema,
)
def network_overview(call: Call) -> Any:
    return call.services.network.overview(call.actor)
