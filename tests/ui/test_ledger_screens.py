"""The ledger on the auditors' audit log: latest checkpoint, last verification, verify
now, and a proof to download per event (ja by default, en available)."""

from __future__ import annotations

import json

from application.ledger import check_proof
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
