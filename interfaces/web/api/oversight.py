"""Dashboard, audit log and projection status."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, stream_with_context

from application.access import AccessQuery
from application.oversight import AuditQuery
from domain.user import User
from interfaces.report_files import access_log_csv
from interfaces.web.api import schemas as s
from interfaces.web.api.framework import Call, operation

dashboard = Blueprint("dashboard", __name__, url_prefix="/dashboard")
audit = Blueprint("audit", __name__, url_prefix="/audit")
system = Blueprint("system", __name__, url_prefix="/system")


@operation(
    dashboard,
    "GET",
    "",
    summary="Needs counted by status per center, area, category (filtered by area, center, "
    "fiscal year; now or as of an instant)",
    permission="dashboard.read",
    query=s.DashboardQuerySchema,
    response=s.DashboardSchema,
)
def get_dashboard(call: Call) -> Any:
    q = call.query
    return call.services.oversight.dashboard(
        call.actor,
        min_position=q["min_position"],
        center_code=q["center"],
        area_code=q["area"],
        fiscal_year=q["fiscal_year"],
        as_of=q["as_of"],
    )


@operation(
    audit,
    "GET",
    "/events",
    summary="The global audit log, oldest first",
    permission="audit.read",
    query=s.AuditQuerySchema,
    response=s.AuditPageSchema,
)
def audit_events(call: Call) -> Any:
    q = call.query
    query = AuditQuery(
        after=q["after"],
        aggregate_id=q["aggregate_id"],
        actor_id=User.id_for(q["actor"]) if q["actor"] else None,
    )
    events = call.services.oversight.audit_after(query, call.actor, limit=q["limit"]).items
    return {"events": events, "next_after": events[-1].position if events else q["after"]}


@operation(
    audit,
    "GET",
    "/access",
    summary="The read-access log: who read which client's personal data (JSON or CSV)",
    permission="audit.read",
    query=s.AccessQuerySchema,
    response=s.AccessPageSchema,
    produces=("application/json", "text/csv"),
)
def access_log(call: Call) -> Any:
    q = call.query
    query = AccessQuery(
        client_id=q["client_id"],
        actor_id=User.id_for(q["actor"]) if q["actor"] else None,
        since=q["since"],
        until=q["until"],
        after=q["after"],
    )
    if q["format"] == "csv":
        entries = call.services.access.all(query, call.actor)
        return Response(
            stream_with_context(access_log_csv(entries)),
            mimetype="text/csv",
            headers={"Content-Disposition": 'attachment; filename="access-log.csv"'},
        )
    found = call.services.access.search(query, call.actor, limit=q["limit"])
    return {"entries": found, "next_after": found[-1].seq if found else q["after"]}


@operation(
    system,
    "GET",
    "/projections",
    summary="Each view's position, the log head, the lag",
    permission="system.read",
    response=s.ProjectionsSchema,
)
def projections(call: Call) -> Any:
    views = call.services.oversight.view_status(call.actor)
    return {"head": views[0].head if views else call.services.oversight.head(), "views": views}
