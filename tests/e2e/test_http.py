"""HTTP to the letter: 405 with Allow, If-Match as RFC 9110 reads it, the headers every
API answer carries, HSTS over HTTPS, and a readiness check that tells nothing away."""

from __future__ import annotations

import logging
import re
import threading
import time
from typing import Any

import pytest
from flask import Flask
from werkzeug.test import TestResponse

from interfaces.web import HttpSettings, create_app
from tests.e2e.support import (
    API,
    Api,
    assert_aggregate,
    assert_ok,
    assert_problem,
    new_need,
)
from tests.ui.support import signed_in

# -- 405 and Allow -----------------------------------------------------------------------------


def _allowed(response: TestResponse) -> set[str]:
    return {method.strip() for method in response.headers.get("Allow", "").split(",") if method}


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("DELETE", f"{API}/areas", {"GET", "POST"}),
        ("PUT", f"{API}/needs", {"GET", "POST"}),
        ("GET", f"{API}/auth/token", {"POST"}),
        ("PUT", "/healthz", {"GET"}),
        ("POST", "/readyz", {"GET"}),
    ],
)
def test_a_method_not_served_is_405_with_allow(
    api: Api, method: str, path: str, allowed: set[str]
) -> None:
    response = api.client.open(path, method=method, headers=api.headers("admin"))
    assert_problem(response, 405)
    assert allowed <= _allowed(response)
    assert method not in _allowed(response)


def test_a_method_not_served_by_a_screen_is_a_405_page_with_allow(api: Api) -> None:
    browser = signed_in(api.app, "coordinator")
    response = browser.client.put("/needs", headers=browser.headers)
    assert response.status_code == 405
    assert response.mimetype == "text/html"
    assert "GET" in _allowed(response)


def test_an_unknown_method_on_an_unknown_page_is_404_not_a_csrf_page(api: Api) -> None:
    response = api.client.put("/no-such-page")
    assert response.status_code == 404


# -- If-Match ----------------------------------------------------------------------------------


def _pause(api: Api, need: dict[str, Any], if_match: str) -> TestResponse:
    return api.post(
        f"/needs/{need['id']}/pause", {"reason": "入院のため"}, "care_manager", if_match=if_match
    )


def test_if_match_star_matches_any_current_version(api: Api) -> None:
    need = new_need(api)
    assert assert_aggregate(_pause(api, need, "*"))["paused"] is True


def test_if_match_star_on_an_unknown_aggregate_is_404(api: Api) -> None:
    need = {"id": "00000000-0000-0000-0000-000000000001"}
    assert_problem(_pause(api, need, "*"), 404)


@pytest.mark.parametrize(
    "header", ['"7", "{v}"', '"{v}", "7"', '"x", "{v}"', ' "9" ,"{v}" '], ids=repr
)
def test_if_match_list_matches_when_any_tag_is_current(api: Api, header: str) -> None:
    need = new_need(api)
    response = _pause(api, need, header.format(v=need["version"]))
    assert assert_aggregate(response)["paused"] is True


@pytest.mark.parametrize("header", ['"7"', '"7", "8"', '"one"', '""', '"-1"', '"1234567890"'])
def test_if_match_without_the_current_tag_is_412(api: Api, header: str) -> None:
    need = new_need(api)
    head = api.head()
    assert_problem(_pause(api, need, header), 412)
    assert api.head() == head


def test_a_weak_tag_in_if_match_is_400_saying_why(api: Api) -> None:
    need = new_need(api)
    problem = assert_problem(_pause(api, need, f'W/"{need["version"]}"'), 400)
    assert "weak" in problem["detail"]


@pytest.mark.parametrize(
    "header", ["abc", '"1', '"1" "2"', '"1",, x', "**", '"1", *', '"1";'], ids=repr
)
def test_a_malformed_if_match_is_400(api: Api, header: str) -> None:
    need = new_need(api)
    head = api.head()
    assert "If-Match" in assert_problem(_pause(api, need, header), 400)["detail"]
    assert api.head() == head


def test_a_bare_version_number_is_still_read_as_its_etag(api: Api) -> None:
    need = new_need(api)
    assert_aggregate(_pause(api, need, str(need["version"])))


# -- headers of every API answer ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "who", "status"),
    [
        (f"{API}/needs", "coordinator", 200),
        (f"{API}/needs", None, 401),
        (f"{API}/needs/00000000-0000-0000-0000-000000000000", "coordinator", 404),
        (f"{API}/reports/gaps?format=csv", "supervisor", 200),
        (f"{API}/resources/export", "coordinator", 200),
        (f"{API}/openapi.json", None, 200),
        ("/healthz", None, 200),
        ("/readyz", None, 200),
    ],
)
def test_every_api_answer_is_neither_cached_nor_sniffed(
    api: Api, path: str, who: str | None, status: int
) -> None:
    response = api.client.get(path, headers=api.headers(who))
    assert response.status_code == status
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_a_refused_write_is_not_cached_either(api: Api) -> None:
    response = api.post("/areas", {"code": "", "name": ""}, "admin")
    assert response.status_code == 422
    assert response.headers["Cache-Control"] == "no-store"


# -- HSTS --------------------------------------------------------------------------------------


def _app(api: Api, http: HttpSettings) -> Flask:
    return create_app(container=api.container, http=http)


def test_no_hsts_over_plain_http(api: Api) -> None:
    assert "Strict-Transport-Security" not in api.client.get("/healthz").headers


def test_hsts_on_every_answer_behind_https(api: Api) -> None:
    client = _app(api, HttpSettings(behind_https=True)).test_client()
    for path in ("/healthz", "/sign-in", f"{API}/needs"):
        assert "max-age=" in client.get(path).headers["Strict-Transport-Security"]


