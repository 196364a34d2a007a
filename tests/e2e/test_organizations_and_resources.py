"""Organizations and resources over HTTP: registration, lists and their filters,
status and capacity changes, and what the schemas refuse.

The resources' rules (which status allows what, places taken by enrolled
clients, references that must exist) are tested on the use cases, in
``tests/application/test_resources.py``.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.support import (
    Api,
    assert_aggregate,
    assert_created,
    assert_ok,
    assert_problem,
    new_district,
    new_organization,
    new_resource,
    organization_body,
    resource_body,
)

REASON = {"reason": "担い手の確保が難しくなったため"}

# -- organizations -----------------------------------------------------------------------------


def test_coordinator_registers_an_organization(api: Api) -> None:
    body = assert_created(api, api.post("/organizations", organization_body(), "coordinator"))
    assert body["name"] == "北町サロンの会"
    assert body["kind"] == "resident_group"
    assert body["area_codes"] == ["north"]
    assert body["contact"]["email"] == "salon@example.jp"


def test_organization_is_read_and_listed_by_every_role(api: Api) -> None:
    org = new_organization(api, name="南町見守り隊", kind="volunteer", area_codes=["south"])
    one = assert_aggregate(api.get(f"/organizations/{org['id']}", "care_manager"))
    assert one["name"] == "南町見守り隊"
    listed = assert_ok(api.get("/organizations", "supervisor"))["items"]
    assert org["id"] in {item["id"] for item in listed}


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"kind": "guild"}, "kind"),
        ({"area_codes": ["atlantis"]}, "area_codes"),
        ({"area_codes": []}, "area_codes"),
        ({"contact": {"email": "not-an-email"}}, "contact.email"),
        ({"contact": {"fax": "03"}}, "contact.fax"),
        ({"name": "名" * 201}, "name"),
        ({"name": None}, "name"),
    ],
    ids=[
        "unknown-kind",
        "unknown-area",
        "no-area",
        "bad-email",
        "unknown-contact-field",
        "long-name",
        "null-name",
    ],
)
def test_organization_with_invalid_fields_is_rejected(
    api: Api, overrides: dict[str, Any], field: str
) -> None:
    head = api.head()
    response = api.post("/organizations", organization_body(**overrides), "coordinator")
    assert field in assert_problem(response, 422)["errors"]
    assert api.head() == head


# -- resources: registration and reading -------------------------------------------------------


def test_coordinator_registers_a_resource(api: Api) -> None:
    org = new_organization(api)
    response = api.post("/resources", resource_body(organization_id=org["id"]), "coordinator")
    body = assert_created(api, response)
    assert body["organization_id"] == org["id"]
    assert body["status"] == "active"
    assert body["capacity"] == 5
    assert body["places_taken"] == 0
    assert body["places_left"] == 5
    assert body["categories"] == ["social_participation", "exercise"]
    assert body["weekdays"] == ["mon", "thu"]


def test_planned_resource_starts_planned_and_opens_with_reactivate(api: Api) -> None:
    resource = new_resource(api, planned=True)
    assert resource["status"] == "planned"
    response = api.post(
        f"/resources/{resource['id']}/reactivate",
        REASON,
        "coordinator",
        if_match=resource["version"],
    )
    assert assert_aggregate(response)["status"] == "active"


def test_resource_with_unlimited_capacity_has_no_places_left(api: Api) -> None:
    resource = new_resource(api, capacity=None)
    assert resource["capacity"] is None
    assert resource["places_left"] is None


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"organization_id": "not-a-uuid"}, "organization_id"),
        ({"categories": []}, "categories"),
        ({"categories": ["gardening"]}, "categories.0"),
        ({"service_type": "teleport"}, "service_type"),
        ({"capacity": -1}, "capacity"),
        ({"capacity": "5"}, "capacity"),
        ({"capacity": 2.5}, "capacity"),
        ({"weekdays": ["someday"]}, "weekdays.0"),
        ({"eligible_care_levels": ["care_9"]}, "eligible_care_levels.0"),
        ({"fee": "円" * 201}, "fee"),
    ],
    ids=[
        "malformed-organization",
        "no-category",
        "unknown-category",
        "unknown-service-type",
        "negative-capacity",
        "string-capacity",
        "fractional-capacity",
        "unknown-weekday",
        "unknown-care-level",
        "long-fee",
    ],
)
def test_resource_with_invalid_fields_is_rejected(
    api: Api, overrides: dict[str, Any], field: str
) -> None:
    head = api.head()
    response = api.post("/resources", resource_body(**overrides), "coordinator")
    assert field in assert_problem(response, 422)["errors"]
    assert api.head() == head


# -- resources: list filters -------------------------------------------------------------------


@pytest.fixture(scope="module")
def catalogue(api: Api) -> dict[str, Any]:
    """Three resources in a district of their own; one suspended."""
    district = new_district(api)
    area = district.area
    salon = new_resource(
        api, name="サロンA", categories=["social_participation"], area_codes=[area]
    )
    walk = new_resource(api, name="ウォーキングB", categories=["exercise"], area_codes=[area])
    shop = new_resource(
        api, name="買い物C", categories=["shopping", "exercise"], area_codes=[area, "north"]
    )
    response = api.post(f"/resources/{shop['id']}/suspend", REASON, "coordinator", if_match=1)
    assert_aggregate(response)
    return {"area": area, "salon": salon["id"], "walk": walk["id"], "shop": shop["id"]}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, {"salon", "walk", "shop"}),
        ({"category": "exercise"}, {"walk", "shop"}),
        ({"category": "shopping"}, {"shop"}),
        ({"status": "suspended"}, {"shop"}),
        ({"status": "active"}, {"salon", "walk"}),
        ({"status": "active", "category": "exercise"}, {"walk"}),
        ({"category": "meals"}, set()),
    ],
    ids=["area", "category", "one-category", "suspended", "active", "combined", "none"],
)
def test_resource_list_filters_by(
    api: Api, catalogue: dict[str, Any], query: dict[str, str], expected: set[str]
) -> None:
    body = assert_ok(api.get("/resources", "care_manager", {"area": catalogue["area"], **query}))
    ids = {item["id"] for item in body["items"]}
    assert ids == {catalogue[name] for name in expected}


def test_resource_list_rejects_an_unknown_status(api: Api) -> None:
    assert (
        "status" in assert_problem(api.get("/resources", "admin", {"status": "x"}), 422)["errors"]
    )


# -- resources: commands -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("setup", "action", "body", "expected"),
    [
        ([], "suspend", REASON, {"status": "suspended"}),
        (["suspend"], "reactivate", REASON, {"status": "active"}),
        ([], "close", REASON, {"status": "closed"}),
        (
            [],
            "capacity",
            {"capacity": 12, "reason": "会場拡張"},
            {"capacity": 12, "places_left": 12},
        ),
        ([], "capacity", {"capacity": None, "reason": "制限なし"}, {"capacity": None}),
    ],
    ids=["suspend", "reactivate", "close", "capacity", "unlimited"],
)
def test_resource_command_changes_the_resource(
    api: Api, setup: list[str], action: str, body: dict[str, Any], expected: dict[str, Any]
) -> None:
    resource = new_resource(api)
    for earlier in setup:
        resource = assert_aggregate(
            api.post(
                f"/resources/{resource['id']}/{earlier}",
                REASON,
                "coordinator",
                if_match=resource["version"],
            )
        )
    response = api.post(
        f"/resources/{resource['id']}/{action}", body, "admin", if_match=resource["version"]
    )
    changed = assert_aggregate(response)
    assert changed["version"] == resource["version"] + 1
    assert changed["position"] == api.head()
    assert expected.items() <= changed.items()
    assert (
        assert_aggregate(api.get(f"/resources/{resource['id']}"))["version"] == changed["version"]
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"capacity": -3, "reason": "x"}, "capacity"),
        ({"capacity": "ten", "reason": "x"}, "capacity"),
        ({"reason": "x"}, "capacity"),
        ({"capacity": 3}, "reason"),
        ({"capacity": 3, "reason": "理" * 2001}, "reason"),
    ],
    ids=["negative", "string", "missing-capacity", "missing-reason", "long-reason"],
)
def test_capacity_change_with_invalid_fields_is_rejected(
    api: Api, body: dict[str, Any], field: str
) -> None:
    resource = new_resource(api)
    response = api.post(
        f"/resources/{resource['id']}/capacity", body, "coordinator", if_match=resource["version"]
    )
    assert field in assert_problem(response, 422)["errors"]
