"""Resource development: initiatives, linked needs, launch and abandon."""

from __future__ import annotations

from datetime import date

import pytest

from application.board import NeedFilter
from application.development import InitiativeDTO, InitiativeFilter
from application.errors import PermissionDeniedError
from application.needs import NeedDTO
from domain.development import InitiativeTransitionError
from domain.errors import InvalidValueError
from domain.values import (
    InitiativeStatus,
    Milestone,
    NeedCategory,
    NeedStatus,
    ServiceType,
    Urgency,
)
from interfaces.bootstrap import Container
from tests.builders import Town, make_client, make_need, make_town


def _gap(container: Container, town: Town) -> NeedDTO:
    app = container.services
    need = make_need(app, town)
    need = app.needs.assign(need.id, "sc", need.version, town.coordinator)
    return app.matching.record_gap(need.id, "近くにサロンがない", need.version, town.coordinator)


def _initiative(container: Container, town: Town) -> InitiativeDTO:
    return container.services.development.open(
        "北地区サロン立ち上げ",
        "north",
        NeedCategory.SOCIAL_PARTICIPATION,
        "通いの場が徒歩圏にない",
        town.coordinator,
    )


def test_linking_a_gap_puts_the_need_in_development(memory_container: Container) -> None:
    app = memory_container.services
    town = make_town(app)
    gap = _gap(memory_container, town)
    initiative = _initiative(memory_container, town)

    initiative = app.development.link_need(
        initiative.id, gap.id, initiative.version, town.coordinator
    )

    need = app.needs.get(gap.id, town.coordinator)
    assert need.status is NeedStatus.IN_DEVELOPMENT
    assert need.initiative_id == initiative.id
    assert initiative.need_ids == (gap.id,)


def test_launching_moves_every_waiting_need_to_resource_created(
    memory_container: Container,
) -> None:
    app = memory_container.services
    town = make_town(app)
    gaps = [_gap(memory_container, town) for _ in range(2)]
    initiative = _initiative(memory_container, town)
    for gap in gaps:
        initiative = app.development.link_need(
            initiative.id, gap.id, initiative.version, town.coordinator
        )

    launched = app.development.launch(
        initiative.id,
        "ふれあいサロン北",
        ServiceType.GATHERING_PLACE,
        initiative.version,
        town.coordinator,
        capacity=12,
    )

    assert launched.status is InitiativeStatus.LAUNCHED
    assert launched.resource_id is not None
    for gap in gaps:
        need = app.needs.get(gap.id, town.coordinator)
        assert need.status is NeedStatus.RESOURCE_CREATED
        assert need.resource_id == launched.resource_id
    board = app.board.board(NeedFilter(status=NeedStatus.RESOURCE_CREATED), town.coordinator)
    assert {row.id for row in board.items} == {gap.id for gap in gaps}
    resource = app.resources.get(launched.resource_id, town.coordinator)
    assert NeedCategory.SOCIAL_PARTICIPATION in resource.categories
    assert resource.area_codes == ("north",)


def test_a_created_resource_can_be_proposed_to_the_waiting_need(
    memory_container: Container,
) -> None:
    app = memory_container.services
    town = make_town(app)
    gap = _gap(memory_container, town)
    initiative = _initiative(memory_container, town)
    initiative = app.development.link_need(
        initiative.id, gap.id, initiative.version, town.coordinator
    )
    launched = app.development.launch(
        initiative.id,
        "ふれあいサロン北",
        ServiceType.GATHERING_PLACE,
        initiative.version,
        town.coordinator,
    )
    need = app.needs.get(gap.id, town.coordinator)
    assert launched.resource_id is not None

    need = app.matching.propose(
        need.id, launched.resource_id, "新しいサロン", need.version, town.coordinator
    )
    need = app.matching.confirm(need.id, date(2026, 12, 1), need.version, town.coordinator)

    assert need.status is NeedStatus.MATCHED


