"""The matching screen on the need page, and the client page with its multi-need plan."""

from __future__ import annotations

import re
from datetime import date
from typing import Any
from uuid import UUID

from application.security import SYSTEM_ACTOR
from domain.values import CareLevel, NeedCategory, Weekday
from interfaces.web.ui.matching import CANDIDATES_SHOWN
from tests.e2e.support import Api
from tests.ui.coordination import client, hidden, need, resource, town
from tests.ui.support import Page, signed_in, version_of


def _candidate_names(page: Page) -> list[str]:
    section = page.html[page.html.index('id="matching"') :]
    section = section[: section.index("</section>")]
    return re.findall(r'<h3><a href="/resources/[0-9a-f-]+">([^<]+)</a></h3>', section)


def _proposals(api: Api, need_id: str) -> list[dict[str, Any]]:
    history = api.container.services.needs.history(UUID(need_id), SYSTEM_ACTOR)
    return [e.data for e in history if e.type == "Need.MatchProposed"]


# -- the matching screen ----------------------------------------------------------------------


def test_the_matching_screen_ranks_candidates_and_explains_each(ui: Api) -> None:
    t = town(ui)
    person = client(t, CareLevel.SUPPORT_1, weekdays=[Weekday.TUE])
    best = resource(t, name="火曜の買い物便", weekdays=[Weekday.TUE])
    elsewhere = resource(t, name="隣町の買い物便", areas=["north"])
    full = resource(t, name="満員の買い物便", capacity=1)
    care_only = resource(t, name="要介護向け買い物便", eligible=[CareLevel.CARE_1])
    taker = need(t, client(t))
    t.app.matching.propose(taker.id, full.id, "空きあり", taker.version, t.coordinator)
    waiting = need(t, client(t))  # proposed while a place was free: it waits once it is taken
    t.app.matching.propose(waiting.id, full.id, "空き待ち", waiting.version, t.coordinator)
    taken = t.app.needs.get(taker.id, t.coordinator)
    t.app.matching.confirm(taker.id, date(2026, 12, 1), taken.version, t.coordinator)
    item = need(t, person)

    page = signed_in(ui.app, "coordinator").get(f"/needs/{item.id}")

    names = _candidate_names(page)
    assert names.index(best.name) < names.index(elsewhere.name)
    assert names.index(elsewhere.name) < names.index(full.name)
    assert names.index(elsewhere.name) < names.index(care_only.name)
    assert "100 点" in page  # the best fits every criterion
    assert "火曜が合う" in page  # the one-line reason, in Japanese
    assert "試験地区は対象外" in page
    assert "満員：提案待ち 1 件" in page  # full: shown with its waitlist, not choosable
    assert "認定区分が対象外" in page
    choosable = re.findall(r"<summary>(.+?)を選ぶ</summary>", page.html)
    assert best.name in choosable
    assert elsewhere.name in choosable
    assert full.name not in choosable
    assert care_only.name not in choosable


def test_choosing_a_candidate_proposes_it_and_records_what_was_shown(ui: Api) -> None:
    t = town(ui)
    first = resource(t, name="一位の買い物便")
    second = resource(t, name="二位の買い物便", areas=["north"])
    item = need(t, client(t))
    sc = signed_in(ui.app, "coordinator")
    page = sc.get(f"/needs/{item.id}")

    done = sc.post(
        f"/needs/{item.id}/propose",
        {
            "version": version_of(page, "propose"),
            "resource_id": str(second.id),
            "ranking": hidden(page, "ranking"),
            "reason": "本人が以前から知っている店の便",
        },
    )

    assert done.status == 303, done.text[:500]
    shown = sc.follow(done)
    assert "資源の提案" in shown
    assert "1位 一位の買い物便" in shown  # the timeline names the ranking shown
    [proposal] = _proposals(ui, str(item.id))
    ranked = [c["resource_id"] for c in proposal["candidates"]]
    assert ranked[:2] == [str(first.id), str(second.id)]
    assert proposal["resource_id"] == second.id


