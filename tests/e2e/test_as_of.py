"""Reads as of an instant, over HTTP on SQLite and PostgreSQL: capture an answer at
instant T, change things, ask with ``as_of=T``, and get the captured answer back."""

from __future__ import annotations

from typing import Any

from tests.e2e.support import (
    Api,
    assert_ok,
    assert_problem,
    need_in,
    new_client,
    new_resource,
    step,
)


def _now(api: Api) -> str:
    """The instant of the newest event (what "now" was for the last answer)."""
    events = assert_ok(api.get("/audit/events", "auditor", {"after": api.head() - 1}))["events"]
    stamp: str = events[-1]["timestamp"]
    return stamp


def _without_position(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k != "position"}


def test_a_resource_as_of_an_instant_is_what_it_was_then(api: Api) -> None:
    resource = new_resource(api, capacity=5)
    captured = assert_ok(api.get(f"/resources/{resource['id']}", "coordinator"))
    then = _now(api)
    changed = api.post(
        f"/resources/{resource['id']}/capacity",
        {"capacity": 9, "reason": "会場が広くなった"},
        "coordinator",
        if_match=captured["version"],
    )
    assert changed.status_code == 200, changed.get_data(as_text=True)

    past = assert_ok(api.get(f"/resources/{resource['id']}", "coordinator", {"as_of": then}))
    now = assert_ok(api.get(f"/resources/{resource['id']}", "coordinator"))

    assert _without_position(past) == _without_position(captured)
    assert (past["capacity"], now["capacity"]) == (5, 9)


def test_a_client_as_of_an_instant_is_what_it_was_then(api: Api) -> None:
    client = new_client(api)
    captured = assert_ok(api.get(f"/clients/{client['id']}", "coordinator"))
    then = _now(api)
    changed = api.post(
        f"/clients/{client['id']}/care-level",
        {"care_level": "care_2", "assessed_on": "2026-10-01", "reason": "再認定"},
        "care_manager",
        if_match=captured["version"],
    )
    assert changed.status_code == 200, changed.get_data(as_text=True)

    past = assert_ok(api.get(f"/clients/{client['id']}", "coordinator", {"as_of": then}))

    assert _without_position(past) == _without_position(captured)
    assert past["care_level"] == "support_1"


def test_a_resource_before_it_existed_is_not_found(api: Api) -> None:
    resource = new_resource(api)

    response = api.get(
        f"/resources/{resource['id']}", "coordinator", {"as_of": "2000-01-01T00:00:00+09:00"}
    )

    assert_problem(response, 404)


def _figures(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k not in ("position", "stale")}


def test_the_board_and_the_dashboard_as_of_an_instant_equal_a_capture_taken_then(
    api: Api,
) -> None:
    need_in(api, "matched")
    waiting = need_in(api, "matching")
    query = {"per_page": 200}
    board_then = assert_ok(api.get("/needs", "coordinator", query))
    dashboard_then = assert_ok(api.get("/dashboard", "supervisor"))
    then = _now(api)
    need_in(api, "resource_gap")
    step(api, waiting, "close", {"outcome": "withdrawn", "reason": "本人が辞退"}, "coordinator")
    assert _figures(assert_ok(api.get("/dashboard", "supervisor"))) != _figures(dashboard_then)

    board_past = assert_ok(api.get("/needs", "coordinator", {**query, "as_of": then}))
    dashboard_past = assert_ok(api.get("/dashboard", "supervisor", {"as_of": then}))

    assert _figures(board_past) == _figures(board_then)
    assert _figures(dashboard_past) == _figures(dashboard_then)


def test_a_view_as_of_an_instant_beyond_the_bound_is_refused(api: Api) -> None:
    past = api.container.services.oversight._past
    assert past is not None
    bound = past.max_events  # type: ignore[attr-defined]
    past.max_events = 1  # type: ignore[attr-defined]
    try:
        response = api.get("/dashboard", "supervisor", {"as_of": _now(api)})
    finally:
        past.max_events = bound  # type: ignore[attr-defined]

    body = assert_problem(response, 422)
    assert body["type"].endswith("as_of.too_costly")
    assert "as_of" in body["errors"]


def test_a_view_as_of_an_instant_that_takes_too_long_is_refused(api: Api) -> None:
    past = api.container.services.oversight._past
    assert past is not None
    new_client(api)  # a moment no earlier read has built the views for
    budget = past.max_seconds  # type: ignore[attr-defined]
    past.max_seconds = 0.0  # type: ignore[attr-defined]
    try:
        response = api.get("/needs", "auditor", {"as_of": _now(api)})
    finally:
        past.max_seconds = budget  # type: ignore[attr-defined]

    body = assert_problem(response, 422)
    assert body["type"].endswith("as_of.too_costly")
    assert "seconds" in body["detail"]


def test_the_next_page_of_the_same_moment_reuses_the_views_built_for_it(api: Api) -> None:
    new_client(api)
    then = _now(api)
    past = api.container.services.board._past
    assert past is not None
    builds = past.builds  # type: ignore[attr-defined]

    first = assert_ok(api.get("/needs", "auditor", {"as_of": then, "per_page": 1}))
    second = assert_ok(api.get("/needs", "auditor", {"as_of": then, "per_page": 1, "page": 2}))

    assert past.builds == builds + 1  # type: ignore[attr-defined]
    assert first["items"] != second["items"]
