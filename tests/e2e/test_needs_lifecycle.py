"""Needs over HTTP: raise, every command of the lifecycle, refusals, as_of, history."""

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
    unique,
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


def _resource(api: Api, resource_id: str) -> dict[str, Any]:
    return assert_aggregate(api.get(f"/resources/{resource_id}"))


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
    ("raised", "assign", {"coordinator": "sc"}, "supervisor", {"status": "matching"}),
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
        "decline",
        {"by": "provider", "reason": "定員の都合"},
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
        "matched",
        "follow-up",
        {"note": "目標を達成", "progress": "goal_met"},
        "coordinator",
        {"last_progress": "goal_met"},
    ),
    (
        "matched",
        "close",
        {"outcome": "goal_achieved", "reason": "目標達成"},
        "care_manager",
        {"status": "closed", "outcome": "goal_achieved"},
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
        "paused",
        "close",
        {"outcome": "hospitalised_or_admitted", "reason": "長期入院"},
        "coordinator",
        {"status": "closed", "paused": False},
    ),
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
    ("closed", "reopen", {"reason": "再び希望があった"}, "coordinator", {"status": "raised"}),
]


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


def test_closed_matched_need_reopens_to_matching_with_its_coordinator(api: Api) -> None:
    need = need_in(api, "matched")
    need = step(
        api, need, "close", {"outcome": "not_achieved", "reason": "合わなかった"}, "care_manager"
    )
    reopened = step(api, need, "reopen", {"reason": "別の資源を探す"}, "supervisor")
    assert reopened["status"] == "matching"
    assert reopened["assignee"] == "sc"
    assert reopened["resource_id"] is None


def test_whole_lifecycle_raise_assign_propose_confirm_follow_up_close(api: Api) -> None:
    resource = new_resource(api, capacity=3)
    need = new_need(api)
    positions = [need["position"]]
    flow = [
        ("assign", {"coordinator": "sc"}, "coordinator", "matching"),
        (
            "propose",
            {"resource_id": resource["id"], "reason": PROPOSE_REASON},
            "coordinator",
            "proposed",
        ),
        ("confirm", {"start_date": "2026-12-01"}, "coordinator", "matched"),
        (
            "follow-up",
            {"note": "楽しく通っている", "progress": "on_track"},
            "care_manager",
            "matched",
        ),
        ("close", {"outcome": "goal_achieved", "reason": "目標達成"}, "care_manager", "closed"),
    ]
    for action, body, who, status in flow:
        need = step(api, need, action, body, who)
        assert need["status"] == status
        positions.append(need["position"])
    assert need["version"] == 6
    assert positions == sorted(positions)
    assert len(set(positions)) == len(positions)


# -- places at the resource --------------------------------------------------------------------


def test_confirming_a_match_takes_a_place_at_the_resource(api: Api) -> None:
    resource = new_resource(api, capacity=2)
    need_in(api, "matched", resource=resource)
    after = _resource(api, resource["id"])
    assert after["places_taken"] == 1
    assert after["places_left"] == 1
    assert after["version"] == resource["version"] + 1


@pytest.mark.parametrize(
    ("action", "body"),
    [
        ("close", {"outcome": "moved_away", "reason": "転居"}),
        ("decline", {"by": "client", "reason": "本人が辞退"}),
    ],
    ids=["close", "decline"],
)
def test_ending_a_match_gives_the_place_back(api: Api, action: str, body: Any) -> None:
    resource = new_resource(api, capacity=1)
    need = need_in(api, "matched", resource=resource)
    step(api, need, action, body, "coordinator")
    after = _resource(api, resource["id"])
    assert after["places_taken"] == 0
    assert after["places_left"] == 1


def test_confirming_at_a_full_resource_is_409_and_writes_nothing(api: Api) -> None:
    resource = new_resource(api, capacity=1)
    need_in(api, "matched", resource=resource)
    second = need_in(api, "proposed", resource=resource)
    head = api.head()
    response = api.post(
        f"/needs/{second['id']}/confirm",
        {"start_date": "2026-12-01"},
        "coordinator",
        if_match=second["version"],
    )
    assert "full" in assert_problem(response, 409)["detail"]
    assert api.head() == head
    assert assert_aggregate(api.get(f"/needs/{second['id']}"))["status"] == "proposed"
    assert _resource(api, resource["id"])["places_taken"] == 1


