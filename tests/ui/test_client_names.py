"""Clients by name for those who may see them: a care manager sees the names and
kana of their own center's clients in search, on the board, at home and on need
pages; other roles see display codes in lists (application.security:
``client.list_names``)."""

from __future__ import annotations

import pytest

from tests.e2e.support import Api, need_in, new_client, new_need
from tests.ui.support import signed_in


def test_a_care_manager_sees_their_clients_by_name_in_the_search(ui: Api) -> None:
    client = new_client(ui, name="名前 見える", name_kana="ナマエ ミエル")
    cm = signed_in(ui.app, "care_manager")
    cm.get("/needs/new")

    found = cm.post("/needs/new", {"q": "なまえ みえる"})

    assert "名前 見える" in found
    assert "ナマエ ミエル" in found
    assert client["display_code"] in found


def test_a_care_manager_sees_their_clients_by_name_on_the_board_and_need_page(
    ui: Api,
) -> None:
    client = new_client(ui, name="板上 太郎", name_kana="イタウエ タロウ")
    need = new_need(ui, client)
    cm = signed_in(ui.app, "care_manager")

    board = cm.get("/needs", sort="newest")
    page = cm.get(f"/needs/{need['id']}")

    assert "板上 太郎" in board
    assert "イタウエ タロウ" in board
    assert "板上 太郎" in page.html.split("</h1>")[0]


def test_a_care_manager_sees_their_clients_by_name_at_home(fresh_ui: Api) -> None:
    client = new_client(fresh_ui, name="家路 花子", name_kana="イエジ ハナコ")
    need_in(fresh_ui, "matched", client=client)

    home = signed_in(fresh_ui.app, "care_manager").get("/home")

    assert "家路 花子" in home


@pytest.mark.parametrize("who", ["coordinator", "supervisor", "auditor", "admin"])
def test_other_roles_see_display_codes_in_lists(ui: Api, who: str) -> None:
    client = new_client(ui, name="符号 次郎", name_kana="フゴウ ジロウ")
    new_need(ui, client)

    board = signed_in(ui.app, who).get("/needs", sort="newest")

    assert client["display_code"] in board
    assert "符号 次郎" not in board
    assert "フゴウ ジロウ" not in board


def test_a_coordinator_searching_clients_sees_codes_only(ui: Api) -> None:
    client = new_client(ui, name="探索 三郎", name_kana="タンサク サブロウ")
    sc = signed_in(ui.app, "coordinator")
    sc.get("/needs/new")

    found = sc.post("/needs/new", {"q": "タンサク"})

    assert client["display_code"] in found
    assert "探索 三郎" not in found
    assert "タンサク サブロウ" not in found


def test_a_care_manager_does_not_see_names_of_another_centers_clients(ui: Api) -> None:
    client = new_client(
        ui,
        "coordinator",
        area_code="south",
        center_code="c-south",
        name="他所 四郎",
        name_kana="ヨソ シロウ",
    )
    new_need(ui, client, "coordinator")

    board = signed_in(ui.app, "other_care_manager").get("/needs", sort="newest")
    mine = signed_in(ui.app, "care_manager").get("/needs", sort="newest")

    assert "他所 四郎" in board
    assert "他所 四郎" not in mine
