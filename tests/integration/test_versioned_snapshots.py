"""Snapshots record their aggregate's class version; one the code cannot read is
upcast when it can be, and otherwise passed over for the events, never half-loaded."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from domain.need import Need
from domain.resource import Resource
from interfaces.bootstrap import Container
from tests.builders import make_need, make_resource, make_town
from tests.integration.stored_rows import stored_snapshot_states, write_snapshot

THEN = datetime(2026, 4, 1, 9, 0, tzinfo=UTC)


def replayed(container: Container, aggregate_id: Any) -> Any:
    aggregate = None
    for event in container.store.events.get(aggregate_id):
        aggregate = event.mutate(aggregate)
    return aggregate


def test_a_snapshot_records_the_class_version_of_its_aggregate(container: Container) -> None:
    app = container.services
    town = make_town(app)
    need = make_need(app, town)
    resource = make_resource(app, town.coordinator)

    container.store.take_snapshot(need.id)
    container.store.take_snapshot(resource.id)

    assert stored_snapshot_states(container.store, need.id)[0]["class_version"] == 1
    assert stored_snapshot_states(container.store, resource.id)[0]["class_version"] == 3


def test_an_aggregate_loads_from_todays_snapshot_as_from_its_events(
    container: Container,
) -> None:
    app = container.services
    town = make_town(app)
    need = make_need(app, town)
    app.needs.assign(need.id, "sc", need.version, town.coordinator)
    container.store.take_snapshot(need.id)

    loaded = container.store.get(need.id)

    assert vars(loaded) == vars(replayed(container, need.id))


def test_a_resource_snapshot_from_before_coordinates_loads_them_as_none(
    container: Container,
) -> None:
    app = container.services
    town = make_town(app)
    resource = make_resource(app, town.coordinator)
    # As written before the directory import added latitude, longitude and
    # source_key, and before snapshots recorded a class version.
    write_snapshot(
        container.store,
        resource.id,
        1,
        "domain.resource:Resource",
        {
            "_created_on": THEN,
            "_modified_on": THEN,
            "name": "スナップショットのサロン",
            "organization_id": None,
            "service_type": {"_type_": "ServiceType", "_data_": "gathering_place"},
            "categories": [{"_type_": "NeedCategory", "_data_": "social_participation"}],
            "area_codes": ["north"],
            "weekdays": [{"_type_": "Weekday", "_data_": "tue"}],
            "capacity": 5,
            "eligible_care_levels": [],
            "fee": None,
            "contact": None,
            "status": {"_type_": "ResourceStatus", "_data_": "active"},
            "enrolled": {},
        },
    )

    loaded = container.store.get(resource.id)
    shown = app.resources.get(resource.id, town.coordinator)

    assert isinstance(loaded, Resource)
    assert loaded.name == "スナップショットのサロン"  # the snapshot, upcast, not the events
    assert (loaded.latitude, loaded.longitude, loaded.source_key) == (None, None, None)
    assert (shown.name, shown.latitude, shown.source_key) == (loaded.name, None, None)


@pytest.mark.parametrize(
    ("stored_version", "code_version"),
    [
        pytest.param(3, 1, id="written-by-a-newer-release"),
        pytest.param(None, 2, id="older-without-an-upcaster"),
    ],
)
def test_a_snapshot_the_code_cannot_read_is_passed_over_for_the_events(
    container: Container,
    monkeypatch: pytest.MonkeyPatch,
    stored_version: int | None,
    code_version: int,
) -> None:
    app = container.services
    town = make_town(app)
    need = make_need(app, town)
    need = app.needs.assign(need.id, "sc", need.version, town.coordinator)
    # Half a need: loading it would leave the other attributes missing.
    state: dict[str, Any] = {
        "_created_on": THEN,
        "_modified_on": THEN,
        "description": "スナップショットの説明",
        "status": {"_type_": "need_status", "_data_": "closed"},
    }
    if stored_version is not None:
        state["class_version"] = stored_version
    write_snapshot(container.store, need.id, need.version, "domain.need:Need", state)
    monkeypatch.setattr(Need, "class_version", code_version)

    loaded = container.store.get(need.id)

    assert vars(loaded) == vars(replayed(container, need.id))
    assert loaded.description == need.description
