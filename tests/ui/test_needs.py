"""Raising a need, the case board and the need page with its actions."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.e2e.support import (
    Api,
    District,
    need_in,
    new_client,
    new_district,
    new_resource,
    new_user,
    step,
)
from tests.ui.support import Browser, need_id_of, signed_in, version_of

NEED_FORM = {
    "category": "shopping",
    "urgency": "high",
    "description": "膝が痛くスーパーまで歩けない",
    "goal": "自分で選んだ食材で料理する生活を取り戻す",
}


def raise_via_form(browser: Browser, client_id: str, **overrides: Any) -> Any:
    browser.get("/needs/new", client=client_id)
    return browser.post("/needs/new", {"client": client_id, **NEED_FORM, **overrides})


# -- raising --------------------------------------------------------------------------------


def test_a_care_manager_raises_a_need_for_a_client_found_by_kana(ui: Api) -> None:
    client = new_client(ui, name_kana="ツナグ タロウ")
    cm = signed_in(ui.app, "care_manager")

    cm.get("/needs/new")
    found = cm.post("/needs/new", {"q": "つなぐ"})  # hiragana finds katakana
    assert client["display_code"] in found
    assert "ツナグ タロウ" in found  # a care manager finds their own client by name

    page = raise_via_form(cm, client["id"])
    assert page.status == 303
    detail = cm.follow(page)
    assert "ニーズを受け付けました。" in detail
    assert "受付" in detail
    assert "自分で選んだ食材で料理する生活を取り戻す" in detail


def test_a_client_is_found_by_display_code(ui: Api) -> None:
    client = new_client(ui)
    cm = signed_in(ui.app, "care_manager")

    cm.get("/needs/new")
    page = cm.post("/needs/new", {"q": client["display_code"].lower()})

    assert client["display_code"] in page


def test_a_care_manager_does_not_find_clients_of_another_center(ui: Api) -> None:
    client = new_client(
        ui,
        "other_care_manager",
        area_code="south",
        center_code="c-south",
        name_kana="ミナミ ハナコ",
    )
    cm = signed_in(ui.app, "care_manager")
    cm.get("/needs/new")

    assert client["display_code"] not in cm.post("/needs/new", {"q": "ミナミ ハナコ"})


def test_the_client_search_is_sent_in_the_body_not_the_url(ui: Api) -> None:
    client = new_client(ui, name_kana="ウラル タロウ")
    cm = signed_in(ui.app, "care_manager")

    form = cm.get("/needs/new")
    by_url = cm.get("/needs/new", q="ウラル")

    assert re.search(r'<form method="post"[^>]*role="search"', form.html)
    assert by_url.status == 200
    assert client["display_code"] not in by_url
    assert "ウラル" not in by_url.html
    assert client["display_code"] in cm.post("/needs/new", {"q": "ウラル"})


def test_a_search_without_words_lists_nobody_and_asks_for_nothing(ui: Api) -> None:
    cm = signed_in(ui.app, "care_manager")
    cm.get("/needs/new")

    page = cm.post("/needs/new", {"q": "  "})

    assert page.status == 200
    assert "先に利用者を選んでください。" not in page


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("description", "", "入力してください。"),
        ("goal", "   ", "入力してください。"),
        ("category", "flying", "選択肢の中から選んでください。"),
        ("urgency", "", "選んでください。"),
        ("description", "x" * 2001, "2000 文字以内で入力してください。"),
        ("description", "bad\x00text", "制御文字を取り除いてください。"),
    ],
)
def test_a_bad_need_form_comes_back_with_the_input_and_the_message(
    ui: Api, field: str, value: str, message: str
) -> None:
    client = new_client(ui)
    cm = signed_in(ui.app, "care_manager")
    head = ui.head()

    page = raise_via_form(cm, client["id"], **{field: value})

    assert page.status == 422
    assert message in page
    assert f'id="{field}-error"' in page.html
    other = "goal" if field != "goal" else "description"
    assert NEED_FORM[other] in page.html  # the rest of the input is intact
    assert ui.head() == head


def test_sending_the_raise_form_twice_raises_one_need(ui: Api) -> None:
    client = new_client(ui)
    cm = signed_in(ui.app, "care_manager")
    form = cm.get("/needs/new", client=client["id"])
    key = re.search(r'name="key" value="([0-9a-f]+)"', form.html).group(1)  # type: ignore[union-attr]

    first = cm.post("/needs/new", {"client": client["id"], "key": key, **NEED_FORM})
    second = cm.post("/needs/new", {"client": client["id"], "key": key, **NEED_FORM})

    assert need_id_of(first) == need_id_of(second)


def test_registering_a_client_leads_to_raising_their_need(ui: Api) -> None:
    cm = signed_in(ui.app, "care_manager")
    cm.get("/clients/new")
    page = cm.post(
        "/clients/new",
        {
            "name": "試験 花子",
            "name_kana": "シケン ハナコ",
            "birth_date": "1940-02-03",
            "care_level": "support_2",
            "frailty": "1",
            "area": "north",
            "center": "c-north",
        },
    )

    assert page.status == 303
    assert "/needs/new?client=" in page.location
    assert "試験 花子" in cm.follow(page)  # the care manager sees who it is


def test_a_bad_client_form_keeps_the_input(ui: Api) -> None:
    cm = signed_in(ui.app, "care_manager")
    cm.get("/clients/new")
    page = cm.post(
        "/clients/new",
        {
            "name": "試験 花子",
            "name_kana": "",
            "birth_date": "3000-01-01",
            "care_level": "x",
            "area": "north",
            "center": "c-north",
        },
    )

    assert page.status == 422
    assert 'value="試験 花子"' in page.html
    assert "過去の生年月日を入力してください。" in page
    assert "選択肢の中から選んでください。" in page


# -- the case board ---------------------------------------------------------------------------


def _district_needs(ui: Api) -> tuple[District, list[dict[str, Any]]]:
    district = new_district(ui)
    client = new_client(ui, "coordinator", district)
    return district, [
        need_in(ui, status, client=client, who="coordinator")
        for status in ("raised", "matching", "matching", "proposed")
    ]


def test_the_board_counts_needs_per_status_under_the_filters(ui: Api) -> None:
    district, _needs = _district_needs(ui)
    sc = signed_in(ui.app, "coordinator")

    page = sc.get("/needs", center=district.center)

    tabs = dict(
        re.findall(r'status=(\w+)[^"]*"[^>]*>[^<]+<span class="count">(\d+)</span>', page.html)
    )
    assert tabs["raised"] == "1"
    assert tabs["matching"] == "2"
    assert tabs["proposed"] == "1"
    assert tabs["closed"] == "0"
    assert "該当するニーズ：4 件" in page


def test_the_board_filters_by_status_and_shows_codes_never_names(ui: Api) -> None:
    district, _needs = _district_needs(ui)
    sc = signed_in(ui.app, "coordinator")

    page = sc.get("/needs", center=district.center, status="matching")

    assert page.text.count("マッチング中") >= 2
    assert len(page.links(r"/needs/[0-9a-f-]{36}")) == 2
    assert "山田" not in page
    assert "ヤマダ" not in page


def test_stale_needs_stand_out_and_can_be_filtered(ui: Api) -> None:
    from datetime import UTC, datetime, timedelta

    from domain.base import recorded_at

    district = new_district(ui)
    client = new_client(ui, "coordinator", district)
    with recorded_at(datetime.now(UTC) - timedelta(days=40)):
        old = need_in(ui, "raised", client=client, who="coordinator")
    need_in(ui, "raised", client=client, who="coordinator")
    sc = signed_in(ui.app, "coordinator")

    everything = sc.get("/needs", center=district.center)
    assert everything.html.count('class="stale') == 1
    assert "停滞 40 日" in everything

    stale = sc.get("/needs", center=district.center, stale="30")
    assert stale.links(r"/needs/[0-9a-f-]{36}") == [f"/needs/{old['id']}"]


def test_the_board_sorts_urgent_needs_first_and_paginates(ui: Api) -> None:
    district = new_district(ui)
    client = new_client(ui, "coordinator", district)
    urgent = ui.post(
        "/needs",
        {
            "client_id": client["id"],
            "category": "meals",
            "urgency": "high",
            "description": "d",
            "goal": "g",
        },
        "coordinator",
    ).get_json()
    for _ in range(3):
        need_in(ui, "raised", client=client, who="coordinator")
    sc = signed_in(ui.app, "coordinator")

    first = sc.get("/needs", center=district.center, sort="urgency", per_page="10")
    assert first.links(r"/needs/[0-9a-f-]{36}")[0] == f"/needs/{urgent['id']}"
    assert "至急" in first

    small = sc.get("/needs", center=district.center, per_page="1000")  # not offered: 25
    assert len(small.links(r"/needs/[0-9a-f-]{36}")) == 4


def test_a_care_manager_sees_only_their_center(ui: Api) -> None:
    theirs = need_in(ui, "raised", who="care_manager")
    south = new_client(ui, "other_care_manager", area_code="south", center_code="c-south")
    other = need_in(ui, "raised", client=south, who="other_care_manager")
    cm = signed_in(ui.app, "care_manager")

    page = cm.get("/needs", per_page="100", sort="newest")

    assert f"/needs/{theirs['id']}" in page.html
    assert f"/needs/{other['id']}" not in page.html
    assert cm.get(f"/needs/{other['id']}").status == 404


def test_nonsense_board_filters_do_not_break_the_board(ui: Api) -> None:
    sc = signed_in(ui.app, "coordinator")

    page = sc.get("/needs", status="nope", stale="-3", page="zero", sort="sideways", per_page="x")

    assert page.status == 200


# -- the need page ----------------------------------------------------------------------------


def test_a_coordinator_assigns_proposes_confirms_follows_up_and_closes(ui: Api) -> None:
    resource = new_resource(ui, name="北町買い物支援", categories=["shopping"], capacity=3)
    client = new_client(ui)
    need = ui.post(
        "/needs",
        {
            "client_id": client["id"],
            "category": "shopping",
            "urgency": "normal",
            "description": "d",
            "goal": "g",
        },
        "care_manager",
    ).get_json()
    sc = signed_in(ui.app, "coordinator")
    url = f"/needs/{need['id']}"

    def act(action: str, **fields: str) -> Any:
        page = sc.get(url)
        done = sc.post(f"{url}/{action}", {"version": version_of(page, action), **fields})
        assert done.status == 303, done.text[:800]
        return sc.follow(done)

    act("assign", coordinator="sc")
    page = act("propose", resource_id=resource["id"], reason="近くて曜日が合う")
    assert "北町買い物支援" in page
    act("confirm", start_date="2026-12-01")
    act("follow_up", note="毎週通えている", progress="on_track")
    page = act(
        "close", outcome="goal_achieved", reason="自分で買い物に行けるようになった", confirm="1"
    )

    assert "終結" in page
    assert "目標達成（これまでの生活を取り戻した）" in page
    for event in (
        "ニーズの受付",
        "担当コーディネーターの決定",
        "資源の提案",
        "マッチング確定",
        "フォローアップの記録",
        "ニーズの終結",
    ):
        assert event in page
    assert "令和8年12月1日" in page  # the start date, in Japanese (era)


@pytest.mark.parametrize(
    ("who", "expected", "absent"),
    [
        ("coordinator", {"assign", "pause", "close"}, {"reopen", "follow_up"}),
        ("care_manager", {"pause", "close"}, {"assign", "propose"}),
        ("supervisor", {"assign"}, {"pause", "close"}),
        ("auditor", set(), {"assign", "pause", "close"}),
    ],
)
def test_the_need_page_offers_only_what_this_role_may_do_now(
    ui: Api, who: str, expected: set[str], absent: set[str]
) -> None:
    need = need_in(ui, "raised")
    page = signed_in(ui.app, who).get(f"/needs/{need['id']}")

    actions = set(re.findall(rf'action="/needs/{need["id"]}/(\w+)"', page.html))
    assert actions == expected or expected <= actions
    assert not actions & absent
    if who == "auditor":
        assert "いまできる操作" not in page
        assert "<button" not in page.html.split("</header>")[1]


def test_personal_data_shows_only_to_roles_allowed_to_see_it(ui: Api) -> None:
    need = need_in(ui, "raised")

    assert "山田 花子" in signed_in(ui.app, "care_manager").get(f"/needs/{need['id']}")
    supervisor = signed_in(ui.app, "supervisor").get(f"/needs/{need['id']}")
    assert "山田 花子" not in supervisor
    assert "あなたの役割では個人情報は表示されません。" in supervisor


def test_a_concurrent_change_says_who_changed_it_when_and_keeps_the_input(ui: Api) -> None:
    need = need_in(ui, "matching")
    sc = signed_in(ui.app, "coordinator")
    page = sc.get(f"/needs/{need['id']}")
    stale_version = version_of(page, "pause")

    step(ui, need, "pause", {"reason": "入院のため"}, "care_manager")  # someone else, meanwhile
    refused = sc.post(
        f"/needs/{need['id']}/close",
        {
            "version": stale_version,
            "outcome": "withdrawn",
            "reason": "本人が辞退した",
            "confirm": "1",
        },
    )

    assert refused.status == 412
    assert "このニーズは、画面を開いた後に変更されました" in refused
    assert "cm さんが" in refused  # who
    assert "一時停止" in refused  # what they did
    assert "本人が辞退した" in refused.html  # nothing typed is lost
    assert version_of(refused, "close") == str(int(stale_version) + 1)


def test_a_refused_action_shows_a_clear_message(ui: Api) -> None:
    resource = new_resource(ui, capacity=1)
    first = need_in(ui, "proposed", resource=resource)
    second = need_in(ui, "proposed", resource=resource)
    step(ui, first, "confirm", {"start_date": "2026-12-01"}, "coordinator")
    sc = signed_in(ui.app, "coordinator")
    page = sc.get(f"/needs/{second['id']}")

    refused = sc.post(
        f"/needs/{second['id']}/confirm",
        {"version": version_of(page, "confirm"), "start_date": "2026-12-01"},
    )

    assert refused.status == 409
    assert "この資源は定員に達しています。" in refused


def test_an_action_the_role_may_not_take_is_forbidden(ui: Api) -> None:
    need = need_in(ui, "raised")
    page = signed_in(ui.app, "auditor").post(
        f"/needs/{need['id']}/close", {"version": "1", "outcome": "withdrawn", "reason": "x"}
    )

    assert page.status == 403
    assert "権限がありません" in page


def test_an_action_form_with_missing_fields_is_answered_next_to_the_field(ui: Api) -> None:
    need = need_in(ui, "matching")
    sc = signed_in(ui.app, "coordinator")
    page = sc.get(f"/needs/{need['id']}")

    refused = sc.post(
        f"/needs/{need['id']}/close",
        {"version": version_of(page, "close"), "outcome": "", "reason": ""},
    )

    assert refused.status == 422
    assert 'id="close-outcome-error"' in refused.html
    assert 'id="close-reason-error"' in refused.html
    assert 'id="close-confirm-error"' in refused.html
    assert '<details class="action danger" open id="action-close">' in refused.html


ACTION_FIELDS: dict[str, dict[str, str]] = {
    "pause": {"reason": "入院のため"},
    "resume": {"reason": "退院した"},
    "record_gap": {"reason": "近くに該当する資源がない"},
    "reopen": {"reason": "再び困りごとが生じた"},
    "decline": {"by": "client", "reason": "曜日が合わない"},
    "confirm": {"start_date": "2026-12-01"},
    "follow_up": {"note": "毎週通えている", "progress": "on_track"},
    "close": {"outcome": "withdrawn", "reason": "本人が辞退した", "confirm": "1"},
    "edit": {
        "description": "痛みが強い",
        "goal": "歩ける",
        "urgency": "high",
        "reason": "聞き取り",
    },
    "assign": {"coordinator": "sc"},
}


@pytest.mark.parametrize(
    ("status", "action", "who"),
    [
        ("matching", "pause", "coordinator"),
        ("paused", "resume", "care_manager"),
        ("matching", "record_gap", "coordinator"),
        ("closed", "reopen", "coordinator"),
        ("proposed", "decline", "coordinator"),
        ("proposed", "confirm", "coordinator"),
        ("matched", "follow_up", "coordinator"),
        ("matching", "close", "care_manager"),
        ("raised", "assign", "coordinator"),
        ("matching", "reassign", "supervisor"),
        ("paused", "edit", "care_manager"),
    ],
)
def test_every_action_on_the_need_page_is_carried_out(
    ui: Api, status: str, action: str, who: str
) -> None:
    need = need_in(ui, status)
    fields = ACTION_FIELDS.get(action) or {"coordinator": new_user(ui), "reason": "担当替え"}
    browser = signed_in(ui.app, who)
    page = browser.get(f"/needs/{need['id']}")

    done = browser.post(
        f"/needs/{need['id']}/{action}", {"version": version_of(page, action), **fields}
    )

    assert done.status == 303, done.text[:800]
    assert browser.follow(done).status == 200
