"""Clients over HTTP: registration, reading (personal fields left out for roles
that may not see them), care-level assessments, and what the schemas refuse.

The rules (own center only, who sees personal data, assessment dates) are
tested on the use cases, in ``tests/application/test_clients.py``.
"""

from __future__ import annotations

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


def test_reading_a_client_shows_personal_fields_to_roles_allowed(api: Api) -> None:
    client = new_client(api)
    body = assert_aggregate(api.get(f"/clients/{client['id']}", "coordinator"))
    assert body["id"] == client["id"]
    assert body["name"] == "山田 花子"
    assert body["phone"] == "090-0000-0000"


def test_supervisor_sees_a_client_without_personal_fields(api: Api) -> None:
    client = new_client(api)
    body = assert_aggregate(api.get(f"/clients/{client['id']}", "supervisor"))
    assert PERSONAL.isdisjoint(body)
    assert body["care_level"] == "support_1"
    assert body["center_code"] == "c-north"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"care_level": "care_9"}, "care_level"),
        ({"birth_date": "1941-02-30"}, "birth_date"),
        ({"name": "名" * 201}, "name"),
        ({"phone": "0" * 41}, "phone"),
        ({"frailty": "perhaps"}, "frailty"),
        ({"nickname": "はなちゃん"}, "nickname"),
    ],
    ids=[
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
