"""Needs (ニーズ): the case and its lifecycle."""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace
from typing import Any
from uuid import UUID

from flask import Blueprint, request, url_for

from application.board import NeedFilter
from interfaces.web.api import schemas as s
from interfaces.web.api.framework import Call, operation

needs = Blueprint("needs", __name__, url_prefix="/needs")


@operation(
    needs,
    "POST",
    "",
    summary="Raise a need for a client",
    permission="need.raise",
    body=s.NeedCreateSchema,
    response=s.NeedSchema,
    status=201,
    idempotent=True,
    location="api.needs.get_need",
)
def raise_need(call: Call) -> Any:
    b = call.body
    return call.services.needs.raise_need(
        b["client_id"],
        b["category"],
        b["description"],
        b["goal"],
        b["urgency"],
        call.actor,
        care_plan_ref=b["care_plan_ref"],
        idempotency_key=call.idempotency_key,
    )


@operation(
    needs,
    "GET",
    "",
    summary="List needs (the case board)",
    permission="need.read",
    query=s.NeedQuerySchema,
    response=s.NeedPageSchema,
)
def list_needs(call: Call) -> Any:
    q = call.query
    filters = NeedFilter(
        status=q["status"],
        category=q["category"],
        area_code=q["area"],
        center_code=q["center"],
        assignee=q["assignee"],
        urgency=q["urgency"],
        paused=q["paused"],
    )
    board = call.services.board.board(
        filters,
        call.actor,
        page=q["page"],
        per_page=q["per_page"],
        min_position=q["min_position"],
        as_of=q["as_of"],
        after=q["cursor"],
    )
    next_link = None
    if board.next_cursor is not None:
        args = {k: v for k, v in request.args.items() if k not in ("page", "cursor")}
        next_link = url_for(
            "api.needs.list_needs", **args, cursor=board.next_cursor.encode(), _external=False
        )
    return SimpleNamespace(
        **{f.name: getattr(board, f.name) for f in dataclasses.fields(board)}, next=next_link
    )


@operation(
    needs,
    "GET",
    "/<uuid:need_id>",
    summary="Read a need, now or as of an instant",
    permission="need.read",
    query=s.AsOfQuerySchema,
    response=s.NeedSchema,
    personal=True,
)
def get_need(call: Call, need_id: UUID) -> Any:
    return call.services.needs.get(need_id, call.actor, as_of=call.query["as_of"])


@operation(
    needs,
    "GET",
    "/<uuid:need_id>/history",
    summary="Every event of a need",
    permission="need.read",
    response=s.HistorySchema,
    personal=True,
)
def need_history(call: Call, need_id: UUID) -> Any:
    return {"events": call.services.needs.history(need_id, call.actor)}


@operation(
    needs,
    "POST",
    "/<uuid:need_id>/assign",
    summary="Assign a coordinator (reassign, with a reason, once assigned)",
    permission="need.assign",
    body=s.AssignSchema,
    response=s.NeedSchema,
    if_match=True,
)
def assign(call: Call, need_id: UUID) -> Any:
    b = call.body
    return call.services.needs.assign(
        need_id, b["coordinator"], call.expected_version, call.actor, reason=b["reason"]
    )


@operation(
    needs,
    "POST",
    "/<uuid:need_id>/propose",
    summary="Propose a resource",
    permission="need.propose",
    body=s.ProposeSchema,
    response=s.NeedSchema,
    if_match=True,
)
def propose(call: Call, need_id: UUID) -> Any:
    b = call.body
    return call.services.matching.propose(
        need_id,
        b["resource_id"],
        b["reason"],
        call.expected_version,
        call.actor,
        ranking=b["ranking"],
    )


@operation(
    needs,
    "POST",
    "/<uuid:need_id>/decline",
    summary="Record that the client or provider declined",
    permission="need.decline",
    body=s.DeclineSchema,
    response=s.NeedSchema,
    if_match=True,
)
def decline(call: Call, need_id: UUID) -> Any:
    b = call.body
    return call.services.matching.decline(
        need_id, b["by"], b["reason"], call.expected_version, call.actor
    )


