"""An event class moved or renamed: rows stored under its old topic are read through
the alias in application/topics.py, by the process manager as by every load."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from application import topics
from domain.values import NeedStatus
from interfaces.bootstrap import Container, Settings, bootstrap
from tests.builders import make_need, make_resource, make_town
from tests.integration.stored_rows import write_event

# As if DevelopmentInitiative had once been domain.initiative:Initiative.
OLD_TOPIC = "domain.initiative:Initiative.ResourceLaunched"


@pytest.fixture
def container(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[Container]:
    """The application started after a developer added the alias to the registry."""
    monkeypatch.setitem(
        topics.ALIASES, OLD_TOPIC, "domain.development:DevelopmentInitiative.ResourceLaunched"
    )
    built = bootstrap(settings)
    try:
        yield built
    finally:
        built.close()


def test_the_development_policy_reacts_to_an_event_stored_under_an_old_topic(
    container: Container,
) -> None:
    app = container.services
    town = make_town(app)
    need = make_need(app, town)
    need = app.needs.assign(need.id, "sc", need.version, town.coordinator)
    need = app.matching.record_gap(need.id, "該当なし", need.version, town.coordinator)
    initiative = app.development.open(
        "配食の立ち上げ", "north", need.category, "配食がない", town.coordinator
    )
    initiative = app.development.link_need(
        initiative.id, need.id, initiative.version, town.coordinator
    )
    resource = make_resource(app, town.coordinator)
    # The launch, as the release that had the class elsewhere stored it.
    write_event(
        container.store,
        initiative.id,
        initiative.version + 1,
        OLD_TOPIC,
        {
            "timestamp": datetime(2026, 5, 1, 10, 0, tzinfo=UTC),
            "resource_id": resource.id,
            "need_ids": [need.id],
            "actor": town.coordinator.user_id,
        },
    )

    reacted = app.aggregates.react()

    assert reacted == 1
    moved = app.needs.get(need.id, town.coordinator)
    assert (moved.status, moved.resource_id) == (NeedStatus.RESOURCE_CREATED, resource.id)
    assert app.development.get(initiative.id, town.coordinator).status.value == "launched"
