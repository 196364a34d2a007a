"""Inputs that cannot hurt: text that is not Unicode, JSON nested without end,
booleans that are not booleans, repeated parameters and positions ahead of the log
are refused at the edge, with a problem that names the field, before anything runs."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.e2e.support import (
    API,
    Api,
    assert_ok,
    assert_problem,
    client_body,
    new_need,
    organization_body,
    resource_body,
    unique,
)

SURROGATE = "\udc00"


def _json(body: Any) -> str:
    """JSON as a client may send it: a lone surrogate travels as a ``\\udc00`` escape."""
    return json.dumps(body)  # ensure_ascii: escapes are kept, never encoded


# -- text that is not Unicode ------------------------------------------------------------------


def _area(**overrides: Any) -> tuple[str, dict[str, Any], str]:
    return ("/areas", {"code": unique("a"), "name": "北地区", **overrides}, "admin")


SURROGATE_REQUESTS = [
    pytest.param(*_area(name="北" + SURROGATE), "name", id="area-name"),
    pytest.param(
        "/organizations",
        organization_body(contact={"person": SURROGATE}),
        "coordinator",
        "contact.person",
        id="nested-contact",
    ),
    pytest.param(
        "/resources",
        resource_body(area_codes=["north", SURROGATE]),
        "coordinator",
        "area_codes.1",
        id="list-item",
    ),
    pytest.param(
        "/clients", client_body(name_kana=SURROGATE), "care_manager", "name_kana", id="kana"
    ),
]


@pytest.mark.parametrize(("path", "body", "who", "field"), SURROGATE_REQUESTS)
def test_a_lone_surrogate_in_a_json_value_is_422_naming_the_field(
    api: Api, path: str, body: dict[str, Any], who: str, field: str
) -> None:
    head = api.head()
    response = api.post_raw(path, _json(body), who)
    problem = assert_problem(response, 422)
    assert field in problem["errors"], problem
    assert api.head() == head


def test_a_lone_surrogate_in_a_need_command_is_422(api: Api) -> None:
    need = new_need(api)
    head = api.head()
    response = api.post_raw(
        f"/needs/{need['id']}/pause",
        _json({"reason": "入院" + SURROGATE}),
        "care_manager",
        if_match=need["version"],
    )
    assert "reason" in assert_problem(response, 422)["errors"]
    assert api.head() == head


def test_a_lone_surrogate_in_the_username_of_a_token_request_is_422(api: Api) -> None:
    body = _json({"username": SURROGATE, "password": "whatever"})
    response = api.post_raw("/auth/token", body, None)
    assert "username" in assert_problem(response, 422)["errors"]


def test_a_field_named_with_a_lone_surrogate_is_422_naming_it_readably(api: Api) -> None:
    path, body, who = _area()
    response = api.post_raw(path, _json({**body, "x" + SURROGATE: 1}), who)
    problem = assert_problem(response, 422)
    assert list(problem["errors"]) == ["x\\udc00"]
    response.get_data().decode("utf-8")  # the document itself is valid UTF-8


def test_a_surrogate_pair_is_ordinary_text(api: Api) -> None:
    path, body, who = _area(name="𠮷野")
    created = assert_ok(api.post_raw(path, _json(body), who), 201)
    assert created["name"] == "𠮷野"


@pytest.mark.parametrize(
    "query", ["area=%ED%B0%80", "area=%FF", "status=raised&c%ED%B0%80=1"], ids=str
)
def test_query_text_that_is_not_utf8_is_422_naming_the_parameter(api: Api, query: str) -> None:
    response = api.client.get(f"{API}/needs?{query}", headers=api.headers("coordinator"))
    problem = assert_problem(response, 422)
    assert len(problem["errors"]) == 1


# -- JSON nested without end -------------------------------------------------------------------


@pytest.mark.parametrize("depth", [40, 1_000, 100_000])
@pytest.mark.parametrize(
    ("path", "who"), [("/auth/token", None), ("/areas", "admin")], ids=["open", "signed-in"]
)
def test_json_nested_deeply_is_400(api: Api, path: str, who: str | None, depth: int) -> None:
    body = '{"username": ' + "[" * depth + "]" * depth + "}"
    response = api.post_raw(path, body, who)
    assert "nested" in assert_problem(response, 400)["detail"]


def test_json_nested_as_deep_as_the_api_needs_is_read(api: Api) -> None:
    body = organization_body(contact={"person": "佐藤"})
    assert_ok(api.post("/organizations", body, "coordinator"), 201)


# -- booleans and single parameters ------------------------------------------------------------


@pytest.mark.parametrize("value", [0, 1, "yes", "off", "true", None], ids=repr)
def test_a_json_boolean_must_be_true_or_false(api: Api, value: Any) -> None:
    response = api.post("/clients", client_body(frailty=value), "care_manager")
    assert "frailty" in assert_problem(response, 422)["errors"]


@pytest.mark.parametrize("value", [True, False])
def test_a_json_boolean_true_or_false_is_read(api: Api, value: bool) -> None:
    client = assert_ok(api.post("/clients", client_body(frailty=value), "care_manager"), 201)
    assert client["frailty"] is value


@pytest.mark.parametrize("value", ["0", "1", "yes", "off", "True", ""])
def test_a_boolean_query_parameter_must_be_true_or_false(api: Api, value: str) -> None:
    response = api.get("/needs", "coordinator", {"paused": value})
    assert "paused" in assert_problem(response, 422)["errors"]


@pytest.mark.parametrize("value", ["true", "false"])
def test_a_boolean_query_parameter_true_or_false_is_read(api: Api, value: str) -> None:
    assert_ok(api.get("/needs", "coordinator", {"paused": value}))


def test_a_scalar_query_parameter_given_twice_is_422(api: Api) -> None:
    response = api.client.get(
        f"{API}/needs?status=raised&status=matching", headers=api.headers("coordinator")
    )
    assert "status" in assert_problem(response, 422)["errors"]


@pytest.mark.parametrize("value", ["1", "yes"])
def test_a_boolean_upload_field_must_be_true_or_false(api: Api, value: str) -> None:
    head = api.head()
    response = api.client.post(
        f"{API}/resources/import",
        data={"apply": value, "file": (_csv(), "list.csv")},
        headers=api.headers("coordinator"),
        content_type="multipart/form-data",
    )
    assert "apply" in assert_problem(response, 422)["errors"]
    assert api.head() == head


def test_a_scalar_upload_field_given_twice_is_422(api: Api) -> None:
    response = api.client.post(
        f"{API}/resources/import",
        data={"apply": ["false", "true"], "file": (_csv(), "list.csv")},
        headers=api.headers("coordinator"),
        content_type="multipart/form-data",
    )
    assert "apply" in assert_problem(response, 422)["errors"]


def _csv() -> Any:
    import io

    return io.BytesIO("名称,住所,サービス種別\nサロン,北町1,通いの場\n".encode())


# -- positions ahead of the log ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("/needs", {}),
        ("/dashboard", {}),
        ("/reports/gaps", {}),
        ("/reports/logic-model", {"fiscal_year": "2026"}),
    ],
    ids=["board", "dashboard", "gaps", "logic-model"],
)
def test_min_position_beyond_the_log_is_422_at_once(
    api: Api, path: str, query: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    waits: list[tuple[str, int]] = []
    wait_for = api.container.projections.wait_for

    def recorded(view: str, position: int, timeout: float) -> bool:
        waits.append((view, position))
        return wait_for(view, position, timeout)

    monkeypatch.setattr(api.container.projections, "wait_for", recorded)

    response = api.get(path, "supervisor", {**query, "min_position": str(api.head() + 1000)})

    assert "min_position" in assert_problem(response, 422)["errors"]
    assert waits == []  # refused before any wait for the view, not after one


def test_min_position_at_the_head_is_read(api: Api) -> None:
    body = assert_ok(api.get("/needs", "coordinator", {"min_position": str(api.head())}))
    assert body["stale"] is False
