"""Areas and support centers."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from interfaces.web.api import schemas as s
from interfaces.web.api.framework import Call, operation

areas = Blueprint("areas", __name__, url_prefix="/areas")
centers = Blueprint("centers", __name__, url_prefix="/centers")


@operation(
    areas,
    "POST",
    "",
    summary="Register a daily-living area",
    permission="area.create",
    body=s.AreaCreateSchema,
    response=s.AreaSchema,
    status=201,
)
def create_area(call: Call) -> Any:
    return call.services.reference.create_area(call.body["code"], call.body["name"], call.actor)


@operation(
    areas, "GET", "", summary="List areas", permission="area.read", response=s.AreaListSchema
)
def list_areas(call: Call) -> Any:
    return {"items": call.services.reference.list_areas(call.actor)}


@operation(
    centers,
    "POST",
    "",
    summary="Register a support center",
    permission="center.create",
    body=s.CenterCreateSchema,
    response=s.CenterSchema,
    status=201,
)
def create_center(call: Call) -> Any:
    b = call.body
    return call.services.reference.create_center(b["code"], b["name"], b["area_codes"], call.actor)


@operation(
    centers,
    "GET",
    "",
    summary="List support centers",
    permission="center.read",
    response=s.CenterListSchema,
)
def list_centers(call: Call) -> Any:
    return {"items": call.services.reference.list_centers(call.actor)}