def test_proposing_a_suspended_resource_is_409(api: Api) -> None:
    resource = new_resource(api)
    assert_aggregate(
        api.post(
            f"/resources/{resource['id']}/suspend", {"reason": "休止"}, "coordinator", if_match=1
        )
    )
    need = need_in(api, "matching")
    response = api.post(
        f"/needs/{need['id']}/propose",
        {"resource_id": resource["id"], "reason": PROPOSE_REASON},
        "coordinator",
        if_match=need["version"],
    )
    assert "suspended" in assert_problem(response, 409)["detail"]


# -- invalid transitions -----------------------------------------------------------------------

TRANSITIONS = [
    ("raised", "propose", "RESOURCE", "raised"),
    ("raised", "confirm", {"start_date": "2026-12-01"}, "raised"),
    ("raised", "decline", {"by": "client", "reason": "x"}, "raised"),
    ("raised", "record-gap", {"reason": "x"}, "raised"),
    ("raised", "follow-up", {"note": "x", "progress": "concern"}, "raised"),
    ("raised", "resume", {"reason": "x"}, "raised"),
    ("raised", "reopen", {"reason": "x"}, "raised"),
    ("matching", "confirm", {"start_date": "2026-12-01"}, "matching"),
    ("proposed", "propose", "RESOURCE", "proposed"),
    ("matched", "confirm", {"start_date": "2026-12-01"}, "matched"),
    ("resource_gap", "propose", "RESOURCE", "resource_gap"),
    ("closed", "pause", {"reason": "x"}, "closed"),
    ("closed", "close", {"outcome": "withdrawn", "reason": "x"}, "closed"),
    ("closed", "assign", {"coordinator": "sc"}, "closed"),
    ("paused", "pause", {"reason": "x"}, "raised"),
    ("paused", "propose", "RESOURCE", "paused"),
]


@pytest.mark.parametrize(
    ("state", "action", "body", "named_state"),
    TRANSITIONS,
    ids=[f"{t[1]}-when-{t[0]}" for t in TRANSITIONS],
)
def test_command_not_allowed_in_state_is_409_naming_state_and_action(
    api: Api, state: str, action: str, body: Any, named_state: str
) -> None:
    need = need_in(api, state)
    if body == "RESOURCE":
        body = {"resource_id": new_resource(api)["id"], "reason": PROPOSE_REASON}
    head = api.head()
    response = api.post(
        f"/needs/{need['id']}/{action}", body, "coordinator", if_match=need["version"]
    )
    detail = assert_problem(response, 409)["detail"]
    assert named_state in detail
    assert action.replace("-", "_") in detail.replace(" ", "_")
    assert api.head() == head


def test_assigning_a_paused_need_is_409_saying_it_is_paused(api: Api) -> None:
    need = need_in(api, "paused")
    response = api.post(
        f"/needs/{need['id']}/assign",
        {"coordinator": "sc"},
        "coordinator",
        if_match=need["version"],
    )
    detail = assert_problem(response, 409)["detail"]
    assert "paused" in detail
    assert "cannot assign" in detail


# -- references that do not resolve ------------------------------------------------------------


def test_raising_a_need_for_an_unknown_client_is_422(api: Api) -> None:
    response = api.post("/needs", need_body(str(uuid4())), "care_manager")
    assert "client_id" in assert_problem(response, 422)["errors"]


def test_care_manager_cannot_raise_a_need_for_another_centers_client(api: Api) -> None:
    client = new_client(api)
    head = api.head()
    response = api.post("/needs", need_body(client["id"]), "other_care_manager")
    assert "client_id" in assert_problem(response, 422)["errors"]
    assert api.head() == head


def test_proposing_an_unknown_resource_is_422(api: Api) -> None:
    need = need_in(api, "matching")
    response = api.post(
        f"/needs/{need['id']}/propose",
        {"resource_id": str(uuid4()), "reason": PROPOSE_REASON},
        "coordinator",
        if_match=need["version"],
    )
    assert "resource_id" in assert_problem(response, 422)["errors"]


@pytest.mark.parametrize("coordinator", ["nobody", "boss", "cm"])
def test_assigning_someone_who_is_not_a_coordinator_is_422(api: Api, coordinator: str) -> None:
    need = new_need(api)
    response = api.post(
        f"/needs/{need['id']}/assign", {"coordinator": coordinator}, "coordinator", if_match=1
    )
    assert "coordinator" in assert_problem(response, 422)["errors"]


