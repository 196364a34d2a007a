"""Idempotent creates and optimistic concurrency over HTTP."""

from __future__ import annotations

import threading
from typing import Any
from uuid import uuid4

import pytest
from werkzeug.test import TestResponse

from interfaces.bootstrap import bootstrap
from interfaces.web import create_app
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
    step,
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


# -- every command: the first answer, replayed -----------------------------------------------

CLOSE = {"outcome": "goal_achieved", "reason": "自立した"}


def _close(api: Api, need: dict[str, Any], key: str, body: dict[str, Any] = CLOSE) -> TestResponse:
    path = f"/needs/{need['id']}/close"
    return api.post(path, body, "care_manager", if_match=need["version"], key=key)


def test_a_retried_command_gets_its_first_answer_even_after_the_record_moved_on(
    api: Api,
) -> None:
    need, key = new_need(api), str(uuid4())
    first = _close(api, need, key)
    closed = assert_aggregate(first)
    step(api, closed, "reopen", {"reason": "再発"}, "coordinator")
    head = api.head()

    retry = _close(api, need, key)

    assert retry.status_code == 200
    assert retry.get_json() == first.get_json()
    assert retry.headers["ETag"] == first.headers["ETag"]
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert api.head() == head  # nothing ran again
    assert "Idempotent-Replayed" not in first.headers


def test_the_same_key_with_a_different_request_is_refused(api: Api) -> None:
    need, key = new_need(api), str(uuid4())
    assert_aggregate(_close(api, need, key))

    other = _close(api, need, key, {"outcome": "withdrawn", "reason": "本人の希望"})

    body = assert_problem(other, 422)
    assert body["type"] == "urn:tsunagu:problem:idempotency.key_reused"
    assert "Idempotency-Key" in body["errors"]


def test_a_create_with_a_reused_key_and_a_different_body_is_refused(api: Api) -> None:
    client, key = new_client(api), str(uuid4())
    assert_aggregate(api.post("/needs", need_body(client["id"]), "care_manager", key=key), 201)

    other = api.post("/needs", need_body(client["id"], urgency="high"), "care_manager", key=key)

    assert assert_problem(other, 422)["type"] == "urn:tsunagu:problem:idempotency.key_reused"


def test_a_refused_command_keeps_no_answer_and_its_retry_runs_again(api: Api) -> None:
    need, key = new_need(api), str(uuid4())
    stale = {**need, "version": need["version"] + 5}
    assert_problem(_close(api, stale, key), 412)

    assert assert_aggregate(_close(api, need, key))["status"] == "closed"


def test_a_retry_while_the_first_is_still_running_is_told_to_wait(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    need, key = new_need(api), str(uuid4())
    needs = api.container.services.needs
    close, entered, release = needs.close, threading.Event(), threading.Event()

    def slow_close(*args: Any, **kwargs: Any) -> Any:
        entered.set()
        release.wait(10)
        return close(*args, **kwargs)

    monkeypatch.setattr(needs, "close", slow_close)
    answers: list[TestResponse] = []
    first = threading.Thread(target=lambda: answers.append(_close(api, need, key, CLOSE)))
    first.start()
    assert entered.wait(10)

    second = _close(api, need, key)
    release.set()
    first.join()

    body = assert_problem(second, 409)
    assert body["type"] == "urn:tsunagu:problem:idempotency.in_progress"
    assert second.headers["Retry-After"] == "1"
    assert answers[0].status_code == 200


def test_another_server_replays_the_same_answer(api: Api) -> None:
    need, key = new_need(api), str(uuid4())
    first = _close(api, need, key)
    container = bootstrap(api.container.settings)  # another process on the same database
    try:
        retry = _close(Api(create_app(container=container), container, api.backend), need, key)
    finally:
        container.close()

    assert retry.get_json() == first.get_json()
    assert retry.headers["Idempotent-Replayed"] == "true"


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
