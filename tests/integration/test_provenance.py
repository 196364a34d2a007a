"""Provenance in the stored events, on SQLite and PostgreSQL: a reaction names the
event that caused it and carries on its correlation; what one command saves shares
one correlation id; decisions carry their reasons; events stored before either
existed still load, with none."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from uuid import UUID

import pytest

from domain.base import correlated, provenance_of
from domain.development import DevelopmentInitiative
from domain.need import Need
from domain.resource import Resource
from domain.values import NeedCategory, NeedStatus, ServiceType
from interfaces.bootstrap import Container, Settings, bootstrap
from tests.builders import Town, make_need, make_resource, make_town
from tests.integration.stored_rows import write_event


@pytest.fixture
def built(settings: Settings) -> Iterator[tuple[Container, Town]]:
    container = bootstrap(settings)
    try:
        yield container, make_town(container.services)
    finally:
        container.close()


def _waiting_need(container: Container, town: Town) -> tuple[UUID, UUID]:
    """An open initiative and a need waiting on it."""
    app = container.services
    initiative = app.development.open(
        "サロンの立ち上げ",
        "north",
        NeedCategory.SOCIAL_PARTICIPATION,
        "近くにない",
        town.coordinator,
    )
    need = make_need(app, town)
    need = app.needs.assign(need.id, "sc", need.version, town.coordinator)
    need = app.matching.record_gap(need.id, "該当なし", need.version, town.coordinator)
    app.development.link_need(initiative.id, need.id, initiative.version, town.coordinator)
    return initiative.id, need.id


def _launch(container: Container, town: Town, initiative_id: UUID) -> None:
    app = container.services
    version = app.development.get(initiative_id, town.coordinator).version
    app.development.launch(
        initiative_id, "新サロン", ServiceType.GATHERING_PLACE, version, town.coordinator
    )


def test_a_need_moved_by_a_launch_names_the_launch_and_shares_its_correlation(
    built: tuple[Container, Town],
) -> None:
    container, town = built
    initiative_id, need_id = _waiting_need(container, town)

    with correlated("request-1"):
        _launch(container, town, initiative_id)

    [launched] = [
        e
        for e in container.store.stream(initiative_id)
        if isinstance(e, DevelopmentInitiative.ResourceLaunched)
    ]
    [created] = [e for e in container.store.stream(need_id) if isinstance(e, Need.ResourceCreated)]
    assert provenance_of(launched) == ("request-1", None)
    assert provenance_of(created) == (
        "request-1",
        f"{initiative_id}:{launched.originator_version}",
    )
    assert container.services.needs.get(need_id, town.coordinator).status is (
        NeedStatus.RESOURCE_CREATED
    )


def test_a_reaction_to_an_uncorrelated_launch_is_correlated_by_its_cause(
    built: tuple[Container, Town],
) -> None:
    container, town = built
    initiative_id, need_id = _waiting_need(container, town)

    _launch(container, town, initiative_id)

    [created] = [e for e in container.store.stream(need_id) if isinstance(e, Need.ResourceCreated)]
    correlation, cause = provenance_of(created)
    assert cause is not None
    assert cause.startswith(f"{initiative_id}:")
    assert correlation == cause


def test_what_one_command_saves_shares_its_correlation(built: tuple[Container, Town]) -> None:
    container, town = built
    app = container.services
    need = make_need(app, town)
    need = app.needs.assign(need.id, "sc", need.version, town.coordinator, reason="地区担当")
    place = make_resource(app, town.coordinator)
    need = app.matching.propose(need.id, place.id, "近い", need.version, town.coordinator)

    with correlated("confirm-1"):
        app.matching.confirm(
            need.id, date(2026, 12, 1), need.version, town.coordinator, reason="本人が希望"
        )

    confirmed = container.store.stream(need.id)[-1]
    enrolled = container.store.stream(place.id)[-1]
    assert isinstance(confirmed, Need.MatchConfirmed)
    assert isinstance(enrolled, Resource.Enrolled)
    assert provenance_of(confirmed) == provenance_of(enrolled) == ("confirm-1", None)
    assert confirmed.reason == "本人が希望"
    assigned = container.store.stream(need.id)[1]
    assert isinstance(assigned, Need.CoordinatorAssigned)
    assert assigned.reason == "地区担当"


def test_events_triggered_outside_any_request_have_no_provenance(
    built: tuple[Container, Town],
) -> None:
    container, town = built

    need = make_need(container.services, town)

    assert provenance_of(container.store.stream(need.id)[0]) == (None, None)


def test_a_match_confirmed_before_reasons_existed_loads_without_one(
    built: tuple[Container, Town],
) -> None:
    container, town = built
    app = container.services
    place = make_resource(app, town.coordinator)
    need = make_need(app, town)
    need = app.needs.assign(need.id, "sc", need.version, town.coordinator)
    need = app.matching.propose(need.id, place.id, "近い", need.version, town.coordinator)
    write_event(
        container.store,
        need.id,
        need.version + 1,
        "domain.need:Need.MatchConfirmed",
        {
            "timestamp": datetime(2026, 4, 1, tzinfo=UTC),
            "resource_id": place.id,
            "start_date": date(2026, 4, 2),
            "actor": town.coordinator.user_id,
        },
    )

    loaded = container.store.get(need.id)
    confirmed = container.store.stream(need.id)[-1]

    assert isinstance(loaded, Need)
    assert loaded.status is NeedStatus.MATCHED
    assert isinstance(confirmed, Need.MatchConfirmed)
    assert confirmed.reason is None
    assert provenance_of(confirmed) == (None, None)
