"""Areas, support centers and users."""

from __future__ import annotations

import pytest

from tests.e2e.support import Api, assert_aggregate, assert_ok, assert_problem, unique


def test_admin_creates_an_area(api: Api) -> None:
    code = unique("a")
    body = assert_aggregate(api.post("/areas", {"code": code, "name": "東地区"}, "admin"), 201)
    assert body["code"] == code
    assert body["name"] == "東地区"
    assert body["version"] == 1
    assert body["position"] == api.head()


def test_created_area_is_listed(api: Api) -> None:
    code = unique("a")
    assert_ok(api.post("/areas", {"code": code, "name": "西地区"}, "admin"), 201)
    items = assert_ok(api.get("/areas", "care_manager"))["items"]
    listed = {item["code"]: item for item in items}
    assert {"north", "south", code} <= listed.keys()
    assert listed[code]["name"] == "西地区"


def test_area_code_that_is_taken_is_a_conflict(api: Api) -> None:
    head = api.head()
    response = api.post("/areas", {"code": "north", "name": "もう一つの北"}, "admin")
    body = assert_problem(response, 409)
    assert "north" in body["detail"]
    assert api.head() == head


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"code": "has space", "name": "x"}, "code"),
        ({"code": "x" * 33, "name": "x"}, "code"),
        ({"code": unique("a"), "name": "名" * 201}, "name"),
        ({"code": unique("a"), "name": ""}, "name"),
        ({"code": unique("a")}, "name"),
        ({"code": unique("a"), "name": 7}, "name"),
        ({"code": unique("a"), "name": "x", "colour": "red"}, "colour"),
    ],
    ids=["space", "long-code", "long-name", "empty-name", "missing-name", "number", "unknown"],
)
def test_area_with_invalid_fields_is_rejected(
    api: Api, body: dict[str, object], field: str
) -> None:
    head = api.head()
    problem = assert_problem(api.post("/areas", body, "admin"), 422)
    assert field in problem["errors"]
    assert api.head() == head


def test_admin_creates_a_support_center(api: Api) -> None:
    code = unique("c")
    body = {"code": code, "name": "東包括", "area_codes": ["north", "south"]}
    created = assert_aggregate(api.post("/centers", body, "admin"), 201)
    assert created["code"] == code
    assert created["area_codes"] == ["north", "south"]
    items = assert_ok(api.get("/centers", "auditor"))["items"]
    assert {"c-north", "c-south", code} <= {item["code"] for item in items}


def test_center_for_an_unknown_area_is_rejected(api: Api) -> None:
    body = {"code": unique("c"), "name": "x", "area_codes": ["north", "atlantis"]}
    problem = assert_problem(api.post("/centers", body, "admin"), 422)
    assert "area_codes" in problem["errors"]
    assert "atlantis" in problem["detail"]


def test_center_code_that_is_taken_is_a_conflict(api: Api) -> None:
    body = {"code": "c-north", "name": "x", "area_codes": ["north"]}
    assert_problem(api.post("/centers", body, "admin"), 409)


def test_center_without_areas_is_rejected(api: Api) -> None:
    body = {"code": unique("c"), "name": "x", "area_codes": []}
    assert "area_codes" in assert_problem(api.post("/centers", body, "admin"), 422)["errors"]


def test_admin_creates_a_user_who_can_sign_in(api: Api) -> None:
    username = unique("u")
    body = {
        "username": username,
        "password": "a long secret",
        "role": "care_manager",
        "center_code": "c-south",
    }
    user = assert_aggregate(api.post("/users", body, "admin"), 201)
    assert user["username"] == username
    assert user["roles"] == ["care_manager"]
    assert user["center_code"] == "c-south"
    assert user["active"] is True
    assert "password" not in user
    assert "password_hash" not in user
    credentials = {"username": username, "password": "a long secret"}
    assert_ok(api.post("/auth/token", credentials, None))


def test_users_are_listed_without_passwords(api: Api) -> None:
    items = assert_ok(api.get("/users", "admin"))["items"]
    listed = {item["username"]: item for item in items}
    assert {"cm", "cm-south", "sc", "boss", "audit", "root"} <= listed.keys()
    assert listed["cm"]["roles"] == ["care_manager"]
    assert listed["cm"]["center_code"] == "c-north"
    assert not any("password" in key for item in items for key in item)


def test_username_that_is_taken_is_a_conflict(api: Api) -> None:
    body = {"username": "sc", "password": "a long secret", "role": "coordinator"}
    assert_problem(api.post("/users", body, "admin"), 409)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"password": "a long secret", "role": "coordinator"}, "username"),
        ({"username": "Has Space", "password": "a long secret", "role": "coordinator"}, "username"),
        ({"username": "short-pw", "password": "short", "role": "coordinator"}, "password"),
        ({"username": "bad-role", "password": "a long secret", "role": "mayor"}, "role"),
        (
            {"username": "no-center", "password": "a long secret", "role": "care_manager"},
            "center_code",
        ),
        (
            {
                "username": "bad-center",
                "password": "a long secret",
                "role": "coordinator",
                "center_code": "atlantis",
            },
            "center_code",
        ),
    ],
    ids=[
        "missing-username",
        "bad-username",
        "short-password",
        "unknown-role",
        "care-manager-without-center",
        "unknown-center",
    ],
)
def test_user_with_invalid_fields_is_rejected(
    api: Api, body: dict[str, object], field: str
) -> None:
    head = api.head()
    assert field in assert_problem(api.post("/users", body, "admin"), 422)["errors"]
    assert api.head() == head
