"""Erasing a client's personal data from the screens: a confirmation that names the
client, an administrator's action only, and 「消去済み」 afterwards (ja and en)."""

from __future__ import annotations

from secrets import token_hex

from tests.e2e.support import Api, new_client, new_need
from tests.ui.support import signed_in


def test_an_administrator_confirms_an_erasure_that_names_the_client(ui: Api) -> None:
    name = f"消去 確認{token_hex(4)}"
    client = new_client(ui, name=name, name_kana="ショウキョ カクニン")
    need = new_need(ui, client, description=f"説明{token_hex(4)}")
    admin = signed_in(ui.app, "admin")

    card = admin.get(f"/clients/{client['id']}")
    assert f"/clients/{client['id']}/erase" in card.html
    confirmation = admin.get(f"/clients/{client['id']}/erase")
    assert confirmation.status == 200
    assert name in confirmation  # the confirmation names who is erased
    assert "この操作は取り消せません" in confirmation
    assert 'class="danger"' in confirmation.html

    refused = admin.post(
        f"/clients/{client['id']}/erase", {"version": client["version"], "reason": ""}
    )
    assert refused.status == 422
    assert name in ui.get(f"/clients/{client['id']}", "care_manager").get_json()["name"]

    done = admin.post(
        f"/clients/{client['id']}/erase", {"version": client["version"], "reason": "保存期間の満了"}
    )
    shown = admin.follow(done)
    assert "利用者の個人情報を消去しました。" in shown
    assert "消去済み" in shown
    assert name not in shown
    need_page = signed_in(ui.app, "care_manager").get(f"/needs/{need['id']}")
    assert need_page.status == 200
    assert "消去済み" in need_page
    assert need["description"] not in need_page
    english = signed_in(ui.app, "admin", language="en").get(f"/needs/{need['id']}")
    assert "Erased" in english

    again = admin.post(
        f"/clients/{client['id']}/erase",
        {"version": str(int(client["version"]) + 1), "reason": "二度目"},
    )
    assert again.status == 409
    assert "既に消去されています" in again


def test_only_administrators_see_and_reach_the_erasure(ui: Api) -> None:
    client = new_client(ui)
    for role in ("care_manager", "coordinator", "supervisor", "auditor"):
        browser = signed_in(ui.app, role)
        assert f"/clients/{client['id']}/erase" not in browser.get(f"/clients/{client['id']}").html
        assert browser.get(f"/clients/{client['id']}/erase").status == 403
        refused = browser.post(
            f"/clients/{client['id']}/erase", {"version": client["version"], "reason": "x"}
        )
        assert refused.status == 403
    assert "name" in ui.get(f"/clients/{client['id']}", "admin").get_json()
