"""Clients (利用者)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import Blueprint

from domain.values import PersonalData
from interfaces.web.api import schemas as s
from interfaces.web.api.framework import Call, operation

clients = Blueprint("clients", __name__, url_prefix="/clients")


@operation(
    clients,
    "POST",
    "",
    summary="Register a client",
    permission="client.create",
    body=s.ClientCreateSchema,
    response=s.ClientSchema,
    status=201,
    idempotent=True,
    location="api.clients.get_client",
    notes=(
        "A likely duplicate (the same kana and birth date, or the same name and phone "
        "at the same support center) is refused with 409 `client.likely_duplicate`, "
        "whose `candidates` lists each one's `id` and `display_code`; send again with "
        "`confirm_duplicate: true` to register anyway. `name_kana` is stored in "
        "katakana (hiragana is converted); anything but kana is refused with 422 "
        "`client.kana_invalid`."
    ),
)
def register_client(call: Call) -> Any:
    b = call.body
    personal = PersonalData(b["name"], b["name_kana"], b["birth_date"], b["address"], b["phone"])
    return call.services.clients.register(
        personal,
        b["care_level"],
        b["frailty"],
        b["area_code"],
        b["center_code"],
        call.actor,
        idempotency_key=call.idempotency_key,
        available_weekdays=b["available_weekdays"],
        confirm_duplicate=b["confirm_duplicate"],
    )


@operation(
    clients,
    "GET",
    "/<uuid:client_id>",
    summary="Read a client, now or as of an instant",
    permission="client.read",
    query=s.AsOfQuerySchema,
    response=s.ClientSchema,
    personal=True,
)
def get_client(call: Call, client_id: UUID) -> Any:
    return call.services.clients.get(client_id, call.actor, as_of=call.query["as_of"])


@operation(
    clients,
    "POST",
    "/<uuid:client_id>/care-level",
    summary="Record a care-level assessment",
    permission="client.assess",
    body=s.CareLevelChangeSchema,
    response=s.ClientSchema,
    if_match=True,
)
def change_care_level(call: Call, client_id: UUID) -> Any:
    b = call.body
    return call.services.clients.change_care_level(
        client_id, b["care_level"], b["assessed_on"], b["reason"], call.expected_version, call.actor
    )


@operation(
    clients,
    "POST",
    "/<uuid:client_id>/erase",
    summary="Erase a client's personal data (crypto-shredding; cannot be undone)",
    permission="client.erase",
    body=s.ErasureSchema,
    response=s.ClientSchema,
    if_match=True,
)
def erase_client(call: Call, client_id: UUID) -> Any:
    return call.services.clients.erase(
        client_id, call.body["reason"], call.expected_version, call.actor
    )
