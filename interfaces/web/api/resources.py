"""Local resources (地域資源)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode
from uuid import UUID

from flask import Blueprint, request, url_for

from application.resources import ResourceFilter
from interfaces.web.api import schemas as s
from interfaces.web.api.framework import Call, operation
from interfaces.web.api.organizations import contact_from

resources = Blueprint("resources", __name__, url_prefix="/resources")


@operation(
    resources,
    "POST",
    "",
    summary="Register a resource",
    permission="resource.create",
    body=s.ResourceCreateSchema,
    response=s.ResourceSchema,
    status=201,
    idempotent=True,
    location="api.resources.get_resource",
)
def register_resource(call: Call) -> Any:
    b = call.body
    return call.services.resources.register(
        b["name"],
        b["service_type"],
        b["categories"],
        b["area_codes"],
        call.actor,
        organization_id=b["organization_id"],
        weekdays=b["weekdays"],
        capacity=b["capacity"],
        eligible_care_levels=b["eligible_care_levels"],
        fee=b["fee"],
        contact=contact_from(b["contact"]),
        planned=b["planned"],
        idempotency_key=call.idempotency_key,
    )


@operation(
    resources,
    "GET",
    "",
    summary="List resources by name, a page at a time (total and the next page's URL)",
    permission="resource.read",
    query=s.ResourceQuerySchema,
    response=s.ResourcePageSchema,
)
def list_resources(call: Call) -> Any:
    q = call.query
    filters = ResourceFilter(
        category=q["category"],
        area_code=q["area"],
        status=q["status"],
        service_type=q["service_type"],
        has_capacity=bool(q["has_capacity"]),
    )
    page = call.services.resources.list_page(filters, call.actor, q["page"], q["per_page"])
    following = None
    if page.page < page.pages:
        args = request.args.to_dict()
        args["page"] = str(page.page + 1)
        following = f"{url_for('api.resources.list_resources')}?{urlencode(args)}"
    return {
        "items": page.items,
        "total": page.total,
        "page": page.page,
        "per_page": page.per_page,
        "next": following,
    }


@operation(
    resources,
    "GET",
    "/<uuid:resource_id>",
    summary="Read a resource, now or as of an instant",
    permission="resource.read",
    query=s.AsOfQuerySchema,
    response=s.ResourceSchema,
)
def get_resource(call: Call, resource_id: UUID) -> Any:
    return call.services.resources.get(resource_id, call.actor, as_of=call.query["as_of"])


@operation(
    resources,
    "POST",
    "/<uuid:resource_id>/suspend",
    summary="Suspend a resource",
    permission="resource.change",
    body=s.ReasonSchema,
    response=s.ResourceSchema,
    if_match=True,
)
def suspend_resource(call: Call, resource_id: UUID) -> Any:
    return call.services.resources.suspend(
        resource_id, call.body["reason"], call.expected_version, call.actor
    )


@operation(
    resources,
    "POST",
    "/<uuid:resource_id>/reactivate",
    summary="Reactivate a suspended (or open a planned) resource",
    permission="resource.change",
    body=s.ReasonSchema,
    response=s.ResourceSchema,
    if_match=True,
)
def reactivate_resource(call: Call, resource_id: UUID) -> Any:
    return call.services.resources.reactivate(
        resource_id, call.body["reason"], call.expected_version, call.actor
    )


@operation(
    resources,
    "POST",
    "/<uuid:resource_id>/close",
    summary="Close a resource for good",
    permission="resource.change",
    body=s.ReasonSchema,
    response=s.ResourceSchema,
    if_match=True,
)
def close_resource(call: Call, resource_id: UUID) -> Any:
    return call.services.resources.close(
        resource_id, call.body["reason"], call.expected_version, call.actor
    )


@operation(
    resources,
    "POST",
    "/<uuid:resource_id>/capacity",
    summary="Change a resource's capacity (null: unlimited)",
    permission="resource.change",
    body=s.CapacitySchema,
    response=s.ResourceSchema,
    if_match=True,
)
def change_capacity(call: Call, resource_id: UUID) -> Any:
    b = call.body
    return call.services.resources.change_capacity(
        resource_id, b["capacity"], b["reason"], call.expected_version, call.actor
    )
