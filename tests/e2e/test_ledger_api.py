"""The ledger over HTTP for auditors: checkpoints, proofs that check offline, and
verification answered at once or as a job to poll."""

from __future__ import annotations

import time

from application.ledger import check_proof
from interfaces.bootstrap import public_key
from tests.e2e.support import Api, assert_ok, assert_problem


def test_an_auditor_gets_a_proof_that_checks_with_the_public_key(api: Api) -> None:
    _checkpoint_covering(api, 3)
    proof = assert_ok(api.get("/ledger/proof/3", "auditor"))
    key = public_key(api.container.ledger.public_key().pem())

    assert proof["position"] == 3
    assert "position 3" in check_proof(proof, key)


def _checkpoint_covering(api: Api, position: int) -> None:
    """Sign until a checkpoint covers ``position``. On PostgreSQL the ledger waits (at
    most 2 s, docs/reliability.md) for a hole that an earlier test's rolled-back insert
    left below it, so the first signature may stop short of the newest events."""
    deadline = time.monotonic() + 10
    while api.container.ledger.checkpoint().last_position < position:
        assert time.monotonic() < deadline, "the ledger never reached the head"
        time.sleep(0.2)


def test_checkpoints_are_listed_newest_first(api: Api) -> None:
    api.container.ledger.checkpoint()
    api.post("/areas", {"code": "ledger-e2e", "name": "台帳地区"}, "admin")
    _checkpoint_covering(api, api.head())

    items = assert_ok(api.get("/ledger/checkpoints", "auditor", {"limit": 2}))["items"]

    assert len(items) == 2
    assert items[0]["tree_size"] > items[1]["tree_size"]


def test_a_proof_of_an_event_no_checkpoint_covers_yet_is_409_and_signs_nothing(
    api: Api,
) -> None:
    ledger = api.container.ledger
    ledger.checkpoint()
    api.post("/areas", {"code": "ledger-unsigned", "name": "未署名地区"}, "admin")
    before = ledger.latest()

    problem = assert_problem(api.get(f"/ledger/proof/{api.head()}", "auditor"), 409)

    assert problem["type"] == "urn:tsunagu:problem:ledger.checkpoint_needed"
    assert "POST /api/v1/ledger/checkpoints" in problem["detail"]
    assert ledger.latest() == before  # a GET writes nothing


def test_a_proof_of_a_covered_event_signs_nothing(api: Api) -> None:
    _checkpoint_covering(api, 3)
    before = api.container.ledger.latest()
    api.post("/areas", {"code": "ledger-after", "name": "後続地区"}, "admin")

    assert_ok(api.get("/ledger/proof/3", "auditor"))

    assert api.container.ledger.latest() == before


def test_an_auditor_has_a_checkpoint_signed_then_gets_the_proof(api: Api) -> None:
    api.post("/areas", {"code": "ledger-signed", "name": "署名地区"}, "admin")
    head = api.head()

    signed = assert_ok(api.post("/ledger/checkpoints", None, "auditor"))
    _checkpoint_covering(api, head)  # on PostgreSQL a hole below may hold it back
    proof = assert_ok(api.get(f"/ledger/proof/{head}", "auditor"))

    key = public_key(api.container.ledger.public_key().pem())
    assert signed["tree_size"] >= 1
    assert "checkpoint" in check_proof(signed, key)
    assert f"position {head}" in check_proof(proof, key)


def test_only_auditors_and_administrators_have_checkpoints_signed(api: Api) -> None:
    assert_problem(api.post("/ledger/checkpoints", None, "coordinator"), 403)


def test_a_proof_of_a_position_not_in_the_log_is_404(api: Api) -> None:
    assert_problem(api.get("/ledger/proof/999999999", "auditor"), 404)


def test_verify_answers_with_the_result_for_a_small_log(api: Api) -> None:
    head = api.head()
    _checkpoint_covering(api, head)
    result = assert_ok(api.post("/ledger/verify", None, "auditor"))

    assert (result["status"], result["ok"], result["kind"]) == ("done", True, None)
    stored = api.container.store.recorder.select_notifications(start=1, limit=10**6, stop=head)
    assert result["events"] >= len(stored)  # a rolled-back insert leaves a hole: no event


def test_verify_answers_with_a_job_to_poll_for_a_large_log(api: Api) -> None:
    ledger = api.container.ledger
    limit, ledger.inline_limit = ledger.inline_limit, 0
    try:
        job = assert_ok(api.post("/ledger/verify", None, "admin"))
    finally:
        ledger.inline_limit = limit
    assert job["status"] == "running"
    for _ in range(200):
        polled = assert_ok(api.get(f"/ledger/verifications/{job['id']}", "admin"))
        if polled["status"] == "done":
            break
        time.sleep(0.05)

    assert (polled["status"], polled["ok"]) == ("done", True)
