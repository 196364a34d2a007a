"""Views over needs: the case board (one row per need) and the dashboard counts."""

from __future__ import annotations

from collections import defaultdict
from typing import Any, ClassVar
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from application.dto import DashboardCounts, NeedFilter, NeedRow
from domain.need import Need
from domain.user import User
from domain.values import NeedCategory, NeedStatus, Outcome, Urgency, display_code
from infrastructure.views.projection import Handler, View
from infrastructure.views.schema import case_board, dashboard_counts, dashboard_needs, dir_users

# The status each need event leads to (None: unchanged). Reopened depends on
# whether the need was ever assigned, see ``status_after``.
_STATUS_AFTER: dict[type, NeedStatus | None] = {
    Need.Raised: NeedStatus.RAISED,
    Need.CoordinatorAssigned: NeedStatus.MATCHING,
    Need.Reassigned: None,
    Need.MatchProposed: NeedStatus.PROPOSED,
    Need.MatchDeclined: NeedStatus.MATCHING,
    Need.MatchConfirmed: NeedStatus.MATCHED,
    Need.GapRecorded: NeedStatus.RESOURCE_GAP,
    Need.DevelopmentLinked: NeedStatus.IN_DEVELOPMENT,
    Need.DevelopmentUnlinked: NeedStatus.RESOURCE_GAP,
    Need.ResourceCreated: NeedStatus.RESOURCE_CREATED,
    Need.FollowUpRecorded: None,
    Need.Paused: None,
    Need.Resumed: None,
    Need.Closed: NeedStatus.CLOSED,
    Need.Reopened: None,
}

STATUS_EVENTS = tuple(cls for cls in _STATUS_AFTER if cls is not Need.Raised)
"""Every need event after the first (each may change the status)."""


def status_after(event: Any, current: str, assigned: bool) -> str:
    """The need's status (value) once ``event`` is applied."""
    if isinstance(event, Need.Reopened):
        return NeedStatus.MATCHING.value if assigned else NeedStatus.RAISED.value
    new = _STATUS_AFTER[type(event)]
    return current if new is None else new.value


class CaseBoardView(View):
    """``case_board``: one row per need with what a coordinator scans for."""

    name = "case_board"
    tables: ClassVar = (case_board,)

    def handlers(self) -> dict[type, Handler]:
        table: dict[type, Handler] = {cls: self._changed for cls in _STATUS_AFTER}
        table[Need.Raised] = self._raised
        return table

    def _raised(self, conn: Connection, e: Any, position: int) -> None:
        conn.execute(
            case_board.insert().values(
                need_id=e.originator_id,
                version=e.originator_version,
                status=NeedStatus.RAISED.value,
                paused=False,
                client_id=e.client_id,
                category=e.category.value,
                urgency=e.urgency.value,
                center_code=e.center_code,
                area_code=e.area_code,
                raised_at=e.timestamp,
                last_activity_at=e.timestamp,
            )
        )

    def _changed(self, conn: Connection, e: Any, position: int) -> None:
        row = conn.execute(
            sa.select(case_board.c.status, case_board.c.assignee_id).where(
                case_board.c.need_id == e.originator_id
            )
        ).one()
        values: dict[str, Any] = {
            "version": e.originator_version,
            "last_activity_at": e.timestamp,
            "status": status_after(e, row.status, row.assignee_id is not None),
        }
        if isinstance(e, Need.CoordinatorAssigned | Need.Reassigned):
            values["assignee_id"] = e.coordinator
        elif isinstance(e, Need.MatchProposed | Need.ResourceCreated):
            values["resource_id"] = e.resource_id
        elif isinstance(e, Need.MatchDeclined | Need.GapRecorded):
            values.update(resource_id=None, matched_at=None)
        elif isinstance(e, Need.MatchConfirmed):
            values["matched_at"] = e.timestamp
        elif isinstance(e, Need.Paused | Need.Resumed):
            values["paused"] = isinstance(e, Need.Paused)
        elif isinstance(e, Need.Closed):
            values.update(outcome=e.outcome.value, closed_at=e.timestamp, paused=False)
        elif isinstance(e, Need.Reopened):
            values.update(outcome=None, closed_at=None, resource_id=None, matched_at=None)
        conn.execute(
            case_board.update().where(case_board.c.need_id == e.originator_id).values(**values)
        )