def test_a_ranking_that_changed_meanwhile_is_a_clear_message(ui: Api) -> None:
    t = town(ui)
    chosen = resource(t, name="変わる買い物便")
    item = need(t, client(t))
    sc = signed_in(ui.app, "coordinator")
    page = sc.get(f"/needs/{item.id}")
    t.app.resources.suspend(chosen.id, "担い手の急病", chosen.version, t.coordinator)

    refused = sc.post(
        f"/needs/{item.id}/propose",
        {
            "version": version_of(page, "propose"),
            "resource_id": str(chosen.id),
            "ranking": hidden(page, "ranking"),
            "reason": "近い",
        },
    )

    assert refused.status == 409
    assert "ページを開いた後に候補が変わりました" in refused
    assert "休止中" in refused  # the candidates as they are now
    assert not _proposals(ui, str(item.id))


def test_an_empty_reason_comes_back_next_to_the_chosen_candidate(ui: Api) -> None:
    t = town(ui)
    chosen = resource(t)
    item = need(t, client(t))
    sc = signed_in(ui.app, "coordinator")
    page = sc.get(f"/needs/{item.id}")

    refused = sc.post(
        f"/needs/{item.id}/propose",
        {
            "version": version_of(page, "propose"),
            "resource_id": str(chosen.id),
            "ranking": hidden(page, "ranking"),
            "reason": " ",
        },
    )

    assert refused.status == 422
    assert 'id="propose-1-reason-error"' in refused.html
    assert '<details class="action choose" open>' in refused.html


def test_roles_that_may_not_propose_see_no_matching_screen(ui: Api) -> None:
    t = town(ui)
    resource(t)
    item = need(t, client(t))
    for who in ("supervisor", "auditor", "care_manager"):
        page = signed_in(ui.app, who).get(f"/needs/{item.id}")
        assert page.status in (200, 404)
        assert 'id="matching"' not in page.html


# -- the client page ----------------------------------------------------------------------------


def test_the_client_page_shows_personal_data_only_to_roles_allowed(ui: Api) -> None:
    t = town(ui)
    person = client(t, name="頁 太郎")
    other = need(t, client(t), NeedCategory.MEALS)
    mine = need(t, person, NeedCategory.GARBAGE)

    coordinator = signed_in(ui.app, "coordinator").get(f"/clients/{person.id}")
    supervisor = signed_in(ui.app, "supervisor").get(f"/clients/{person.id}")

    assert "頁 太郎" in coordinator
    assert "頁 太郎" not in supervisor
    assert "あなたの役割では個人情報は表示されません。" in supervisor
    assert f"/needs/{mine.id}" in coordinator.html
    assert f"/needs/{other.id}" not in coordinator.html  # only this client's needs


def test_available_weekdays_are_saved_with_the_version_and_a_stale_form_is_412(ui: Api) -> None:
    t = town(ui)
    person = client(t)
    sc = signed_in(ui.app, "coordinator")
    page = sc.get(f"/clients/{person.id}")
    action = f"/clients/{person.id}/availability"
    version = hidden(page, "version", action)

    saved = sc.post(action, [("version", version), ("weekdays", "mon"), ("weekdays", "thu")])
    assert saved.status == 303
    assert "月・木" in sc.follow(saved)

    stale = sc.post(action, [("version", version), ("weekdays", "fri")])
    assert stale.status == 412
    assert "ほかの人がこの利用者を変更しました" in stale
    assert "sc さんが変更しました（参加できる曜日の記録）" in stale
    assert hidden(stale, "version", action) == str(int(version) + 1)

    empty = sc.post(action, [("version", str(int(version) + 1))])
    assert empty.status == 422
    assert "1つ以上選んでください。" in empty


