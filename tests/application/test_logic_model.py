"""The logic-model report: every stage counted from events, per fiscal year and area."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime

import pytest

from application.needs import NeedDTO
from domain.base import recorded_at
from domain.errors import InvalidValueError
from domain.values import (
    CareLevel,
    CouncilTier,
    Milestone,
    NeedCategory,
    OrganizationKind,
    Outcome,
    Progress,
    ServiceType,
    Urgency,
)
from interfaces.bootstrap import Container
from tests.builders import Town, make_client, make_resource, make_town


@contextmanager
def on(day: date, hour: int = 3) -> Iterator[None]:
    """Record events as happening on ``day`` (03:00 UTC is noon in Japan)."""
    with recorded_at(datetime(day.year, day.month, day.day, hour, tzinfo=UTC)):
        yield


def _matched(container: Container, town: Town, raised: date, confirmed: date) -> NeedDTO:
    app = container.services
    resource = make_resource(app, town.coordinator)
    client = make_client(app, town.care_manager)
    with on(raised):
        need = app.needs.raise_need(
            client.id,
            NeedCategory.SHOPPING,
            "買い物",
            "自分で買う",
            Urgency.NORMAL,
            town.care_manager,
        )
        need = app.needs.assign(need.id, "sc", need.version, town.coordinator)
        need = app.matching.propose(need.id, resource.id, "近い", need.version, town.coordinator)
    with on(confirmed):
        return app.matching.confirm(need.id, confirmed, need.version, town.coordinator)


def test_matches_and_days_to_match_fall_in_the_fiscal_year_of_the_match(
    memory_container: Container,
) -> None:
    app = memory_container.services
    town = make_town(app)
    _matched(memory_container, town, date(2026, 3, 20), date(2026, 4, 9))
    _matched(memory_container, town, date(2026, 5, 1), date(2026, 5, 11))
    _matched(memory_container, town, date(2027, 3, 1), date(2027, 4, 2))

    fy2026 = app.oversight.logic_model(2026, town.supervisor)
    fy2025 = app.oversight.logic_model(2025, town.supervisor)

    assert fy2026.outputs["matches_confirmed"] == 2
    assert fy2026.outcomes["median_days_raise_to_match"] == 15.0
    assert fy2026.activities["proposals_made"] == 2  # 2026-05-01 and 2027-03-01
    assert fy2025.activities["proposals_made"] == 1
    assert fy2026.inputs["coordinators_active"] == 1


def test_outcomes_count_goals_achieved_and_care_levels_kept(memory_container: Container) -> None:
    app = memory_container.services
    town = make_town(app)
    need = _matched(memory_container, town, date(2026, 6, 1), date(2026, 6, 10))
    with on(date(2026, 9, 1)):
        need = app.needs.follow_up(
            need.id, "順調", Progress.GOAL_MET, need.version, town.coordinator
        )
        app.needs.close(need.id, Outcome.GOAL_ACHIEVED, "達成", need.version, town.coordinator)
    kept = make_client(app, town.care_manager)
    worse = make_client(app, town.care_manager)
    app.clients.change_care_level(
        kept.id, CareLevel.SUPPORT_1, date(2026, 10, 1), "維持", kept.version, town.care_manager
    )
    app.clients.change_care_level(
        worse.id, CareLevel.CARE_2, date(2026, 10, 1), "悪化", worse.version, town.care_manager
    )

    report = app.oversight.logic_model(2026, town.supervisor, area_code="north")

    assert report.outcomes["needs_closed_goal_achieved"] == 1
    assert report.outcomes["clients_assessed"] == 2
    assert report.outcomes["care_level_maintained_or_improved"] == 1
    assert report.outcomes["care_level_maintained_or_improved_share"] == 0.5


def test_recurrence_counts_the_same_category_again_within_180_days(
    memory_container: Container,
) -> None:
    app = memory_container.services
    town = make_town(app)
    client = make_client(app, town.care_manager)
    for day in (date(2026, 4, 10), date(2026, 8, 1), date(2027, 3, 1)):
        with on(day):
            app.needs.raise_need(
                client.id,
                NeedCategory.GARBAGE,
                "ゴミ出し",
                "自分で出す",
                Urgency.LOW,
                town.care_manager,
            )

    report = app.oversight.logic_model(2026, town.supervisor)

    assert report.outcomes["needs_raised"] == 3
    assert report.outcomes["recurrences_within_180_days"] == 1


def test_network_and_development_fill_inputs_activities_and_outputs(
    memory_container: Container,
) -> None:
    app = memory_container.services
    town = make_town(app)
    with on(date(2026, 4, 2)):
        org = app.organizations.register(
            "北町NPO", OrganizationKind.NPO, ["north", "south"], town.coordinator
        )
        council = app.network.form_council(
            "第1層協議体", CouncilTier.MUNICIPALITY, town.coordinator
        )
        council = app.network.admit_to_council(
            council.id, org.id, date(2026, 4, 2), council.version, town.coordinator
        )
        initiative = app.development.open(
            "移動支援", "north", NeedCategory.TRANSPORT, "通院の足がない", town.coordinator
        )
    org = app.organizations.get(org.id, town.coordinator)
    app.organizations.log_contact(
        org.id, date(2026, 5, 1), "協力依頼", "了承", org.version, town.coordinator
    )
    app.network.record_council_meeting(
        council.id, date(2026, 6, 1), [org.id], ["移動支援"], council.version, town.coordinator
    )
    initiative = app.development.record_milestone(
        initiative.id,
        Milestone.VOLUNTEERS_TRAINED,
        date(2026, 7, 1),
        "研修",
        initiative.version,
        town.coordinator,
        volunteers=12,
    )
    with on(date(2026, 8, 1)):
        app.development.launch(
            initiative.id, "おでかけ号", ServiceType.VISIT_D, initiative.version, town.coordinator
        )

    north = app.oversight.logic_model(2026, town.supervisor, area_code="north")
    everywhere = app.oversight.logic_model(2026, town.supervisor)

    assert north.inputs["organizations_in_network"] == 1
    assert north.inputs["councils"] == 1
    assert north.inputs["active_resources"] == 1
    assert north.activities["contacts_logged"] == 1
    assert north.activities["council_meetings"] == 1
    assert north.activities["initiatives_opened"] == 1
    assert north.outputs["resources_launched"] == 1
    assert (north.outputs["volunteer_trainings"], north.outputs["volunteers_trained"]) == (1, 12)
    # The organization covers two areas: the whole municipality counts its contact once.
    assert everywhere.activities["contacts_logged"] == 1
    assert everywhere.inputs["organizations_in_network"] == 1


def test_fiscal_years_far_away_are_refused(memory_container: Container) -> None:
    app = memory_container.services
    town = make_town(app)

    with pytest.raises(InvalidValueError):
        app.oversight.logic_model(1999, town.supervisor)