class DashboardView(View):
    """``dashboard``: needs counted by status per center, area and category."""

    name = "dashboard"
    tables: ClassVar = (dashboard_counts, dashboard_needs)
    dimensions = ("center", "area", "category")

    def handlers(self) -> dict[type, Handler]:
        table: dict[type, Handler] = {
            cls: self._changed for cls, status in _STATUS_AFTER.items() if status is not None
        }
        table[Need.Raised] = self._raised
        table[Need.CoordinatorAssigned] = self._changed
        table[Need.Reopened] = self._changed
        return table

    def _raised(self, conn: Connection, e: Any, position: int) -> None:
        keys = {"center": e.center_code, "area": e.area_code, "category": e.category.value}
        conn.execute(
            dashboard_needs.insert().values(
                need_id=e.originator_id,
                status=NeedStatus.RAISED.value,
                center_code=keys["center"],
                area_code=keys["area"],
                category=keys["category"],
                assigned=False,
            )
        )
        self._count(conn, keys, NeedStatus.RAISED.value, +1)

    def _changed(self, conn: Connection, e: Any, position: int) -> None:
        row = conn.execute(
            sa.select(dashboard_needs).where(dashboard_needs.c.need_id == e.originator_id)
        ).one()
        assigned = row.assigned or isinstance(e, Need.CoordinatorAssigned)
        new = status_after(e, row.status, assigned)
        if new != row.status:
            keys = {"center": row.center_code, "area": row.area_code, "category": row.category}
            self._count(conn, keys, row.status, -1)
            self._count(conn, keys, new, +1)
        conn.execute(
            dashboard_needs.update()
            .where(dashboard_needs.c.need_id == e.originator_id)
            .values(status=new, assigned=assigned)
        )

    def _count(self, conn: Connection, keys: dict[str, str], status: str, delta: int) -> None:
        for dimension in self.dimensions:
            where = (
                (dashboard_counts.c.dimension == dimension)
                & (dashboard_counts.c.key == keys[dimension])
                & (dashboard_counts.c.status == status)
            )
            updated = conn.execute(
                dashboard_counts.update()
                .where(where)
                .values(count=dashboard_counts.c["count"] + delta)
            ).rowcount
            if not updated:
                conn.execute(
                    dashboard_counts.insert().values(
                        dimension=dimension, key=keys[dimension], status=status, count=delta
                    )
                )


class SqlCaseBoard:
    """application.ports.CaseBoard on the ``case_board`` table."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def find_needs(
        self, filters: NeedFilter, page: int, per_page: int
    ) -> tuple[list[NeedRow], int]:
        c = case_board.c
        conditions: list[Any] = []
        if filters.status is not None:
            conditions.append(c.status == filters.status.value)
        if filters.category is not None:
            conditions.append(c.category == filters.category.value)
        if filters.area_code is not None:
            conditions.append(c.area_code == filters.area_code)
        if filters.center_code is not None:
            conditions.append(c.center_code == filters.center_code)
        if filters.urgency is not None:
            conditions.append(c.urgency == filters.urgency.value)
        if filters.paused is not None:
            conditions.append(c.paused == filters.paused)
        if filters.stale_before is not None:
            conditions.append(c.last_activity_at < filters.stale_before)
            conditions.append(c.status != NeedStatus.CLOSED.value)
        if filters.client_id is not None:
            conditions.append(c.client_id == filters.client_id)
        if filters.assignee is not None:
            conditions.append(c.assignee_id == User.id_for(filters.assignee))
        where = sa.and_(sa.true(), *conditions)
        query = (
            sa.select(case_board, dir_users.c.username)
            .select_from(case_board.outerjoin(dir_users, dir_users.c.id == c.assignee_id))
            .where(where)
            .order_by(c.last_activity_at.desc(), c.need_id)
            .limit(per_page)
            .offset((page - 1) * per_page)
        )
        with self.engine.connect() as conn:
            total = conn.execute(sa.select(sa.func.count()).select_from(case_board).where(where))
            count = int(total.scalar() or 0)
            rows = conn.execute(query).all()
        return [need_row(r) for r in rows], count

    def waiting_by_resource(self) -> dict[UUID, int]:
        c = case_board.c
        query = (
            sa.select(c.resource_id, sa.func.count())
            .where(c.status == NeedStatus.PROPOSED.value, c.resource_id.is_not(None))
            .group_by(c.resource_id)
        )
        with self.engine.connect() as conn:
            return {row[0]: int(row[1]) for row in conn.execute(query)}


def need_row(r: Any) -> NeedRow:
    """A case_board row (joined with the assignee's username) as a NeedRow."""
    return NeedRow(
        id=r.need_id,
        version=r.version,
        status=NeedStatus(r.status),
        paused=r.paused,
        client_id=r.client_id,
        client_code=display_code("C", r.client_id),
        category=NeedCategory(r.category),
        urgency=Urgency(r.urgency),
        center_code=r.center_code,
        area_code=r.area_code,
        assignee=r.username if r.assignee_id is not None else None,
        resource_id=r.resource_id,
        outcome=Outcome(r.outcome) if r.outcome else None,
        raised_at=r.raised_at,
        last_activity_at=r.last_activity_at,
    )


class SqlDashboard:
    """application.ports.Dashboard on the ``dashboard_counts`` table."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def counts(self, center_code: str | None = None) -> DashboardCounts:
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(dashboard_counts).where(dashboard_counts.c.count > 0)
            ).all()
        tables: dict[str, dict[str, dict[str, int]]] = {
            "center": defaultdict(dict),
            "area": defaultdict(dict),
            "category": defaultdict(dict),
        }
        totals: dict[str, int] = defaultdict(int)
        for r in rows:
            count = int(r._mapping["count"])  # Row.count is the tuple method
            tables[r.dimension][r.key][r.status] = count
            if r.dimension == "center":
                totals[r.status] += count
        return DashboardCounts(
            by_center={k: dict(v) for k, v in sorted(tables["center"].items())},
            by_area={k: dict(v) for k, v in sorted(tables["area"].items())},
            by_category={k: dict(v) for k, v in sorted(tables["category"].items())},
            totals=dict(totals),
        )
