"""Areas, support centers and users over HTTP: each endpoint answers, and what the
schemas refuse.

The rules (unique codes and usernames, code and username formats, care managers'
centers, password length) are tested on the use cases, in
``tests/application/test_reference.py`` and ``tests/application/test_accounts.py``.
"""

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


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"code": "x" * 33, "name": "x"}, "code"),
        ({"code": unique("a"), "name": "名" * 201}, "name"),
        ({"code": unique("a"), "name": ""}, "name"),
        ({"code": unique("a")}, "name"),
        ({"code": unique("a"), "name": 7}, "name"),
        ({"code": unique("a"), "name": "x", "colour": "red"}, "colour"),
    ],
    ids=["long-code", "long-name", "empty-name", "missing-name", "number", "unknown"],
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


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"password": "a long secret", "role": "coordinator"}, "username"),
        ({"username": "short-pw", "password": "short", "role": "coordinator"}, "password"),
        ({"username": "bad-role", "password": "a long secret", "role": "mayor"}, "role"),
    ],
    ids=["missing-username", "short-password", "unknown-role"],
)
def test_user_with_invalid_fields_is_rejected(
    api: Api, body: dict[str, object], field: str
) -> None:
    head = api.head()
    assert field in assert_problem(api.post("/users", body, "admin"), 422)["errors"]
    assert api.head() == head
