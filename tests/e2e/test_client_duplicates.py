"""Registering a client over HTTP: a likely duplicate is answered 409 with the
candidates unless ``confirm_duplicate``; the kana is stored in katakana and
anything but kana is refused (422 ``client.kana_invalid``)."""

from __future__ import annotations

import uuid

import pytest

from tests.e2e.support import Api, assert_created, assert_problem, client_body


def _kana() -> str:
    """A kana name no other test uses."""
    digits = uuid.uuid4().int
    letters = "".join(chr(0x30A2 + (digits >> (5 * i)) % 40) for i in range(6))
    return f"{letters[:3]} {letters[3:]}"


def _person(**overrides: object) -> dict[str, object]:
    body = client_body(name_kana=_kana(), phone=f"090-{uuid.uuid4().int % 10**8:08d}")
    body.pop("confirm_duplicate")
    body.update(overrides)
    return body


def test_the_same_kana_and_birth_date_is_a_likely_duplicate(api: Api) -> None:
    first = _person(birth_date="1939-07-01")
    created = assert_created(api, api.post("/clients", first, "care_manager"))
    again = {**first, "name": "別の 表記", "phone": None, "name_kana": first["name_kana"]}

    problem = assert_problem(api.post("/clients", again, "care_manager"), 409)

    assert problem["type"] == "urn:tsunagu:problem:client.likely_duplicate"
    assert problem["candidates"] == [{"id": created["id"], "display_code": created["display_code"]}]


def test_hiragana_and_spacing_do_not_hide_a_duplicate(api: Api) -> None:
    first = _person(birth_date="1938-01-02")
    assert_created(api, api.post("/clients", first, "care_manager"))
    hiragana = "".join(
        chr(ord(ch) - 0x60) if "ァ" <= ch <= "ヶ" else ch for ch in str(first["name_kana"])
    )

    problem = assert_problem(
        api.post("/clients", {**first, "name_kana": hiragana.replace(" ", "  ")}, "care_manager"),
        409,
    )

    assert problem["type"] == "urn:tsunagu:problem:client.likely_duplicate"


def test_the_same_name_and_phone_at_the_center_is_a_likely_duplicate(api: Api) -> None:
    first = _person(name=f"電話 {uuid.uuid4().hex[:6]}")
    assert_created(api, api.post("/clients", first, "care_manager"))
    again = {**first, "name_kana": _kana(), "birth_date": "1950-05-05"}

    problem = assert_problem(api.post("/clients", again, "care_manager"), 409)

    assert len(problem["candidates"]) == 1


def test_a_confirmed_duplicate_is_registered(api: Api) -> None:
    first = _person()
    assert_created(api, api.post("/clients", first, "care_manager"))

    second = assert_created(
        api, api.post("/clients", {**first, "confirm_duplicate": True}, "care_manager")
    )

    assert second["display_code"]


def test_a_different_person_is_not_a_duplicate(api: Api) -> None:
    first = _person(birth_date="1941-01-01")
    assert_created(api, api.post("/clients", first, "care_manager"))

    other = {**first, "birth_date": "1941-01-02", "phone": "03-0000-0000"}
    assert_created(api, api.post("/clients", other, "care_manager"))


def test_hiragana_is_stored_as_katakana(api: Api) -> None:
    body = _person(name_kana="ひらがな　たろう")

    created = assert_created(api, api.post("/clients", body, "care_manager"))

    assert created["name_kana"] == "ヒラガナ タロウ"


@pytest.mark.parametrize("kana", ["小林", "Yamada", "ヤマダ1"])
def test_anything_but_kana_is_refused(api: Api, kana: str) -> None:
    problem = assert_problem(api.post("/clients", _person(name_kana=kana), "care_manager"), 422)

    assert problem["type"] == "urn:tsunagu:problem:client.kana_invalid"
    assert "name_kana" in problem["errors"]


def test_the_openapi_document_tells_of_duplicates(api: Api) -> None:
    spec = api.client.get("/api/v1/openapi.json").get_json()
    register = spec["paths"]["/api/v1/clients"]["post"]

    assert "409" in register["responses"]
    assert "confirm_duplicate" in register["description"]
    assert "client.kana_invalid" in register["description"]
    schemas = spec["components"]["schemas"]
    assert "confirm_duplicate" in schemas["ClientCreate"]["properties"]
    assert "candidates" in schemas["ProblemSchema"]["properties"]
