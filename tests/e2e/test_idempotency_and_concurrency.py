"""Idempotent creates and optimistic concurrency over HTTP."""

from __future__ import annotations

import threading
from typing import Any
from uuid import uuid4

import pytest
from werkzeug.test import TestResponse

from tests.e2e.support import (
    Api,
    assert_aggregate,
    assert_ok,
    assert_problem,
    client_body,
    need_body,
    need_in,
    new_client,
    new_need,
    organization_body,
    resource_body,
)

CREATES = ["/needs", "/clients", "/resources", "/organizations"]
CREATOR = {
    "/needs": "care_manager",
    "/clients": "care_manager",
    "/resources": "coordinator",
    "/organizations": "coordinator",
}


def _body(api: Api, path: str) -> dict[str, Any]:
    if path == "/needs":
        return need_body(new_client(api)["id"])
    return {
        "/clients": client_body,
        "/resources": resource_body,
        "/organizations": organization_body,
    }[path]()


def _events_of(api: Api, aggregate_id: str) -> list[dict[str, Any]]:
    query = {"aggregate_id": aggregate_id, "limit": 1000}
    return assert_ok(api.get("/audit/events", "auditor", query))["events"]


@pytest.mark.parametrize("path", CREATES)
def test_retry_with_the_same_idempotency_key_returns_the_first_result(api: Api, path: str) -> None:
    body, key, who = _body(api, path), str(uuid4()), CREATOR[path]
    first = assert_aggregate(api.post(path, body, who, key=key), 201)
    head = api.head()
    retry = api.post(path, body, who, key=key)
    assert retry.status_code in (200, 201)
    second = assert_aggregate(retry, retry.status_code)
    assert second["id"] == first["id"]
    assert second["version"] == first["version"]
    assert api.head() == head
    assert len(_events_of(api, first["id"])) == 1


@pytest.mark.parametrize("path", CREATES)
def test_different_idempotency_keys_create_two_aggregates(api: Api, path: str) -> None:
    body, who = _body(api, path), CREATOR[path]
    first = assert_aggregate(api.post(path, body, who, key=str(uuid4())), 201)
    second = assert_aggregate(api.post(path, body, who, key=str(uuid4())), 201)
    assert first["id"] != second["id"]


@pytest.mark.parametrize("path", CREATES)
def test_creates_without_idempotency_key_are_never_merged(api: Api, path: str) -> None:
    body, who = _body(api, path), CREATOR[path]
    first = assert_aggregate(api.post(path, body, who), 201)
    second = assert_aggregate(api.post(path, body, who), 201)
    assert first["id"] != second["id"]


def test_same_idempotency_key_from_another_user_creates_their_own(api: Api) -> None:
    key = str(uuid4())
    mine = assert_aggregate(api.post("/resources", resource_body(), "coordinator", key=key), 201)
    theirs = assert_aggregate(api.post("/resources", resource_body(), "admin", key=key), 201)
    assert mine["id"] != theirs["id"]


def test_retried_need_is_listed_once(api: Api) -> None:
    client = new_client(api)
    key = str(uuid4())
    for _ in range(3):
        assert_aggregate(api.post("/needs", need_body(client["id"]), "care_manager", key=key), 201)
    listed = assert_ok(api.get("/needs", "care_manager", {"per_page": 200}))["items"]
    assert sum(1 for row in listed if row["client_id"] == client["id"]) == 1


# -- concurrency -------------------------------------------------------------------------------


def test_second_writer_with_the_same_etag_gets_412(api: Api) -> None:
    need = new_need(api)
    first_browser, second_browser = api.app.test_client(), api.app.test_client()
    etag_one = api.get(f"/needs/{need['id']}", "care_manager", client=first_browser)
    etag_two = api.get(f"/needs/{need['id']}", "coordinator", client=second_browser)
    assert etag_one.headers["ETag"] == etag_two.headers["ETag"] == '"1"'
    won = api.post(
        f"/needs/{need['id']}/pause",
        {"reason": "入院"},
        "care_manager",
        if_match=etag_one.headers["ETag"],
        client=first_browser,
    )
    assert assert_aggregate(won)["version"] == 2
    head = api.head()
    lost = api.post(
        f"/needs/{need['id']}/assign",
        {"coordinator": "sc"},
        "coordinator",
        if_match=etag_two.headers["ETag"],
        client=second_browser,
    )
    assert "version 2" in assert_problem(lost, 412)["detail"]
    assert api.head() == head
    now = assert_aggregate(api.get(f"/needs/{need['id']}"))
    assert now["version"] == 2
    assert now["paused"] is True
    assert now["assignee"] is None


def test_loser_succeeds_after_reading_the_new_etag(api: Api) -> None:
    need = new_need(api)
    api.post(f"/needs/{need['id']}/pause", {"reason": "入院"}, "care_manager", if_match=1)
    assert_problem(
        api.post(f"/needs/{need['id']}/resume", {"reason": "退院"}, "coordinator", if_match=1), 412
    )
    fresh = api.etag(f"/needs/{need['id']}", "coordinator")
    response = api.post(
        f"/needs/{need['id']}/resume", {"reason": "退院"}, "coordinator", if_match=fresh
    )
    assert assert_aggregate(response)["paused"] is False


def test_simultaneous_writers_with_the_same_etag_one_wins(api: Api) -> None:
    need = need_in(api, "matching")
    barrier = threading.Barrier(2)
    results: dict[str, TestResponse] = {}
    errors: list[BaseException] = []

    def write(who: str, action: str, body: dict[str, Any]) -> None:
        try:
            browser = api.app.test_client()
            barrier.wait(timeout=10)
            results[who] = api.post(
                f"/needs/{need['id']}/{action}", body, who, if_match=need["version"], client=browser
            )
        except BaseException as error:
            errors.append(error)

    api.token("care_manager"), api.token("coordinator")
    threads = [
        threading.Thread(target=write, args=("care_manager", "pause", {"reason": "入院"})),
        threading.Thread(target=write, args=("coordinator", "record-gap", {"reason": "該当なし"})),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    statuses = sorted(response.status_code for response in results.values())
    assert statuses == [200, 412], {k: r.get_data(as_text=True) for k, r in results.items()}
    assert assert_aggregate(api.get(f"/needs/{need['id']}"))["version"] == need["version"] + 1
