"""Editing an open need over HTTP: description, goal and urgency as a new event with
its reason, shown in the history; refused once closed or when nothing changes."""

from __future__ import annotations

from tests.e2e.support import Api, assert_aggregate, assert_problem, need_in

EDIT = {
    "description": "膝の痛みが強くなり、近所の店にも行けない",
    "goal": "週に一度は自分で買い物に行く",
    "urgency": "high",
    "reason": "本人と再面談して聞き取りを更新",
}


def test_an_open_need_is_edited_with_a_reason(api: Api) -> None:
    need = need_in(api, "matching")

    edited = assert_aggregate(
        api.post(f"/needs/{need['id']}/edit", EDIT, "care_manager", if_match=need["version"])
    )

    assert edited["description"] == EDIT["description"]
    assert edited["goal"] == EDIT["goal"]
    assert edited["urgency"] == "high"
    assert edited["status"] == "matching"
    history = api.get(f"/needs/{need['id']}/history", "care_manager").get_json()
    last = history["events"][-1]
    assert last["type"] == "Need.DetailsChanged"
    assert last["reason"] == EDIT["reason"]


def test_a_closed_need_is_not_edited(api: Api) -> None:
    need = need_in(api, "closed")

    problem = assert_problem(
        api.post(f"/needs/{need['id']}/edit", EDIT, "coordinator", if_match=need["version"]), 409
    )

    assert problem["type"] == "urn:tsunagu:problem:need.already_closed"


def test_an_edit_that_changes_nothing_is_refused(api: Api) -> None:
    need = need_in(api, "raised")
    same = {
        "description": need["description"],
        "goal": need["goal"],
        "urgency": need["urgency"],
        "reason": "確認",
    }

    problem = assert_problem(
        api.post(f"/needs/{need['id']}/edit", same, "care_manager", if_match=need["version"]),
        422,
    )

    assert problem["type"] == "urn:tsunagu:problem:need.unchanged"


def test_a_supervisor_may_not_edit_a_need(api: Api) -> None:
    need = need_in(api, "raised")

    response = api.post(f"/needs/{need['id']}/edit", EDIT, "supervisor", if_match=need["version"])

    assert_problem(response, 403)
