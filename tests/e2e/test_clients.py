"""Clients: registration, personal fields by role, care-level assessments."""

from __future__ import annotations

from uuid import uuid4

import pytest

from tests.e2e.support import (
    Api,
    assert_aggregate,
    assert_created,
    assert_problem,
    client_body,
    new_client,
)

PERSONAL = {"name", "name_kana", "birth_date", "address", "phone"}
ASSESSMENT = {"care_level": "care_1", "assessed_on": "2026-10-01", "reason": "区分変更申請の結果"}


def test_care_manager_registers_a_client_at_own_center(api: Api) -> None:
    body = assert_created(api, api.post("/clients", client_body(), "care_manager"))
    assert body["version"] == 1
    assert body["name"] == "山田 花子"
    assert body["birth_date"] == "1941-04-03"
    assert body["care_level"] == "support_1"
    assert body["frailty"] is True
    assert body["area_code"] == "north"
    assert body["center_code"] == "c-north"
    assert body["display_code"].startswith("C-")


@pytest.mark.parametrize("role", ["care_manager", "coordinator", "auditor", "admin"])
def test_client_personal_fields_are_shown_to(api: Api, role: str) -> None:
    client = new_client(api)
    body = assert_aggregate(api.get(f"/clients/{client['id']}", role))
    assert body["name"] == "山田 花子"
    assert body["phone"] == "090-0000-0000"


def test_supervisor_sees_a_client_without_personal_fields(api: Api) -> None:
    client = new_client(api)
    body = assert_aggregate(api.get(f"/clients/{client['id']}", "supervisor"))
    assert PERSONAL.isdisjoint(body)
    assert body["care_level"] == "support_1"
    assert body["center_code"] == "c-north"


def test_care_manager_gets_404_for_a_client_of_another_center(api: Api) -> None:
    client = new_client(api)
    body = assert_problem(api.get(f"/clients/{client['id']}", "other_care_manager"), 404)
    assert "山田" not in body["detail"]


def test_care_manager_cannot_register_a_client_at_another_center(api: Api) -> None:
    head = api.head()
    body = client_body(area_code="south", center_code="c-south")
    problem = assert_problem(api.post("/clients", body, "care_manager"), 422)
    assert "center_code" in problem["errors"]
    assert api.head() == head


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"area_code": "atlantis"}, "area_code"),
        ({"center_code": "atlantis"}, "center_code"),
        ({"care_level": "care_9"}, "care_level"),
        ({"birth_date": "1941-02-30"}, "birth_date"),
        ({"name": "名" * 201}, "name"),
        ({"phone": "0" * 41}, "phone"),
        ({"frailty": "perhaps"}, "frailty"),
        ({"nickname": "はなちゃん"}, "nickname"),
    ],
    ids=[
        "unknown-area",
        "unknown-center",
        "unknown-care-level",
        "bad-date",
        "long-name",
        "long-phone",
        "not-boolean",
        "unknown-field",
    ],
)
def test_client_with_invalid_fields_is_rejected(
    api: Api, overrides: dict[str, object], field: str
) -> None:
    head = api.head()
    body = client_body(**overrides)
    assert field in assert_problem(api.post("/clients", body, "coordinator"), 422)["errors"]
    assert api.head() == head


def test_client_missing_required_fields_is_rejected(api: Api) -> None:
    problem = assert_problem(api.post("/clients", {"name": "山田"}, "coordinator"), 422)
    assert {"birth_date", "care_level", "area_code", "center_code"} <= problem["errors"].keys()


def test_care_level_assessment_changes_the_client(api: Api) -> None:
    client = new_client(api)
    response = api.post(
        f"/clients/{client['id']}/care-level",
        ASSESSMENT,
        "care_manager",
        if_match=client["version"],
    )
    body = assert_aggregate(response)
    assert body["version"] == 2
    assert body["care_level"] == "care_1"
    assert body["assessed_on"] == "2026-10-01"
    assert body["position"] == api.head()
    assert assert_aggregate(api.get(f"/clients/{client['id']}"))["care_level"] == "care_1"


def test_care_level_assessment_without_if_match_is_428(api: Api) -> None:
    client = new_client(api)
    head = api.head()
    response = api.post(f"/clients/{client['id']}/care-level", ASSESSMENT, "care_manager")
    assert_problem(response, 428)
    assert api.head() == head


def test_care_level_assessment_with_stale_if_match_is_412(api: Api) -> None:
    client = new_client(api)
    path = f"/clients/{client['id']}/care-level"
    assert_aggregate(api.post(path, ASSESSMENT, "care_manager", if_match=1))
    head = api.head()
    again = {**ASSESSMENT, "care_level": "care_2"}
    assert_problem(api.post(path, again, "care_manager", if_match=1), 412)
    assert api.head() == head
    assert assert_aggregate(api.get(f"/clients/{client['id']}"))["care_level"] == "care_1"


def test_care_manager_gets_404_assessing_a_client_of_another_center(api: Api) -> None:
    client = new_client(api)
    response = api.post(
        f"/clients/{client['id']}/care-level", ASSESSMENT, "other_care_manager", if_match=1
    )
    assert_problem(response, 404)


@pytest.mark.parametrize(
    "path",
    [f"/clients/{uuid4()}", "/clients/not-a-uuid", "/clients/12345"],
    ids=["unknown", "malformed", "number"],
)
def test_reading_an_unknown_client_is_404(api: Api, path: str) -> None:
    assert_problem(api.get(path, "coordinator"), 404)


def test_assessing_an_unknown_client_is_404(api: Api) -> None:
    response = api.post(f"/clients/{uuid4()}/care-level", ASSESSMENT, "coordinator", if_match=1)
    assert_problem(response, 404)


def test_reading_a_need_id_as_a_client_is_404(api: Api) -> None:
    client = new_client(api)
    need = api.post(
        "/needs",
        {"client_id": client["id"], "category": "meals", "description": "食事", "goal": "自炊"},
        "care_manager",
    )
    assert_problem(api.get(f"/clients/{need.get_json()['id']}"), 404)