def test_the_multi_need_plan_covers_the_needs_with_the_fewest_resources(ui: Api) -> None:
    t = town(ui)
    person = client(t)
    both = resource(t, [NeedCategory.SHOPPING, NeedCategory.GARBAGE], name="買い物とゴミ出し")
    resource(t, [NeedCategory.SHOPPING], name="買い物だけ")
    shopping = need(t, person, NeedCategory.SHOPPING)
    garbage = need(t, person, NeedCategory.GARBAGE)
    paperwork = need(t, person, NeedCategory.PAPERWORK)
    sc = signed_in(ui.app, "coordinator")

    page = sc.get(f"/clients/{person.id}")

    assert "提案待ちのニーズ 3 件のうち 2 件を、1 件の資源でカバーできます。" in page
    assert both.name in page
    assert "資源不足：どの資源もカバーしないニーズ" in page
    assert f"/needs/{paperwork.id}" in page.html
    form = f"/clients/{person.id}/plan"
    done = sc.post(
        form,
        [
            *[(k, v) for k in ("need", "need_version", "resource") for v in _plan_values(page, k)],
            ("reason", "退院後の生活をまとめて支える"),
        ],
    )
    assert done.status == 303, done.text[:800]
    assert "2 件のマッチングを提案しました。" in sc.follow(done)
    for item in (shopping, garbage):
        assert t.app.needs.get(item.id, t.coordinator).status.value == "proposed"


def _plan_values(page: Page, name: str) -> list[str]:
    start = page.html.index('/plan" ')
    form = page.html[start : page.html.index("</form>", start)]
    return re.findall(rf'name="{name}" value="([^"]+)"', form)


def test_a_plan_that_changed_meanwhile_is_a_clear_message_not_an_error(ui: Api) -> None:
    t = town(ui)
    person = client(t)
    shop = resource(t, [NeedCategory.SHOPPING])
    first = need(t, person, NeedCategory.SHOPPING)
    need(t, person, NeedCategory.SHOPPING)
    sc = signed_in(ui.app, "coordinator")
    page = sc.get(f"/clients/{person.id}")
    t.app.matching.propose(first.id, shop.id, "先に提案", first.version, t.coordinator)

    refused = sc.post(
        f"/clients/{person.id}/plan",
        [
            *[(k, v) for k in ("need", "need_version", "resource") for v in _plan_values(page, k)],
            ("reason", "まとめて"),
        ],
    )

    assert refused.status in (409, 412)
    assert "ページを開いた後に計画が変わりました" in refused
    assert "まとめて" in refused.html  # the reason typed is kept


def test_a_forged_plan_form_is_answered_with_the_form_again(ui: Api) -> None:
    t = town(ui)
    person = client(t)
    resource(t)
    need(t, person)
    sc = signed_in(ui.app, "coordinator")
    sc.get(f"/clients/{person.id}")

    refused = sc.post(
        f"/clients/{person.id}/plan",
        [("need", "x"), ("need_version", "1"), ("resource", "y"), ("reason", "r")],
    )

    assert refused.status == 422
    assert "フォームの情報が不足しています" in refused


def test_the_client_page_offers_no_forms_to_auditors(ui: Api) -> None:
    t = town(ui)
    person = client(t)
    resource(t)
    need(t, person)

    page = signed_in(ui.app, "auditor").get(f"/clients/{person.id}")

    assert page.status == 200
    assert "<form" not in page.html.split("</header>")[1]


def test_the_need_page_lists_the_first_candidates_and_all_on_request(ui: Api) -> None:
    t = town(ui)
    for i in range(CANDIDATES_SHOWN + 2):
        resource(t, name=f"候補の多い町の買い物便{i:02d}")
    item = need(t, client(t))
    browser = signed_in(ui.app, "coordinator")

    first = browser.get(f"/needs/{item.id}")
    everyone = browser.get(f"/needs/{item.id}", candidates="all")

    total = len(_candidate_names(everyone))
    assert total >= CANDIDATES_SHOWN + 2
    assert _candidate_names(first) == _candidate_names(everyone)[:CANDIDATES_SHOWN]
    assert f"候補 {total} 件のうち上位 {CANDIDATES_SHOWN} 件です。" in first
    assert f"/needs/{item.id}?candidates=all#matching" in first.html
    assert "すべて表示" not in everyone
    # Twenty-two of the same score: each names three of the others and counts the rest.
    assert re.search(r"ほか \d+ 件と同点です。", first.html)
