"""Areas and support centers through ReferenceCases, on the in-memory event store."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from application.security import Actor
from tests.builders import Town
from tests.fakes import Features, in_memory_features, refusal_of, settle_town


@pytest.fixture
def app() -> Features:
    return in_memory_features()


@pytest.fixture
def town(app: Features) -> Town:
    return settle_town(app)


def test_create_area_records_the_area_and_lists_it_by_code(app: Features, town: Town) -> None:
    area = app.reference.create_area("east", "東地区", town.admin)

    assert (area.code, area.name, area.version, area.position) == ("east", "東地区", 1, app.head())
    assert [a.code for a in app.reference.list_areas(town.care_manager)] == [
        "east",
        "north",
        "south",
    ]


def test_create_area_is_refused_when_the_code_is_taken(app: Features, town: Town) -> None:
    head = app.head()

    refused = refusal_of(lambda: app.reference.create_area("north", "もう一つの北", town.admin))

    assert refused.code == "area.already_exists"
    assert app.head() == head


@pytest.mark.parametrize(
    ("code", "name", "error", "field"),
    [
        ("has space", "東地区", "value.code_format", "code"),
        ("-east", "東地区", "value.code_format", "code"),
        ("x" * 33, "東地区", "value.code_format", "code"),
        ("east", "   ", "value.empty", "name"),
        ("east", "名" * 201, "value.too_long", "name"),
    ],
    ids=["space", "leading-dash", "long-code", "blank-name", "long-name"],
)
def test_create_area_is_refused_when_a_field_is_invalid(
    app: Features, town: Town, code: str, name: str, error: str, field: str
) -> None:
    refused = refusal_of(lambda: app.reference.create_area(code, name, town.admin))

    assert (refused.code, refused.params["field"]) == (error, field)


def test_create_center_records_the_center_with_its_areas(app: Features, town: Town) -> None:
    center = app.reference.create_center("c-east", "東包括", ["north", "south"], town.admin)

    assert (center.code, center.area_codes) == ("c-east", ("north", "south"))
    assert [c.code for c in app.reference.list_centers(town.auditor)] == [
        "c-east",
        "c-north",
        "c-south",
    ]


def test_create_center_is_refused_for_an_unknown_area(app: Features, town: Town) -> None:
    head = app.head()

    refused = refusal_of(
        lambda: app.reference.create_center("c-x", "x", ["north", "atlantis"], town.admin)
    )

    assert (refused.code, refused.params["field"]) == ("reference.unknown", "area_codes")
    assert app.head() == head


def test_create_center_is_refused_without_areas(app: Features, town: Town) -> None:
    refused = refusal_of(lambda: app.reference.create_center("c-x", "x", [], town.admin))

    assert (refused.code, refused.params["field"]) == ("value.empty", "area_codes")


def test_create_center_is_refused_when_the_code_is_taken(app: Features, town: Town) -> None:
    refused = refusal_of(lambda: app.reference.create_center("c-north", "x", ["north"], town.admin))

    assert refused.code == "support_center.already_exists"


CREATIONS: dict[str, Callable[[Features, Actor], object]] = {
    "area": lambda app, who: app.reference.create_area("east", "東地区", who),
    "center": lambda app, who: app.reference.create_center("c-east", "東包括", ["north"], who),
}


@pytest.mark.parametrize("what", CREATIONS)
@pytest.mark.parametrize("who", ["care_manager", "coordinator", "supervisor", "auditor"])
def test_reference_data_is_created_by_admins_only(
    app: Features, town: Town, who: str, what: str
) -> None:
    refused = refusal_of(lambda: CREATIONS[what](app, getattr(town, who)))

    assert refused.code == "permission.denied"
