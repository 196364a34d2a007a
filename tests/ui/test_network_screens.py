"""Network building (ネットワーク構築): organizations, councils and their meetings, the overview."""

from __future__ import annotations

import csv
import io
from datetime import date
from uuid import UUID

from application.network import CouncilDTO
from domain.values import CouncilTier, NeedCategory, OrganizationKind, ServiceType
from tests.e2e.support import Api, unique
from tests.ui.coordination import Town, client, hidden, need, resource, town
from tests.ui.support import Browser, Page, signed_in


def _organization(t: Town, name: str | None = None) -> UUID:
    org = t.app.organizations.register(
        name or unique("自治会"), OrganizationKind.NEIGHBOURHOOD_ASSOC, [t.area], t.coordinator
    )
    return org.id


def _council(t: Town, *members: UUID) -> CouncilDTO:
    council = t.app.network.form_council(
        unique("支え合い会議"), CouncilTier.AREA, t.coordinator, t.area
    )
    for org in members:
        council = t.app.network.admit_to_council(
            council.id, org, date(2026, 4, 1), council.version, t.coordinator
        )
    return council


def _act(sc: Browser, council_id: UUID, action: str, data: list[tuple[str, str]]) -> Page:
    url = f"/councils/{council_id}"
    page = sc.get(url)
    version = hidden(page, "version", f"{url}/{action}")
    return sc.post(f"{url}/{action}", [("version", version), *data])


# -- organizations ------------------------------------------------------------------------------


def test_the_directory_filters_and_shows_each_organizations_network(ui: Api) -> None:
    t = town(ui)
    org = _organization(t, "北町サロンの会-" + unique("x"))
    _council(t, org)
    sc = signed_in(ui.app, "coordinator")

    found = sc.get("/organizations", q="北町サロンの会", kind="neighbourhood_assoc")
    assert f"/organizations/{org}" in found.html
    assert "接触（90日）" in found  # the network columns, for those who read reports
    assert f"/organizations/{org}" not in sc.get("/organizations", kind="npo").html
    care_manager = signed_in(ui.app, "care_manager").get("/organizations")
    assert care_manager.status == 200
    assert "接触（90日）" not in care_manager


def test_a_coordinator_logs_a_contact_and_sees_it_with_councils_and_resources(ui: Api) -> None:
    t = town(ui)
    org = _organization(t)
    council = _council(t, org)
    run = t.app.resources.register(
        unique("見守り"),
        ServiceType.OTHER_SUPPORT,
        [NeedCategory.WATCH_OVER],
        [t.area],
        t.coordinator,
        organization_id=org,
    )
    sc = signed_in(ui.app, "coordinator")
    url = f"/organizations/{org}"
    page = sc.get(url)
    assert council.name in page
    assert run.name in page

    refused = sc.post(
        f"{url}/contact",
        {"version": hidden(page, "version"), "on": "2026-10-01", "purpose": "", "outcome": "x"},
    )
    assert refused.status == 422
    assert 'id="contact-purpose-error"' in refused.html
    done = sc.post(
        f"{url}/contact",
        {
            "version": hidden(page, "version"),
            "on": "2026-10-01",
            "purpose": "見守り協力の依頼",
            "outcome": "次回の定例会で検討",
        },
    )
    assert done.status == 303
    shown = sc.follow(done)
    assert "接触を記録しました。" in shown
    assert "見守り協力の依頼" in shown
    assert "次回の定例会で検討" in shown

    stale = sc.post(
        f"{url}/contact",
        {"version": hidden(page, "version"), "on": "2026-10-02", "purpose": "p", "outcome": "o"},
    )
    assert stale.status == 412
    assert "ほかの人がこの主体を変更しました" in stale


def test_contacts_are_not_shown_to_care_managers_nor_offered_to_auditors(ui: Api) -> None:
    t = town(ui)
    org = _organization(t)
    current = t.app.organizations.get(org, t.coordinator)
    t.app.organizations.log_contact(
        org, date(2026, 10, 1), "秘密の相談", "継続", current.version, t.coordinator
    )

    care_manager = signed_in(ui.app, "care_manager").get(f"/organizations/{org}")
    auditor = signed_in(ui.app, "auditor").get(f"/organizations/{org}")

    assert "秘密の相談" not in care_manager
    assert "秘密の相談" in auditor
    assert "<form" not in auditor.html.split("</header>")[1]


def test_a_coordinator_registers_an_organization(ui: Api) -> None:
    t = town(ui)
    sc = signed_in(ui.app, "coordinator")
    sc.get("/organizations/new")
    refused = sc.post("/organizations/new", {"key": "o1", "name": "x", "kind": "npo"})
    assert refused.status == 422
    assert 'id="area_codes-error"' in refused.html
    name = unique("NPO法人つなぐ")
    done = sc.post(
        "/organizations/new",
        [("key", "o1"), ("name", name), ("kind", "npo"), ("area_codes", t.area)],
    )
    assert done.status == 303
    assert name in sc.follow(done)


