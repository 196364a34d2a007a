"""Resources through ResourceCases: registration, status, capacity and description
changes; on the in-memory event store and the fakes of ``tests.fakes``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID, uuid4

import pytest

from application.resources import ResourceDTO
from application.security import Actor
from domain.values import NeedCategory, ResourceStatus, ServiceType, Weekday
from tests.builders import Town
from tests.fakes import (
    Features,
    in_memory_features,
    need_in,
    new_need,
    new_resource,
    refusal_of,
    settle_town,
)

REASON = "担い手の確保が難しくなったため"


@pytest.fixture
def app() -> Features:
    return in_memory_features()


@pytest.fixture
def town(app: Features) -> Town:
    return settle_town(app)


Change = Callable[[Features, ResourceDTO, Actor], ResourceDTO]

STATUS_COMMANDS: dict[str, Change] = {
    "suspend": lambda app, r, who: app.resources.suspend(r.id, REASON, r.version, who),
    "reactivate": lambda app, r, who: app.resources.reactivate(r.id, REASON, r.version, who),
    "close": lambda app, r, who: app.resources.close(r.id, REASON, r.version, who),
}


def _after(app: Features, resource: ResourceDTO, town: Town, *commands: str) -> ResourceDTO:
    for command in commands:
        resource = STATUS_COMMANDS[command](app, resource, town.coordinator)
    return resource


def _enrolled(app: Features, town: Town, capacity: int | None = 5) -> ResourceDTO:
    """A resource where one client holds a place."""
    resource = new_resource(app, town.coordinator, capacity=capacity)
    need_in(app, town, "matched", resource=resource)
    return app.resources.get(resource.id, town.coordinator)


# -- registering ---------------------------------------------------------------------------------


def test_register_records_an_active_resource_with_every_place_free(
    app: Features, town: Town
) -> None:
    resource = app.resources.register(
        "ふれあいサロン北",
        ServiceType.GATHERING_PLACE,
        [NeedCategory.SOCIAL_PARTICIPATION, NeedCategory.EXERCISE],
        ["north"],
        town.coordinator,
        weekdays=[Weekday.MON, Weekday.THU],
        capacity=5,
    )

    assert (resource.status, resource.version, resource.position) == (
        ResourceStatus.ACTIVE,
        1,
        app.head(),
    )
    assert (resource.capacity, resource.places_taken, resource.places_left) == (5, 0, 5)
    assert resource.categories == (NeedCategory.SOCIAL_PARTICIPATION, NeedCategory.EXERCISE)


def test_register_records_a_planned_resource_when_asked(app: Features, town: Town) -> None:
    resource = new_resource(app, town.coordinator, planned=True)

    assert resource.status is ResourceStatus.PLANNED


def test_reactivate_opens_a_planned_resource(app: Features, town: Town) -> None:
    resource = new_resource(app, town.coordinator, planned=True)

    opened = app.resources.reactivate(resource.id, "開所", resource.version, town.coordinator)

    assert opened.status is ResourceStatus.ACTIVE


def test_resource_of_unlimited_capacity_has_no_places_left_to_count(
    app: Features, town: Town
) -> None:
    resource = new_resource(app, town.coordinator, capacity=None)

    assert (resource.capacity, resource.places_left) == (None, None)


def test_register_with_the_same_idempotency_key_returns_the_first_resource(
    app: Features, town: Town
) -> None:
    first = new_resource(app, town.coordinator, idempotency_key="key-1")
    head = app.head()

    again = new_resource(app, town.coordinator, idempotency_key="key-1")

    assert again.id == first.id
    assert app.head() == head


@pytest.mark.parametrize(
    ("organization_id", "area_codes", "field"),
    [(uuid4(), ["north"], "organization_id"), (None, ["north", "atlantis"], "area_codes")],
    ids=["unknown-organization", "unknown-area"],
)
def test_register_is_refused_when_a_reference_is_unknown(
    app: Features, town: Town, organization_id: UUID | None, area_codes: list[str], field: str
) -> None:
    head = app.head()

    refused = refusal_of(
        lambda: app.resources.register(
            "サロン",
            ServiceType.INFORMAL,
            [NeedCategory.EXERCISE],
            area_codes,
            town.coordinator,
            organization_id=organization_id,
        )
    )

    assert (refused.code, refused.params["field"]) == ("reference.unknown", field)
    assert app.head() == head


@pytest.mark.parametrize("who", ["care_manager", "supervisor", "auditor"])
def test_register_is_refused_to_roles_that_do_not_manage_resources(
    app: Features, town: Town, who: str
) -> None:
    refused = refusal_of(lambda: new_resource(app, getattr(town, who)))

    assert refused.code == "permission.denied"


# -- status --------------------------------------------------------------------------------------

MOVES = [
    ([], "suspend", ResourceStatus.SUSPENDED),
    (["suspend"], "reactivate", ResourceStatus.ACTIVE),
    ([], "close", ResourceStatus.CLOSED),
    (["suspend"], "close", ResourceStatus.CLOSED),
]


@pytest.mark.parametrize(
    ("earlier", "command", "status"),
    MOVES,
    ids=["suspend", "reactivate", "close", "close-suspended"],
)
def test_status_command_moves_the_resource(
    app: Features, town: Town, earlier: list[str], command: str, status: ResourceStatus
) -> None:
    resource = _after(app, new_resource(app, town.coordinator), town, *earlier)

    changed = STATUS_COMMANDS[command](app, resource, town.admin)

    assert (changed.status, changed.version, changed.position) == (
        status,
        resource.version + 1,
        app.head(),
    )


REFUSED_MOVES = [
    ([], "reactivate", "active"),
    (["suspend"], "suspend", "suspended"),
    (["close"], "suspend", "closed"),
    (["close"], "close", "closed"),
    (["close"], "reactivate", "closed"),
]


@pytest.mark.parametrize(
    ("earlier", "command", "state"),
    REFUSED_MOVES,
    ids=[f"{command}-when-{state}" for _, command, state in REFUSED_MOVES],
)
def test_status_command_is_refused_in_a_status_that_does_not_allow_it(
    app: Features, town: Town, earlier: list[str], command: str, state: str
) -> None:
    resource = _after(app, new_resource(app, town.coordinator), town, *earlier)
    head = app.head()

    refused = refusal_of(lambda: STATUS_COMMANDS[command](app, resource, town.coordinator))

    assert refused.code == "resource.transition_not_allowed"
    assert (refused.params["state"], refused.params["action"]) == (state, command)
    assert app.head() == head


def test_close_is_refused_while_clients_are_enrolled(app: Features, town: Town) -> None:
    resource = _enrolled(app, town)
    head = app.head()

    refused = refusal_of(
        lambda: app.resources.close(resource.id, REASON, resource.version, town.coordinator)
    )

    assert refused.code == "resource.has_enrolments"
    assert app.head() == head
    assert app.resources.get(resource.id, town.coordinator).status is ResourceStatus.ACTIVE


def test_suspend_keeps_the_places_of_the_clients_enrolled(app: Features, town: Town) -> None:
    resource = _enrolled(app, town)

    suspended = app.resources.suspend(resource.id, REASON, resource.version, town.coordinator)

    assert suspended.places_taken == 1


# -- capacity ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("capacity", "places_left"), [(12, 12), (None, None)])
def test_change_capacity_sets_the_places(
    app: Features, town: Town, capacity: int | None, places_left: int | None
) -> None:
    resource = new_resource(app, town.coordinator)

    changed = app.resources.change_capacity(
        resource.id, capacity, "会場拡張", resource.version, town.admin
    )

    assert (changed.capacity, changed.places_left) == (capacity, places_left)


def test_change_capacity_is_allowed_down_to_the_places_taken(app: Features, town: Town) -> None:
    resource = _enrolled(app, town, capacity=2)

    changed = app.resources.change_capacity(
        resource.id, 1, "縮小", resource.version, town.coordinator
    )

    assert (changed.capacity, changed.places_left) == (1, 0)


def test_change_capacity_is_refused_below_the_places_taken(app: Features, town: Town) -> None:
    resource = _enrolled(app, town, capacity=2)

    refused = refusal_of(
        lambda: app.resources.change_capacity(
            resource.id, 0, "縮小", resource.version, town.coordinator
        )
    )

    assert refused.code == "resource.capacity_below_enrolment"


# -- describing ----------------------------------------------------------------------------------


def test_update_records_only_the_fields_that_change(app: Features, town: Town) -> None:
    resource = new_resource(app, town.coordinator)

    updated = app.resources.update(
        resource.id,
        {"name": "ふれあいサロン北", "fee": "200円"},
        resource.version,
        town.coordinator,
    )

    assert (updated.version, updated.fee) == (2, "200円")
    assert app.store.stream(resource.id)[-1].changes == {"fee": "200円"}


@pytest.mark.parametrize(
    ("changes", "code", "field"),
    [
        ({"capacity": 3}, "value.not_updatable", "capacity"),
        ({"status": "closed"}, "value.not_updatable", "status"),
        ({"area_codes": ["atlantis"]}, "reference.unknown", "area_codes"),
        ({"name": "  "}, "value.empty", "name"),
    ],
    ids=["capacity", "status", "unknown-area", "blank-name"],
)
def test_update_is_refused_when_a_change_is_not_allowed(
    app: Features, town: Town, changes: dict[str, Any], code: str, field: str
) -> None:
    resource = new_resource(app, town.coordinator)

    refused = refusal_of(
        lambda: app.resources.update(resource.id, changes, resource.version, town.coordinator)
    )

    assert (refused.code, refused.params["field"]) == (code, field)


# -- refusals common to every change -------------------------------------------------------------

CHANGES: dict[str, Change] = {
    **STATUS_COMMANDS,
    "capacity": lambda app, r, who: app.resources.change_capacity(r.id, 9, REASON, r.version, who),
    "update": lambda app, r, who: app.resources.update(r.id, {"fee": "無料"}, r.version, who),
}


@pytest.mark.parametrize("change", ["suspend", "close", "capacity", "update"])
def test_change_is_refused_when_the_resource_changed_since_it_was_read(
    app: Features, town: Town, change: str
) -> None:
    read = new_resource(app, town.coordinator)
    app.resources.suspend(read.id, REASON, read.version, town.coordinator)
    head = app.head()

    refused = refusal_of(lambda: CHANGES[change](app, read, town.coordinator))

    assert refused.code == "resource.version_conflict"
    assert app.head() == head
    assert app.resources.get(read.id, town.coordinator).status is ResourceStatus.SUSPENDED


@pytest.mark.parametrize("change", CHANGES)
def test_change_is_refused_to_roles_that_do_not_manage_resources(
    app: Features, town: Town, change: str
) -> None:
    resource = new_resource(app, town.coordinator)

    refused = refusal_of(lambda: CHANGES[change](app, resource, town.supervisor))

    assert refused.code == "permission.denied"


@pytest.mark.parametrize("kind", ["unknown", "need-id"])
def test_resource_is_not_found_when_no_resource_has_the_id(
    app: Features, town: Town, kind: str
) -> None:
    resource_id: UUID = uuid4() if kind == "unknown" else new_need(app, town).id

    refused = refusal_of(lambda: app.resources.get(resource_id, town.care_manager))

    assert refused.code == "resource.not_found"


def test_change_of_an_unknown_resource_is_not_found(app: Features, town: Town) -> None:
    refused = refusal_of(lambda: app.resources.suspend(uuid4(), REASON, 1, town.coordinator))

    assert refused.code == "resource.not_found"
