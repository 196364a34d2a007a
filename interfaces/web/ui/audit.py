"""Auditors' screens: the global audit log and the per-need replay "as of"."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any
from uuid import UUID

from flask import Response, abort, request, stream_with_context, url_for
from flask_babel import lazy_gettext as _l

from application.access import AccessQuery
from application.needs import REPLAY_FIELDS
from application.oversight import AuditEntry, AuditQuery
from domain.calendar import JST
from domain.user import User
from domain.values import display_code
from interfaces.report_files import access_log_csv as csv_lines
from interfaces.web.ui.core import Screens, actor, now, render, services, signed_in
from interfaces.web.ui.display import reason_text, type_groups
from interfaces.web.ui.forms import Form
from interfaces.web.ui.i18n import _, format_moment, local
from interfaces.web.ui.labels import AGGREGATE_LABELS, EVENT_LABELS, label
from interfaces.web.ui.ledger import ledger_panel
from interfaces.web.ui.tables import csv_download

screens = Screens()

PER_PAGE = 50


EXPORT_LIMIT = 100_000
"""The most rows one CSV export holds (the page says so when the filter matches more)."""
EXPORT_BATCH = 1000
CODE_PREFIXES = {"Need": "N", "Client": "C"}
"""Records known by a pseudonymous display code rather than a name."""
FALLBACK_PREFIXES = {
    "Resource": "R",
    "Organization": "O",
    "Council": "CO",
    "DevelopmentInitiative": "DI",
    "User": "U",
    "Area": "A",
    "SupportCenter": "SC",
}
"""Codes of records whose name is not at hand (none of them reads like N- or C-)."""


@dataclass(frozen=True)
class Record:
    """What the log's "Record" column says about an event's aggregate."""

    kind: str
    name: str
    """A display code (N-…, C-…) or the record's name."""
    is_code: bool


class Records:
    """Names and codes of the records a page of the log mentions."""

    def __init__(self, entries: Sequence[AuditEntry]) -> None:
        app = services()
        who = actor()
        self._names: dict[UUID, str] = {}
        kinds = {e.aggregate_type for e in entries}
        if kinds & {"Area", "SupportCenter"}:
            self._names.update({a.id: a.name for a in app.reference.list_areas(who)})
            self._names.update({c.id: c.name for c in app.reference.list_centers(who)})
        if "Resource" in kinds:
            resource_ids = [e.aggregate_id for e in entries if e.aggregate_type == "Resource"]
            self._names.update(app.resources.names(resource_ids))
        self._names.update({e.aggregate_id: e.username for e in entries if e.username is not None})

    def __call__(self, entry: AuditEntry) -> Record:
        kind = str(label(entry.aggregate_type))
        prefix = CODE_PREFIXES.get(entry.aggregate_type)
        if prefix is not None:
            return Record(kind, display_code(prefix, entry.aggregate_id), True)
        name = self._names.get(entry.aggregate_id)
        if name is not None:
            return Record(kind, name, False)
        fallback = FALLBACK_PREFIXES.get(entry.aggregate_type, entry.aggregate_type[:2].upper())
        return Record(kind, display_code(fallback, entry.aggregate_id), True)


def _audit_query() -> tuple[Form, AuditQuery, list[str]]:
    """The log's filters from the URL, checked (a bad one is left out, with a message)."""
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
    types = app.oversight.audit_event_types(who)
    if (
        event_type
        and event_type not in types
        and event_type not in {t.split(".")[0] for t in types}
        and event_type not in EVENT_LABELS  # a kind of event none of which is stored yet
        and event_type not in AGGREGATE_LABELS
    ):
        form.error("type", _("Choose one of the options."))
    query = AuditQuery(
        since=_start_of(since) if since else None,
        until=_start_of(until) + timedelta(days=1) if until else None,
        actor_id=User.id_for(username) if username else None,
        event_type=event_type if "type" not in form.errors else None,
        aggregate_id=aggregate_id,
    )
    return form, query, types


def _filters() -> dict[str, Any]:
    return {k: v for k, v in request.args.items() if k != "page" and v}


@screens.get("/audit")
@signed_in("audit.read")
def audit() -> Any:
    app = services()
    who = actor()
    form, query, types = _audit_query()
    page = form.integer("page", required=False, minimum=1, maximum=100000) or 1
    result = app.oversight.audit(query, who, page=page, per_page=PER_PAGE)
    args = _filters()
    return render(
        "audit/log.html",
        422 if form.errors else 200,
        form=form,
        page=result,
        types=types,
        type_groups=type_groups(types),
        record=Records(result.items),
        users=app.accounts.list_users(who) if who.can("user.read") else [],
        page_url=lambda n: url_for("ui.audit", page=n, **args),
        ledger=ledger_panel(app, who),
        csv_url=url_for("ui.audit_csv", **args),
        export_limit=EXPORT_LIMIT,
    )


@screens.get("/audit.csv")
@signed_in("audit.read")
def audit_csv() -> Response:
    """The filtered log, oldest first, as CSV (at most ``EXPORT_LIMIT`` rows)."""
    app = services()
    who = actor()
    form, query, _types = _audit_query()
    if form.errors:
        abort(422)
    entries: list[AuditEntry] = []
    after = 0
    while len(entries) < EXPORT_LIMIT:
        batch = app.oversight.audit_after(replace(query, after=after), who, limit=EXPORT_BATCH)
        if not batch.items:
            break
        entries.extend(batch.items[: EXPORT_LIMIT - len(entries)])
        after = batch.items[-1].position
    record = Records(entries)
    rows: list[list[Any]] = []
    for e in entries:
        shown = record(e)
        rows.append(
            [
                e.position,
                local(e.timestamp).isoformat(timespec="seconds"),
                format_moment(e.timestamp, seconds=True),
                e.actor or "",
                str(label(f"{e.aggregate_type}.{e.type}")),
                f"{e.aggregate_type}.{e.type}",
                shown.kind,
                shown.name,
                str(e.aggregate_id),
                e.version,
                reason_text(e.reason),
            ]
        )
    return csv_download(
        [
            _("No."),
            _("When (ISO 8601, Japan time)"),
            _("When"),
            _("Who"),
            _("What"),
            _("Event type"),
            _("Record type"),
            _("Record"),
            _("Record id"),
            _("Version"),
            _("Why"),
        ],
        rows,
        "audit-log",
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
        need_code=display_code("N", need_id),
        client_code=result.need.client_code if result.need is not None else "",
        form=form,
        replay=result,
        need_id=need_id,
        as_of=moment,
        chosen=as_of is not None,
        fields=REPLAY_FIELDS,
        areas={a.code: a.name for a in app.reference.list_areas(who)},
        centers={c.code: c.name for c in app.reference.list_centers(who)},
    )
