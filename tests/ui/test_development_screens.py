"""Resource development (資源開発): initiatives from gap to launch, and the gaps report."""

from __future__ import annotations

import csv
import io
import re
from datetime import date

from application.development import InitiativeDTO
from domain.values import Milestone, NeedCategory, NeedStatus
from tests.e2e.support import Api, new_organization
from tests.ui.coordination import Town, client, hidden, need, town
from tests.ui.support import Browser, Page, signed_in


def _open(t: Town, category: NeedCategory = NeedCategory.GARBAGE) -> InitiativeDTO:
    return t.app.development.open(
        "ごみ出し支援の担い手づくり", t.area, category, "集積所が遠い団地の支援", t.coordinator
    )


def _act(sc: Browser, initiative_id: object, action: str, **fields: str) -> Page:
    url = f"/initiatives/{initiative_id}"
    page = sc.get(url)
    version = hidden(page, "version", f"{url}/{action}")
    return sc.post(f"{url}/{action}", {"version": version, **fields})


def test_a_coordinator_opens_an_initiative_and_bad_input_comes_back(ui: Api) -> None:
    t = town(ui)
    sc = signed_in(ui.app, "coordinator")
    form = sc.get("/initiatives/new", area=t.area, category="garbage")
    assert 'value="garbage" selected' in form.html  # prefilled from the gap's need page

    refused = sc.post(
        "/initiatives/new",
        {"key": "k1", "title": "", "area": "nowhere", "category": "garbage", "description": "d"},
    )
    assert refused.status == 422
    assert 'id="title-error"' in refused.html
    assert 'id="area-error"' in refused.html
    assert 'value="garbage" selected' in refused.html  # the input is kept

    opened = sc.post(
        "/initiatives/new",
        {
            "key": "k1",
            "title": "団地のごみ出し",
            "area": t.area,
            "category": "garbage",
            "description": "集積所が遠い",
        },
    )
    assert opened.status == 303
    detail = sc.follow(opened)
    assert "取組を始めました。" in detail
    assert "進行中" in detail
    listed = sc.get("/initiatives", area=t.area)
    assert "団地のごみ出し" in listed


def test_linking_launching_and_the_needs_become_ready_to_match(ui: Api) -> None:
    t = town(ui)
    initiative = _open(t)
    gap = need(t, client(t), NeedCategory.GARBAGE, status="resource_gap")
    other = need(t, client(t), NeedCategory.MEALS, status="resource_gap")
    partner = new_organization(ui, name="西町自治会", area_codes=[t.area])
    sc = signed_in(ui.app, "coordinator")

    page = sc.get(f"/initiatives/{initiative.id}")
    assert f'value="{gap.id}"' in page.html  # a gap of the same category is offered
    assert f'value="{other.id}"' not in page.html

    assert _act(sc, initiative.id, "link", need_id=str(gap.id)).status == 303
    assert t.app.needs.get(gap.id, t.coordinator).status is NeedStatus.IN_DEVELOPMENT
    assert _act(sc, initiative.id, "partner", organization_id=partner["id"]).status == 303
    done = _act(
        sc,
        initiative.id,
        "milestone",
        milestone="volunteers_trained",
        on="2026-10-01",
        note="養成講座（全2回）",
        volunteers="12",
    )
    assert done.status == 303
    launched = _act(
        sc,
        initiative.id,
        "launch",
        name="団地ごみ出しサポーター",
        service_type="visit_b",
        categories="garbage",
        area_codes=t.area,
        capacity="10",
    )
    assert launched.status == 303

    page = sc.get(f"/initiatives/{initiative.id}")
    assert "資源創出" in page
    assert "団地ごみ出しサポーター" in page
    assert "マッチング可能" in page  # the linked need, released by the process manager
    assert "ボランティア 12 人" in page
    assert "西町自治会" in page
    assert "<form" not in page.html.split('id="needs"')[1]  # an ended initiative offers nothing
    board = sc.get("/needs", area=t.area, status="resource_created")
    assert f"/needs/{gap.id}" in board.html
    assert "マッチング可能" in board  # "ready to match" on the case board
    home = sc.get("/home")
    assert "マッチング可能：新しい資源が創出されたニーズ" in home
    need_page = sc.get(f"/needs/{gap.id}")
    assert "このニーズのために新しい資源が創出されました" in need_page
    assert "団地ごみ出しサポーター" in need_page  # proposable right there