@operation(
    needs,
    "POST",
    "/<uuid:need_id>/confirm",
    summary="Confirm the proposed match (takes a place at the resource)",
    permission="need.confirm",
    body=s.ConfirmSchema,
    response=s.NeedSchema,
    if_match=True,
)
def confirm(call: Call, need_id: UUID) -> Any:
    b = call.body
    return call.services.matching.confirm(
        need_id, b["start_date"], call.expected_version, call.actor, reason=b["reason"]
    )


@operation(
    needs,
    "POST",
    "/<uuid:need_id>/record-gap",
    summary="Record that no local resource fits",
    permission="need.record_gap",
    body=s.ReasonSchema,
    response=s.NeedSchema,
    if_match=True,
)
def record_gap(call: Call, need_id: UUID) -> Any:
    return call.services.matching.record_gap(
        need_id, call.body["reason"], call.expected_version, call.actor
    )


@operation(
    needs,
    "POST",
    "/<uuid:need_id>/follow-up",
    summary="Record a follow-up",
    permission="need.follow_up",
    body=s.FollowUpSchema,
    response=s.NeedSchema,
    if_match=True,
)
def follow_up(call: Call, need_id: UUID) -> Any:
    b = call.body
    return call.services.needs.follow_up(
        need_id, b["note"], b["progress"], call.expected_version, call.actor
    )


@operation(
    needs,
    "POST",
    "/<uuid:need_id>/pause",
    summary="Pause a need",
    permission="need.pause",
    body=s.ReasonSchema,
    response=s.NeedSchema,
    if_match=True,
)
def pause(call: Call, need_id: UUID) -> Any:
    return call.services.needs.pause(
        need_id, call.body["reason"], call.expected_version, call.actor
    )


@operation(
    needs,
    "POST",
    "/<uuid:need_id>/resume",
    summary="Resume a paused need",
    permission="need.resume",
    body=s.ReasonSchema,
    response=s.NeedSchema,
    if_match=True,
)
def resume(call: Call, need_id: UUID) -> Any:
    return call.services.needs.resume(
        need_id, call.body["reason"], call.expected_version, call.actor
    )


@operation(
    needs,
    "POST",
    "/<uuid:need_id>/close",
    summary="Close a need with an outcome",
    permission="need.close",
    body=s.CloseSchema,
    response=s.NeedSchema,
    if_match=True,
)
def close(call: Call, need_id: UUID) -> Any:
    b = call.body
    return call.services.needs.close(
        need_id, b["outcome"], b["reason"], call.expected_version, call.actor
    )


@operation(
    needs,
    "POST",
    "/<uuid:need_id>/reopen",
    summary="Reopen a closed need",
    permission="need.reopen",
    body=s.ReasonSchema,
    response=s.NeedSchema,
    if_match=True,
)
def reopen(call: Call, need_id: UUID) -> Any:
    return call.services.needs.reopen(
        need_id, call.body["reason"], call.expected_version, call.actor
    )


@operation(
    needs,
    "POST",
    "/<uuid:need_id>/edit",
    summary="Edit an open need's description, goal and urgency",
    permission="need.edit",
    body=s.NeedEditSchema,
    response=s.NeedSchema,
    if_match=True,
    notes=(
        "Records `Need.DetailsChanged` with the reason; the need keeps its state. "
        "A closed need is refused (409 `need.already_closed`); a body that changes "
        "nothing is refused (422 `need.unchanged`)."
    ),
)
def edit(call: Call, need_id: UUID) -> Any:
    b = call.body
    return call.services.needs.edit(
        need_id,
        b["description"],
        b["goal"],
        b["urgency"],
        b["reason"],
        call.expected_version,
        call.actor,
    )
