"""Queries of the screens: the case board sorted and counted, the audit log
filtered, and the ``statistics`` view behind the supervisor dashboard."""

from __future__ import annotations

from datetime import timedelta, timezone
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from application.dto import AuditEntry, NeedFilter, NeedRow
from application.oversight_ports import AuditQuery, BoardSort, MonthlyFlow
from domain.need import Need
from domain.user import User
from domain.values import SYSTEM_USER_ID, NeedStatus, Urgency
from infrastructure.views.needs import need_row, status_after
from infrastructure.views.projection import Handler, View
from infrastructure.views.schema import UtcDateTime, audit_log, case_board, dir_users, metadata

JST = timezone(timedelta(hours=9), "JST")
"""Months are counted in Japan time (a fixed offset: no daylight saving time)."""

stat_needs = sa.Table(
    "stat_needs",
    metadata,
    sa.Column("need_id", sa.Uuid, primary_key=True),
    sa.Column("area_code", sa.String(32), nullable=False),
    sa.Column("category", sa.String(32), nullable=False),
    sa.Column("status", sa.String(32), nullable=False, index=True),
    sa.Column("assigned", sa.Boolean, nullable=False),
    sa.Column("raised_at", UtcDateTime(), nullable=False),
    sa.Column("first_matched_at", UtcDateTime(), nullable=True),
    sa.Column("outcome", sa.String(32), nullable=True),
)

stat_monthly = sa.Table(
    "stat_monthly",
    metadata,
    sa.Column("month", sa.String(7), primary_key=True),
    sa.Column("metric", sa.String(16), primary_key=True),
    sa.Column("count", sa.Integer, nullable=False),
)

_MONTHLY_METRIC = {Need.Raised: "raised", Need.MatchConfirmed: "matched", Need.Closed: "closed"}


class StatisticsView(View):
    """``statistics``: one row per need for the dashboard, and monthly flows."""

    name = "statistics"
    tables: ClassVar = (stat_needs, stat_monthly)

    def handlers(self) -> dict[type, Handler]:
        table: dict[type, Handler] = {
            Need.Raised: self._raised,
            Need.CoordinatorAssigned: self._changed,
            Need.MatchProposed: self._changed,
            Need.MatchDeclined: self._changed,
            Need.MatchConfirmed: self._changed,
            Need.GapRecorded: self._changed,
            Need.DevelopmentLinked: self._changed,
            Need.DevelopmentUnlinked: self._changed,
            Need.ResourceCreated: self._changed,
            Need.Closed: self._changed,
            Need.Reopened: self._changed,
        }
        return table

    def _raised(self, conn: Connection, e: Any, position: int) -> None:
        conn.execute(
            stat_needs.insert().values(
                need_id=e.originator_id,
                area_code=e.area_code,
                category=e.category.value,
                status=NeedStatus.RAISED.value,
                assigned=False,
                raised_at=e.timestamp,
            )
        )
        self._count(conn, e)

    def _changed(self, conn: Connection, e: Any, position: int) -> None:
        row = conn.execute(
            sa.select(stat_needs).where(stat_needs.c.need_id == e.originator_id)
        ).one()
        assigned = row.assigned or isinstance(e, Need.CoordinatorAssigned)
        values: dict[str, Any] = {
            "status": status_after(e, row.status, assigned),
            "assigned": assigned,
        }
        if isinstance(e, Need.MatchConfirmed) and row.first_matched_at is None:
            values["first_matched_at"] = e.timestamp
        elif isinstance(e, Need.Closed):
            values["outcome"] = e.outcome.value
        elif isinstance(e, Need.Reopened):
            values["outcome"] = None
        conn.execute(
            stat_needs.update().where(stat_needs.c.need_id == e.originator_id).values(**values)
        )
        self._count(conn, e)

    @staticmethod
    def _count(conn: Connection, e: Any) -> None:
        metric = _MONTHLY_METRIC.get(type(e))
        if metric is None:
            return
        month = e.timestamp.astimezone(JST).strftime("%Y-%m")
        where = (stat_monthly.c.month == month) & (stat_monthly.c.metric == metric)
        updated = conn.execute(
            stat_monthly.update().where(where).values(count=stat_monthly.c["count"] + 1)
        ).rowcount
        if not updated:
            conn.execute(stat_monthly.insert().values(month=month, metric=metric, count=1))


