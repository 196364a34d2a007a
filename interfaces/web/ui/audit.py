"""Auditors' screens: the global audit log and the per-need replay "as of"."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from uuid import UUID

from flask import request, url_for

from application.needs import REPLAY_FIELDS
from application.oversight import AuditQuery
from domain.user import User
from interfaces.web.ui.core import Screens, actor, now, render, services, signed_in
from interfaces.web.ui.forms import Form
from interfaces.web.ui.i18n import JST, _
from interfaces.web.ui.ledger import ledger_panel

screens = Screens()

PER_PAGE = 50


@screens.get("/audit")
@signed_in("audit.read")
def audit() -> Any:
    app = services()
    who = actor()
    form = Form(request.args)
    since = form.day("since", required=False)
    until = form.day("until", required=False)
    username = form.text("actor", required=False, max_length=64)
    event_type = form.text("type", required=False, max_length=100)
    aggregate_raw = form.text("aggregate", required=False, max_length=64)
    aggregate_id = None
    if aggregate_raw:
        try:
            aggregate_id = UUID(aggregate_raw)
        except ValueError:
            form.error("aggregate", _("Enter a full id like 1b4e28ba-2fa1-11d2-883f-0016d3cca427."))
    if since and until and until < since:
        form.error("until", _("The end is before the start."))
    page = form.integer("page", required=False, minimum=1, maximum=100000) or 1
    types = app.oversight.audit_event_types(who)
    if (
        event_type
        and event_type not in types
        and event_type not in {t.split(".")[0] for t in types}
    ):
        form.error("type", _("Choose one of the options."))
    query = AuditQuery(
        since=_start_of(since) if since else None,
        until=_start_of(until) + timedelta(days=1) if until else None,
        actor_id=User.id_for(username) if username else None,
        event_type=event_type if "type" not in form.errors else None,
        aggregate_id=aggregate_id,
    )
    result = app.oversight.audit(query, who, page=page, per_page=PER_PAGE)
    args: dict[str, Any] = {k: v for k, v in request.args.items() if k != "page" and v}
    return render(
        "audit/log.html",
        422 if form.errors else 200,
        form=form,
        page=result,
        types=types,
        users=app.accounts.list_users(who) if who.can("user.read") else [],
        page_url=lambda n: url_for("ui.audit", page=n, **args),
        ledger=ledger_panel(app, who),
    )


def _start_of(day: date) -> datetime:
    """Midnight at the start of ``day``, Japan time."""
    return datetime.combine(day, time(0), tzinfo=JST)


@screens.get("/audit/needs/<uuid:need_id>")
@signed_in("audit.read")
def replay(need_id: UUID) -> Any:
    app = services()
    who = actor()
    form = Form(request.args)
    as_of = None
    raw = form.value("as_of").strip()
    if raw:
        try:
            as_of = datetime.fromisoformat(raw)
            if as_of.tzinfo is None:
                as_of = form.moment("as_of")
        except ValueError:
            as_of = form.moment("as_of")
    moment = as_of or now()
    result = app.needs.replay(need_id, moment, who)
    return render(
        "audit/replay.html",
        422 if form.errors else 200,
        form=form,
        replay=result,
        need_id=need_id,
        as_of=moment,
        chosen=as_of is not None,
        fields=REPLAY_FIELDS,
        areas={a.code: a.name for a in app.reference.list_areas(who)},
        centers={c.code: c.name for c in app.reference.list_centers(who)},
    )
