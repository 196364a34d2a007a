"""The read-access log from the screens, on SQLite and PostgreSQL: the client card, the
need page and client search results each leave an entry naming the screen; auditors
see them on 「この利用者を見た人」 / "Who looked at this client" and download them as CSV."""

from __future__ import annotations

import csv
import io
from typing import Any
from uuid import uuid4

import pytest

from tests.e2e.support import Api, assert_ok, new_client, new_need
from tests.ui.support import signed_in


def _entries(api: Api, client_id: str) -> list[dict[str, Any]]:
    page = assert_ok(api.get("/audit/access", "auditor", {"client_id": client_id}))
    entries: list[dict[str, Any]] = page["entries"]
    return entries


def test_opening_the_client_card_is_logged_with_the_screen(ui: Api) -> None:
    client = new_client(ui)

    page = signed_in(ui.app, "care_manager").get(f"/clients/{client['id']}")

    assert page.status == 200
    assert [(e["actor"], e["via"], e["what"]) for e in _entries(ui, client["id"])] == [
        ("cm", "ui:client", "client")
    ]


def test_a_purpose_given_with_the_link_is_logged(ui: Api) -> None:
    client = new_client(ui)

    signed_in(ui.app, "coordinator").get(f"/clients/{client['id']}", purpose="担当者会議の準備")

    assert [e["purpose"] for e in _entries(ui, client["id"])] == ["担当者会議の準備"]


def test_opening_a_need_page_logs_the_need_and_the_client_card(ui: Api) -> None:
    need = new_need(ui)

    page = signed_in(ui.app, "coordinator").get(f"/needs/{need['id']}")

    assert page.status == 200
    assert sorted((e["via"], e["what"], e["need_id"]) for e in _entries(ui, need["client_id"])) == [
        ("ui:need", "client", need["id"]),
        ("ui:need", "need", need["id"]),
    ]


def test_every_client_a_search_finds_is_logged(ui: Api) -> None:
    # a kana of this test's own, in katakana only (one letter per hex digit of a unique tag)
    kana = "シラベ" + "".join(
        "アイウエオカキクケコサシスセソタ"[int(d, 16)] for d in uuid4().hex[:6]
    )
    client = new_client(ui, name_kana=kana)
    cm = signed_in(ui.app, "care_manager")
    cm.get("/needs/new")

    page = cm.post("/needs/new", {"q": kana, "purpose": "ニーズ登録"})

    assert page.status == 200
    # the hit on the kana, and the care manager seeing the name beside the code
    assert sorted((e["via"], e["what"], e["purpose"]) for e in _entries(ui, client["id"])) == [
        ("ui:raise_need", "client_names", "ニーズ登録"),
        ("ui:raise_need", "client_search", "ニーズ登録"),
    ]
    [chosen] = page.links(rf"/needs/new\?client={client['id']}[^\"]*")
    cm.get(chosen.replace("&amp;", "&"))
    assert [(e["what"], e["purpose"]) for e in _entries(ui, client["id"])][-1] == (
        "client",
        "ニーズ登録",
    )


@pytest.mark.parametrize(
    ("language", "title", "screen"),
    [
        ("ja", "この利用者を見た人", "利用者の個人情報"),
        ("en", "Who looked at this client", "Client's personal data"),
    ],
)
def test_auditors_see_who_looked_at_a_client(
    ui: Api, language: str, title: str, screen: str
) -> None:
    client = new_client(ui)
    signed_in(ui.app, "coordinator").get(f"/clients/{client['id']}", purpose="訪問前の確認")
    auditor = signed_in(ui.app, "auditor", language)

    card = auditor.get(f"/clients/{client['id']}")
    page = auditor.get("/audit/access", client=client["id"])

    assert f"/audit/access?client={client['id']}" in card.html
    assert page.status == 200
    assert title in page
    rows = [e for e in _entries(ui, client["id"])]
    assert [e["actor"] for e in rows] == ["sc", "audit"]  # the auditor's own look counts too
    assert "sc" in page
    assert "ui:client" in page
    assert screen in page
    assert "訪問前の確認" in page
    assert "山田" not in page.text


def test_auditors_download_the_entries_as_csv(ui: Api) -> None:
    client = new_client(ui)
    signed_in(ui.app, "care_manager").get(f"/clients/{client['id']}")
    auditor = signed_in(ui.app, "auditor")

    response = auditor.client.get(f"/audit/access.csv?client={client['id']}")

    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    text = response.get_data(as_text=True).lstrip("\ufeff")
    assert [(r["actor"], r["via"]) for r in csv.DictReader(io.StringIO(text))] == [
        ("cm", "ui:client")
    ]


def test_a_malformed_client_id_is_a_form_error(ui: Api) -> None:
    page = signed_in(ui.app, "auditor").get("/audit/access", client="C-123")

    assert page.status == 422
    assert "1b4e28ba-2fa1-11d2-883f-0016d3cca427" in page


@pytest.mark.parametrize("who", ["care_manager", "coordinator"])
def test_only_auditing_roles_open_the_access_log(ui: Api, who: str) -> None:
    assert signed_in(ui.app, who).get("/audit/access").status == 403


def test_the_auditors_replay_of_a_need_is_logged(ui: Api) -> None:
    need = new_need(ui)

    page = signed_in(ui.app, "auditor").get(f"/audit/needs/{need['id']}")

    assert page.status == 200
    assert [(e["actor"], e["via"], e["what"]) for e in _entries(ui, need["client_id"])] == [
        ("audit", "ui:replay", "need_replay")
    ]