def test_unlinking_and_abandoning_return_the_needs_to_resource_gap(ui: Api) -> None:
    t = town(ui)
    initiative = _open(t)
    first = need(t, client(t), NeedCategory.GARBAGE, status="resource_gap")
    second = need(t, client(t), NeedCategory.GARBAGE, status="resource_gap")
    for item in (first, second):
        current = t.app.development.get(initiative.id, t.coordinator)
        t.app.development.link_need(initiative.id, item.id, current.version, t.coordinator)
    sc = signed_in(ui.app, "coordinator")

    refused = _act(sc, initiative.id, "unlink", need_id=str(first.id), reason="")
    assert refused.status == 422
    assert 'id="unlink-' in refused.html
    assert (
        _act(sc, initiative.id, "unlink", need_id=str(first.id), reason="本人が転居").status == 303
    )
    assert t.app.needs.get(first.id, t.coordinator).status is NeedStatus.RESOURCE_GAP
    assert _act(sc, initiative.id, "abandon", reason="担い手が見つからない").status == 303

    page = sc.get(f"/initiatives/{initiative.id}")
    assert "中止" in page
    assert "本人が転居" in page  # the reason of the unlink stays readable
    assert t.app.needs.get(second.id, t.coordinator).status is NeedStatus.RESOURCE_GAP
    timeline = sc.get(f"/needs/{second.id}")
    assert "取組の中止：担い手が見つからない" in timeline  # the system's reason, in Japanese


def test_milestone_and_link_refusals_are_clear_messages(ui: Api) -> None:
    t = town(ui)
    initiative = _open(t)
    meals = need(t, client(t), NeedCategory.MEALS, status="resource_gap")
    sc = signed_in(ui.app, "coordinator")

    volunteers = _act(
        sc,
        initiative.id,
        "milestone",
        milestone="pilot_started",
        on="2026-10-01",
        note="n",
        volunteers="3",
    )
    assert volunteers.status == 422
    assert "人数を数えるのはボランティア養成のときだけです" in volunteers
    missing = _act(
        sc, initiative.id, "milestone", milestone="volunteers_trained", on="2026-10-01", note="n"
    )
    assert "養成したボランティアの人数を入力してください。" in missing
    wrong = _act(sc, initiative.id, "link", need_id=str(meals.id))
    assert wrong.status == 409
    assert "取組と同じ分類のニーズだけです" in wrong
    bad_date = _act(sc, initiative.id, "milestone", milestone="pilot_started", on="10/1", note="n")
    assert bad_date.status == 422
    assert t.app.development.get(initiative.id, t.coordinator).milestones == ()


def test_a_stale_initiative_form_is_412_and_keeps_the_input(ui: Api) -> None:
    t = town(ui)
    initiative = _open(t)
    sc = signed_in(ui.app, "coordinator")
    url = f"/initiatives/{initiative.id}"
    page = sc.get(url)
    version = hidden(page, "version", f"{url}/milestone")
    t.app.development.record_milestone(
        initiative.id,
        Milestone.COUNCIL_DISCUSSED,
        date(2026, 9, 1),
        "協議体で合意",
        initiative.version,
        t.coordinator,
    )

    refused = sc.post(
        f"{url}/milestone",
        {
            "version": version,
            "milestone": "pilot_started",
            "on": "2026-10-01",
            "note": "試行を開始",
        },
    )

    assert refused.status == 412
    assert "この取組はほかの人が変更しました" in refused
    assert "sc さんが変更しました（節目の記録）" in refused  # who, and what they did
    assert "試行を開始" in refused.html
    assert hidden(refused, "version", f"{url}/milestone") == str(int(version) + 1)


def test_auditors_and_supervisors_see_initiatives_without_any_form(ui: Api) -> None:
    t = town(ui)
    initiative = _open(t)
    for who in ("auditor", "supervisor"):
        page = signed_in(ui.app, who).get(f"/initiatives/{initiative.id}")
        assert page.status == 200
        assert "<form" not in page.html.split("</header>")[1]
        listing = signed_in(ui.app, who).get("/initiatives")
        assert "取組を始める" not in listing


# -- gaps --------------------------------------------------------------------------------------


def test_the_gaps_page_has_a_heat_map_table_and_csv_per_chart(ui: Api) -> None:
    t = town(ui)
    need(t, client(t), NeedCategory.GARBAGE, status="resource_gap")
    need(t, client(t), NeedCategory.GARBAGE, status="resource_gap")
    boss = signed_in(ui.app, "supervisor")

    page = boss.get("/gaps", area=t.area)

    assert page.status == 200
    assert '<svg class="chart" id="chart-gaps"' in page.html
    assert '<svg class="chart" id="chart-gap-months"' in page.html
    row = re.search(r"<th scope=\"row\">試験地区</th>(.*?)</tr>", page.html)
    assert row
    assert '<td class="num">2</td>' in row.group(1)
    response = boss.client.get(f"/gaps/unmet.csv?area={t.area}")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][0] == "日常生活圏域"
    assert rows[1][0] == "試験地区"
    assert "2" in rows[1]
    monthly = boss.client.get(f"/gaps/monthly.csv?area={t.area}")
    months = list(csv.reader(io.StringIO(monthly.get_data(as_text=True).lstrip("\ufeff"))))
    assert sum(int(m[1]) for m in months[1:]) == 2  # two became unmet
    assert months[-1][3] == "2"  # and are unmet at the end of this month


def test_care_managers_may_not_see_the_gaps_report(ui: Api) -> None:
    assert signed_in(ui.app, "care_manager").get("/gaps").status == 403
    assert signed_in(ui.app, "supervisor").get("/gaps/nothing.csv").status == 404
