"""The ledger on the auditors' audit log: latest checkpoint, last verification, verify
now, and a proof to download per event (ja by default, en available)."""

from __future__ import annotations

import json
import secrets

from application.ledger import check_proof
from application.security import SYSTEM_ACTOR
from interfaces.bootstrap import public_key
from tests.e2e.support import Api
from tests.ui.support import Browser, signed_in


def test_an_auditor_sees_the_latest_checkpoint_and_verifies_the_log(ui: Api) -> None:
    checkpoint = ui.container.ledger.checkpoint()
    auditor = signed_in(ui.app, "auditor")

    page = auditor.get("/audit")
    assert "台帳(改ざんの検出)" in page
    assert checkpoint.key_id in page

    verified = auditor.follow(auditor.post("/audit/ledger/verify", {}))
    assert "ログは改ざんされていません" in verified
    assert "改ざんなし" in verified


def test_the_panel_speaks_english_when_asked(ui: Api) -> None:
    auditor = Browser(ui.app, language="en")
    auditor.sign_in("auditor")

    page = auditor.get("/audit")

    assert "Ledger (tamper evidence)" in page
    assert "Verify the log now" in page


def test_each_event_has_a_proof_to_download_that_checks_offline(ui: Api) -> None:
    auditor = signed_in(ui.app, "auditor")
    auditor.get("/audit")
    signed = auditor.post("/audit/ledger/checkpoint", {})  # the log as it is now, signed
    assert signed.status == 200
    page = auditor.get("/audit")
    [first, *_] = page.links(r"/audit/ledger/proof/\d+")

    download = auditor.client.get(first)

    assert download.status_code == 200
    assert "attachment" in download.headers["Content-Disposition"]
    proof = json.loads(download.get_data(as_text=True))
    key = public_key(ui.container.ledger.public_key().pem())
    assert check_proof(proof, key).startswith(f"event at position {proof['position']} ")


def test_a_supervisor_reads_the_audit_log_without_the_ledger(ui: Api) -> None:
    supervisor = signed_in(ui.app, "supervisor")

    page = supervisor.get("/audit")

    assert page.status == 200
    assert "台帳(改ざんの検出)" not in page
    assert not page.links(r"/audit/ledger/proof/\d+")
    assert supervisor.client.get("/audit/ledger/proof/1").status_code == 403


def test_a_checkpoint_is_signed_only_by_a_post_from_the_panel(ui: Api) -> None:
    ledger = ui.container.ledger
    auditor = signed_in(ui.app, "auditor")
    auditor.get("/audit")

    assert auditor.client.get("/audit/ledger/checkpoint").status_code == 405
    download = auditor.post("/audit/ledger/checkpoint", {})

    assert download.status == 200
    document = json.loads(download.html)
    latest = ledger.latest()
    assert latest is not None
    assert document["tree_size"] == latest.tree_size == ledger.head()


def test_proving_an_event_newer_than_every_checkpoint_signs_nothing(ui: Api) -> None:
    ledger = ui.container.ledger
    ledger.checkpoint()
    ui.container.services.reference.create_area(  # an event no checkpoint covers yet
        f"LEDGER{secrets.randbelow(10**6)}", "台帳テスト地区", SYSTEM_ACTOR
    )
    before = ledger.latest()
    newest = ledger.head()
    assert before is not None
    assert before.last_position < newest  # the case this test is about
    auditor = signed_in(ui.app, "auditor")

    answer = auditor.get(f"/audit/ledger/proof/{newest}")

    assert answer.status in (302, 303)
    assert ledger.latest() == before  # a GET wrote no checkpoint
    assert "署名済みのチェックポイント" in auditor.follow(answer)
