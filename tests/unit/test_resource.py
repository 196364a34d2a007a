"""Resource: registration rules, places, and its status lifecycle."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import uuid4

import pytest

from domain.errors import (
    InvalidValueError,
    ResourceCapacityBelowEnrolmentError,
    ResourceFullError,
    ResourceHasEnrolmentsError,
    ResourceNotActiveError,
    ResourceTransitionError,
)
from domain.resource import Resource
from domain.values import (
    CareLevel,
    ClientId,
    Contact,
    NeedCategory,
    NeedId,
    ResourceId,
    ResourceStatus,
    ServiceType,
    Weekday,
)
from tests.unit.aggregates import ACTOR, new_resource

R = ResourceStatus


def resource_with_enrolled(count: int, capacity: int | None) -> Resource:
    resource = new_resource(capacity)
    for _ in range(count):
        resource.enrol(NeedId(uuid4()), ClientId(uuid4()), ACTOR)
    resource.collect_events()
    return resource


def resource_in(status: ResourceStatus) -> Resource:
    """A resource brought to ``status`` by its own commands, with no pending events."""
    resource = new_resource(planned=status is R.PLANNED)
    if status is R.SUSPENDED:
        resource.suspend("driver on leave", ACTOR)
    if status is R.CLOSED:
        resource.close("funding ended", ACTOR)
    resource.collect_events()
    return resource


# -- register -------------------------------------------------------------------


def test_register_records_registered_and_is_active() -> None:
    resource = new_resource()

    assert [type(e) for e in resource.collect_events()] == [Resource.Registered]
    assert resource.status is R.ACTIVE


def test_register_is_planned_when_asked() -> None:
    resource = new_resource(planned=True)

    assert resource.status is R.PLANNED


def test_register_keeps_each_category_area_and_weekday_once_in_order() -> None:
    resource = Resource.register(
        ResourceId(uuid4()),
        "サロン",
        ServiceType.GATHERING_PLACE,
        [NeedCategory.EXERCISE, NeedCategory.SHOPPING, NeedCategory.EXERCISE],
        ["south", "north", "south"],
        ACTOR,
        weekdays=[Weekday.TUE, Weekday.MON, Weekday.TUE],
    )

    assert resource.categories == [NeedCategory.EXERCISE, NeedCategory.SHOPPING]
    assert resource.area_codes == ["south", "north"]
    assert resource.weekdays == [Weekday.TUE, Weekday.MON]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        pytest.param({"name": ""}, "name", id="empty-name"),
        pytest.param({"name": "   "}, "name", id="blank-name"),
        pytest.param({"name": "x" * 201}, "name", id="overlong-name"),
        pytest.param({"categories": []}, "categories", id="no-category"),
        pytest.param({"area_codes": []}, "area_codes", id="no-area"),
        pytest.param({"capacity": -1}, "capacity", id="negative-capacity"),
    ],
)
def test_register_is_refused_when_a_field_is_invalid(changes: dict[str, Any], field: str) -> None:
    arguments: dict[str, Any] = {
        "resource_id": ResourceId(uuid4()),
        "name": "サロン",
        "service_type": ServiceType.GATHERING_PLACE,
        "categories": [NeedCategory.EXERCISE],
        "area_codes": ["north"],
        "actor": ACTOR,
    }

    with pytest.raises(InvalidValueError) as refused:
        Resource.register(**{**arguments, **changes})

    assert refused.value.field == field


@pytest.mark.parametrize(
    ("levels", "care_level", "accepted"),
    [
        ([], CareLevel.CARE_5, True),
        ([CareLevel.SUPPORT_1, CareLevel.SUPPORT_2], CareLevel.SUPPORT_2, True),
        ([CareLevel.SUPPORT_1, CareLevel.SUPPORT_2], CareLevel.CARE_1, False),
    ],
)
def test_accepts_clients_at_eligible_care_levels(
    levels: list[CareLevel], care_level: CareLevel, accepted: bool
) -> None:
    resource = Resource.register(
        ResourceId(uuid4()),
        "体操教室",
        ServiceType.DAY_B,
        [NeedCategory.EXERCISE],
        ["north"],
        ACTOR,
        eligible_care_levels=levels,
    )

    assert resource.accepts(care_level) is accepted


# -- places ----------------------------------------------------------------------


def test_enrol_takes_a_place() -> None:
    resource = resource_with_enrolled(0, capacity=2)
    need_id = NeedId(uuid4())

    resource.enrol(need_id, ClientId(uuid4()), ACTOR)

    assert [type(e) for e in resource.collect_events()] == [Resource.Enrolled]
    assert resource.holds_place_for(need_id)
    assert (resource.places_taken, resource.places_left, resource.is_full) == (1, 1, False)


def test_unlimited_capacity_is_never_full() -> None:
    resource = resource_with_enrolled(50, capacity=None)

    assert (resource.places_left, resource.is_full) == (None, False)


def test_enrol_is_refused_when_full() -> None:
    resource = resource_with_enrolled(2, capacity=2)

    with pytest.raises(ResourceFullError, match="2 of 2"):
        resource.enrol(NeedId(uuid4()), ClientId(uuid4()), ACTOR)

    assert resource.collect_events() == []


def test_enrol_is_refused_when_capacity_is_zero() -> None:
    resource = resource_with_enrolled(0, capacity=0)

    with pytest.raises(ResourceFullError):
        resource.enrol(NeedId(uuid4()), ClientId(uuid4()), ACTOR)


@pytest.mark.parametrize("status", [R.PLANNED, R.SUSPENDED, R.CLOSED], ids=lambda s: s.value)
def test_enrol_is_refused_when_not_active(status: ResourceStatus) -> None:
    resource = resource_in(status)

    with pytest.raises(ResourceNotActiveError) as refused:
        resource.enrol(NeedId(uuid4()), ClientId(uuid4()), ACTOR)

    assert status.value in str(refused.value)
    assert "enrol" in str(refused.value)


def test_enrol_is_refused_when_the_need_already_holds_a_place() -> None:
    resource = resource_with_enrolled(0, capacity=None)
    need_id = NeedId(uuid4())
    resource.enrol(need_id, ClientId(uuid4()), ACTOR)

    with pytest.raises(ResourceTransitionError, match="already enrolled"):
        resource.enrol(need_id, ClientId(uuid4()), ACTOR)


def test_release_gives_the_place_back() -> None:
    resource = resource_with_enrolled(0, capacity=1)
    need_id = NeedId(uuid4())
    resource.enrol(need_id, ClientId(uuid4()), ACTOR)
    resource.collect_events()

    resource.release(need_id, "match ended", ACTOR)

    assert [type(e) for e in resource.collect_events()] == [Resource.Released]
    assert (resource.holds_place_for(need_id), resource.is_full) == (False, False)


def test_release_records_nothing_when_the_need_holds_no_place() -> None:
    resource = resource_with_enrolled(1, capacity=2)

    resource.release(NeedId(uuid4()), "match ended", ACTOR)

    assert resource.collect_events() == []
    assert resource.places_taken == 1


def test_release_is_idempotent() -> None:
    resource = resource_with_enrolled(0, capacity=1)
    need_id = NeedId(uuid4())
    resource.enrol(need_id, ClientId(uuid4()), ACTOR)
    resource.release(need_id, "match ended", ACTOR)
    resource.collect_events()

    resource.release(need_id, "match ended", ACTOR)

    assert resource.collect_events() == []


# -- capacity --------------------------------------------------------------------


@pytest.mark.parametrize("capacity", [2, 5, None], ids=["equal", "above", "unlimited"])
def test_change_capacity_is_allowed_down_to_the_places_taken(capacity: int | None) -> None:
    resource = resource_with_enrolled(2, capacity=3)

    resource.change_capacity(capacity, "new volunteers", ACTOR)

    assert [type(e) for e in resource.collect_events()] == [Resource.CapacityChanged]
    assert resource.capacity == capacity


def test_change_capacity_is_refused_below_the_places_taken() -> None:
    resource = resource_with_enrolled(2, capacity=3)

    with pytest.raises(ResourceCapacityBelowEnrolmentError, match="capacity 1 is below the 2"):
        resource.change_capacity(1, "fewer volunteers", ACTOR)

    assert resource.capacity == 3


def test_change_capacity_is_refused_when_negative() -> None:
    resource = resource_with_enrolled(0, capacity=3)

    with pytest.raises(InvalidValueError) as refused:
        resource.change_capacity(-1, "typo", ACTOR)

    assert refused.value.field == "capacity"


def test_change_capacity_is_refused_when_closed() -> None:
    resource = resource_in(R.CLOSED)

    with pytest.raises(ResourceTransitionError, match="closed"):
        resource.change_capacity(3, "reopening?", ACTOR)


# -- status lifecycle ------------------------------------------------------------

STATUS_ACTIONS: dict[str, Callable[[Resource], None]] = {
    "suspend": lambda resource: resource.suspend("driver on leave", ACTOR),
    "reactivate": lambda resource: resource.reactivate("driver back", ACTOR),
    "close": lambda resource: resource.close("funding ended", ACTOR),
}

# (status, action) -> (event, new status), or None when refused.
STATUS_TABLE: dict[
    tuple[ResourceStatus, str], tuple[type[Resource.Event], ResourceStatus] | None
] = {
    (R.PLANNED, "suspend"): None,
    (R.PLANNED, "reactivate"): (Resource.Reactivated, R.ACTIVE),
    (R.PLANNED, "close"): (Resource.Closed, R.CLOSED),
    (R.ACTIVE, "suspend"): (Resource.Suspended, R.SUSPENDED),
    (R.ACTIVE, "reactivate"): None,
    (R.ACTIVE, "close"): (Resource.Closed, R.CLOSED),
    (R.SUSPENDED, "suspend"): None,
    (R.SUSPENDED, "reactivate"): (Resource.Reactivated, R.ACTIVE),
    (R.SUSPENDED, "close"): (Resource.Closed, R.CLOSED),
    (R.CLOSED, "suspend"): None,
    (R.CLOSED, "reactivate"): None,
    (R.CLOSED, "close"): None,
}


@pytest.mark.parametrize(
    ("status", "action", "expected"),
    [
        pytest.param(status, action, expected, id=f"{status.value}-{action}")
        for (status, action), expected in STATUS_TABLE.items()
        if expected is not None
    ],
)
def test_status_action_records_its_event_when_allowed(
    status: ResourceStatus,
    action: str,
    expected: tuple[type[Resource.Event], ResourceStatus],
) -> None:
    resource = resource_in(status)

    STATUS_ACTIONS[action](resource)

    assert ([type(e) for e in resource.collect_events()], resource.status) == (
        [expected[0]],
        expected[1],
    )


@pytest.mark.parametrize(
    ("status", "action"),
    [
        pytest.param(status, action, id=f"{status.value}-{action}")
        for (status, action), expected in STATUS_TABLE.items()
        if expected is None
    ],
)
def test_status_action_is_refused_naming_status_and_action(
    status: ResourceStatus, action: str
) -> None:
    resource = resource_in(status)

    with pytest.raises(ResourceTransitionError) as refused:
        STATUS_ACTIONS[action](resource)

    assert status.value in str(refused.value)
    assert action in str(refused.value)
    assert resource.collect_events() == []


def test_status_table_covers_every_status_and_action() -> None:
    assert set(STATUS_TABLE) == {(s, a) for s in ResourceStatus for a in STATUS_ACTIONS}


def test_close_is_refused_while_clients_are_enrolled() -> None:
    resource = resource_with_enrolled(2, capacity=None)

    with pytest.raises(ResourceHasEnrolmentsError, match="2 clients"):
        resource.close("funding ended", ACTOR)

    assert resource.status is R.ACTIVE


def test_suspend_keeps_the_enrolled_clients() -> None:
    resource = resource_with_enrolled(2, capacity=None)

    resource.suspend("driver on leave", ACTOR)

    assert resource.places_taken == 2


# -- update ----------------------------------------------------------------------


def test_update_records_only_the_fields_that_change() -> None:
    resource = resource_with_enrolled(0, capacity=None)
    contact = Contact(person="佐藤", phone="0120-000-000")

    resource.update(ACTOR, name=resource.name, fee="100円", contact=contact)

    (updated,) = resource.collect_events()
    assert isinstance(updated, Resource.Updated)
    assert updated.changes == {"fee": "100円", "contact": contact}
    assert (resource.fee, resource.contact) == ("100円", contact)


def test_update_records_nothing_when_nothing_changes() -> None:
    resource = resource_with_enrolled(0, capacity=None)

    resource.update(
        ACTOR,
        name=f"  {resource.name} ",
        categories=[*resource.categories, *resource.categories],
        area_codes=list(resource.area_codes),
    )

    assert resource.collect_events() == []


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        pytest.param({"capacity": 3}, "capacity", id="capacity-has-its-own-command"),
        pytest.param({"status": R.CLOSED}, "status", id="status-has-its-own-command"),
        pytest.param({"name": " "}, "name", id="blank-name"),
        pytest.param({"categories": []}, "categories", id="no-category"),
        pytest.param({"area_codes": []}, "area_codes", id="no-area"),
    ],
)
def test_update_is_refused_when_a_change_is_invalid(changes: dict[str, Any], field: str) -> None:
    resource = resource_with_enrolled(0, capacity=None)

    with pytest.raises(InvalidValueError) as refused:
        resource.update(ACTOR, **changes)

    assert refused.value.field == field


def test_update_is_refused_when_closed() -> None:
    resource = resource_in(R.CLOSED)

    with pytest.raises(ResourceTransitionError, match="cannot update a resource that is closed"):
        resource.update(ACTOR, fee="無料")
