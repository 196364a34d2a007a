"""The ledger on the auditors' screen: the latest signed checkpoint, the last
verification, "verify now", and a proof to download for each event."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

from flask import Response, flash

from application.ledger import Checkpoint, CheckpointNeededError, Ledger, Verification
from application.security import Actor
from application.services import Services
from interfaces.web.ui.core import Screens, actor, redirect_to, services, signed_in
from interfaces.web.ui.i18n import _

screens = Screens()
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LedgerPanel:
    """What the audit log shows of the ledger."""

    checkpoint: Checkpoint | None
    verification: Verification | None
    head: int
    can_verify: bool


def ledger_panel(app: Services, who: Actor) -> LedgerPanel | None:
    """The panel's data, or None for a role that may not see the ledger."""
    if app.ledger is None or not who.can("ledger.read"):
        return None
    ledger = app.ledger
    return LedgerPanel(
        ledger.latest(), ledger.last_verification(), ledger.head(), who.can("ledger.verify")
    )


def ledger_kind(kind: str | None) -> str:
    """What a failed verification found, for people."""
    kinds = {
        "altered": _("an event was altered"),
        "removed": _("an event was removed"),
        "inserted": _("an event was inserted"),
        "reordered": _("events were reordered"),
        "checkpoint": _("a signed checkpoint does not match"),
    }
    return kinds.get(kind or "", kind or "")


screens.template_global(ledger_kind, "ledger_kind")


def _ledger() -> Ledger:
    ledger = services().ledger
    assert ledger is not None  # noqa: S101 - bootstrap always builds it
    return ledger


def _download(document: Any, filename: str) -> Response:
    return Response(
        json.dumps(document, ensure_ascii=False, indent=2),
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@screens.get("/audit/ledger/proof/<int:position>")
@signed_in("ledger.read")
def ledger_proof(position: int) -> Any:
    try:  # a GET writes nothing: the proof is against the latest signed checkpoint
        document = _ledger().prove(position, actor(), sign=False)
    except CheckpointNeededError:
        flash(
            _(
                "No signed checkpoint covers No. %(position)s yet: download a checkpoint "
                "signed now, then prove the event.",
                position=position,
            ),
            "error",
        )
        return redirect_to("ui.audit")
    return _download(document, f"tsunagu-proof-{position}.json")


@screens.post("/audit/ledger/checkpoint")
@signed_in("ledger.read")
def ledger_checkpoint() -> Any:
    ledger = _ledger()
    ledger.checkpoints(actor(), limit=1)  # the permission check
    checkpoint = ledger.checkpoint()
    return _download(checkpoint.to_json(), f"tsunagu-checkpoint-{checkpoint.tree_size}.json")


@screens.post("/audit/ledger/verify")
@signed_in("ledger.verify")
def ledger_verify() -> Any:
    ledger = _ledger()
    who = actor()
    if ledger.head() <= ledger.inline_limit:
        result = ledger.verify(actor=who.username)
        if result.ok:
            flash(
                _("The log is intact: %(events)s events verified.", events=result.events), "success"
            )
        else:
            flash(_("The log is NOT intact. See the last verification."), "error")
    else:
        ledger.verify_in_background(who.username)
        flash(_("Verification started; reload this page to see its result."), "success")
    return redirect_to("ui.audit")
