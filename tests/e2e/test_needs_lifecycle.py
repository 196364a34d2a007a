"""Needs over HTTP: each endpoint answers (status, ETag, Location, body), and the
refusals of the need endpoints come back as problem documents.

The rules of the lifecycle (transitions, places at resources, reassignment,
care managers' centers, as_of) are tested on the use cases, in
``tests/application/test_needs.py``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import uuid4

import pytest

from tests.e2e.support import (
    PROPOSE_REASON,
    Api,
    assert_aggregate,
    assert_created,
    assert_problem,
    need_body,
    need_in,
    new_client,
    new_need,
    new_resource,
    step,
)

NEED_FIELDS = {
    "id",
    "version",
    "position",
    "status",
    "client_id",
    "category",
    "center_code",
    "area_code",
    "assignee",
    "resource_id",
    "outcome",
}


# -- raising and reading -----------------------------------------------------------------------


def test_care_manager_raises_a_need(api: Api) -> None:
    client = new_client(api)
    body = need_body(client["id"], urgency="high", care_plan_ref="CP-2026-001")
    need = assert_created(api, api.post("/needs", body, "care_manager"))
    assert need.keys() >= NEED_FIELDS
    assert need["version"] == 1
    assert need["position"] == api.head()
    assert need["status"] == "raised"
    assert need["client_id"] == client["id"]
    assert need["category"] == "social_participation"
    assert need["urgency"] == "high"
    assert need["center_code"] == "c-north"
    assert need["area_code"] == "north"
    assert need["assignee"] is None
    assert need["resource_id"] is None
    assert need["outcome"] is None
    assert need["paused"] is False


def test_need_urgency_defaults_to_normal(api: Api) -> None:
    client = new_client(api)
    body = need_body(client["id"])
    del body["urgency"]
    assert assert_created(api, api.post("/needs", body, "coordinator"))["urgency"] == "normal"


def test_reading_a_need_gives_its_state_and_etag(api: Api) -> None:
    need = need_in(api, "matching")
    body = assert_aggregate(api.get(f"/needs/{need['id']}", "supervisor"))
    assert body.keys() >= NEED_FIELDS
    assert body["version"] == 2
    assert body["status"] == "matching"
    assert body["assignee"] == "sc"
    assert "propose" in body["allowed_actions"]


# -- every command -----------------------------------------------------------------------------

COMMANDS = [
    (
        "raised",
        "assign",
        {"coordinator": "sc"},
        "coordinator",
        {"status": "matching", "assignee": "sc"},
    ),
    ("matching", "propose", "RESOURCE", "coordinator", {"status": "proposed"}),
    (
        "proposed",
        "confirm",
        {"start_date": "2026-12-01"},
        "coordinator",
        {"status": "matched", "start_date": "2026-12-01"},
    ),
    (
        "proposed",
        "decline",
        {"by": "client", "reason": "曜日が合わない"},
        "coordinator",
        {"status": "matching", "resource_id": None},
    ),
    (
        "matched",
        "follow-up",
        {"note": "毎週参加している", "progress": "on_track"},
        "care_manager",
        {"status": "matched", "last_progress": "on_track"},
    ),
    (
        "matching",
        "record-gap",
        {"reason": "近くに該当する資源がない"},
        "coordinator",
        {"status": "resource_gap", "resource_id": None},
    ),
    (
        "raised",
        "pause",
        {"reason": "入院のため"},
        "care_manager",
        {"status": "raised", "paused": True},
    ),
    ("paused", "resume", {"reason": "退院した"}, "coordinator", {"paused": False}),
    (
        "raised",
        "close",
        {"outcome": "withdrawn", "reason": "本人が辞退"},
        "care_manager",
        {"status": "closed", "outcome": "withdrawn"},
    ),
    (
        "closed",
        "reopen",
        {"reason": "再び希望があった"},
        "supervisor",
        {"status": "raised", "outcome": None},
    ),
]
"""One command per endpoint of the lifecycle."""


@pytest.mark.parametrize(
    ("state", "action", "body", "who", "expected"),
    COMMANDS,
    ids=[f"{c[0]}-{c[1]}-by-{c[3]}" for c in COMMANDS],
)
def test_need_command_moves_the_need(
    api: Api, state: str, action: str, body: Any, who: str, expected: dict[str, Any]
) -> None:
    need = need_in(api, state)
    if body == "RESOURCE":
        body = {"resource_id": new_resource(api)["id"], "reason": PROPOSE_REASON}
    response = api.post(f"/needs/{need['id']}/{action}", body, who, if_match=need["version"])
    changed = assert_aggregate(response)
    assert changed["version"] == need["version"] + 1
    assert changed["position"] == api.head()
    assert expected.items() <= changed.items()
    assert assert_aggregate(api.get(f"/needs/{need['id']}")) == {**changed, "position": api.head()}


# -- refusals particular to needs -------------------------------------------------------------


def test_command_the_state_does_not_allow_is_409_naming_its_code(api: Api) -> None:
    need = need_in(api, "raised")
    head = api.head()
    response = api.post(
        f"/needs/{need['id']}/confirm",
        {"start_date": "2026-12-01"},
        "coordinator",
        if_match=need["version"],
    )
    problem = assert_problem(response, 409)
    assert problem["type"] == "urn:tsunagu:problem:need.transition_not_allowed"
    assert "raised" in problem["detail"]
    assert "confirm" in problem["detail"]
    assert api.head() == head


def test_raising_a_need_for_an_unknown_client_is_422(api: Api) -> None:
    response = api.post("/needs", need_body(str(uuid4())), "care_manager")
    assert "client_id" in assert_problem(response, 422)["errors"]


def test_care_manager_gets_404_for_a_need_of_another_center(api: Api) -> None:
    need = new_need(api)
    problem = assert_problem(api.get(f"/needs/{need['id']}", "other_care_manager"), 404)
    assert "c-north" not in problem["detail"]


# -- as_of -------------------------------------------------------------------------------------


def _between(earlier: str, later: str) -> datetime:
    start, end = datetime.fromisoformat(earlier), datetime.fromisoformat(later)
    assert start < end
    return start + (end - start) / 2


def test_need_as_of_an_instant_between_two_events_shows_the_earlier_state(api: Api) -> None:
    raised = new_need(api)
    assigned = step(api, raised, "assign", {"coordinator": "sc"}, "coordinator")
    step(api, assigned, "pause", {"reason": "入院"}, "care_manager")
    instant = _between(raised["updated_at"], assigned["updated_at"])
    response = api.get(f"/needs/{raised['id']}", "coordinator", {"as_of": instant.isoformat()})
    past = assert_aggregate(response)
    assert past["version"] == 1
    assert past["status"] == "raised"
    assert past["assignee"] is None


@pytest.mark.parametrize(
    "as_of", ["yesterday", "2026-11-27T10:00:00", ""], ids=["words", "no-offset", "empty"]
)
def test_need_as_of_that_is_not_an_aware_instant_is_422(api: Api, as_of: str) -> None:
    need = new_need(api)
    response = api.get(f"/needs/{need['id']}", "coordinator", {"as_of": as_of})
    assert "as_of" in assert_problem(response, 422)["errors"]


# -- history -----------------------------------------------------------------------------------


def test_history_lists_every_event_with_actor_reason_and_data(api: Api) -> None:
    resource = new_resource(api)
    need = need_in(api, "matched", resource=resource)
    step(api, need, "pause", {"reason": "入院のため"}, "care_manager")
    response = api.get(f"/needs/{need['id']}/history", "auditor")
    assert response.status_code == 200, response.get_data(as_text=True)
    events = response.get_json()["events"]
    assert [e["version"] for e in events] == [1, 2, 3, 4, 5]
    assert [e["type"] for e in events] == [
        "Need.Raised",
        "Need.CoordinatorAssigned",
        "Need.MatchProposed",
        "Need.MatchConfirmed",
        "Need.Paused",
    ]
    assert [e["actor"] for e in events] == ["cm", "sc", "sc", "sc", "cm"]
    assert events[2]["reason"] == PROPOSE_REASON
    assert events[4]["reason"] == "入院のため"
    assert events[0]["data"]["category"] == "social_participation"
    assert events[2]["data"]["resource_id"] == resource["id"]
    for event in events:
        assert datetime.fromisoformat(event["timestamp"]).tzinfo is not None
        assert isinstance(event["data"], dict)
