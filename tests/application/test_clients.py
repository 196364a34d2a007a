"""Clients through ClientCases: registration, personal data by role, assessments,
availability, search; on the in-memory event store and the fakes of ``tests.fakes``."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import uuid4

import pytest

from application.clients import ClientDTO
from application.security import Actor
from domain.values import CareLevel, PersonalData, Weekday
from tests.builders import Town
from tests.fakes import (
    Features,
    in_memory_features,
    new_client,
    new_need,
    refusal_of,
    settle_town,
)

PERSONAL = PersonalData(
    "山田 花子", "ヤマダ ハナコ", date(1941, 4, 3), "北町1-2-3", "090-0000-0000"
)
ASSESSED_ON = date(2026, 10, 1)


@pytest.fixture
def app() -> Features:
    return in_memory_features()


@pytest.fixture
def town(app: Features) -> Town:
    return settle_town(app)


def _register(
    app: Features,
    actor: Actor,
    center: str = "c-north",
    area: str = "north",
    key: str | None = None,
    weekdays: list[Weekday] | None = None,
) -> ClientDTO:
    return app.clients.register(
        PERSONAL,
        CareLevel.SUPPORT_1,
        True,
        area,
        center,
        actor,
        idempotency_key=key,
        available_weekdays=weekdays,
        confirm_duplicate=True,  # the same sample person, many times over
    )


# -- registering ---------------------------------------------------------------------------------


def test_register_records_the_client_at_its_center_and_area(app: Features, town: Town) -> None:
    client = _register(app, town.care_manager)

    assert (client.version, client.position) == (1, app.head())
    assert (client.care_level, client.frailty) == (CareLevel.SUPPORT_1, True)
    assert (client.area_code, client.center_code) == ("north", "c-north")
    assert client.display_code.startswith("C-")
    assert client.personal == PERSONAL


def test_register_with_the_same_idempotency_key_returns_the_first_client(
    app: Features, town: Town
) -> None:
    first = _register(app, town.care_manager, key="key-1")
    head = app.head()

    again = _register(app, town.care_manager, key="key-1")

    assert again.id == first.id
    assert app.head() == head


def test_register_records_the_weekdays_the_client_is_available(app: Features, town: Town) -> None:
    client = _register(app, town.coordinator, weekdays=[Weekday.THU, Weekday.MON])

    assert client.available_weekdays == (Weekday.MON, Weekday.THU)


def test_register_leaves_availability_unknown_when_none_is_given(app: Features, town: Town) -> None:
    client = _register(app, town.coordinator)

    assert client.available_weekdays is None


def test_register_is_refused_when_a_care_manager_names_another_center(
    app: Features, town: Town
) -> None:
    head = app.head()

    refused = refusal_of(lambda: _register(app, town.care_manager, "c-south", "south"))

    assert (refused.code, refused.params["field"]) == ("client.center_not_yours", "center_code")
    assert app.head() == head


@pytest.mark.parametrize(
    ("center", "area", "field"),
    [("c-north", "atlantis", "area_code"), ("atlantis", "north", "center_code")],
    ids=["unknown-area", "unknown-center"],
)
def test_register_is_refused_when_a_reference_is_unknown(
    app: Features, town: Town, center: str, area: str, field: str
) -> None:
    head = app.head()

    refused = refusal_of(lambda: _register(app, town.coordinator, center, area))

    assert (refused.code, refused.params["field"]) == ("reference.unknown", field)
    assert app.head() == head


@pytest.mark.parametrize("who", ["supervisor", "auditor"])
def test_register_is_refused_to_roles_that_do_not_register_clients(
    app: Features, town: Town, who: str
) -> None:
    refused = refusal_of(lambda: _register(app, getattr(town, who)))

    assert refused.code == "permission.denied"


# -- reading, with and without personal data -----------------------------------------------------


@pytest.mark.parametrize("who", ["care_manager", "coordinator", "auditor", "admin"])
def test_personal_data_is_shown_to(app: Features, town: Town, who: str) -> None:
    client = _register(app, town.care_manager)

    shown = app.clients.get(client.id, getattr(town, who))

    assert shown.personal == PERSONAL


def test_personal_data_is_hidden_from_a_supervisor(app: Features, town: Town) -> None:
    client = _register(app, town.care_manager)

    shown = app.clients.get(client.id, town.supervisor)

    assert shown.personal is None
    assert (shown.care_level, shown.center_code) == (CareLevel.SUPPORT_1, "c-north")


def test_client_of_another_center_is_not_found_for_a_care_manager(
    app: Features, town: Town
) -> None:
    client = _register(app, town.care_manager)

    refused = refusal_of(lambda: app.clients.get(client.id, town.other_care_manager))

    assert refused.code == "client.not_found"


@pytest.mark.parametrize("kind", ["unknown", "need-id"])
def test_client_is_not_found_when_no_client_has_the_id(
    app: Features, town: Town, kind: str
) -> None:
    client_id = uuid4() if kind == "unknown" else new_need(app, town).id

    refused = refusal_of(lambda: app.clients.get(client_id, town.coordinator))

    assert refused.code == "client.not_found"


def test_card_hides_personal_data_from_a_supervisor(app: Features, town: Town) -> None:
    client = _register(app, town.care_manager)

    card = app.clients.card(client.id, town.supervisor)

    assert (card.summary.id, card.personal) == (client.id, None)


def test_card_of_another_center_is_not_found_for_a_care_manager(app: Features, town: Town) -> None:
    client = _register(app, town.care_manager)

    refused = refusal_of(lambda: app.clients.card(client.id, town.other_care_manager))

    assert refused.code == "client.not_found"


# -- assessments and availability ----------------------------------------------------------------


def test_change_care_level_records_the_assessment(app: Features, town: Town) -> None:
    client = _register(app, town.care_manager)

    assessed = app.clients.change_care_level(
        client.id, CareLevel.CARE_1, ASSESSED_ON, "区分変更", client.version, town.care_manager
    )

    assert (assessed.version, assessed.position) == (2, app.head())
    assert (assessed.care_level, assessed.assessed_on) == (CareLevel.CARE_1, ASSESSED_ON)
    assert app.clients.get(client.id, town.coordinator).care_level is CareLevel.CARE_1


def test_change_care_level_is_refused_when_the_client_changed_since_it_was_read(
    app: Features, town: Town
) -> None:
    client = _register(app, town.care_manager)
    app.clients.change_care_level(
        client.id, CareLevel.CARE_1, ASSESSED_ON, "区分変更", client.version, town.care_manager
    )
    head = app.head()

    refused = refusal_of(
        lambda: app.clients.change_care_level(
            client.id, CareLevel.CARE_2, ASSESSED_ON, "再判定", client.version, town.care_manager
        )
    )

    assert refused.code == "client.version_conflict"
    assert app.head() == head
    assert app.clients.get(client.id, town.coordinator).care_level is CareLevel.CARE_1


@pytest.mark.parametrize(
    "now",
    [datetime(2026, 11, 26, 15, 0, tzinfo=UTC), datetime(2026, 11, 27, 14, 59, tzinfo=UTC)],
    ids=["midnight-in-japan", "a-minute-before-midnight-in-japan"],
)
def test_change_care_level_accepts_an_assessment_dated_today_in_japan(
    app: Features, town: Town, now: datetime
) -> None:
    client = _register(app, town.care_manager)
    app.clock.now = now

    assessed = app.clients.change_care_level(
        client.id, CareLevel.CARE_1, date(2026, 11, 27), "区分変更", 1, town.care_manager
    )

    assert assessed.assessed_on == date(2026, 11, 27)


@pytest.mark.parametrize(
    ("now", "assessed_on"),
    [
        (datetime(2026, 11, 26, 14, 59, tzinfo=UTC), date(2026, 11, 27)),
        (datetime(2026, 11, 27, 1, 0, tzinfo=UTC), date(2026, 11, 28)),
    ],
    ids=["the-evening-before-in-japan", "tomorrow"],
)
def test_change_care_level_is_refused_when_dated_after_today_in_japan(
    app: Features, town: Town, now: datetime, assessed_on: date
) -> None:
    client = _register(app, town.care_manager)
    app.clock.now = now

    refused = refusal_of(
        lambda: app.clients.change_care_level(
            client.id, CareLevel.CARE_1, assessed_on, "区分変更", 1, town.care_manager
        )
    )

    assert (refused.code, refused.params["field"]) == ("value.in_future", "assessed_on")


def test_change_care_level_is_refused_when_dated_before_the_last_assessment(
    app: Features, town: Town
) -> None:
    client = _register(app, town.care_manager)
    client = app.clients.change_care_level(
        client.id, CareLevel.CARE_1, ASSESSED_ON, "区分変更", client.version, town.care_manager
    )

    refused = refusal_of(
        lambda: app.clients.change_care_level(
            client.id,
            CareLevel.CARE_2,
            date(2026, 9, 1),
            "再判定",
            client.version,
            town.coordinator,
        )
    )

    assert refused.code == "client.assessment_before_last"


def test_change_care_level_of_another_centers_client_is_not_found_for_a_care_manager(
    app: Features, town: Town
) -> None:
    client = _register(app, town.care_manager)

    refused = refusal_of(
        lambda: app.clients.change_care_level(
            client.id, CareLevel.CARE_1, ASSESSED_ON, "区分変更", 1, town.other_care_manager
        )
    )

    assert refused.code == "client.not_found"


@pytest.mark.parametrize("who", ["supervisor", "auditor", "admin"])
def test_change_care_level_is_refused_to_roles_that_do_not_assess(
    app: Features, town: Town, who: str
) -> None:
    client = _register(app, town.care_manager)

    refused = refusal_of(
        lambda: app.clients.change_care_level(
            client.id, CareLevel.CARE_1, ASSESSED_ON, "区分変更", 1, getattr(town, who)
        )
    )

    assert refused.code == "permission.denied"


def test_record_availability_keeps_the_weekdays_in_week_order(app: Features, town: Town) -> None:
    client = _register(app, town.care_manager)

    recorded = app.clients.record_availability(
        client.id, [Weekday.FRI, Weekday.TUE, Weekday.FRI], client.version, town.care_manager
    )

    assert (recorded.version, recorded.available_weekdays) == (2, (Weekday.TUE, Weekday.FRI))


# -- search --------------------------------------------------------------------------------------


def test_search_finds_a_client_by_kana(app: Features, town: Town) -> None:
    client = _register(app, town.care_manager)

    found = app.clients.search(" ヤマダ ", town.care_manager)

    assert [c.id for c in found] == [client.id]


def test_search_finds_only_clients_of_a_care_managers_own_center(app: Features, town: Town) -> None:
    north = _register(app, town.coordinator)
    _register(app, town.coordinator, "c-south", "south")

    found = app.clients.search("ヤマダ", town.care_manager)

    assert [c.id for c in found] == [north.id]


@pytest.mark.parametrize("text", ["", "   ", "ヤ" * 101], ids=["empty", "blank", "overlong"])
def test_search_finds_nothing_for_blank_or_overlong_text(
    app: Features, town: Town, text: str
) -> None:
    new_client(app, town.care_manager)

    assert app.clients.search(text, town.coordinator) == []


def test_search_is_refused_to_roles_that_do_not_raise_needs(app: Features, town: Town) -> None:
    refused = refusal_of(lambda: app.clients.search("ヤマダ", town.auditor))

    assert refused.code == "permission.denied"
