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
from datetime import datetime, timedelta
from typing import Any, ClassVar
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from application.oversight import (
    MATCH_BUCKETS,
    Dashboard,
    DashboardFilter,
    MatchTime,
    MonthlyFlow,
    median_days,
    middle,
)
from domain.calendar import JST, fiscal_year, jst_date
from domain.need import STATUS_CHANGING_EVENTS, Need, status_after
from domain.values import NeedStatus
from infrastructure.views.schema import UtcDateTime, dashboard_counts, view_metadata
from infrastructure.views.view import Handler, View

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
    sa.Column("waited_us", sa.BigInteger, nullable=False),
)
"""Every confirmed match with its need's raise and the wait between them in whole
microseconds: the time to match, counted as the logic model counts it."""
_WAITS = tuple(
    sa.Index(None, *place, dashboard_matches.c.waited_us, dashboard_matches.c.matched_at)
    for place in ((), (dashboard_matches.c.area_code,), (dashboard_matches.c.center_code,))
)
"""The middle waits of a filter read from an index alone, along the waits of a day."""
for _index in _WAITS:
    _index.name = None  # named per generation, when a generation's copy is made

ANY_YEAR, ANY_PLACE = 0, ""
"""The fiscal year, center or area of a ``dashboard_match_days`` row that counts every one."""

