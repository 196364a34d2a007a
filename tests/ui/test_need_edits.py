"""Editing a need from its page: description, goal and urgency while open, with a
reason, shown in the timeline; reopening a closed need from its page."""

from __future__ import annotations

from tests.e2e.support import Api, need_in
from tests.ui.support import signed_in, version_of


def test_a_care_manager_edits_an_open_need_and_the_timeline_shows_it(ui: Api) -> None:
    need = need_in(ui, "matching")
    cm = signed_in(ui.app, "care_manager")
    page = cm.get(f"/needs/{need['id']}")
    assert "内容・目標・緊急度を修正する" in page
    assert need["goal"] in page.html.split('id="action-edit"')[1]  # prefilled

    done = cm.post(
        f"/needs/{need['id']}/edit",
        {
            "version": version_of(page, "edit"),
            "description": "膝の痛みが強くなった",
            "goal": "近所の店まで歩いて行く",
            "urgency": "high",
            "reason": "再面談で聞き取りを更新",
        },
    )

    assert done.status == 303
    after = cm.follow(done)
    assert "ニーズの内容を修正しました。" in after
    assert "ニーズの内容の修正" in after  # the timeline
    assert "再面談で聞き取りを更新" in after
    assert "近所の店まで歩いて行く" in after


def test_an_edit_without_a_reason_keeps_the_input(ui: Api) -> None:
    need = need_in(ui, "raised")
    cm = signed_in(ui.app, "care_manager")
    page = cm.get(f"/needs/{need['id']}")

    refused = cm.post(
        f"/needs/{need['id']}/edit",
        {
            "version": version_of(page, "edit"),
            "description": "書き直した内容",
            "goal": need["goal"],
            "urgency": "normal",
            "reason": "",
        },
    )

    assert refused.status == 422
    assert "書き直した内容" in refused.html
    assert 'id="edit-reason-error"' in refused.html


def test_a_closed_need_offers_no_edit_but_reopening(ui: Api) -> None:
    need = need_in(ui, "closed")

    page = signed_in(ui.app, "coordinator").get(f"/needs/{need['id']}")

    assert f'action="/needs/{need["id"]}/edit"' not in page.html
    assert 'class="action next" open id="action-reopen"' in page.html


def test_a_care_manager_records_an_assessment_from_the_client_page(ui: Api) -> None:
    from tests.e2e.support import new_client

    client = new_client(ui)
    cm = signed_in(ui.app, "care_manager")
    page = cm.get(f"/clients/{client['id']}")
    assert "認定を記録する" in page

    done = cm.post(
        f"/clients/{client['id']}/assessment",
        {
            "version": str(client["version"]),
            "care_level": "care_1",
            "assessed_on": "2026-10-01",
            "reason": "区分変更申請の結果",
        },
    )

    assert done.status == 303, done.text[:500]
    assert "認定を記録しました。" in cm.follow(done)
    assert ui.get(f"/clients/{client['id']}", "care_manager").get_json()["care_level"] == "care_1"


def test_an_assessment_without_a_reason_is_answered_next_to_the_field(ui: Api) -> None:
    from tests.e2e.support import new_client

    client = new_client(ui)
    cm = signed_in(ui.app, "care_manager")
    cm.get(f"/clients/{client['id']}")

    refused = cm.post(
        f"/clients/{client['id']}/assessment",
        {"version": str(client["version"]), "care_level": "care_1", "assessed_on": "2026-10-01"},
    )

    assert refused.status == 422
    assert 'id="assessment-reason-error"' in refused.html


def test_a_care_manager_changes_a_clients_address_and_phone(ui: Api) -> None:
    from tests.e2e.support import new_client

    client = new_client(ui)
    cm = signed_in(ui.app, "care_manager")
    page = cm.get(f"/clients/{client['id']}")
    assert "住所・電話番号を変更する" in page

    done = cm.post(
        f"/clients/{client['id']}/contact",
        {
            "version": str(client["version"]),
            "address": "南町4-5-6",
            "phone": "090-1234-5678",
            "reason": "転居のため",
        },
    )

    assert done.status == 303, done.text[:500]
    assert "連絡先を保存しました。" in cm.follow(done)
    body = ui.get(f"/clients/{client['id']}", "care_manager").get_json()
    assert body["address"] == "南町4-5-6"
    assert body["phone"] == "090-1234-5678"
    assert body["name"] == client["name"]


def test_a_contact_change_that_changes_nothing_is_refused(ui: Api) -> None:
    from tests.e2e.support import new_client

    client = new_client(ui)
    cm = signed_in(ui.app, "care_manager")
    cm.get(f"/clients/{client['id']}")

    refused = cm.post(
        f"/clients/{client['id']}/contact",
        {
            "version": str(client["version"]),
            "address": client["address"],
            "phone": client["phone"],
            "reason": "確認",
        },
    )

    assert refused.status == 422
    assert 'id="contact-address-error"' in refused.html
    assert "何も変更されていません" in refused


def test_a_supervisor_is_not_offered_the_contact_form(ui: Api) -> None:
    from tests.e2e.support import new_client

    client = new_client(ui)

    page = signed_in(ui.app, "supervisor").get(f"/clients/{client['id']}")

    assert "/contact" not in page.html
