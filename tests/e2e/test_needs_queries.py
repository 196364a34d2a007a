"""The read side over HTTP: the case board, the dashboard, the audit log and
the projections' status.

What the case board shows to whom (care managers: their own center) and when it
answers stale is tested on the use cases, in ``tests/application/test_needs.py``;
here the SQL views' filters, pages and counts are checked through the API.
"""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import pytest

from tests.e2e.support import (
    Api,
    District,
    assert_ok,
    assert_problem,
    need_in,
    new_client,
    new_district,
    new_need,
    step,
)

PAGE_FIELDS = {"items", "total", "page", "per_page", "position", "stale", "next"}
ROW_FIELDS = {
    "id",
    "version",
    "status",
    "client_id",
    "category",
    "center_code",
    "area_code",
    "assignee",
    "resource_id",
    "outcome",
}


@pytest.fixture(scope="module")
def board(api: Api) -> dict[str, Any]:
    """Four needs in a district of their own, in different states and categories."""
    district = new_district(api)
    client = new_client(api, "coordinator", district)
    needs = {
        "raised-meals": new_need(api, client, "coordinator", category="meals"),
        "raised-shopping": new_need(
            api, client, "coordinator", category="shopping", urgency="high"
        ),
        "matching-meals": new_need(api, client, "coordinator", category="meals"),
        "closed-transport": new_need(api, client, "coordinator", category="transport"),
    }
    step(api, needs["matching-meals"], "assign", {"coordinator": "sc"}, "coordinator")
    step(
        api,
        needs["closed-transport"],
        "close",
        {"outcome": "duplicate", "reason": "重複"},
        "coordinator",
    )
    return {"district": district, "ids": {name: n["id"] for name, n in needs.items()}}


def _listed(api: Api, who: str, **query: Any) -> dict[str, Any]:
    return assert_ok(api.get("/needs", who, query))


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, {"raised-meals", "raised-shopping", "matching-meals", "closed-transport"}),
        ({"status": "raised"}, {"raised-meals", "raised-shopping"}),
        ({"status": "closed"}, {"closed-transport"}),
        ({"category": "meals"}, {"raised-meals", "matching-meals"}),
        ({"category": "meals", "status": "matching"}, {"matching-meals"}),
        ({"assignee": "sc"}, {"matching-meals"}),
        ({"urgency": "high"}, {"raised-shopping"}),
        ({"category": "garbage"}, set()),
    ],
    ids=[
        "area",
        "status",
        "closed",
        "category",
        "category-and-status",
        "assignee",
        "urgency",
        "nothing",
    ],
)
def test_need_list_filters_by(
    api: Api, board: dict[str, Any], query: dict[str, str], expected: set[str]
) -> None:
    district: District = board["district"]
    body = _listed(api, "supervisor", area=district.area, **query)
    assert {item["id"] for item in body["items"]} == {board["ids"][name] for name in expected}
    assert body["total"] == len(expected)


def test_need_list_filters_by_center(api: Api, board: dict[str, Any]) -> None:
    district: District = board["district"]
    body = _listed(api, "coordinator", center=district.center)
    assert {item["id"] for item in body["items"]} == set(board["ids"].values())


def test_need_list_has_page_fields_and_rows(api: Api, board: dict[str, Any]) -> None:
    body = _listed(api, "auditor", area=board["district"].area)
    assert body.keys() >= PAGE_FIELDS
    assert body["page"] == 1
    assert body["per_page"] == 50
    assert body["stale"] is False
    assert body["position"] == api.head()
    for row in body["items"]:
        assert row.keys() >= ROW_FIELDS
        assert row["area_code"] == board["district"].area


def test_need_list_pages_through_every_need_once(api: Api, board: dict[str, Any]) -> None:
    area = board["district"].area
    pages = [_listed(api, "coordinator", area=area, per_page=3, page=page) for page in (1, 2, 3)]
    assert [len(p["items"]) for p in pages] == [3, 1, 0]
    assert all(p["total"] == 4 for p in pages)
    assert all(p["per_page"] == 3 for p in pages)
    assert [p["page"] for p in pages] == [1, 2, 3]
    ids = [item["id"] for p in pages for item in p["items"]]
    assert sorted(ids) == sorted(board["ids"].values())


