"""The fields the import added to Resource: coordinates and the source key."""

from __future__ import annotations

import json
from typing import Any

import pytest

from application.store import EventStore
from domain.errors import InvalidValueError
from domain.resource import Resource
from tests.unit.aggregates import ACTOR, new_resource


def test_a_resource_keeps_its_coordinates_and_source_key() -> None:
    resource = new_resource()
    located = Resource.register(
        resource.id,
        resource.name,
        resource.service_type,
        resource.categories,
        resource.area_codes,
        ACTOR,
        latitude=35.6,
        longitude=139.7,
        source_key="jigyosho:1310110049",
    )
    assert (located.latitude, located.longitude) == (35.6, 139.7)
    assert located.source_key == "jigyosho:1310110049"


@pytest.mark.parametrize(("latitude", "longitude"), [(91.0, 139.7), (35.6, -181.0)])
def test_coordinates_outside_the_globe_are_refused(latitude: float, longitude: float) -> None:
    resource = new_resource()
    with pytest.raises(InvalidValueError):
        resource.update(ACTOR, latitude=latitude, longitude=longitude)


def test_coordinates_change_with_update_and_only_when_they_differ() -> None:
    resource = new_resource()
    resource.update(ACTOR, latitude=35.6, longitude=139.7)
    resource.update(ACTOR, latitude=35.6, longitude=139.7)
    assert [type(e).__name__ for e in resource.collect_events()] == ["Registered", "Updated"]
    assert resource.latitude == 35.6


def test_registered_events_stored_before_the_new_fields_still_load() -> None:
    app = EventStore()
    stored = app.mapper.to_stored_event(new_resource().collect_events()[0])
    state: dict[str, Any] = json.loads(stored.state)
    for added in ("latitude", "longitude", "source_key"):
        del state[added]
    old = type(stored)(
        originator_id=stored.originator_id,
        originator_version=stored.originator_version,
        topic=stored.topic,
        state=json.dumps(state).encode(),
    )

    resource = app.mapper.to_domain_event(old).mutate(None)  # type: ignore[attr-defined]

    assert resource.name == "買い物バス北"
    assert (resource.latitude, resource.longitude, resource.source_key) == (None, None, None)
    app.close()