# -- councils -----------------------------------------------------------------------------------


def test_forming_a_council_explains_tier_and_area(ui: Api) -> None:
    t = town(ui)
    sc = signed_in(ui.app, "coordinator")
    sc.get("/councils")

    refused = sc.post("/councils", {"key": "c1", "name": "会議", "tier": "area", "area_code": ""})
    assert refused.status == 422
    assert "第2層の協議体は一つの圏域に属します" in refused
    name = unique("第2層協議体")
    done = sc.post("/councils", {"key": "c1", "name": name, "tier": "area", "area_code": t.area})
    assert done.status == 303
    assert name in sc.follow(done)
    assert signed_in(ui.app, "supervisor").post("/councils", {"name": "x"}).status == 403


def test_members_join_and_leave_and_a_meeting_is_recorded(ui: Api) -> None:
    t = town(ui)
    member, newcomer = _organization(t, "既存の会員"), _organization(t, "新しい会員")
    council = _council(t, member)
    gap = need(t, client(t), NeedCategory.GARBAGE, status="resource_gap")
    sc = signed_in(ui.app, "coordinator")

    joined = _act(
        sc, council.id, "admit", [("organization_id", str(newcomer)), ("on", "2026-10-01")]
    )
    assert joined.status == 303
    assert "主体の加入を記録しました。" in sc.follow(joined)
    again = _act(
        sc, council.id, "admit", [("organization_id", str(newcomer)), ("on", "2026-10-01")]
    )
    assert again.status == 409
    assert "この主体はすでに構成員です。" in again

    recorded = _act(
        sc,
        council.id,
        "meeting",
        [
            ("held_on", "2026-10-20"),
            ("attendees", str(member)),
            ("attendees", str(newcomer)),
            ("topics", "ごみ出しの困りごと\n担い手の募集"),
            ("need_ids", str(gap.id)),
            ("gaps", f"{t.area}|garbage"),
            ("note", "次回までに自治会で声かけ"),
        ],
    )
    assert recorded.status == 303, recorded.text[:800]
    page = sc.follow(recorded)
    assert "開催を記録しました。" in page
    assert "担い手の募集" in page
    assert gap.client_code in page  # the need discussed
    assert "試験地区 × ゴミ出し" in page  # the gap discussed

    left = _act(
        sc,
        council.id,
        "release",
        [("organization_id", str(member)), ("on", "2026-11-01"), ("reason", "活動休止")],
    )
    assert left.status == 303
    assert t.app.network.get_council(council.id, t.coordinator).member_ids == (newcomer,)


def test_meeting_input_problems_come_back_with_the_form(ui: Api) -> None:
    t = town(ui)
    member, stranger = _organization(t), _organization(t)
    council = _council(t, member)
    sc = signed_in(ui.app, "coordinator")

    no_topic = _act(sc, council.id, "meeting", [("held_on", "2026-10-20"), ("topics", " ")])
    assert no_topic.status == 422
    assert 'id="topics-error"' in no_topic.html
    outsider = _act(
        sc,
        council.id,
        "meeting",
        [("held_on", "2026-10-20"), ("attendees", str(stranger)), ("topics", "議題")],
    )
    assert outsider.status in (409, 422)
    assert "出席できるのは構成員だけです" in outsider
    forged = _act(sc, council.id, "meeting", [("held_on", "x"), ("gaps", "nowhere|flying")])
    assert forged.status == 422
    assert t.app.network.get_council(council.id, t.coordinator).meetings == 0


def test_auditors_read_councils_without_any_form(ui: Api) -> None:
    t = town(ui)
    council = _council(t, _organization(t))

    page = signed_in(ui.app, "auditor").get(f"/councils/{council.id}")
    listing = signed_in(ui.app, "auditor").get("/councils")

    assert page.status == 200
    assert "<form" not in page.html.split("</header>")[1]
    assert "<form" not in listing.html.split("</header>")[1]


# -- the overview -------------------------------------------------------------------------------


def test_the_network_overview_charts_active_organizations_and_new_ties(ui: Api) -> None:
    t = town(ui)
    org = _organization(t)
    _council(t, org)
    resource(t)
    boss = signed_in(ui.app, "supervisor")

    page = boss.get("/network")

    assert page.status == 200
    assert '<svg class="chart" id="chart-active"' in page.html
    assert '<svg class="chart" id="chart-ties"' in page.html
    response = boss.client.get("/network/active.csv")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == ["日常生活圏域", "活動中の主体"]
    assert ["試験地区", "1"] in rows
    ties = boss.client.get("/network/ties.csv").get_data(as_text=True)
    assert "試験地区" in ties
    assert signed_in(ui.app, "care_manager").get("/network").status == 403
