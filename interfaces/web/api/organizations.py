"""Organizations (主体)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import Blueprint

from domain.values import Contact
from interfaces.web.api import schemas as s
from interfaces.web.api.framework import Call, operation

organizations = Blueprint("organizations", __name__, url_prefix="/organizations")


def contact_from(data: dict[str, Any] | None) -> Contact | None:
    return Contact(**data) if data else None


@operation(
    organizations,
    "POST",
    "",
    summary="Register an organization",
    permission="organization.create",
    body=s.OrganizationCreateSchema,
    response=s.OrganizationSchema,
    status=201,
    idempotent=True,
    location="api.organizations.get_organization",
)
def register_organization(call: Call) -> Any:
    b = call.body
    return call.services.organizations.register(
        b["name"],
        b["kind"],
        b["area_codes"],
        call.actor,
        contact=contact_from(b["contact"]),
        idempotency_key=call.idempotency_key,
    )


@operation(
    organizations,
    "GET",
    "",
    summary="List organizations",
    permission="organization.read",
    response=s.OrganizationListSchema,
)
def list_organizations(call: Call) -> Any:
    return {"items": call.services.organizations.list_organizations(call.actor)}


@operation(
    organizations,
    "GET",
    "/<uuid:organization_id>",
    summary="Read an organization",
    permission="organization.read",
    response=s.OrganizationSchema,
)
def get_organization(call: Call, organization_id: UUID) -> Any:
    return call.services.organizations.get(organization_id, call.actor)
