"""Aggregates built through their own commands, for the domain unit tests."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import uuid4

from domain.client import Client
from domain.need import Need
from domain.resource import Resource
from domain.values import (
    CareLevel,
    ClientId,
    InitiativeId,
    NeedCategory,
    NeedId,
    PersonalData,
    ResourceId,
    ServiceType,
    Urgency,
    UserId,
)

ACTOR = UserId(uuid4())
COORDINATOR = UserId(uuid4())
OTHER_COORDINATOR = UserId(uuid4())
RESOURCE_ID = ResourceId(uuid4())
INITIATIVE_ID = InitiativeId(uuid4())


def raise_arguments() -> dict[str, Any]:
    """Valid arguments of ``Need.raise_need`` for a new need."""
    return {
        "need_id": NeedId(uuid4()),
        "client_id": ClientId(uuid4()),
        "center_code": "c-north",
        "area_code": "north",
        "category": NeedCategory.SHOPPING,
        "description": "重い物の買い物が難しい",
        "goal": "週に一度は自分で買い物に行く",
        "urgency": Urgency.NORMAL,
        "actor": ACTOR,
    }


def new_need() -> Need:
    """A need just raised (status ``raised``), its Raised event still pending."""
    return Need.raise_need(**raise_arguments())


def new_resource(capacity: int | None = None, *, planned: bool = False) -> Resource:
    """A resource serving shopping in the north area, its events still pending."""
    return Resource.register(
        resource_id=ResourceId(uuid4()),
        name="買い物バス北",
        service_type=ServiceType.VISIT_B,
        categories=[NeedCategory.SHOPPING],
        area_codes=["north"],
        actor=ACTOR,
        capacity=capacity,
        planned=planned,
    )


def personal_data(name: str = "山田 花子") -> PersonalData:
    return PersonalData(name, "ヤマダ ハナコ", date(1941, 4, 3), "北町1-2-3", "090-0000-0000")


def new_client(care_level: CareLevel = CareLevel.SUPPORT_1) -> Client:
    """A client of the north area, its Registered event still pending."""
    return Client.register(
        client_id=ClientId(uuid4()),
        personal=personal_data(),
        care_level=care_level,
        frailty=True,
        area_code="north",
        center_code="c-north",
        actor=ACTOR,
    )