def test_need_list_follows_next_links_through_every_need_once(
    api: Api, board: dict[str, Any]
) -> None:
    """Keyset pagination: each page's ``next`` link (same filters, a cursor) gives the
    rows the numbered pages give, in the same order; the last page has none."""
    area = board["district"].area
    numbered = [_listed(api, "coordinator", area=area, per_page=3, page=page) for page in (1, 2)]
    assert numbered[0]["next"] is not None
    followed = _listed(api, "coordinator", area=area, per_page=3)
    pages = [followed]
    while followed["next"] is not None and len(pages) < 5:
        assert followed["next"].startswith("/api/v1/needs?")
        answer = api.client.get(followed["next"], headers=api.headers("coordinator"))
        followed = assert_ok(answer)
        pages.append(followed)
    assert [len(p["items"]) for p in pages] == [3, 1]
    assert [p["items"] for p in pages] == [p["items"] for p in numbered]
    assert numbered[1]["next"] is None


@pytest.mark.parametrize(
    "cursor",
    [
        "x",
        "eyJhIjoxfQ",
        "W10",
        "WyJsYXN0X2FjdGl2aXR5IiwgNSwgIngiLCAieSIsICJoaWdoIl0",
        "é",
        "!" * 500,
    ],
)
def test_need_list_rejects_a_cursor_it_did_not_give(api: Api, cursor: str) -> None:
    problem = assert_problem(api.get("/needs", "coordinator", {"cursor": cursor}), 422)
    assert "cursor" in problem["errors"]


@pytest.mark.parametrize(
    "query",
    [
        {"page": 0},
        {"per_page": 0},
        {"per_page": 201},
        {"status": "lost"},
        {"category": "x"},
        {"min_position": -1},
        {"page": "one"},
        {"paused": "maybe"},
        {"urgency": "asap"},
    ],
    ids=[
        "page-0",
        "per-page-0",
        "per-page-201",
        "status",
        "category",
        "min-position",
        "page-word",
        "paused",
        "urgency",
    ],
)
def test_need_list_rejects_bad_query(api: Api, query: dict[str, Any]) -> None:
    problem = assert_problem(api.get("/needs", "coordinator", query), 422)
    assert set(query) <= problem["errors"].keys()


def test_need_list_with_min_position_of_own_write_is_fresh(api: Api) -> None:
    need = new_need(api)
    body = _listed(api, "care_manager", min_position=need["position"], status="raised")
    assert body["stale"] is False
    assert body["position"] >= need["position"]


# -- dashboard ---------------------------------------------------------------------------------


def test_dashboard_counts_needs_by_status_per_center_area_and_category(
    api: Api, board: dict[str, Any]
) -> None:
    district: District = board["district"]
    body = assert_ok(api.get("/dashboard", "supervisor"))
    assert {"by_center", "by_area", "by_category", "totals"} <= body.keys()
    expected = {"raised": 2, "matching": 1, "closed": 1}
    assert body["by_center"][district.center] == expected
    assert body["by_area"][district.area] == expected
    assert body["by_category"]["meals"]["matching"] >= 1
    assert body["totals"]["raised"] >= 2


def test_dashboard_counts_a_new_need_at_once(api: Api) -> None:
    district = new_district(api)
    need = new_need(api, new_client(api, "coordinator", district), "coordinator")
    body = assert_ok(api.get("/dashboard", "auditor", {"min_position": need["position"]}))
    assert body["by_area"][district.area] == {"raised": 1}


# -- audit log ---------------------------------------------------------------------------------

AUDIT_FIELDS = {
    "position",
    "aggregate_id",
    "aggregate_type",
    "version",
    "type",
    "timestamp",
    "actor_id",
    "actor",
    "reason",
}


