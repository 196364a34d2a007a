"""GET /api/v1/resources a page at a time: by name, with the total and the next
page's URL; without paging parameters the first page is the list as it was."""

from __future__ import annotations

from typing import Any

from tests.e2e.support import (
    Api,
    District,
    assert_ok,
    assert_problem,
    new_district,
    resource_body,
)


def _resources(api: Api, district: District, names: list[str]) -> None:
    for name in names:
        body = resource_body(name=name, area_codes=[district.area])
        assert_ok(api.post("/resources", body, "coordinator"), 201)


def _names(page: dict[str, Any]) -> list[str]:
    return [r["name"] for r in page["items"]]


def test_pages_walk_the_whole_list_by_name_with_total_and_next(api: Api) -> None:
    district = new_district(api)
    names = [f"資源{i:02d}" for i in (5, 3, 1, 4, 2)]
    _resources(api, district, names)

    first = assert_ok(api.get("/resources", "care_manager", {"area": district.area, "per_page": 2}))
    assert (first["total"], first["page"], first["per_page"]) == (5, 1, 2)
    assert _names(first) == ["資源01", "資源02"]
    assert first["next"] is not None

    seen = _names(first)
    page = first
    while page["next"] is not None:
        response = api.client.get(page["next"], headers=api.headers("care_manager"))
        page = assert_ok(response)
        assert page["total"] == 5
        seen += _names(page)
    assert seen == sorted(names)
    assert page["page"] == 3
    assert _names(page) == ["資源05"]


def test_without_paging_parameters_the_first_page_is_todays_list(api: Api) -> None:
    district = new_district(api)
    _resources(api, district, ["b", "a", "c"])

    page = assert_ok(api.get("/resources", "care_manager", {"area": district.area}))

    assert _names(page) == ["a", "b", "c"]
    assert (page["total"], page["page"], page["per_page"], page["next"]) == (3, 1, 50, None)


def test_the_next_link_keeps_the_filters(api: Api) -> None:
    district = new_district(api)
    _resources(api, district, ["x1", "x2", "x3"])

    first = assert_ok(api.get("/resources", "care_manager", {"area": district.area, "per_page": 1}))

    assert f"area={district.area}" in first["next"]
    assert "per_page=1" in first["next"]
    assert "page=2" in first["next"]


def test_has_capacity_counts_only_resources_with_a_free_place(api: Api) -> None:
    district = new_district(api)
    _resources(api, district, ["open"])
    full = resource_body(name="full", area_codes=[district.area], capacity=0)
    assert_ok(api.post("/resources", full, "coordinator"), 201)

    page = assert_ok(
        api.get("/resources", "care_manager", {"area": district.area, "has_capacity": "true"})
    )

    assert (_names(page), page["total"]) == (["open"], 1)


def test_a_page_past_the_end_is_empty_and_bad_sizes_are_refused(api: Api) -> None:
    district = new_district(api)
    _resources(api, district, ["only"])

    past = assert_ok(api.get("/resources", "care_manager", {"area": district.area, "page": 9}))
    assert (past["items"], past["total"], past["next"]) == ([], 1, None)
    for bad in ({"per_page": 0}, {"per_page": 201}, {"page": 0}, {"page": "x"}):
        assert_problem(api.get("/resources", "care_manager", bad), 422)


def test_the_openapi_document_describes_the_paging(api: Api) -> None:
    document = assert_ok(api.client.get("/api/v1/openapi.json"))
    operation = document["paths"]["/api/v1/resources"]["get"]
    parameters = {p["name"] for p in operation["parameters"]}
    assert {"page", "per_page", "has_capacity"} <= parameters
    schema = document["components"]["schemas"]["ResourcePage"]
    assert {"items", "total", "page", "per_page", "next"} <= set(schema["properties"])
