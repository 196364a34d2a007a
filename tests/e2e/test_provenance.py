"""Provenance over HTTP and on the screens, on SQLite and PostgreSQL: a request's events
share the correlation id its answer names; assign and confirm take an optional reason,
role changes a required one; the auditor's timeline shows what caused an event."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from domain.resource import Resource
from domain.user import User
from domain.values import NeedCategory, ServiceType
from tests.e2e.support import (
    Api,
    assert_aggregate,
    assert_ok,
    need_in,
    new_client,
    new_need,
    new_resource,
    unique,
)
from tests.ui.support import signed_in


def _history(api: Api, need_id: str) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = assert_ok(api.get(f"/needs/{need_id}/history", "auditor"))[
        "events"
    ]
    return events


def test_a_confirmation_records_its_reason_and_the_request_that_made_it(api: Api) -> None:
    resource = new_resource(api)
    need = need_in(api, "proposed", resource=resource)

    response = api.post(
        f"/needs/{need['id']}/confirm",
        {"start_date": "2026-12-01", "reason": "本人が火曜を希望"},
        "coordinator",
        if_match=need["version"],
    )

    assert_aggregate(response)
    correlation = response.headers["X-Correlation-Id"]
    confirmed = _history(api, need["id"])[-1]
    assert confirmed["type"] == "Need.MatchConfirmed"
    assert confirmed["reason"] == "本人が火曜を希望"
    assert confirmed["correlation_id"] == correlation
    assert confirmed["causation_id"] is None
    enrolled = api.container.store.stream(UUID(resource["id"]))[-1]
    assert isinstance(enrolled, Resource.Enrolled)
    assert enrolled.correlation_id == correlation  # saved with the need, in one command


def test_a_first_assignment_may_say_why(api: Api) -> None:
    need = need_in(api, "raised")

    response = api.post(
        f"/needs/{need['id']}/assign",
        {"coordinator": "sc", "reason": "北地区の担当"},
        "coordinator",
        if_match=need["version"],
    )

    assert_aggregate(response)
    assert _history(api, need["id"])[-1]["reason"] == "北地区の担当"


def test_a_confirmation_without_a_reason_still_works(api: Api) -> None:
    need = need_in(api, "matched")

    assert _history(api, need["id"])[-1]["reason"] is None


def test_a_role_change_needs_a_reason_and_the_audit_log_shows_it(api: Api) -> None:
    username = unique("prov")
    admin = signed_in(api.app, "admin")
    admin.get("/admin/users/new")
    created = admin.post(
        "/admin/users/new",
        [
            ("username", username),
            ("display_name", "出所 太郎"),
            ("password", "long enough secret"),
            ("roles", "coordinator"),
        ],
    )
    assert created.status == 303, created.text[:300]
    admin.get(created.location)

    refused = admin.post(f"/admin/users/{username}/grant", {"version": "2", "role": "auditor"})
    granted = admin.post(
        f"/admin/users/{username}/grant",
        {"version": "2", "role": "auditor", "reason": "監査担当を兼務"},
    )

    assert refused.status == 422
    assert granted.status == 303
    user_id = User.id_for(username)
    entries = assert_ok(api.get("/audit/events", "auditor", {"aggregate_id": str(user_id)}))
    grants = [e for e in entries["events"] if e["type"] == "RoleGranted"]
    assert [(e["reason"], e["actor"]) for e in grants] == [
        (None, "root"),  # the account's first role: part of creating it
        ("監査担当を兼務", "root"),
    ]


def test_the_auditor_timeline_shows_what_caused_a_need_to_move(api: Api) -> None:
    app = api.container.services
    sc = app.accounts.actor_for_username("sc")
    client = new_client(api)
    need = new_need(api, client)
    need_id = UUID(need["id"])
    dto = app.needs.assign(need_id, "sc", need["version"], sc)
    dto = app.matching.record_gap(need_id, "該当なし", dto.version, sc)
    initiative = app.development.open(
        "サロン", "north", NeedCategory.SOCIAL_PARTICIPATION, "近くにない", sc
    )
    initiative = app.development.link_need(initiative.id, need_id, initiative.version, sc)
    app.development.launch(
        initiative.id, "新サロン", ServiceType.GATHERING_PLACE, initiative.version, sc
    )

    page = signed_in(api.app, "auditor").get(f"/audit/needs/{need_id}")

    assert page.status == 200
    assert "きっかけ" in page
    assert f"/audit?aggregate={initiative.id}" in page.html
