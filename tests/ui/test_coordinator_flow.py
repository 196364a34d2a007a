"""The coordinator's flow on the need page: candidates at once, "assign to me and
propose" in one step, the next step primary, ties explained, open needs by default."""

from __future__ import annotations

import re

from tests.e2e.support import (
    Api,
    District,
    need_in,
    new_client,
    new_district,
    new_need,
    new_resource,
    step,
)
from tests.ui.support import Page, signed_in, version_of


def _candidate(page: Page, resource_id: str) -> str:
    match = re.search(rf'id="candidate-{resource_id}".*?</li>', page.html, re.S)
    assert match, f"candidate {resource_id} not shown"
    return match.group(0)


def _need_in_district(ui: Api, district: District) -> dict[str, object]:
    client = new_client(ui, "coordinator", district)
    return new_need(ui, client, "coordinator")


def test_a_coordinator_sees_ranked_candidates_of_a_raised_need_at_once(ui: Api) -> None:
    district = new_district(ui)
    resource = new_resource(ui, name="すぐ見えるサロン", area_codes=[district.area])
    need = _need_in_district(ui, district)

    page = signed_in(ui.app, "coordinator").get(f"/needs/{need['id']}")

    assert "すぐ見えるサロン" in _candidate(page, str(resource["id"]))
    assert f'action="/needs/{need["id"]}/assign_propose"' in page.html
    assert "自分が担当して提案する" in page


def test_assign_to_me_and_propose_is_one_step(ui: Api) -> None:
    district = new_district(ui)
    resource = new_resource(ui, name="一度で提案サロン", area_codes=[district.area])
    need = _need_in_district(ui, district)
    sc = signed_in(ui.app, "coordinator")
    page = sc.get(f"/needs/{need['id']}")
    ranking = re.search(r'name="ranking" value="([0-9a-f]+)"', page.html)
    assert ranking

    done = sc.post(
        f"/needs/{need['id']}/assign_propose",
        {
            "version": version_of(page, "assign_propose"),
            "resource_id": str(resource["id"]),
            "ranking": ranking.group(1),
            "reason": "近くて曜日が合う",
        },
    )

    assert done.status == 303, done.text[:600]
    after = sc.follow(done)
    assert "このニーズを担当し、資源を提案しました。" in after
    assert "担当コーディネーターの決定" in after
    assert "資源の提案" in after
    current = ui.get(f"/needs/{need['id']}", "coordinator").get_json()
    assert current["status"] == "proposed"
    assert current["assignee"] == "sc"


def test_assign_and_propose_saves_nothing_when_the_proposal_is_refused(ui: Api) -> None:
    need = new_need(ui)
    sc = signed_in(ui.app, "coordinator")
    page = sc.get(f"/needs/{need['id']}")

    refused = sc.post(
        f"/needs/{need['id']}/assign_propose",
        {
            "version": version_of(page, "assign_propose"),
            "resource_id": "00000000-0000-0000-0000-000000000000",
            "reason": "理由",
        },
    )

    assert refused.status in (409, 422)
    current = ui.get(f"/needs/{need['id']}", "coordinator").get_json()
    assert current["status"] == "raised"
    assert current["assignee"] is None


def test_a_care_manager_is_not_offered_the_candidates_of_a_raised_need(ui: Api) -> None:
    need = new_need(ui)

    page = signed_in(ui.app, "care_manager").get(f"/needs/{need['id']}")

    assert "assign_propose" not in page.html
    forbidden = signed_in(ui.app, "care_manager").post(
        f"/needs/{need['id']}/assign_propose", {"version": "1", "reason": "x"}
    )
    assert forbidden.status == 403


def test_candidates_of_the_same_score_say_how_they_are_ordered(ui: Api) -> None:
    district = new_district(ui)
    first = new_resource(ui, name="同点サロンA", area_codes=[district.area])
    second = new_resource(ui, name="同点サロンB", area_codes=[district.area])
    need = _need_in_district(ui, district)

    page = signed_in(ui.app, "coordinator").get(f"/needs/{need['id']}")

    note = _candidate(page, str(first["id"]))
    assert "同点サロンB" in note
    assert "と同点です。空き枠の多い順" in note
    assert "同点サロンA" in _candidate(page, str(second["id"]))


def test_the_next_step_is_primary_and_the_others_wait_collapsed(ui: Api) -> None:
    need = need_in(ui, "proposed")

    page = signed_in(ui.app, "coordinator").get(f"/needs/{need['id']}")

    assert '<details class="action next" open id="action-confirm">' in page.html
    assert "次の操作：" in page
    others = page.html.split('<details class="more-actions">')[1]
    assert 'id="action-decline"' in others
    assert '<details class="action danger" id="action-close">' in others
    assert '<button type="submit" class="danger">' in others


def test_a_paused_need_offers_resuming_first_and_a_closed_one_reopening(ui: Api) -> None:
    paused = need_in(ui, "paused")
    closed = need_in(ui, "closed")
    sc = signed_in(ui.app, "coordinator")

    assert 'class="action next" open id="action-resume"' in sc.get(f"/needs/{paused['id']}").html
    assert 'class="action next" open id="action-reopen"' in sc.get(f"/needs/{closed['id']}").html


def test_closing_asks_for_a_confirmation(ui: Api) -> None:
    need = need_in(ui, "matching")
    cm = signed_in(ui.app, "care_manager")
    page = cm.get(f"/needs/{need['id']}")

    refused = cm.post(
        f"/needs/{need['id']}/close",
        {"version": version_of(page, "close"), "outcome": "withdrawn", "reason": "辞退"},
    )

    assert refused.status == 422
    assert "終結してよいことを確認し、チェックを入れてください。" in refused
    assert ui.get(f"/needs/{need['id']}", "care_manager").get_json()["status"] == "matching"


def test_the_board_shows_open_needs_by_default_and_closed_ones_a_tab_away(ui: Api) -> None:
    district = new_district(ui)
    client = new_client(ui, "coordinator", district)
    open_need = new_need(ui, client, "coordinator")
    closed = new_need(ui, client, "coordinator")
    step(ui, closed, "close", {"outcome": "withdrawn", "reason": "辞退"}, "coordinator")
    sc = signed_in(ui.app, "coordinator")

    default = sc.get("/needs", area=district.area)
    every = sc.get("/needs", area=district.area, status="all")
    only_closed = sc.get("/needs", area=district.area, status="closed")

    assert str(open_need["id"]) in default.html
    assert str(closed["id"]) not in default.html
    assert "該当するニーズ：1 件" in default
    assert str(open_need["id"]) in every.html
    assert str(closed["id"]) in every.html
    assert str(closed["id"]) in only_closed.html
    assert str(open_need["id"]) not in only_closed.html


def test_my_needs_lists_open_needs_only(fresh_ui: Api) -> None:
    closed = need_in(fresh_ui, "matching")
    step(fresh_ui, closed, "close", {"outcome": "withdrawn", "reason": "辞退"}, "care_manager")
    still_open = need_in(fresh_ui, "matching")

    home = signed_in(fresh_ui.app, "coordinator").get("/home")
    mine = home.html.split("<h2>担当しているニーズ")[1].split("</section>")[0]

    assert mine.startswith(' <span class="count">(1)</span>')
    assert str(still_open["id"]) in mine
    assert str(closed["id"]) not in mine