def test_audit_log_pages_with_after_and_next_after(api: Api) -> None:
    new_need(api)
    everything = assert_ok(api.get("/audit/events", "auditor", {"limit": 1000}))["events"]
    pages, after = [], 0
    while True:
        page = assert_ok(api.get("/audit/events", "auditor", {"after": after, "limit": 7}))
        if not page["events"]:
            assert page["next_after"] == after
            break
        assert len(page["events"]) <= 7
        assert page["next_after"] == page["events"][-1]["position"]
        pages.extend(page["events"])
        after = page["next_after"]
    assert pages == everything
    positions = [e["position"] for e in pages]
    assert positions == sorted(set(positions))
    assert positions[-1] == api.head()


def test_audit_log_entries_carry_actor_reason_and_type(api: Api) -> None:
    need = new_need(api)
    paused = step(api, need, "pause", {"reason": "入院のため"}, "care_manager")
    events = assert_ok(
        api.get("/audit/events", "supervisor", {"after": paused["position"] - 1, "limit": 1})
    )["events"]
    (entry,) = events
    assert entry.keys() >= AUDIT_FIELDS
    assert entry["position"] == paused["position"]
    assert entry["aggregate_id"] == need["id"]
    assert entry["aggregate_type"] == "Need"
    assert entry["version"] == 2
    assert entry["type"] == "Paused"
    assert entry["actor"] == "cm"
    assert entry["reason"] == "入院のため"


def test_audit_log_filters_by_aggregate(api: Api) -> None:
    need = need_in(api, "matching")
    events = assert_ok(api.get("/audit/events", "admin", {"aggregate_id": need["id"]}))["events"]
    assert [(e["version"], e["type"]) for e in events] == [
        (1, "Raised"),
        (2, "CoordinatorAssigned"),
    ]
    assert {e["aggregate_id"] for e in events} == {need["id"]}


def test_audit_log_filters_by_actor(api: Api) -> None:
    need_in(api, "matching")
    events = assert_ok(api.get("/audit/events", "auditor", {"actor": "sc", "limit": 1000}))
    assert events["events"]
    assert {e["actor"] for e in events["events"]} == {"sc"}


def test_audit_log_for_an_unknown_actor_is_empty(api: Api) -> None:
    body = assert_ok(api.get("/audit/events", "auditor", {"actor": "nobody"}))
    assert body["events"] == []


@pytest.mark.parametrize(
    "query",
    [{"after": -1}, {"limit": 0}, {"limit": 1001}, {"aggregate_id": "zz"}, {"after": "x"}],
    ids=["negative-after", "zero-limit", "huge-limit", "bad-uuid", "word-after"],
)
def test_audit_log_rejects_bad_query(api: Api, query: dict[str, Any]) -> None:
    problem = assert_problem(api.get("/audit/events", "auditor", query), 422)
    assert set(query) <= problem["errors"].keys()


def test_audit_log_with_after_beyond_any_position_is_not_a_server_error(api: Api) -> None:
    response = api.get("/audit/events", "auditor", {"after": 10**20})
    assert response.status_code < 500, response.get_data(as_text=True)


def test_audit_log_names_the_system_actor(api: Api) -> None:
    events = assert_ok(api.get("/audit/events", "auditor", {"limit": 1}))["events"]
    assert events[0]["type"] == "Registered"
    assert events[0]["actor"] == "system"


def test_audit_log_for_an_unknown_aggregate_is_empty(api: Api) -> None:
    body = assert_ok(api.get("/audit/events", "auditor", {"aggregate_id": str(uuid4())}))
    assert body == {"events": [], "next_after": 0}


# -- projections -------------------------------------------------------------------------------


def test_projection_status_shows_each_view_with_head_and_lag(api: Api) -> None:
    new_need(api)
    body = assert_ok(api.get("/system/projections", "admin"))
    assert body["head"] == api.head()
    names = {view["name"] for view in body["views"]}
    assert {"case_board", "audit_log", "dashboard"} <= names
    for view in body["views"]:
        assert view["head"] == body["head"]
        assert view["lag"] == view["head"] - view["position"]
        assert view["lag"] == 0