class SqlNeedStatistics:
    """application.oversight_ports.NeedStatistics on the ``statistics`` tables."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def _rows(self, query: Any) -> list[Any]:
        with self.engine.connect() as conn:
            return list(conn.execute(query).all())

    def monthly(self, since_month: str) -> list[MonthlyFlow]:
        rows = self._rows(
            sa.select(stat_monthly)
            .where(stat_monthly.c.month >= since_month)
            .order_by(stat_monthly.c.month)
        )
        months: dict[str, dict[str, int]] = {}
        for r in rows:
            months.setdefault(r.month, {})[r.metric] = int(r._mapping["count"])
        return [MonthlyFlow(month, **counts) for month, counts in months.items()]

    def match_days(self) -> list[float]:
        c = stat_needs.c
        rows = self._rows(
            sa.select(c.raised_at, c.first_matched_at).where(c.first_matched_at.is_not(None))
        )
        return sorted(
            max((r.first_matched_at - r.raised_at).total_seconds(), 0.0) / 86400 for r in rows
        )

    def by_status(self) -> dict[str, int]:
        c = stat_needs.c
        rows = self._rows(sa.select(c.status, sa.func.count()).group_by(c.status))
        return {r[0]: int(r[1]) for r in rows}

    def by_area_category(self, statuses: frozenset[str]) -> dict[tuple[str, str], int]:
        c = stat_needs.c
        rows = self._rows(
            sa.select(c.area_code, c.category, sa.func.count())
            .where(c.status.in_(sorted(statuses)))
            .group_by(c.area_code, c.category)
        )
        return {(r[0], r[1]): int(r[2]) for r in rows}

    def outcomes(self) -> dict[str, int]:
        c = stat_needs.c
        rows = self._rows(
            sa.select(c.outcome, sa.func.count())
            .where(c.status == NeedStatus.CLOSED.value, c.outcome.is_not(None))
            .group_by(c.outcome)
        )
        return {r[0]: int(r[1]) for r in rows}


# -- the case board, sorted and counted ----------------------------------------------------

_URGENCY_RANK = sa.case(
    {Urgency.HIGH.value: 0, Urgency.NORMAL.value: 1, Urgency.LOW.value: 2},
    value=case_board.c.urgency,
    else_=3,
)


def _board_conditions(filters: NeedFilter, *, with_status: bool) -> list[Any]:
    c = case_board.c
    conditions: list[Any] = []
    if with_status and filters.status is not None:
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
    if filters.assignee is not None:
        conditions.append(c.assignee_id == User.id_for(filters.assignee))
    if filters.client_id is not None:
        conditions.append(c.client_id == filters.client_id)
    return conditions


class SqlBoardQueries:
    """application.oversight_ports.BoardQueries on the ``case_board`` table."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def page(
        self, filters: NeedFilter, sort: BoardSort, page: int, per_page: int
    ) -> tuple[list[NeedRow], int]:
        c = case_board.c
        where = sa.and_(sa.true(), *_board_conditions(filters, with_status=True))
        orders: dict[BoardSort, list[Any]] = {
            BoardSort.LAST_ACTIVITY: [c.last_activity_at.desc()],
            BoardSort.OLDEST_ACTIVITY: [c.last_activity_at.asc()],
            BoardSort.NEWEST: [c.raised_at.desc()],
            BoardSort.OLDEST: [c.raised_at.asc()],
            BoardSort.URGENCY: [_URGENCY_RANK, c.last_activity_at.desc()],
        }
        order = orders[sort]
        query = (
            sa.select(case_board, dir_users.c.username)
            .select_from(case_board.outerjoin(dir_users, dir_users.c.id == c.assignee_id))
            .where(where)
            .order_by(*order, c.need_id)
            .limit(per_page)
            .offset((page - 1) * per_page)
        )
        with self.engine.connect() as conn:
            total = int(
                conn.execute(
                    sa.select(sa.func.count()).select_from(case_board).where(where)
                ).scalar()
                or 0
            )
            rows = conn.execute(query).all()
        return [need_row(r) for r in rows], total

    def status_counts(self, filters: NeedFilter) -> dict[NeedStatus, int]:
        c = case_board.c
        query = (
            sa.select(c.status, sa.func.count())
            .where(sa.and_(sa.true(), *_board_conditions(filters, with_status=False)))
            .group_by(c.status)
        )
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return {NeedStatus(r[0]): int(r[1]) for r in rows}


# -- the audit log, filtered --------------------------------------------------------------


class SqlAuditSearch:
    """application.oversight_ports.AuditSearch on the ``audit_log`` table."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def search(self, query: AuditQuery, page: int, per_page: int) -> tuple[list[AuditEntry], int]:
        c = audit_log.c
        conditions: list[Any] = []
        if query.since is not None:
            conditions.append(c.timestamp >= query.since)
        if query.until is not None:
            conditions.append(c.timestamp < query.until)
        if query.actor_id is not None:
            conditions.append(c.actor_id == query.actor_id)
        if query.aggregate_id is not None:
            conditions.append(c.aggregate_id == query.aggregate_id)
        if query.event_type:
            aggregate_type, _, event_type = query.event_type.partition(".")
            conditions.append(c.aggregate_type == aggregate_type)
            if event_type:
                conditions.append(c.event_type == event_type)
        where = sa.and_(sa.true(), *conditions)
        select = (
            sa.select(audit_log, dir_users.c.username)
            .select_from(audit_log.outerjoin(dir_users, dir_users.c.id == c.actor_id))
            .where(where)
            .order_by(c.position.desc())
            .limit(per_page)
            .offset((page - 1) * per_page)
        )
        with self.engine.connect() as conn:
            total = int(
                conn.execute(
                    sa.select(sa.func.count()).select_from(audit_log).where(where)
                ).scalar()
                or 0
            )
            rows = conn.execute(select).all()
        return [
            AuditEntry(
                position=r.position,
                aggregate_id=r.aggregate_id,
                aggregate_type=r.aggregate_type,
                version=r.version,
                type=r.event_type,
                timestamp=r.timestamp,
                actor_id=r.actor_id,
                actor=r.username or ("system" if r.actor_id == SYSTEM_USER_ID else None),
                reason=r.reason,
            )
            for r in rows
        ], total

    def event_types(self) -> list[str]:
        c = audit_log.c
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(c.aggregate_type, c.event_type).distinct()).all()
        return sorted(f"{r[0]}.{r[1]}" for r in rows)
