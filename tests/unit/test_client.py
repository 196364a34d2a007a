"""Client: registration and care-level (re)assessments."""

from __future__ import annotations

import re
from datetime import date
from uuid import uuid4

import pytest

from domain.client import Client
from domain.errors import InvalidValueError
from domain.values import CareLevel, ClientId
from tests.unit.aggregates import ACTOR, new_client, personal_data


def test_register_records_registered() -> None:
    client = new_client()

    assert [type(e) for e in client.collect_events()] == [Client.Registered]
    assert (client.care_level, client.assessed_on) == (CareLevel.SUPPORT_1, None)


@pytest.mark.parametrize("name", ["", "   ", "x" * 201])
def test_register_is_refused_when_the_name_is_empty_or_overlong(name: str) -> None:
    with pytest.raises(InvalidValueError) as refused:
        Client.register(
            ClientId(uuid4()),
            personal_data(name),
            CareLevel.CARE_1,
            False,
            "north",
            "c-north",
            ACTOR,
        )

    assert refused.value.field == "name"


def test_display_code_is_pseudonymous() -> None:
    client = new_client()

    assert re.fullmatch(r"C-[A-Z2-7]{8}", client.display_code)
    assert client.personal.name not in client.display_code


def test_change_care_level_records_the_new_and_previous_level() -> None:
    client = new_client(CareLevel.SUPPORT_1)
    client.collect_events()

    client.change_care_level(CareLevel.CARE_1, date(2025, 4, 1), "reassessed", ACTOR)

    (changed,) = client.collect_events()
    assert isinstance(changed, Client.CareLevelChanged)
    assert (changed.care_level, changed.previous) == (CareLevel.CARE_1, CareLevel.SUPPORT_1)
    assert (client.care_level, client.assessed_on) == (CareLevel.CARE_1, date(2025, 4, 1))


def test_change_care_level_is_recorded_when_the_level_stays_the_same() -> None:
    client = new_client(CareLevel.SUPPORT_1)
    client.collect_events()

    client.change_care_level(CareLevel.SUPPORT_1, date(2025, 4, 1), "reassessed", ACTOR)

    assert [type(e) for e in client.collect_events()] == [Client.CareLevelChanged]


@pytest.mark.parametrize(
    "assessed_on", [date(2025, 4, 1), date(2025, 9, 30)], ids=["same-day", "later"]
)
def test_change_care_level_is_allowed_on_or_after_the_last_assessment(assessed_on: date) -> None:
    client = new_client()
    client.change_care_level(CareLevel.SUPPORT_2, date(2025, 4, 1), "reassessed", ACTOR)

    client.change_care_level(CareLevel.CARE_1, assessed_on, "reassessed", ACTOR)

    assert client.assessed_on == assessed_on


def test_change_care_level_is_refused_when_the_assessment_date_goes_backwards() -> None:
    client = new_client()
    client.change_care_level(CareLevel.SUPPORT_2, date(2025, 4, 1), "reassessed", ACTOR)
    client.collect_events()

    with pytest.raises(InvalidValueError, match="2025-04-01") as refused:
        client.change_care_level(CareLevel.CARE_1, date(2025, 3, 31), "reassessed", ACTOR)

    assert refused.value.field == "assessed_on"
    assert (client.care_level, client.collect_events()) == (CareLevel.SUPPORT_2, [])