dashboard_match_days = sa.Table(
    "dashboard_match_days",
    view_metadata,
    sa.Column("fiscal_year", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("center_code", sa.String(32), primary_key=True),
    sa.Column("area_code", sa.String(32), primary_key=True),
    sa.Column("day", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("count", sa.Integer, nullable=False),
)
"""Confirmed matches per whole day waited, for every combination of the dashboard's
filters (fiscal year of the match, center, area; ANY_YEAR/ANY_PLACE for none): a
filter's histogram and the place of its median read one short range of days, however
many matches there are."""

dashboard_cells = sa.Table(
    "dashboard_cells",
    view_metadata,
    sa.Column("fiscal_year", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("center_code", sa.String(32), primary_key=True, index=True),
    sa.Column("area_code", sa.String(32), primary_key=True, index=True),
    sa.Column("category", sa.String(32), primary_key=True),
    sa.Column("status", sa.String(32), primary_key=True),
    sa.Column("outcome", sa.String(32), primary_key=True),
    sa.Column("count", sa.Integer, nullable=False),
)
"""Needs per fiscal year raised, center, area, category, status and outcome ('' until
closed): the filtered counts, heat maps and outcomes grouped from a table whose size
grows with years and places, not with needs."""
_CELLS_BY_STATUS = sa.Index(
    None,
    dashboard_cells.c.status,
    dashboard_cells.c.outcome,
    dashboard_cells.c.area_code,
    dashboard_cells.c.category,
    dashboard_cells.c["count"],
)
"""The heat maps' open (or unmet) needs per area and category, and the outcomes, from an
index alone."""
_CELLS_BY_STATUS.name = None  # named per generation, when a generation's copy is made

DAY_US = 86_400_000_000
"""Microseconds in a day."""

_MONTHLY_METRIC = {Need.Raised: "raised", Need.MatchConfirmed: "matched", Need.Closed: "closed"}
DIMENSIONS = ("center", "area", "category")


class DashboardView(View):
    """``dashboard``: one view for every figure of the supervisor dashboard."""

    name = "dashboard"
    reads_sealed = False  # none of its handlers reads a sealed field
    version = 5
    """2: the dashboard and the screens' statistics folded into one view.
    3: monthly flows per center and area (the dashboard's filters); the time to match
    of every confirmed match, as the logic model counts it.
    4: indexes of the matches by period, area and center that hold both instants (the
    time to match is summed up in SQL).
    5: matches counted per day waited for every filter, their waits stored; needs
    counted per fiscal year, place, category, status and outcome (a filtered dashboard
    reads counts, not every need or match)."""
    tables: ClassVar = (
        dashboard_counts,
        dashboard_monthly,
        dashboard_facts,
        dashboard_match_days,  # before dashboard_matches: the order match_time reads
        dashboard_matches,  # them in, so a switch of generation locks them alike
        dashboard_cells,
    )

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
        self._cell(self._cell_key(e.timestamp, keys, NeedStatus.RAISED.value, None), +1)
        self._month(conn, e, e.center_code, e.area_code)

    def _changed(self, conn: Connection, e: Any, position: int) -> None:
        row = self.row(conn, self.t.dashboard_facts, e.originator_id)
        if row is None:
            raise LookupError(f"dashboard_facts has no need {e.originator_id}")
        assigned = row["assigned"] or isinstance(e, Need.CoordinatorAssigned)
        new = status_after(e, NeedStatus(row["status"]), assigned).value
        keys = {"center": row["center_code"], "area": row["area_code"], "category": row["category"]}
        if new != row["status"]:
            self._count(conn, keys, row["status"], -1)
            self._count(conn, keys, new, +1)
        before = self._cell_key(row["raised_at"], keys, row["status"], row["outcome"])
        row.update(status=new, assigned=assigned)
        if isinstance(e, Need.MatchConfirmed):
            entry, days = match_entries(
                position,
                e.originator_id,
                row["center_code"],
                row["area_code"],
                row["raised_at"],
                e.timestamp,
            )
            self.insert_later(self.t.dashboard_matches, entry)  # append-only: one executemany
            for key in days:
                self.count_later(self.t.dashboard_match_days, key, "count", 1)
            if row["first_matched_at"] is None:
                row["first_matched_at"] = e.timestamp
        elif isinstance(e, Need.Closed):
            row["outcome"] = e.outcome.value
        elif isinstance(e, Need.Reopened):
            row["outcome"] = None
        after = self._cell_key(row["raised_at"], keys, row["status"], row["outcome"])
        if after != before:
            self._cell(before, -1)
            self._cell(after, +1)
        self._month(conn, e, row["center_code"], row["area_code"])

    @staticmethod
    def _cell_key(
        raised_at: datetime, keys: dict[str, str], status: str, outcome: str | None
    ) -> dict[str, Any]:
        return {
            "fiscal_year": _fiscal_year(raised_at),
            "center_code": keys["center"],
            "area_code": keys["area"],
            "category": keys["category"],
            "status": status,
            "outcome": outcome or "",
        }

    def _cell(self, key: dict[str, Any], delta: int) -> None:
        self.count_later(self.t.dashboard_cells, key, "count", delta)

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
            # The chosen needs along every dimension: summed from their cells.
            c = dashboard_cells.c
            total = sa.func.sum(c["count"])
            rows = []
            for center, area, category, status, count in self._rows(
                sa.select(c.center_code, c.area_code, c.category, c.status, total)
                .where(*_cells(where))
                .group_by(c.center_code, c.area_code, c.category, c.status)
                .having(total > 0)
            ):
                for dimension, key in (("center", center), ("area", area), ("category", category)):
                    rows.append(
                        {"dimension": dimension, "key": key, "status": status, "count": count}
                    )
        tables: dict[str, dict[str, dict[str, int]]] = {d: defaultdict(dict) for d in DIMENSIONS}
        totals: dict[str, int] = defaultdict(int)
        for r in rows:
            m = r if isinstance(r, dict) else r._mapping  # Row.count is the tuple method
            count = int(m["count"])
            cell = tables[m["dimension"]][m["key"]]
            cell[m["status"]] = cell.get(m["status"], 0) + count
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
        d = dashboard_match_days.c
        with self.engine.connect() as conn:
            counted: Any = conn.execute(
                sa.select(d.day, d["count"])
                .where(
                    d.fiscal_year == (where.fiscal_year or ANY_YEAR),
                    d.center_code == (where.center_code or ANY_PLACE),
                    d.area_code == (where.area_code or ANY_PLACE),
                    d["count"] > 0,
                )
                .order_by(d.day)
            ).all()
            per_day = [(int(day), int(n)) for day, n in counted]
            count = sum(n for _, n in per_day)
            if not count:
                return MatchTime()
            # Only the middle one or two matches, in the exact order of their waits,
            # read from the day(s) they fall in: the days of each are then reckoned as
            # they always were, so the median is the very one of the whole sorted list.
            c = dashboard_matches.c
            conditions = _place(where, c.center_code, c.area_code)
            period = where.period()
            if period is not None:
                conditions += [c.matched_at >= period[0], c.matched_at < period[1]]
            offset, limit = middle(count)
            first, last, skipped = _spanning(per_day, offset, limit)
            conditions.append(c.waited_us < (last + 1) * DAY_US)
            if first >= 0:
                conditions.append(c.waited_us >= first * DAY_US)
            waits: Sequence[int] = (
                conn.execute(
                    sa.select(c.waited_us)
                    .where(*conditions)
                    .order_by(c.waited_us)
                    .offset(offset - skipped)
                    .limit(limit)
                )
                .scalars()
                .all()
            )
            days = sorted(timedelta(microseconds=w).total_seconds() / 86400 for w in waits)
        buckets = tuple(
            sum(n for d, n in per_day if d >= low and (high is None or d < high))
            for low, high in MATCH_BUCKETS
        )
        return MatchTime(count, median_days(days), buckets)

    def by_area_category(
        self, statuses: frozenset[str], where: DashboardFilter
    ) -> dict[tuple[str, str], int]:
        c = dashboard_cells.c
        total = sa.func.sum(c["count"])
        rows = self._rows(
            sa.select(c.area_code, c.category, total)
            .where(c.status.in_(sorted(statuses)), *_cells(where))
            .group_by(c.area_code, c.category)
            .having(total > 0)
        )
        return {(r[0], r[1]): int(r[2]) for r in rows}

    def outcomes(self, where: DashboardFilter) -> dict[str, int]:
        c = dashboard_cells.c
        total = sa.func.sum(c["count"])
        rows = self._rows(
            sa.select(c.outcome, total)
            .where(c.status == NeedStatus.CLOSED.value, c.outcome != "", *_cells(where))
            .group_by(c.outcome)
            .having(total > 0)
        )
        return {r[0]: int(r[1]) for r in rows}


def _fiscal_year(moment: datetime) -> int:
    """The Japanese fiscal year of ``moment``."""
    return fiscal_year(jst_date(moment))


def match_entries(
    position: int,
    need_id: UUID,
    center_code: str,
    area_code: str,
    raised_at: datetime,
    matched_at: datetime,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A confirmed match's ``dashboard_matches`` row, and the keys of the
    ``dashboard_match_days`` rows that count it (one per combination of filters)."""
    waited = (matched_at - raised_at) // timedelta(microseconds=1)
    entry = {
        "position": position,
        "need_id": need_id,
        "center_code": center_code,
        "area_code": area_code,
        "raised_at": raised_at,
        "matched_at": matched_at,
        "waited_us": waited,
    }
    # -1: none can wait less than nothing, but such a wait would fall in no range.
    day = waited // DAY_US if waited >= 0 else -1
    days = [
        {"fiscal_year": year, "center_code": center, "area_code": area, "day": day}
        for year in (_fiscal_year(matched_at), ANY_YEAR)
        for center in (center_code, ANY_PLACE)
        for area in (area_code, ANY_PLACE)
    ]
    return entry, days


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


def _place(where: DashboardFilter, center: Any, area: Any) -> list[Any]:
    conditions = []
    if where.center_code is not None:
        conditions.append(center == where.center_code)
    if where.area_code is not None:
        conditions.append(area == where.area_code)
    return conditions


def _cells(where: DashboardFilter) -> list[Any]:
    """Conditions on ``dashboard_cells``: the filter's center, area and fiscal year of
    the raise."""
    conditions = _place(where, dashboard_cells.c.center_code, dashboard_cells.c.area_code)
    if where.fiscal_year is not None:
        conditions.append(dashboard_cells.c.fiscal_year == where.fiscal_year)
    return conditions
