"""The ledger for auditors: signed checkpoints, inclusion proofs, verification
(docs/audit.md)."""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint

from application.ledger import Ledger
from interfaces.web.api import schemas as s
from interfaces.web.api.framework import Call, operation

ledger = Blueprint("ledger", __name__, url_prefix="/ledger")
log = logging.getLogger(__name__)


def _ledger(call: Call) -> Ledger:
    assert call.services.ledger is not None  # noqa: S101 - bootstrap always builds it
    return call.services.ledger


@operation(
    ledger,
    "GET",
    "/checkpoints",
    summary="Signed checkpoints of the event log, newest first",
    permission="ledger.read",
    query=s.CheckpointQuerySchema,
    response=s.CheckpointListSchema,
)
def ledger_checkpoints(call: Call) -> Any:
    found = _ledger(call).checkpoints(call.actor, limit=call.query["limit"])
    return {"items": [checkpoint.to_json() for checkpoint in found]}


@operation(
    ledger,
    "POST",
    "/checkpoints",
    summary="Sign a checkpoint of the log as it is now (the latest, when nothing is new)",
    permission="ledger.read",
    response=s.CheckpointSchema,
)
def ledger_sign_checkpoint(call: Call) -> Any:
    book = _ledger(call)
    book.checkpoints(call.actor, limit=1)  # the permission check
    return book.checkpoint().to_json()


@operation(
    ledger,
    "GET",
    "/proof/<int:position>",
    summary=(
        "Inclusion proof of the event at a position, with the latest signed checkpoint; "
        "409 ledger.checkpoint_needed when none covers it yet (POST /ledger/checkpoints)"
    ),
    permission="ledger.read",
    response=s.InclusionProofSchema,
    responses=(404, 409),
)
def ledger_proof(call: Call, position: int) -> Any:
    return _ledger(call).prove(position, call.actor, sign=False)


@operation(
    ledger,
    "POST",
    "/verify",
    summary=(
        "Recompute the tree from the log: the result, or a job to poll when the log is "
        "large (the job already running in this server process, if one is)"
    ),
    permission="ledger.verify",
    response=s.VerificationSchema,
)
def ledger_verify(call: Call) -> Any:
    book = _ledger(call)
    actor = call.actor.username
    if book.head() <= book.inline_limit:
        return book.verify(actor=actor).to_json()
    return book.verify_in_background(actor).to_json()


@operation(
    ledger,
    "GET",
    "/verifications/<int:verification_id>",
    summary="A verification started with POST /ledger/verify (poll until status is done)",
    permission="ledger.verify",
    response=s.VerificationSchema,
    responses=(404,),
)
def ledger_verification(call: Call, verification_id: int) -> Any:
    return _ledger(call).verification(verification_id, call.actor).to_json()
