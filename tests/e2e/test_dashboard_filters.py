"""The dashboard API takes the screens' filters: area, support center, fiscal year."""

from __future__ import annotations

from datetime import UTC, datetime

from domain.base import recorded_at
from tests.e2e.support import Api, assert_ok, assert_problem, new_client, new_district, new_need


def test_the_dashboard_counts_one_area_and_fiscal_year(api: Api) -> None:
    here, there = new_district(api), new_district(api)
    with recorded_at(datetime(2025, 6, 1, 3, tzinfo=UTC)):
        new_need(api, new_client(api, "coordinator", here), "coordinator")
    with recorded_at(datetime(2024, 6, 1, 3, tzinfo=UTC)):
        new_need(api, new_client(api, "coordinator", here), "coordinator")
    new_need(api, new_client(api, "coordinator", there), "coordinator")

    year = assert_ok(api.get("/dashboard", "supervisor", {"area": here.area, "fiscal_year": 2025}))
    area = assert_ok(api.get("/dashboard", "supervisor", {"center": here.center}))

    assert year["totals"] == {"raised": 1}
    assert set(year["by_area"]) == {here.area}
    assert area["totals"] == {"raised": 2}


def test_an_unknown_area_or_a_far_fiscal_year_is_422(api: Api) -> None:
    assert_problem(api.get("/dashboard", "supervisor", {"area": "nowhere"}), 422)
    assert_problem(api.get("/dashboard", "supervisor", {"center": "nowhere"}), 422)
    assert_problem(api.get("/dashboard", "supervisor", {"fiscal_year": 3000}), 422)
