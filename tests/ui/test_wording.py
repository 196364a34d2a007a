"""The words of the screens for care managers and coordinators (issue 13): one
urgency wording, 「今日」, an honest conflict notice, area names without their
repeated note in tables, a 「利用者」 menu entry, one leaving form per council."""

from __future__ import annotations

import re

from tests.e2e.support import Api, need_in, new_client, step, unique
from tests.ui.coordination import town
from tests.ui.support import signed_in, version_of, visible_text
from tests.ui.test_network_screens import _council as new_council
from tests.ui.test_network_screens import _organization as organization


def test_high_urgency_reads_shikyu_everywhere_never_ko(ui: Api) -> None:
    need = need_in(ui, "raised")
    cm = signed_in(ui.app, "care_manager")

    page = cm.get(f"/needs/{need['id']}")
    raise_form = cm.get("/needs/new", client=need["client_id"])
    board = cm.get("/needs", urgency="high")

    for screen in (page, raise_form, board):
        assert "至急" in screen
        assert not re.search(r">高<", screen.html)


def test_a_need_raised_today_says_today(ui: Api) -> None:
    need = need_in(ui, "raised")

    page = signed_in(ui.app, "care_manager").get(f"/needs/{need['id']}")

    assert "(今日)" in visible_text(page.html)
    assert "0 日前" not in page


def test_a_conflict_with_yourself_in_another_tab_does_not_blame_someone_else(ui: Api) -> None:
    need = need_in(ui, "matching")
    sc = signed_in(ui.app, "coordinator")
    page = sc.get(f"/needs/{need['id']}")
    stale = version_of(page, "pause")
    step(ui, need, "pause", {"reason": "入院のため"}, "coordinator")  # "another tab"

    refused = sc.post(
        f"/needs/{need['id']}/close",
        {"version": stale, "outcome": "withdrawn", "reason": "辞退", "confirm": "1"},
    )

    assert refused.status == 412
    assert "あなた自身が（別のタブやウィンドウで）" in refused
    assert "他の人" not in refused


def test_board_rows_show_area_names_without_the_repeated_note(ui: Api) -> None:
    note = unique("（つなぐ市・架空") + "）"  # the note every area of this municipality repeats
    north, south = f"北部{note[-7:-1]}圏域", f"南部{note[-7:-1]}圏域"
    for code, name in (("note-area", north), ("note-south", south)):
        assert ui.post("/areas", {"code": code, "name": name + note}, "admin").status_code == 201
    body = {"code": "note-center", "name": "注記センター", "area_codes": ["note-area"]}
    assert ui.post("/centers", body, "admin").status_code == 201
    client = new_client(ui, "coordinator", area_code="note-area", center_code="note-center")
    need_in(ui, "raised", client=client, who="coordinator")

    board = signed_in(ui.app, "coordinator").get("/needs", area="note-area")

    assert f'<td title="{north}{note}">{north}</td>' in board.html


def test_the_menu_has_a_clients_entry_that_finds_a_client(ui: Api) -> None:
    client = new_client(ui, name_kana="メニュー カラ")
    cm = signed_in(ui.app, "care_manager")

    home = cm.get("/home")
    assert re.search(r'<a href="/clients"[^>]*>利用者</a>', home.html)
    found = cm.post("/clients", {"q": "めにゅー"})

    assert f'href="/clients/{client["id"]}"' in found.html
    assert "メニュー カラ" in found


def test_the_council_page_has_one_leaving_form_not_one_per_member(ui: Api) -> None:
    t = town(ui)
    first, second = organization(t), organization(t)
    council = new_council(t, first, second)

    page = signed_in(ui.app, "coordinator").get(f"/councils/{council.id}")

    assert "の退会<" not in page.html
    assert page.html.count(f'action="/councils/{council.id}/release"') == 1
    assert "構成団体の退会を記録する" in page


def test_deactivating_a_user_asks_for_a_confirmation_styled_as_dangerous(ui: Api) -> None:
    from tests.e2e.support import new_user

    username = new_user(ui)
    admin = signed_in(ui.app, "admin")
    page = admin.get(f"/admin/users/{username}")
    assert '<details class="action danger" id="action-deactivate">' in page.html
    assert '<button type="submit" class="danger">' in page.html
    version = re.search(
        rf'action="/admin/users/{username}/deactivate"[^>]*>\s*<input[^>]*>\s*'
        r'<input type="hidden" name="version" value="(\d+)"',
        page.html,
    )
    assert version

    refused = admin.post(
        f"/admin/users/{username}/deactivate", {"version": version.group(1), "reason": "退職"}
    )

    assert refused.status == 422
    assert "無効化してよいことを確認し、チェックを入れてください。" in refused
    assert ui.get(f"/users/{username}", "admin").get_json()["active"] is True
