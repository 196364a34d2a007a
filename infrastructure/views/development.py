"""Views for resource development: the initiatives list and the gaps (unmet needs)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from application.development import GapCell, GapMonth, GapReport, InitiativeFilter, InitiativeRow
from domain.calendar import JST
from domain.development import DevelopmentInitiative
from domain.need import STATUS_CHANGING_EVENTS, Need, status_after
from domain.values import InitiativeStatus, NeedCategory, NeedStatus
from infrastructure.views.schema import UtcDateTime, serving_position, view_metadata
from infrastructure.views.view import Handler, View

dev_initiatives = sa.Table(
    "dev_initiatives",
    view_metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("area_code", sa.String(32), nullable=False, index=True),
    sa.Column("category", sa.String(32), nullable=False),
    sa.Column("status", sa.String(16), nullable=False, index=True),
    sa.Column("waiting_needs", sa.Integer, nullable=False),
    sa.Column("partners", sa.Integer, nullable=False),
    sa.Column("milestones", sa.Integer, nullable=False),
    sa.Column("resource_id", sa.Uuid, nullable=True),
    sa.Column("opened_at", UtcDateTime(), nullable=False),
    sa.Column("updated_at", UtcDateTime(), nullable=False),
)

# Each need's coordinates and status, to see when it becomes or stops being unmet.
gap_needs = sa.Table(
    "gap_needs",
    view_metadata,
    sa.Column("need_id", sa.Uuid, primary_key=True),
    sa.Column("area_code", sa.String(32), nullable=False),
    sa.Column("category", sa.String(32), nullable=False),
    sa.Column("status", sa.String(32), nullable=False),
    sa.Column("assigned", sa.Boolean, nullable=False),
)

gap_flows = sa.Table(
    "gap_flows",
    view_metadata,
    sa.Column("month", sa.String(7), primary_key=True),
    sa.Column("area_code", sa.String(32), primary_key=True),
    sa.Column("category", sa.String(32), primary_key=True),
    sa.Column("opened", sa.Integer, nullable=False),
    sa.Column("resolved", sa.Integer, nullable=False),
)

UNMET = frozenset({NeedStatus.RESOURCE_GAP.value, NeedStatus.IN_DEVELOPMENT.value})


class InitiativesView(View):
    """``initiatives``: one row per development initiative."""

    name = "initiatives"
    reads_sealed = False  # none of its handlers reads a sealed field
    tables: ClassVar = (dev_initiatives,)

    def handlers(self) -> dict[type, Handler]:
        d = DevelopmentInitiative
        return {
            d.Opened: self._opened,
            d.NeedLinked: self._counted("waiting_needs", +1),
            d.NeedUnlinked: self._counted("waiting_needs", -1),
            d.PartnerAdded: self._counted("partners", +1),
            d.MilestoneRecorded: self._counted("milestones", +1),
            d.ResourceLaunched: self._ended(InitiativeStatus.LAUNCHED),
            d.Abandoned: self._ended(InitiativeStatus.ABANDONED),
        }

    def _opened(self, conn: Connection, e: Any, position: int) -> None:
        self.add_row(
            self.t.dev_initiatives,
            {
                "id": e.originator_id,
                "version": e.originator_version,
                "title": e.title,
                "area_code": e.area_code,
                "category": e.category.value,
                "status": InitiativeStatus.OPEN.value,
                "waiting_needs": 0,
                "partners": 0,
                "milestones": 0,
                "opened_at": e.timestamp,
                "updated_at": e.timestamp,
            },
        )

    def _counted(self, column: str, delta: int) -> Handler:
        def handle(conn: Connection, e: Any, position: int) -> None:
            row = self._update(conn, e, {})
            row[column] += delta

        return handle

    def _ended(self, status: InitiativeStatus) -> Handler:
        def handle(conn: Connection, e: Any, position: int) -> None:
            values: dict[str, Any] = {"status": status.value}
            if status is InitiativeStatus.LAUNCHED:
                values["resource_id"] = e.resource_id
            self._update(conn, e, values)

        return handle

    def _update(self, conn: Connection, e: Any, values: dict[str, Any]) -> dict[str, Any]:
        row = self.row(conn, self.t.dev_initiatives, e.originator_id)
        if row is None:
            raise LookupError(f"dev_initiatives has no initiative {e.originator_id}")
        row.update(version=e.originator_version, updated_at=e.timestamp, **values)
        return row


class GapsView(View):
    """``gaps``: needs entering and leaving the unmet states, per month, area and category."""

    name = "gaps"
    reads_sealed = False  # none of its handlers reads a sealed field
    tables: ClassVar = (gap_flows, gap_needs)

    def handlers(self) -> dict[type, Handler]:
        table: dict[type, Handler] = dict.fromkeys(STATUS_CHANGING_EVENTS, self._changed)
        table[Need.Raised] = self._raised
        return table

    def _raised(self, conn: Connection, e: Any, position: int) -> None:
        self.add_row(
            self.t.gap_needs,
            {
                "need_id": e.originator_id,
                "area_code": e.area_code,
                "category": e.category.value,
                "status": NeedStatus.RAISED.value,
                "assigned": False,
            },
        )

    def _changed(self, conn: Connection, e: Any, position: int) -> None:
        row = self.row(conn, self.t.gap_needs, e.originator_id)
        if row is None:
            raise LookupError(f"gap_needs has no need {e.originator_id}")
        assigned = row["assigned"] or isinstance(e, Need.CoordinatorAssigned)
        new = status_after(e, NeedStatus(row["status"]), assigned).value
        was_unmet, is_unmet = row["status"] in UNMET, new in UNMET
        if was_unmet != is_unmet:
            self._flow(conn, e, row, "opened" if is_unmet else "resolved")
        row.update(status=new, assigned=assigned)

    def _flow(self, conn: Connection, e: Any, need: dict[str, Any], column: str) -> None:
        key = (e.timestamp.astimezone(JST).strftime("%Y-%m"), need["area_code"], need["category"])
        flow = self.row(conn, self.t.gap_flows, *key)
        if flow is None:
            month, area_code, category = key
            flow = self.add_row(
                self.t.gap_flows,
                {
                    "month": month,
                    "area_code": area_code,
                    "category": category,
                    "opened": 0,
                    "resolved": 0,
                },
            )
        flow[column] += 1


class SqlDevelopmentBoard:
    """application.ports.DevelopmentBoard on the initiatives and gaps tables."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def initiatives(self, filters: InitiativeFilter) -> list[InitiativeRow]:
        c = dev_initiatives.c
        query = sa.select(dev_initiatives).order_by(c.updated_at.desc(), c.id)
        if filters.status is not None:
            query = query.where(c.status == filters.status.value)
        if filters.area_code is not None:
            query = query.where(c.area_code == filters.area_code)
        if filters.category is not None:
            query = query.where(c.category == filters.category.value)
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return [
            InitiativeRow(
                id=r.id,
                version=r.version,
                title=r.title,
                area_code=r.area_code,
                category=NeedCategory(r.category),
                status=InitiativeStatus(r.status),
                waiting_needs=r.waiting_needs,
                partners=r.partners,
                milestones=r.milestones,
                resource_id=r.resource_id,
                opened_at=r.opened_at,
                updated_at=r.updated_at,
            )
            for r in rows
        ]

    def gaps(self) -> GapReport:
        with self.engine.connect() as conn:
            current = conn.execute(
                sa.select(gap_needs.c.area_code, gap_needs.c.category, sa.func.count())
                .where(gap_needs.c.status.in_(sorted(UNMET)))
                .group_by(gap_needs.c.area_code, gap_needs.c.category)
                .order_by(gap_needs.c.area_code, gap_needs.c.category)
            ).all()
            flows = conn.execute(
                sa.select(gap_flows).order_by(
                    gap_flows.c.month, gap_flows.c.area_code, gap_flows.c.category
                )
            ).all()
            position = serving_position(conn, GapsView.name)
        running: dict[tuple[str, str], int] = defaultdict(int)
        months = []
        for f in flows:
            running[(f.area_code, f.category)] += f.opened - f.resolved
            months.append(
                GapMonth(
                    month=f.month,
                    area_code=f.area_code,
                    category=NeedCategory(f.category),
                    opened=f.opened,
                    resolved=f.resolved,
                    unmet_at_end=running[(f.area_code, f.category)],
                )
            )
        return GapReport(
            current=tuple(
                GapCell(str(row[0]), NeedCategory(row[1]), int(row[2])) for row in current
            ),
            months=tuple(months),
            position=int(position or 0),
        )
