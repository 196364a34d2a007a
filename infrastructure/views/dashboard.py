"""The ``dashboard`` view: needs counted for supervisors, per status along each
dimension, per month, by time to match and by outcome.

One row per need (``dashboard_facts``) lets a status change move one count from
the old cell to the new one; ``dashboard_counts`` keeps the counts by status
per center, area and category; ``dashboard_monthly`` the raised, matched and
closed needs of each month (Japan time).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from application.common import JST
from application.oversight import (
    MATCH_BUCKETS,
    Dashboard,
    DashboardFilter,
    MatchTime,
    MonthlyFlow,
    median_days,
    middle,
)
from domain.need import STATUS_CHANGING_EVENTS, Need, status_after
from domain.values import NeedStatus
from infrastructure.views.projection import Handler, View
from infrastructure.views.schema import UtcDateTime, dashboard_counts, view_metadata

dashboard_facts = sa.Table(
    "dashboard_facts",
    view_metadata,
    sa.Column("need_id", sa.Uuid, primary_key=True),
    sa.Column("status", sa.String(32), nullable=False, index=True),
    sa.Column("center_code", sa.String(32), nullable=False),
    sa.Column("area_code", sa.String(32), nullable=False),
    sa.Column("category", sa.String(32), nullable=False),
    sa.Column("assigned", sa.Boolean, nullable=False),
    sa.Column("raised_at", UtcDateTime(), nullable=False),
    sa.Column("first_matched_at", UtcDateTime(), nullable=True),
    sa.Column("outcome", sa.String(32), nullable=True),
)

dashboard_monthly = sa.Table(
    "dashboard_monthly",
    view_metadata,
    sa.Column("month", sa.String(7), primary_key=True),
    sa.Column("metric", sa.String(16), primary_key=True),
    sa.Column("center_code", sa.String(32), primary_key=True),
    sa.Column("area_code", sa.String(32), primary_key=True),
    sa.Column("count", sa.Integer, nullable=False),
)

dashboard_matches = sa.Table(
    "dashboard_matches",
    view_metadata,
    sa.Column("position", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("need_id", sa.Uuid, nullable=False),
    sa.Column("center_code", sa.String(32), nullable=False),
    sa.Column("area_code", sa.String(32), nullable=False),
    sa.Column("raised_at", UtcDateTime(), nullable=False),
    sa.Column("matched_at", UtcDateTime(), nullable=False),
)
"""Every confirmed match with its need's raise: the time to match, counted as the logic
model counts it."""
_WAITS = (
    sa.Index(None, dashboard_matches.c.matched_at, dashboard_matches.c.raised_at),
    *(
        sa.Index(None, place, dashboard_matches.c.matched_at, dashboard_matches.c.raised_at)
        for place in (dashboard_matches.c.area_code, dashboard_matches.c.center_code)
    ),
)
"""The time to match of a fiscal year, an area or a center, read from an index alone."""
for _index in _WAITS:
    _index.name = None  # named per generation, when a generation's copy is made

DAY_US = 86_400_000_000
"""Microseconds in a day."""

_MONTHLY_METRIC = {Need.Raised: "raised", Need.MatchConfirmed: "matched", Need.Closed: "closed"}
DIMENSIONS = ("center", "area", "category")


class DashboardView(View):
    """``dashboard``: one view for every figure of the supervisor dashboard."""

    name = "dashboard"
    reads_sealed = False  # none of its handlers reads a sealed field
    version = 4
    """2: the dashboard and the screens' statistics folded into one view.
    3: monthly flows per center and area (the dashboard's filters); the time to match
    of every confirmed match, as the logic model counts it.
    4: indexes of the matches by period, area and center that hold both instants (the
    time to match is summed up in SQL)."""
    tables: ClassVar = (dashboard_counts, dashboard_monthly, dashboard_facts, dashboard_matches)

    def handlers(self) -> dict[type, Handler]:
        table: dict[type, Handler] = dict.fromkeys(STATUS_CHANGING_EVENTS, self._changed)
        table[Need.Raised] = self._raised
        return table

    def _raised(self, conn: Connection, e: Any, position: int) -> None:
        self.add_row(
            self.t.dashboard_facts,
            {
                "need_id": e.originator_id,
                "status": NeedStatus.RAISED.value,
                "center_code": e.center_code,
                "area_code": e.area_code,
                "category": e.category.value,
                "assigned": False,
                "raised_at": e.timestamp,
            },
        )
        keys = {"center": e.center_code, "area": e.area_code, "category": e.category.value}
        self._count(conn, keys, NeedStatus.RAISED.value, +1)
        self._month(conn, e, e.center_code, e.area_code)

    def _changed(self, conn: Connection, e: Any, position: int) -> None:
        row = self.row(conn, self.t.dashboard_facts, e.originator_id)
        if row is None:
            raise LookupError(f"dashboard_facts has no need {e.originator_id}")
        assigned = row["assigned"] or isinstance(e, Need.CoordinatorAssigned)
        new = status_after(e, NeedStatus(row["status"]), assigned).value
        if new != row["status"]:
            keys = {
                "center": row["center_code"],
                "area": row["area_code"],
                "category": row["category"],
            }
            self._count(conn, keys, row["status"], -1)
            self._count(conn, keys, new, +1)
        row.update(status=new, assigned=assigned)
        if isinstance(e, Need.MatchConfirmed):
            self.insert_later(  # append-only: one executemany per batch
                self.t.dashboard_matches,
                {
                    "position": position,
                    "need_id": e.originator_id,
                    "center_code": row["center_code"],
                    "area_code": row["area_code"],
                    "raised_at": row["raised_at"],
                    "matched_at": e.timestamp,
                },
            )
            if row["first_matched_at"] is None:
                row["first_matched_at"] = e.timestamp
        elif isinstance(e, Need.Closed):
            row["outcome"] = e.outcome.value
        elif isinstance(e, Need.Reopened):
            row["outcome"] = None
        self._month(conn, e, row["center_code"], row["area_code"])

    def _count(self, conn: Connection, keys: dict[str, str], status: str, delta: int) -> None:
        for dimension in DIMENSIONS:
            key = {"dimension": dimension, "key": keys[dimension], "status": status}
            self.count_later(self.t.dashboard_counts, key, "count", delta)

    def _month(self, conn: Connection, e: Any, center_code: str, area_code: str) -> None:
        metric = _MONTHLY_METRIC.get(type(e))
        if metric is None:
            return
        month = e.timestamp.astimezone(JST).strftime("%Y-%m")
        key = {"month": month, "metric": metric, "center_code": center_code, "area_code": area_code}
        self.count_later(self.t.dashboard_monthly, key, "count", 1)


class SqlDashboard:
    """application.oversight.DashboardView on the ``dashboard`` tables."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def _rows(self, query: Any) -> list[Any]:
        with self.engine.connect() as conn:
            return list(conn.execute(query).all())

    def counts(self, where: DashboardFilter) -> Dashboard:
        if where == DashboardFilter():
            rows = self._rows(sa.select(dashboard_counts).where(dashboard_counts.c["count"] > 0))
        else:
            # The chosen needs along every dimension: counted from the facts.
            f = dashboard_facts.c
            rows = [
                {"dimension": dimension, "key": key, "status": status, "count": count}
                for dimension, column in (
                    ("center", f.center_code),
                    ("area", f.area_code),
                    ("category", f.category),
                )
                for key, status, count in self._rows(
                    sa.select(column, f.status, sa.func.count())
                    .where(*_chosen(where, f.raised_at))
                    .group_by(column, f.status)
                )
            ]
        tables: dict[str, dict[str, dict[str, int]]] = {d: defaultdict(dict) for d in DIMENSIONS}
        totals: dict[str, int] = defaultdict(int)
        for r in rows:
            m = r if isinstance(r, dict) else r._mapping  # Row.count is the tuple method
            count = int(m["count"])
            tables[m["dimension"]][m["key"]][m["status"]] = count
            if m["dimension"] == "center":
                totals[m["status"]] += count
        return Dashboard(
            by_center={k: dict(v) for k, v in sorted(tables["center"].items())},
            by_area={k: dict(v) for k, v in sorted(tables["area"].items())},
            by_category={k: dict(v) for k, v in sorted(tables["category"].items())},
            totals=dict(totals),
        )

    def monthly(self, months: Sequence[str], where: DashboardFilter) -> list[MonthlyFlow]:
        c = dashboard_monthly.c
        rows = self._rows(
            sa.select(c.month, c.metric, sa.func.sum(c["count"]))
            .where(c.month.in_(list(months)), *_place(where, c.center_code, c.area_code))
            .group_by(c.month, c.metric)
            .order_by(c.month)
        )
        counted: dict[str, dict[str, int]] = {}
        for month, metric, count in rows:
            counted.setdefault(month, {})[metric] = int(count)
        return [MonthlyFlow(month, **counts) for month, counts in counted.items()]

    def match_time(self, where: DashboardFilter) -> MatchTime:
        c = dashboard_matches.c
        conditions = _place(where, c.center_code, c.area_code)
        period = where.period()
        if period is not None:
            conditions += [c.matched_at >= period[0], c.matched_at < period[1]]
        waited = _microseconds(self.engine.dialect.name, c.raised_at, c.matched_at)
        # Matches per whole day waited (-1: none can wait less than nothing, but such a
        # wait would fall in no range): every range of MATCH_BUCKETS has whole-day
        # bounds, so a wait is in a range exactly when its whole days are.
        whole = sa.case((waited >= 0, waited // DAY_US), else_=-1).label("day")
        with self.engine.connect() as conn:
            counted: Any = conn.execute(
                sa.select(whole, sa.func.count()).where(*conditions).group_by(whole)
            ).all()
            per_day = sorted((int(d), int(n)) for d, n in counted)
            count = sum(n for _, n in per_day)
            if not count:
                return MatchTime()
            # Only the middle one or two matches, in the exact order of their waits,
            # read from the day(s) they fall in: the days of each are then reckoned as
            # they always were, so the median is the very one of the whole sorted list.
            offset, limit = middle(count)
            first, last, skipped = _spanning(per_day, offset, limit)
            within = [waited < (last + 1) * DAY_US]
            if first >= 0:
                within.append(waited >= first * DAY_US)
            rows = conn.execute(
                sa.select(c.raised_at, c.matched_at)
                .where(*conditions, *within)
                .order_by(waited)
                .offset(offset - skipped)
                .limit(limit)
            ).all()
        days = sorted(_days(r.raised_at, r.matched_at) for r in rows)
        buckets = tuple(
            sum(n for d, n in per_day if d >= low and (high is None or d < high))
            for low, high in MATCH_BUCKETS
        )
        return MatchTime(count, median_days(days), buckets)

    def by_area_category(
        self, statuses: frozenset[str], where: DashboardFilter
    ) -> dict[tuple[str, str], int]:
        c = dashboard_facts.c
        rows = self._rows(
            sa.select(c.area_code, c.category, sa.func.count())
            .where(c.status.in_(sorted(statuses)), *_chosen(where, c.raised_at))
            .group_by(c.area_code, c.category)
        )
        return {(r[0], r[1]): int(r[2]) for r in rows}

    def outcomes(self, where: DashboardFilter) -> dict[str, int]:
        c = dashboard_facts.c
        rows = self._rows(
            sa.select(c.outcome, sa.func.count())
            .where(
                c.status == NeedStatus.CLOSED.value,
                c.outcome.is_not(None),
                *_chosen(where, c.raised_at),
            )
            .group_by(c.outcome)
        )
        return {r[0]: int(r[1]) for r in rows}


def _spanning(per_day: list[tuple[int, int]], offset: int, limit: int) -> tuple[int, int, int]:
    """The first and last day (of ``per_day``: (day, matches), ascending) holding the
    ``limit`` matches from ``offset`` in order, and how many matches come before the
    first of them."""
    first, skipped, before = per_day[0][0], 0, 0
    for day, n in per_day:
        if before <= offset < before + n:
            first, skipped = day, before
        before += n
        if before >= offset + limit:
            return first, day, skipped
    return first, per_day[-1][0], skipped


def _days(raised_at: datetime, matched_at: datetime) -> float:
    """Days from raise to match: the logic model's reckoning (``lm_facts`` values)."""
    return (matched_at - raised_at).total_seconds() / 86400


def _microseconds(dialect: str, start: Any, end: Any) -> Any:
    """``end - start`` in whole microseconds, exactly (the order and the bucket of every
    wait as Python's timedeltas give them; floating days could tie or cross a bound)."""
    if dialect == "postgresql":
        return sa.cast(sa.extract("epoch", end - start) * 1_000_000, sa.BigInteger)

    # SQLite keeps UTC datetimes as 'YYYY-MM-DD HH:MM:SS.ffffff'.
    def seconds(moment: Any) -> Any:
        return sa.cast(sa.func.strftime("%s", moment), sa.BigInteger)

    def micro(moment: Any) -> Any:
        return sa.cast(sa.func.substr(moment, 21, 6), sa.BigInteger)

    return (seconds(end) - seconds(start)) * 1_000_000 + micro(end) - micro(start)


def _place(where: DashboardFilter, center: Any, area: Any) -> list[Any]:
    conditions = []
    if where.center_code is not None:
        conditions.append(center == where.center_code)
    if where.area_code is not None:
        conditions.append(area == where.area_code)
    return conditions


def _chosen(where: DashboardFilter, moment: Any) -> list[Any]:
    """Conditions on ``dashboard_facts``: the filter's center, area, and ``moment``
    within its fiscal year."""
    conditions = _place(where, dashboard_facts.c.center_code, dashboard_facts.c.area_code)
    period = where.period()
    if period is not None:
        conditions += [moment >= period[0], moment < period[1]]
    return conditions
