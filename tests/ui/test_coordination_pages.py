"""Every screen of issue 4, for every role that may open it: one h1, every field labelled
and with its own id, no English left on a Japanese screen, and no action for auditors."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from domain.values import CouncilTier, NeedCategory, OrganizationKind
from tests.e2e.support import Api
from tests.ui.coordination import client, need, resource, town
from tests.ui.support import signed_in
from tests.ui.test_accessibility import _fields_of, _unlabelled
from tests.ui.test_i18n import _english_phrases


@dataclass(frozen=True)
class Places:
    need: str
    client: str
    initiative: str
    organization: str
    council: str


@pytest.fixture(scope="module")
def places(ui: Api) -> Places:
    t = town(ui)
    person = client(t)
    resource(t, [NeedCategory.SHOPPING, NeedCategory.GARBAGE])
    item = need(t, person, NeedCategory.SHOPPING)
    need(t, person, NeedCategory.GARBAGE)
    gap = need(t, client(t), NeedCategory.MEALS, status="resource_gap")
    initiative = t.app.development.open(
        "配食の担い手", t.area, NeedCategory.MEALS, "d", t.coordinator
    )
    t.app.development.link_need(initiative.id, gap.id, initiative.version, t.coordinator)
    org = t.app.organizations.register(
        "試験の自治会", OrganizationKind.NEIGHBOURHOOD_ASSOC, [t.area], t.coordinator
    )
    t.app.organizations.log_contact(
        org.id, date(2026, 10, 1), "協力の相談", "前向き", org.version, t.coordinator
    )
    council = t.app.network.form_council(
        "試験の支え合い会議", CouncilTier.AREA, t.coordinator, t.area
    )
    council = t.app.network.admit_to_council(
        council.id, org.id, date(2026, 4, 1), council.version, t.coordinator
    )
    t.app.network.record_council_meeting(
        council.id, date(2026, 5, 1), [org.id], ["困りごとの共有"], council.version, t.coordinator
    )
    return Places(
        f"/needs/{item.id}",
        f"/clients/{person.id}",
        f"/initiatives/{initiative.id}",
        f"/organizations/{org.id}",
        f"/councils/{council.id}",
    )


PAGES = [
    "need",
    "client",
    "/initiatives",
    "/initiatives/new",
    "initiative",
    "/gaps",
    "/organizations",
    "/organizations/new",
    "organization",
    "/councils",
    "council",
    "/network",
    "/reports/logic-model",
    "/resources/import",
]
ROLES = {
    "coordinator": set(PAGES),
    "supervisor": set(PAGES) - {"/initiatives/new", "/organizations/new", "/resources/import"},
    "auditor": set(PAGES) - {"/initiatives/new", "/organizations/new", "/resources/import"},
    "care_manager": {"/initiatives", "initiative", "/organizations", "organization", "/councils"},
}


def _path(page: str, places: Places) -> str:
    return page if page.startswith("/") else str(getattr(places, page))


@pytest.mark.parametrize("who", sorted(ROLES))
def test_every_new_screen_is_labelled_translated_and_has_one_heading(
    ui: Api, places: Places, who: str
) -> None:
    browser = signed_in(ui.app, who)
    for name in sorted(ROLES[who]):
        path = _path(name, places)
        page = browser.get(path)
        assert page.status == 200, (who, path, page.text[:300])
        missing, h1 = _unlabelled(page.html)
        assert not missing, (who, path, missing)
        assert h1 == 1, (who, path)
        ids = [f.get("id") for f in _fields_of(page.html) if f.get("id")]
        assert len(ids) == len(set(ids)), (who, path, "field ids must be unique")
        assert not _english_phrases(page.text), (who, path, _english_phrases(page.text))
        if who == "auditor":
            assert 'method="post"' not in page.html.split("</header>")[1], path


@pytest.mark.parametrize(
    ("who", "shown", "hidden"),
    [
        ("coordinator", {"資源開発", "ネットワーク", "ロジックモデル"}, set()),
        ("supervisor", {"資源開発", "ネットワーク", "ロジックモデル"}, set()),
        ("auditor", {"資源開発", "ネットワーク", "ロジックモデル"}, set()),
        ("care_manager", set(), {"資源開発", "ネットワーク", "ロジックモデル"}),
    ],
)
def test_the_navigation_offers_the_new_sections_per_role(
    ui: Api, who: str, shown: set[str], hidden: set[str]
) -> None:
    page = signed_in(ui.app, who).get("/home")
    nav = page.html.split('class="main-nav"')[1].split("</nav>")[0]

    assert all(f">{label}<" in nav for label in shown)
    assert not any(f">{label}<" in nav for label in hidden)


def test_the_section_of_a_deep_page_is_marked_in_the_navigation(ui: Api, places: Places) -> None:
    page = signed_in(ui.app, "coordinator").get(places.council)

    assert 'href="/organizations" aria-current="true">ネットワーク<' in page.html
