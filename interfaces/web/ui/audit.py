"""Auditors' screens: the global audit log and the per-need replay "as of"."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from uuid import UUID

from flask import Response, request, stream_with_context, url_for
from flask_babel import lazy_gettext as _l

from application.access import AccessQuery
from application.needs import REPLAY_FIELDS
from application.oversight import AuditQuery
from domain.user import User
from interfaces.report_files import access_log_csv as csv_lines
from interfaces.web.ui.core import Screens, actor, now, render, services, signed_in
from interfaces.web.ui.forms import Form
from interfaces.web.ui.i18n import JST, _

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
    )


ACCESS_PER_PAGE = 100

ACCESS_WHAT = {
    "client": _l("Client's personal data"),
    "client_search": _l("Found by a search"),
    "need": _l("Need"),
    "need_history": _l("Need history"),
    "need_replay": _l("Need replay"),
}


def access_what(what: str) -> str:
    return str(ACCESS_WHAT.get(what, what))


screens.template_global(access_what, "access_what")


def _access_query(form: Form) -> AccessQuery:
    """The access log's filters from the form (client id, reader, days), checked."""
    client_raw = form.text("client", required=False, max_length=64)
    client_id = None
    if client_raw:
        try:
            client_id = UUID(client_raw)
        except ValueError:
            form.error("client", _("Enter a full id like 1b4e28ba-2fa1-11d2-883f-0016d3cca427."))
    username = form.text("actor", required=False, max_length=64)
    since = form.day("since", required=False)
    until = form.day("until", required=False)
    if since and until and until < since:
        form.error("until", _("The end is before the start."))
    after = form.integer("after", required=False, minimum=0, maximum=2**62) or 0
    return AccessQuery(
        client_id=client_id,
        actor_id=User.id_for(username) if username else None,
        since=_start_of(since) if since else None,
        until=_start_of(until) + timedelta(days=1) if until else None,
        after=after,
    )


@screens.get("/audit/access")
@signed_in("audit.read")
def access_log() -> Any:
    """Who looked at a client's personal data (「この利用者を見た人」), oldest first."""
    app = services()
    who = actor()
    form = Form(request.args)
    query = _access_query(form)
    entries = [] if form.errors else app.access.search(query, who, limit=ACCESS_PER_PAGE + 1)
    more = len(entries) > ACCESS_PER_PAGE
    entries = entries[:ACCESS_PER_PAGE]
    args: dict[str, Any] = {k: v for k, v in request.args.items() if k != "after" and v}
    return render(
        "audit/access.html",
        422 if form.errors else 200,
        form=form,
        entries=entries,
        client_id=query.client_id,
        next_url=url_for("ui.access_log", after=entries[-1].seq, **args) if more else None,
        csv_url=url_for("ui.access_log_csv", **args),
        users=app.accounts.list_users(who) if who.can("user.read") else [],
    )


@screens.get("/audit/access.csv")
@signed_in("audit.read")
def access_log_csv() -> Any:
    """The access log's matching entries as one CSV file (Excel opens it: UTF-8 with BOM)."""
    form = Form(request.args)
    query = _access_query(form)
    if form.errors:
        return access_log()
    entries = services().access.all(query, actor())
    return Response(
        stream_with_context(csv_lines(entries)),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="tsunagu-access-log.csv"'},
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
