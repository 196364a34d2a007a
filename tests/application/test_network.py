"""Network building: councils, memberships, meetings, contacts and the network view."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from application.organizations import OrganizationDTO
from domain.errors import InvalidValueError
from domain.values import CouncilTier, NeedCategory, OrganizationKind, ServiceType
from interfaces.bootstrap import Container, Settings, bootstrap
from tests.builders import Town, make_need, make_town


def _org(container: Container, town: Town, name: str = "北町老人クラブ") -> OrganizationDTO:
    return container.services.organizations.register(
        name, OrganizationKind.SENIORS_CLUB, ["north"], town.coordinator
    )


def test_an_organization_joins_a_council_on_both_sides(memory_container: Container) -> None:
    app = memory_container.services
    town = make_town(app)
    org = _org(memory_container, town)
    council = app.network.form_council(
        "北地区協議体", CouncilTier.AREA, town.coordinator, area_code="north"
    )

    council = app.network.admit_to_council(
        council.id, org.id, date(2026, 4, 1), council.version, town.coordinator
    )

    assert council.member_ids == (org.id,)
    assert council.id in memory_container.store.get(org.id).councils  # type: ignore[union-attr]


def test_a_tier_two_council_needs_an_area(memory_container: Container) -> None:
    app = memory_container.services
    town = make_town(app)

    with pytest.raises(InvalidValueError):
        app.network.form_council("協議体", CouncilTier.AREA, town.coordinator)


def test_meetings_record_attendees_topics_needs_and_gaps(memory_container: Container) -> None:
    app = memory_container.services
    town = make_town(app)
    org = _org(memory_container, town)
    need = make_need(app, town)
    council = app.network.form_council("第1層協議体", CouncilTier.MUNICIPALITY, town.coordinator)
    council = app.network.admit_to_council(
        council.id, org.id, date(2026, 4, 1), council.version, town.coordinator
    )

    app.network.record_council_meeting(
        council.id,
        date(2026, 10, 15),
        [org.id],
        ["移動支援の不足"],
        council.version,
        town.coordinator,
        need_ids=[need.id],
        gaps=[("north", NeedCategory.TRANSPORT)],
        note="次回までに担い手候補を探す",
    )

    [meeting] = app.network.council_meetings(council.id, town.auditor)
    assert (meeting.held_on, meeting.attendee_ids, meeting.topics) == (
        date(2026, 10, 15),
        (org.id,),
        ("移動支援の不足",),
    )
    assert meeting.gaps == (("north", NeedCategory.TRANSPORT),)
    [row] = app.network.list_councils(town.supervisor)
    assert (row.members, row.meetings, row.last_meeting_on) == (1, 1, date(2026, 10, 15))


def test_only_members_attend(memory_container: Container) -> None:
    app = memory_container.services
    town = make_town(app)
    stranger = _org(memory_container, town)
    council = app.network.form_council("第1層協議体", CouncilTier.MUNICIPALITY, town.coordinator)

    with pytest.raises(InvalidValueError):
        app.network.record_council_meeting(
            council.id,
            date(2026, 10, 1),
            [stranger.id],
            ["議題"],
            council.version,
            town.coordinator,
        )


def test_the_network_view_shows_councils_contacts_resources_and_ties(
    memory_settings: Settings,
) -> None:
    memory_container = bootstrap(memory_settings, clock=lambda: datetime(2026, 11, 27, tzinfo=UTC))
    app = memory_container.services
    town = make_town(app)
    club = _org(memory_container, town)
    quiet = _org(memory_container, town, "南町NPO")
    council = app.network.form_council("第1層協議体", CouncilTier.MUNICIPALITY, town.coordinator)
    app.network.admit_to_council(
        council.id, club.id, date(2026, 4, 3), council.version, town.coordinator
    )
    club = app.organizations.get(club.id, town.coordinator)  # joining changed it too
    club = app.organizations.log_contact(
        club.id,
        date(2026, 11, 1),
        "担い手の相談",
        "協力を得られる",
        club.version,
        town.coordinator,
    )
    app.organizations.log_contact(
        club.id, date(2026, 5, 1), "挨拶", "顔つなぎ", club.version, town.coordinator
    )
    app.resources.register(
        "老人クラブの見守り",
        ServiceType.VISIT_B,
        [NeedCategory.WATCH_OVER],
        ["north"],
        town.coordinator,
        organization_id=club.id,
    )

    overview = app.network.overview(town.supervisor)

    by_name = {o.name: o for o in overview.organizations}
    assert by_name["北町老人クラブ"].councils == ("第1層協議体",)
    assert by_name["北町老人クラブ"].recent_contacts == 1
    assert by_name["北町老人クラブ"].last_contact_on == date(2026, 11, 1)
    assert by_name["北町老人クラブ"].resources == 1
    assert by_name["南町NPO"].active is False
    [north] = overview.areas
    assert north.active_organizations == 1
    assert dict(north.new_ties) == {"2026-04": 1, "2026-05": 1}
    assert quiet.id not in {o.id for o in overview.organizations if o.active}