def test_reassigning_to_the_same_coordinator_is_409(api: Api) -> None:
    need = need_in(api, "matching")
    response = api.post(
        f"/needs/{need['id']}/assign",
        {"coordinator": "sc", "reason": "交代"},
        "supervisor",
        if_match=need["version"],
    )
    assert_problem(response, 409)


# -- other centers, unknown needs --------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("GET", "", None),
        ("GET", "/history", None),
        ("POST", "/pause", {"reason": "x"}),
        ("POST", "/follow-up", {"note": "x", "progress": "concern"}),
        ("POST", "/close", {"outcome": "withdrawn", "reason": "x"}),
    ],
    ids=["read", "history", "pause", "follow-up", "close"],
)
def test_care_manager_gets_404_for_another_centers_need(
    api: Api, method: str, suffix: str, body: Any
) -> None:
    need = new_need(api)
    path = f"/needs/{need['id']}{suffix}"
    head = api.head()
    if method == "GET":
        response = api.get(path, "other_care_manager")
    else:
        response = api.post(path, body, "other_care_manager", if_match=1)
    problem = assert_problem(response, 404)
    assert "c-north" not in problem["detail"]
    assert api.head() == head


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", f"/needs/{uuid4()}"),
        ("GET", f"/needs/{uuid4()}/history"),
        ("POST", f"/needs/{uuid4()}/pause"),
        ("GET", "/needs/not-a-uuid"),
        ("GET", "/needs/not-a-uuid/history"),
        ("POST", "/needs/not-a-uuid/pause"),
        ("POST", "/needs/0000/pause"),
    ],
    ids=[
        "read",
        "history",
        "command",
        "malformed-read",
        "malformed-history",
        "malformed-command",
        "short-command",
    ],
)
def test_unknown_need_is_404(api: Api, method: str, path: str) -> None:
    if method == "GET":
        response = api.get(path, "coordinator")
    else:
        response = api.post(path, {"reason": "x"}, "coordinator", if_match=1)
    assert_problem(response, 404)


def test_resource_id_used_as_need_id_is_404(api: Api) -> None:
    resource = new_resource(api)
    assert_problem(api.get(f"/needs/{resource['id']}"), 404)


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


def test_need_as_of_in_another_time_zone_means_the_same_instant(api: Api) -> None:
    raised = new_need(api)
    assigned = step(api, raised, "assign", {"coordinator": "sc"}, "coordinator")
    paused = step(api, assigned, "pause", {"reason": "入院"}, "care_manager")
    instant = _between(assigned["updated_at"], paused["updated_at"])
    jst = instant.astimezone(datetime.fromisoformat("2026-01-01T00:00:00+09:00").tzinfo)
    response = api.get(f"/needs/{raised['id']}", "coordinator", {"as_of": jst.isoformat()})
    past = assert_aggregate(response)
    assert past["version"] == 2
    assert past["status"] == "matching"
    assert past["paused"] is False


def test_need_as_of_now_is_the_current_state(api: Api) -> None:
    need = need_in(api, "matching")
    response = api.get(
        f"/needs/{need['id']}", "coordinator", {"as_of": "2999-01-01T00:00:00+00:00"}
    )
    assert assert_aggregate(response)["version"] == need["version"]


def test_need_as_of_before_it_was_raised_is_404(api: Api) -> None:
    need = new_need(api)
    response = api.get(
        f"/needs/{need['id']}", "coordinator", {"as_of": "2000-01-01T00:00:00+09:00"}
    )
    assert_problem(response, 404)


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


# -- reassignment ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def second_coordinator(api: Api) -> str:
    username = unique("co")
    body = {"username": username, "password": "a long secret", "role": "coordinator"}
    assert_aggregate(api.post("/users", body, "admin"), 201)
    return username


def test_reassigning_to_another_coordinator_keeps_the_state(
    api: Api, second_coordinator: str
) -> None:
    need = need_in(api, "proposed")
    body = {"coordinator": second_coordinator, "reason": "担当地区の変更"}
    changed = step(api, need, "assign", body, "supervisor")
    assert changed["assignee"] == second_coordinator
    assert changed["status"] == "proposed"
    assert changed["resource_id"] == need["resource_id"]


def test_reassigning_without_a_reason_is_422(api: Api, second_coordinator: str) -> None:
    need = need_in(api, "matching")
    head = api.head()
    response = api.post(
        f"/needs/{need['id']}/assign",
        {"coordinator": second_coordinator},
        "coordinator",
        if_match=need["version"],
    )
    assert "reason" in assert_problem(response, 422)["errors"]
    assert api.head() == head
