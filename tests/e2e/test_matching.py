"""Matching over HTTP: explained candidates, provenance, availability and multi-need plans."""

from __future__ import annotations

from typing import Any

from tests.e2e.support import (
    Api,
    assert_aggregate,
    assert_ok,
    assert_problem,
    need_body,
    new_client,
    new_district,
    new_resource,
    step,
)


def _matching(api: Api, client: dict[str, Any], category: str) -> dict[str, Any]:
    body = need_body(client["id"], category=category)
    need = assert_ok(api.post("/needs", body, "coordinator"), 201)
    return step(api, need, "assign", {"coordinator": "sc"}, "coordinator")


def test_candidates_come_ranked_with_scores_and_reasons_in_both_languages(api: Api) -> None:
    district = new_district(api)
    client = new_client(api, "coordinator", district)
    near = new_resource(api, categories=["yard_work"], area_codes=[district.area], capacity=5)
    far = new_resource(api, categories=["yard_work"], area_codes=["south"])
    need = _matching(api, client, "yard_work")

    body = assert_ok(api.get(f"/needs/{need['id']}/candidates", "coordinator"))

    ids = [c["resource_id"] for c in body["candidates"]]
    assert ids.index(near["id"]) < ids.index(far["id"])
    top = body["candidates"][ids.index(near["id"])]
    assert {s["criterion"] for s in top["scores"]} == {
        "category",
        "area",
        "eligibility",
        "capacity",
        "schedule",
        "status",
    }
    assert top["total"] == sum(s["score"] for s in top["scores"])
    assert "草取り" in top["reason"]["ja"]
    assert "serves yard_work" in top["reason"]["en"]
    assert body["rule_set"] == "tsunagu-matching/2026.1"


def test_a_proposal_over_http_records_the_candidates_shown(api: Api) -> None:
    district = new_district(api)
    client = new_client(api, "coordinator", district)
    resource = new_resource(api, categories=["paperwork"], area_codes=[district.area])
    need = _matching(api, client, "paperwork")

    step(api, need, "propose", {"resource_id": resource["id"], "reason": "近い"}, "coordinator")

    events = assert_ok(api.get(f"/needs/{need['id']}/history", "auditor"))["events"]
    proposed = events[-1]
    assert proposed["type"] == "Need.MatchProposed"
    assert proposed["data"]["rule_set"] == "tsunagu-matching/2026.1"
    assert resource["id"] in [c["resource_id"] for c in proposed["data"]["candidates"]]


def test_availability_is_recorded_with_if_match(api: Api) -> None:
    client = new_client(api)

    updated = assert_aggregate(
        api.post(
            f"/clients/{client['id']}/availability",
            {"weekdays": ["thu", "tue"]},
            "care_manager",
            if_match=client["version"],
        )
    )

    assert updated["available_weekdays"] == ["tue", "thu"]


def test_a_multi_need_plan_is_accepted_in_one_step(api: Api) -> None:
    district = new_district(api)
    client = new_client(api, "coordinator", district)
    salon = new_resource(
        api, categories=["companionship", "watch_over"], area_codes=[district.area]
    )
    needs = [_matching(api, client, c) for c in ("companionship", "watch_over", "yard_work")]

    plan = assert_ok(api.get(f"/clients/{client['id']}/match-plan", "coordinator"))
    accepted = assert_ok(
        api.post(
            f"/clients/{client['id']}/match-plan/accept",
            {"matches": plan["matches"], "reason": "サロンで両方に対応"},
            "coordinator",
        )
    )

    chosen = {m["need_id"]: m["resource_id"] for m in plan["matches"]}
    assert (chosen[needs[0]["id"]], chosen[needs[1]["id"]]) == (salon["id"], salon["id"])
    assert accepted["position"] is not None
    for need in needs[:2]:
        now = assert_ok(api.get(f"/needs/{need['id']}", "coordinator"))
        assert now["status"] == "proposed"


def test_accepting_a_plan_that_changed_is_409_and_writes_nothing(api: Api) -> None:
    district = new_district(api)
    client = new_client(api, "coordinator", district)
    resource = new_resource(api, categories=["garbage"], area_codes=[district.area])
    need = _matching(api, client, "garbage")
    head = api.head()

    response = api.post(
        f"/clients/{client['id']}/match-plan/accept",
        {
            "matches": [
                {
                    "need_id": need["id"],
                    "version": need["version"],
                    "resource_id": new_resource(api)["id"],
                }
            ],
            "reason": "x",
        },
        "coordinator",
    )

    assert "changed" in assert_problem(response, 409)["detail"]
    assert api.head() == head + 1  # only the extra resource registered above
    assert resource["id"]


def test_proposing_a_resource_the_ranking_marks_not_proposable_is_409_naming_why(
    api: Api,
) -> None:
    district = new_district(api)
    resource = new_resource(
        api, categories=["small_repairs"], area_codes=[district.area], capacity=1
    )
    taken = _matching(api, new_client(api, "coordinator", district), "small_repairs")
    taken = step(
        api, taken, "propose", {"resource_id": resource["id"], "reason": "近い"}, "coordinator"
    )
    step(api, taken, "confirm", {"start_date": "2026-12-01"}, "coordinator")  # the one place
    need = _matching(api, new_client(api, "coordinator", district), "small_repairs")
    head = api.head()

    response = api.post(
        f"/needs/{need['id']}/propose",
        {"resource_id": resource["id"], "reason": "近い"},
        "coordinator",
        if_match=need["version"],
    )

    body = assert_problem(response, 409)
    assert body["type"] == "urn:tsunagu:problem:match.resource_not_proposable"
    assert "full" in body["detail"]
    assert api.head() == head
