"""Resource development over HTTP: initiatives, launch, abandon and the gaps report."""

from __future__ import annotations

from typing import Any

from tests.e2e.support import (
    Api,
    assert_aggregate,
    assert_created,
    assert_ok,
    assert_problem,
    need_in,
    new_client,
    new_district,
    new_organization,
)


def _initiative(api: Api, area: str = "north") -> dict[str, Any]:
    body = {
        "title": "北地区サロン立ち上げ",
        "area_code": area,
        "category": "social_participation",
        "description": "通いの場が徒歩圏にない",
    }
    return assert_created(api, api.post("/initiatives", body, "coordinator"))


def _link(api: Api, initiative: dict[str, Any], need: dict[str, Any]) -> dict[str, Any]:
    response = api.post(
        f"/initiatives/{initiative['id']}/needs",
        {"need_id": need["id"]},
        "coordinator",
        if_match=initiative["version"],
    )
    return assert_aggregate(response)


def test_launching_an_initiative_makes_its_waiting_needs_ready_to_match(api: Api) -> None:
    gap = need_in(api, "resource_gap")
    initiative = _link(api, _initiative(api), gap)
    assert api.get(f"/needs/{gap['id']}", "coordinator").get_json()["status"] == "in_development"
    partner = new_organization(api)
    initiative = assert_aggregate(
        api.post(
            f"/initiatives/{initiative['id']}/partners",
            {"organization_id": partner["id"]},
            "coordinator",
            if_match=initiative["version"],
        )
    )
    initiative = assert_aggregate(
        api.post(
            f"/initiatives/{initiative['id']}/milestones",
            {"milestone": "volunteers_trained", "on": "2026-10-01", "note": "8名", "volunteers": 8},
            "coordinator",
            if_match=initiative["version"],
        )
    )

    launched = assert_aggregate(
        api.post(
            f"/initiatives/{initiative['id']}/launch",
            {"name": "ふれあいサロン", "service_type": "gathering_place", "capacity": 10},
            "coordinator",
            if_match=initiative["version"],
        )
    )

    assert launched["status"] == "launched"
    assert launched["partner_ids"] == [partner["id"]]
    need = assert_ok(api.get(f"/needs/{gap['id']}", "coordinator"))
    assert need["status"] == "resource_created"
    assert need["resource_id"] == launched["resource_id"]
    resource = assert_ok(api.get(f"/resources/{launched['resource_id']}", "coordinator"))
    assert resource["capacity"] == 10
    board = assert_ok(
        api.get("/needs", "coordinator", {"status": "resource_created", "per_page": 200})
    )
    assert gap["id"] in [row["id"] for row in board["items"]]


def test_abandoning_an_initiative_returns_needs_to_the_gap(api: Api) -> None:
    gap = need_in(api, "resource_gap")
    initiative = _link(api, _initiative(api), gap)

    assert_aggregate(
        api.post(
            f"/initiatives/{initiative['id']}/abandon",
            {"reason": "担い手が見つからない"},
            "coordinator",
            if_match=initiative["version"],
        )
    )

    need = assert_ok(api.get(f"/needs/{gap['id']}", "coordinator"))
    assert (need["status"], need["initiative_id"]) == ("resource_gap", None)


def test_linking_a_need_that_is_not_a_gap_is_409(api: Api) -> None:
    matching = need_in(api, "matching")
    initiative = _initiative(api)

    response = api.post(
        f"/initiatives/{initiative['id']}/needs",
        {"need_id": matching["id"]},
        "coordinator",
        if_match=initiative["version"],
    )

    assert "link_development" in assert_problem(response, 409)["detail"]


def test_a_launched_initiative_refuses_further_changes(api: Api) -> None:
    initiative = _initiative(api)
    launched = assert_aggregate(
        api.post(
            f"/initiatives/{initiative['id']}/launch",
            {"name": "配食", "service_type": "other_support"},
            "coordinator",
            if_match=initiative["version"],
        )
    )

    response = api.post(
        f"/initiatives/{initiative['id']}/abandon",
        {"reason": "x"},
        "coordinator",
        if_match=launched["version"],
    )

    assert "launched" in assert_problem(response, 409)["detail"]


def test_initiatives_are_listed_with_filters(api: Api) -> None:
    district = new_district(api)
    initiative = _initiative(api, area=district.area)

    rows = assert_ok(api.get("/initiatives", "auditor", {"area": district.area}))["items"]

    assert [(r["id"], r["status"], r["waiting_needs"]) for r in rows] == [
        (initiative["id"], "open", 0)
    ]


def test_the_gap_report_counts_unmet_needs_as_json_and_csv(api: Api) -> None:
    district = new_district(api)
    client = new_client(api, "coordinator", district)
    need_in(api, "resource_gap", client=client, who="coordinator")

    report = assert_ok(api.get("/reports/gaps", "supervisor"))
    csv = api.get("/reports/gaps", "supervisor", {"format": "csv"})

    cells = [c for c in report["current"] if c["area_code"] == district.area]
    assert [(c["category"], c["unmet"]) for c in cells] == [("social_participation", 1)]
    assert csv.status_code == 200
    assert csv.mimetype == "text/csv"
    text = csv.get_data(as_text=True)
    assert text.startswith("\ufeffmonth,area_code,category,opened,resolved,unmet_at_end")
    assert f"now,{district.area},social_participation,,,1" in text