def test_hsts_when_a_trusted_proxy_says_the_request_came_over_https(api: Api) -> None:
    client = _app(api, HttpSettings(trusted_proxies=1)).test_client()
    response = client.get("/healthz", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" in response.headers


def test_x_forwarded_proto_is_not_believed_without_a_trusted_proxy(api: Api) -> None:
    response = api.client.get("/healthz", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in response.headers


def test_the_session_cookie_is_secure_behind_https(api: Api) -> None:
    app = _app(api, HttpSettings(behind_https=True))
    browser = signed_in(app, "coordinator")
    cookie = browser.client.get_cookie("tsunagu_session")
    assert cookie is not None
    assert cookie.secure


def test_http_settings_come_from_the_environment() -> None:
    settings = HttpSettings.from_env({"TSUNAGU_BEHIND_HTTPS": "1", "TSUNAGU_TRUSTED_PROXIES": "2"})
    assert settings == HttpSettings(behind_https=True, trusted_proxies=2)
    assert HttpSettings.from_env({}) == HttpSettings()


# -- readiness ---------------------------------------------------------------------------------


def test_readyz_says_ready_and_nothing_more(api: Api) -> None:
    assert assert_ok(api.client.get("/readyz")) == {"status": "ready"}


@pytest.fixture
def broken_database(api: Api, monkeypatch: pytest.MonkeyPatch) -> Flask:
    def fail() -> int:
        raise RuntimeError("connection to postgresql://tsunagu:secret@db.internal:5432 refused")

    monkeypatch.setattr(api.container.services.oversight, "head", fail)
    return create_app(container=api.container, http=HttpSettings())


def test_readyz_is_503_without_details_when_the_database_fails(
    broken_database: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        response = broken_database.test_client().get("/readyz")
    text = response.get_data(as_text=True)
    assert_problem(response, 503)
    assert "postgresql" not in text
    assert "secret" not in text
    assert "refused" not in text
    assert "db.internal" in caplog.text  # the details are in the log


def test_readyz_answers_within_a_second_when_the_database_hangs(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    release = threading.Event()

    def hang() -> int:
        release.wait(10)
        return 0

    monkeypatch.setattr(api.container.services.oversight, "head", hang)
    client = create_app(container=api.container, http=HttpSettings()).test_client()
    try:
        for _ in range(2):  # a second probe waits on the same hanging check
            started = time.monotonic()
            response = client.get("/readyz")
            assert time.monotonic() - started < 1.5
            assert_problem(response, 503)
    finally:
        release.set()


def test_readyz_is_ready_again_once_the_database_answers(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []
    real = api.container.services.oversight.head

    def flaky() -> int:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("down")
        return real()

    monkeypatch.setattr(api.container.services.oversight, "head", flaky)
    client = create_app(container=api.container, http=HttpSettings()).test_client()
    assert client.get("/readyz").status_code == 503
    assert client.get("/readyz").status_code == 200


# -- the OpenAPI document says what the server answers and enforces ----------------------------


@pytest.fixture(scope="module")
def document(api: Api) -> dict[str, Any]:
    return assert_ok(api.client.get(f"{API}/openapi.json"))


@pytest.mark.parametrize(
    ("method", "path", "statuses"),
    [
        ("post", "/auth/token", {"401", "422"}),
        ("post", "/clients/{client_id}/match-plan/accept", {"409", "412"}),
        ("post", "/needs/{need_id}/pause", {"400", "412", "413", "428"}),
        ("post", "/needs", {"400", "409"}),
    ],
)
def test_the_document_lists_the_statuses_an_operation_answers_with(
    document: dict[str, Any], method: str, path: str, statuses: set[str]
) -> None:
    assert statuses <= document["paths"][API + path][method]["responses"].keys()


@pytest.mark.parametrize("path", ["/reports/gaps", "/reports/logic-model"])
def test_the_document_lists_the_csv_of_the_reports(document: dict[str, Any], path: str) -> None:
    content = document["paths"][API + path]["get"]["responses"]["200"]["content"]
    assert {"application/json", "text/csv"} <= content.keys()


def _parameter(document: dict[str, Any], path: str, method: str, name: str) -> dict[str, Any]:
    parameters = document["paths"][API + path][method]["parameters"]
    found: dict[str, Any] = next(p for p in parameters if p["name"] == name)
    return found


def test_the_document_gives_the_formats_of_if_match_and_idempotency_key(
    document: dict[str, Any],
) -> None:
    if_match = _parameter(document, "/needs/{need_id}/pause", "post", "If-Match")
    key = _parameter(document, "/needs", "post", "Idempotency-Key")
    assert re.fullmatch(if_match["schema"]["pattern"], '"3", "4"')
    assert not re.fullmatch(if_match["schema"]["pattern"], 'W/"3"')
    assert re.fullmatch(key["schema"]["pattern"], "0f8e-retry")
    assert not re.fullmatch(key["schema"]["pattern"], "has space")


def test_the_document_gives_the_text_rule_and_the_ranges(document: dict[str, Any]) -> None:
    name = document["components"]["schemas"]["ClientCreate"]["properties"]["name"]
    fiscal_year = _parameter(document, "/reports/logic-model", "get", "fiscal_year")
    assert re.fullmatch(name["pattern"], "山田\t花子")
    assert not re.fullmatch(name["pattern"], "山田\x00花子")
    assert fiscal_year["schema"]["minimum"] == 2000


def test_the_document_gives_the_upload_limits(document: dict[str, Any]) -> None:
    body = document["paths"][f"{API}/resources/import"]["post"]["requestBody"]
    described = body["content"]["multipart/form-data"]["schema"]["properties"]["file"]
    assert "10 MiB" in described["description"]
    assert "compress" in described["description"]
