"""An organization's page reads only what it shows: its row of the network counted in
the view (the same figures as the network overview), its resources a page at a time."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

import application.organizations as organizations
from domain.values import CouncilTier, NeedCategory, OrganizationKind, ServiceType
from interfaces.bootstrap import Settings, bootstrap
from tests.builders import make_town


def test_the_page_counts_as_the_overview_and_pages_its_resources(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(organizations, "RESOURCES_PER_PAGE", 2)
    container = bootstrap(settings, clock=lambda: datetime(2026, 11, 27, tzinfo=UTC))
    try:
        app = container.services
        town = make_town(app)
        club, other = (
            app.organizations.register(
                name, OrganizationKind.SENIORS_CLUB, ["north"], town.coordinator
            )
            for name in ("北町老人クラブ", "南町NPO")
        )
        for name in ("第1層協議体", "第1層協議体（予備）"):
            council = app.network.form_council(name, CouncilTier.MUNICIPALITY, town.coordinator)
            app.network.admit_to_council(
                council.id, club.id, date(2026, 4, 3), council.version, town.coordinator
            )
        club = app.organizations.get(club.id, town.coordinator)
        for day in (date(2026, 11, 1), date(2026, 5, 1), date(2026, 11, 20)):
            club = app.organizations.log_contact(
                club.id, day, "相談", "協力を得られる", club.version, town.coordinator
            )
        for owner, name in ((club, "見守りA"), (club, "見守りB"), (club, "見守りC"), (other, "他")):
            app.resources.register(
                name,
                ServiceType.VISIT_B,
                [NeedCategory.WATCH_OVER],
                ["north"],
                town.coordinator,
                organization_id=owner.id,
            )

        first = app.organizations.page(club.id, town.supervisor)
        second = app.organizations.page(club.id, town.supervisor, resources_page=2)

        [row] = [o for o in app.network.overview(town.supervisor).organizations if o.id == club.id]
        assert first.network == row
        assert (row.recent_contacts, row.resources, row.last_contact_on) == (
            2,
            3,
            date(2026, 11, 20),
        )
        assert len(row.councils) == 2
        assert [r.name for r in first.resources.items] == ["見守りA", "見守りB"]
        assert [r.name for r in second.resources.items] == ["見守りC"]
        assert (first.resources.total, first.resources.pages) == (3, 2)
        assert len(first.contacts) == 3
        assert app.organizations.page(club.id, town.care_manager).network is None
    finally:
        container.close()