def test_abandoning_returns_waiting_needs_to_the_gap(memory_container: Container) -> None:
    app = memory_container.services
    town = make_town(app)
    gap = _gap(memory_container, town)
    initiative = _initiative(memory_container, town)
    initiative = app.development.link_need(
        initiative.id, gap.id, initiative.version, town.coordinator
    )

    app.development.abandon(
        initiative.id, "担い手が集まらない", initiative.version, town.coordinator
    )

    need = app.needs.get(gap.id, town.coordinator)
    assert need.status is NeedStatus.RESOURCE_GAP
    assert need.initiative_id is None


def test_unlinking_a_need_makes_it_a_gap_again(memory_container: Container) -> None:
    app = memory_container.services
    town = make_town(app)
    gap = _gap(memory_container, town)
    initiative = _initiative(memory_container, town)
    initiative = app.development.link_need(
        initiative.id, gap.id, initiative.version, town.coordinator
    )

    initiative = app.development.unlink_need(
        initiative.id, gap.id, "別の地区の取組へ", initiative.version, town.coordinator
    )

    assert initiative.need_ids == ()
    assert app.needs.get(gap.id, town.coordinator).status is NeedStatus.RESOURCE_GAP


def test_a_need_of_another_category_cannot_be_linked(memory_container: Container) -> None:
    app = memory_container.services
    town = make_town(app)
    client = make_client(app, town.care_manager)
    need = app.needs.raise_need(
        client.id,
        NeedCategory.GARBAGE,
        "ゴミ出し困難",
        "自分で出す",
        Urgency.LOW,
        town.care_manager,
    )
    need = app.needs.assign(need.id, "sc", need.version, town.coordinator)
    need = app.matching.record_gap(need.id, "支援なし", need.version, town.coordinator)
    initiative = _initiative(memory_container, town)

    with pytest.raises(InvalidValueError):
        app.development.link_need(initiative.id, need.id, initiative.version, town.coordinator)


def test_an_ended_initiative_refuses_changes(memory_container: Container) -> None:
    app = memory_container.services
    town = make_town(app)
    initiative = _initiative(memory_container, town)
    initiative = app.development.abandon(
        initiative.id, "中止", initiative.version, town.coordinator
    )

    with pytest.raises(InitiativeTransitionError):
        app.development.record_milestone(
            initiative.id,
            Milestone.PILOT_STARTED,
            date(2026, 11, 1),
            "試行",
            initiative.version,
            town.coordinator,
        )


def test_only_coordinators_open_initiatives(memory_container: Container) -> None:
    app = memory_container.services
    town = make_town(app)

    with pytest.raises(PermissionDeniedError):
        app.development.open("x", "north", NeedCategory.SHOPPING, "x", town.supervisor)


def test_initiatives_and_gaps_are_listed(memory_container: Container) -> None:
    app = memory_container.services
    town = make_town(app)
    gap = _gap(memory_container, town)
    initiative = _initiative(memory_container, town)
    app.development.link_need(initiative.id, gap.id, initiative.version, town.coordinator)

    rows = app.development.list_initiatives(
        InitiativeFilter(status=InitiativeStatus.OPEN), town.supervisor
    )
    report = app.development.gap_report(town.supervisor)

    assert [(r.id, r.waiting_needs) for r in rows] == [(initiative.id, 1)]
    assert [(c.area_code, c.category, c.unmet) for c in report.current] == [
        ("north", NeedCategory.SOCIAL_PARTICIPATION, 1)
    ]
    assert [(m.opened, m.resolved, m.unmet_at_end) for m in report.months] == [(1, 0, 1)]


def test_a_gap_month_is_counted_in_japan_time(memory_container: Container) -> None:
    from datetime import UTC, datetime

    from domain.base import recorded_at

    app = memory_container.services
    town = make_town(app)
    need = make_need(app, town)
    need = app.needs.assign(need.id, "sc", need.version, town.coordinator)
    # 2026-04-30 16:00 UTC is already May 1st in Japan.
    with recorded_at(datetime(2026, 4, 30, 16, tzinfo=UTC)):
        app.matching.record_gap(need.id, "該当なし", need.version, town.coordinator)

    [month] = app.development.gap_report(town.supervisor).months
    assert month.month == "2026-05"
