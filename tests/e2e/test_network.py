"""Network building over HTTP: councils, members, meetings, contacts, the network report."""

from __future__ import annotations

from typing import Any

from tests.e2e.support import (
    Api,
    assert_aggregate,
    assert_created,
    assert_ok,
    assert_problem,
    new_district,
    new_organization,
)


def _council(api: Api, **body: Any) -> dict[str, Any]:
    payload = {"name": "第2層協議体", "tier": "municipality", **body}
    return assert_created(api, api.post("/councils", payload, "coordinator"))


def test_a_council_admits_members_and_records_meetings(api: Api) -> None:
    district = new_district(api)
    council = _council(api, tier="area", area_code=district.area)
    org = new_organization(api, area_codes=[district.area])
    council = assert_aggregate(
        api.post(
            f"/councils/{council['id']}/members",
            {"organization_id": org["id"], "on": "2026-04-01"},
            "coordinator",
            if_match=council["version"],
        )
    )

    council = assert_aggregate(
        api.post(
            f"/councils/{council['id']}/meetings",
            {
                "held_on": "2026-10-15",
                "attendees": [org["id"]],
                "topics": ["ゴミ出し支援の担い手"],
                "gaps": [{"area_code": district.area, "category": "garbage"}],
            },
            "coordinator",
            if_match=council["version"],
        )
    )

    assert (council["member_ids"], council["meetings"]) == ([org["id"]], 1)
    [meeting] = assert_ok(api.get(f"/councils/{council['id']}/meetings", "auditor"))["items"]
    assert meeting["gaps"] == [{"area_code": district.area, "category": "garbage"}]
    councils = assert_ok(api.get("/councils", "supervisor"))["items"]
    row = next(c for c in councils if c["id"] == council["id"])
    assert (row["members"], row["meetings"], row["last_meeting_on"]) == (1, 1, "2026-10-15")


def test_a_tier_two_council_without_an_area_is_422(api: Api) -> None:
    response = api.post("/councils", {"name": "x", "tier": "area"}, "coordinator")
    assert assert_problem(response, 422)["errors"] == {
        "area_code": ["a tier-2 council belongs to one area"]
    }


def test_contacts_and_memberships_show_in_the_network_report(api: Api) -> None:
    district = new_district(api)
    org = new_organization(api, area_codes=[district.area])

    org = assert_aggregate(
        api.post(
            f"/organizations/{org['id']}/contacts",
            {"on": "2026-11-20", "purpose": "見守りの協力依頼", "outcome": "前向き"},
            "coordinator",
            if_match=org["version"],
        )
    )

    report = assert_ok(api.get("/reports/network", "supervisor"))
    mine = next(o for o in report["organizations"] if o["id"] == org["id"])
    assert (mine["last_contact_on"], mine["active"]) == ("2026-11-20", mine["recent_contacts"] > 0)
    area = next(a for a in report["areas"] if a["area_code"] == district.area)
    assert area["new_ties"] == [{"month": "2026-11", "organizations": 1}]


def test_logging_a_contact_needs_if_match(api: Api) -> None:
    org = new_organization(api)
    response = api.post(
        f"/organizations/{org['id']}/contacts",
        {"on": "2026-11-20", "purpose": "相談", "outcome": "了承"},
        "coordinator",
    )
    assert_problem(response, 428)


def test_a_contact_dated_in_the_future_is_422(api: Api) -> None:
    org = new_organization(api)
    response = api.post(
        f"/organizations/{org['id']}/contacts",
        {"on": "2999-01-01", "purpose": "相談", "outcome": "了承"},
        "coordinator",
        if_match=org["version"],
    )
    assert "must not be in the future" in assert_problem(response, 422)["errors"]["on"][0]
