"""The logic-model view (ロジックモデル): inputs, activities, outputs and outcomes.

The projection records one fact per relevant event (which fiscal year, which
area, what it counts) plus the little state needed to date things (when a
need was raised, where a client lives, which areas an organization covers).
Reports for any fiscal year and area are computed from these facts at query
time. Fiscal years run April to March, dated in Japan time.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from application.oversight import LogicModelReport, median_days, middle
from domain.calendar import fiscal_bounds, fiscal_year, jst_date
from domain.client import Client
from domain.council import Council
from domain.development import DevelopmentInitiative
from domain.need import Need
from domain.organization import Organization
from domain.resource import Resource
from domain.user import User
from domain.values import CouncilTier, Milestone, Outcome, ResourceStatus, Role
from infrastructure.views.schema import UtcDateTime, view_metadata
from infrastructure.views.view import Handler, View

RECURRENCE_WINDOW = timedelta(days=180)
ALL_AREAS = "*"
"""Area key of facts that belong to the whole municipality (tier-1 councils)."""

lm_facts = sa.Table(
    "lm_facts",
    view_metadata,
    sa.Column("position", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("fiscal_year", sa.Integer, nullable=False),
    sa.Column("area_code", sa.String(32), nullable=False, index=True),
    sa.Column("metric", sa.String(32), nullable=False),
    sa.Column("subject", sa.String(64), nullable=True),
    sa.Column("value", sa.Float, nullable=True),
    sa.Column("value2", sa.Float, nullable=True),
)
_by_year_and_metric = sa.Index(
    None,
    lm_facts.c.fiscal_year,
    lm_facts.c.metric,
    lm_facts.c.area_code,
    lm_facts.c.position,
    lm_facts.c.subject,
    lm_facts.c.value,
)
"""The report's every aggregate reads this index alone (a year's facts per metric, in
an area, each event's once), never the table."""
_by_year_and_metric.name = None
"""Named per generation when a generation's copy is made (``ix_lm_facts_g<N>_fiscal_year``),
not once for the canonical table: two generations live side by side."""

lm_needs = sa.Table(
    "lm_needs",
    view_metadata,
    sa.Column("need_id", sa.Uuid, primary_key=True),
    sa.Column("client_id", sa.Uuid, nullable=False, index=True),
    sa.Column("area_code", sa.String(32), nullable=False),
    sa.Column("category", sa.String(32), nullable=False),
    sa.Column("raised_at", UtcDateTime(), nullable=False),
)

lm_places = sa.Table(
    "lm_places",
    view_metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("area_codes", sa.JSON, nullable=False),
    sa.Column("tier", sa.String(16), nullable=True),
)
"""Where clients live, which areas organizations/resources/initiatives/councils cover."""

lm_users = sa.Table(
    "lm_users",
    view_metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("coordinator", sa.Boolean, nullable=False),
)

lm_states = sa.Table(
    "lm_states",
    view_metadata,
    sa.Column("position", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("subject_id", sa.Uuid, nullable=False, index=True),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("on", sa.Date, nullable=False),
    sa.Column("state", sa.String(16), nullable=False),
)
"""Dated state changes of organizations (registered), resources (status) and councils
(formed): what existed, and was active, at the end of a fiscal year."""


class LogicModelView(View):
    """``logic_model``: dated facts for the logic-model report."""

    name = "logic_model"
    reads_sealed = False  # none of its handlers reads a sealed field
    lookups = frozenset({"lm_needs.client_id"})  # a client's earlier needs
    version = 2
    """2: one index of the facts by fiscal year, metric and area that covers every
    aggregate of the report."""
    tables: ClassVar = (lm_facts, lm_needs, lm_places, lm_users, lm_states)

    def __init__(self, generation: int = 1) -> None:
        super().__init__(generation)
        self._next_seq: tuple[int, int] = (0, 0)

    def rolled_back(self) -> None:
        self._next_seq = (0, 0)

    def handlers(self) -> dict[type, Handler]:
        return {
            User.Created: self._user,
            User.RoleGranted: self._role,
            User.RoleRevoked: self._role,
            Client.Registered: self._client,
            Client.CareLevelChanged: self._assessed,
            Organization.Registered: self._organization,
            Organization.Updated: self._organization_updated,
            Organization.ContactLogged: self._contact,
            Resource.Registered: self._resource,
            Resource.Updated: self._resource_updated,
            Resource.Suspended: self._resource_status,
            Resource.Reactivated: self._resource_status,
            Resource.Closed: self._resource_status,
            Council.Formed: self._council,
            Council.MeetingRecorded: self._meeting,
            DevelopmentInitiative.Opened: self._initiative,
            DevelopmentInitiative.MilestoneRecorded: self._milestone,
            DevelopmentInitiative.ResourceLaunched: self._launched,
            Need.Raised: self._raised,
            Need.CoordinatorAssigned: self._assigned,
            Need.Reassigned: self._assigned,
            Need.MatchProposed: self._proposed,
            Need.GapRecorded: self._coordinated,
            Need.MatchConfirmed: self._confirmed,
            Need.Closed: self._closed,
        }

    # -- facts ---------------------------------------------------------------------

    def _fact(
        self,
        conn: Connection,
        position: int,
        day: date,
        areas: list[str],
        metric: str,
        subject: object = None,
        value: float | None = None,
        value2: float | None = None,
    ) -> None:
        for area in areas:
            # Facts of one event are numbered in the order the handler makes them,
            # which is the same on every replay.
            seq = self._next_seq[1] if self._next_seq[0] == position else 0
            self._next_seq = (position, seq + 1)
            self.insert_later(  # append-only: one executemany per batch
                self.t.lm_facts,
                {
                    "position": position,
                    "seq": seq,
                    "fiscal_year": fiscal_year(day),
                    "area_code": area,
                    "metric": metric,
                    "subject": None if subject is None else str(subject),
                    "value": value,
                    "value2": value2,
                },
            )

    def _areas_of(self, conn: Connection, place_id: Any) -> list[str]:
        row = self.peek(conn, self.t.lm_places, place_id)
        return list((row or {}).get("area_codes") or [])

    def _need(self, conn: Connection, need_id: Any) -> dict[str, Any]:
        row = self.peek(conn, self.t.lm_needs, need_id)
        if row is None:
            raise LookupError(f"lm_needs has no need {need_id}")
        return row

    def _place(
        self, conn: Connection, place_id: Any, kind: str, areas: list[str], tier: str | None = None
    ) -> None:
        self.add_row(
            self.t.lm_places, {"id": place_id, "kind": kind, "area_codes": areas, "tier": tier}
        )

    def _set_areas(self, conn: Connection, place_id: Any, areas: list[str]) -> None:
        row = self.row(conn, self.t.lm_places, place_id)
        if row is not None:  # (an UPDATE of no row did nothing either)
            row["area_codes"] = areas

    def _state(
        self, conn: Connection, position: int, subject: Any, kind: str, day: date, state: str
    ) -> None:
        self.insert_later(  # append-only: one executemany per batch
            self.t.lm_states,
            {"position": position, "subject_id": subject, "kind": kind, "on": day, "state": state},
        )

    # -- users, clients, organizations, resources, councils ------------------------------

    def _user(self, conn: Connection, e: Any, position: int) -> None:
        self.add_row(self.t.lm_users, {"id": e.originator_id, "coordinator": False})

    def _role(self, conn: Connection, e: Any, position: int) -> None:
        if e.role is Role.COORDINATOR:
            row = self.row(conn, self.t.lm_users, e.originator_id)
            if row is not None:
                row["coordinator"] = isinstance(e, User.RoleGranted)

    def _client(self, conn: Connection, e: Any, position: int) -> None:
        self._place(conn, e.originator_id, "client", [e.area_code])

    def _assessed(self, conn: Connection, e: Any, position: int) -> None:
        areas = self._areas_of(conn, e.originator_id)
        self._fact(
            conn,
            position,
            e.assessed_on,
            areas,
            "assessment",
            e.originator_id,
            e.previous.rank,
            e.care_level.rank,
        )

    def _organization(self, conn: Connection, e: Any, position: int) -> None:
        self._place(conn, e.originator_id, "organization", list(e.area_codes))
        self._state(
            conn, position, e.originator_id, "organization", jst_date(e.timestamp), "registered"
        )

    def _organization_updated(self, conn: Connection, e: Any, position: int) -> None:
        self._set_areas(conn, e.originator_id, list(e.area_codes))

    def _contact(self, conn: Connection, e: Any, position: int) -> None:
        areas = self._areas_of(conn, e.originator_id)
        self._fact(conn, position, e.on, areas, "contact", e.originator_id)

    def _resource(self, conn: Connection, e: Any, position: int) -> None:
        self._place(conn, e.originator_id, "resource", list(e.area_codes))
        self._state(
            conn, position, e.originator_id, "resource", jst_date(e.timestamp), e.status.value
        )

    def _resource_updated(self, conn: Connection, e: Any, position: int) -> None:
        if "area_codes" in e.changes:
            self._set_areas(conn, e.originator_id, list(e.changes["area_codes"]))

    def _resource_status(self, conn: Connection, e: Any, position: int) -> None:
        status = {
            Resource.Suspended: ResourceStatus.SUSPENDED,
            Resource.Reactivated: ResourceStatus.ACTIVE,
            Resource.Closed: ResourceStatus.CLOSED,
        }[type(e)]
        self._state(
            conn, position, e.originator_id, "resource", jst_date(e.timestamp), status.value
        )

    def _council(self, conn: Connection, e: Any, position: int) -> None:
        areas = [e.area_code] if e.tier is CouncilTier.AREA else [ALL_AREAS]
        self._place(conn, e.originator_id, "council", areas, e.tier.value)
        self._state(conn, position, e.originator_id, "council", jst_date(e.timestamp), "formed")

    def _meeting(self, conn: Connection, e: Any, position: int) -> None:
        areas = self._areas_of(conn, e.originator_id)
        self._fact(conn, position, e.held_on, areas, "meeting", e.originator_id)

    # -- development ------------------------------------------------------------------

    def _initiative(self, conn: Connection, e: Any, position: int) -> None:
        self._place(conn, e.originator_id, "initiative", [e.area_code])
        self._fact(
            conn,
            position,
            jst_date(e.timestamp),
            [e.area_code],
            "initiative_opened",
            e.originator_id,
        )

    def _milestone(self, conn: Connection, e: Any, position: int) -> None:
        if e.milestone is Milestone.VOLUNTEERS_TRAINED:
            areas = self._areas_of(conn, e.originator_id)
            self._fact(
                conn, position, e.on, areas, "volunteers_trained", e.originator_id, e.volunteers
            )

    def _launched(self, conn: Connection, e: Any, position: int) -> None:
        areas = self._areas_of(conn, e.originator_id)
        self._fact(conn, position, jst_date(e.timestamp), areas, "resource_launched", e.resource_id)

    # -- needs ------------------------------------------------------------------------

    def _raised(self, conn: Connection, e: Any, position: int) -> None:
        window_start = e.timestamp - RECURRENCE_WINDOW
        raised = self._raised_of(conn, e.client_id)
        earlier = any(
            category == e.category.value and window_start <= at <= e.timestamp
            for category, at in raised
        )
        raised.append((e.category.value, e.timestamp))
        self.add_row(
            self.t.lm_needs,
            {
                "need_id": e.originator_id,
                "client_id": e.client_id,
                "area_code": e.area_code,
                "category": e.category.value,
                "raised_at": e.timestamp,
            },
        )
        day = jst_date(e.timestamp)
        self._fact(conn, position, day, [e.area_code], "raised", e.client_id)
        if earlier:
            self._fact(conn, position, day, [e.area_code], "recurrence", e.client_id)

    def _raised_of(self, conn: Connection, client_id: Any) -> list[tuple[str, datetime]]:
        """The (category, raised at) of the client's needs, kept with the view's rows."""
        key = ("raised", client_id)
        raised: list[tuple[str, datetime]] | None = self.memo.get(key)
        if raised is None and self.memo_complete:
            raised = self.memo[key] = []
        elif raised is None:
            n = self.t.lm_needs.c
            raised = [
                (r.category, r.raised_at)
                for r in conn.execute(
                    sa.select(n.category, n.raised_at).where(n.client_id == client_id)
                )
            ]
            self.memo[key] = raised
        return raised

    def _assigned(self, conn: Connection, e: Any, position: int) -> None:
        need = self._need(conn, e.originator_id)
        self._fact(
            conn, position, jst_date(e.timestamp), [need["area_code"]], "coordinator", e.coordinator
        )

    def _coordinated(self, conn: Connection, e: Any, position: int) -> None:
        if self._is_coordinator(conn, e.actor):
            need = self._need(conn, e.originator_id)
            self._fact(
                conn, position, jst_date(e.timestamp), [need["area_code"]], "coordinator", e.actor
            )

    def _proposed(self, conn: Connection, e: Any, position: int) -> None:
        need = self._need(conn, e.originator_id)
        day = jst_date(e.timestamp)
        self._fact(conn, position, day, [need["area_code"]], "proposal", e.originator_id)
        if self._is_coordinator(conn, e.actor):
            self._fact(conn, position, day, [need["area_code"]], "coordinator", e.actor)

    def _confirmed(self, conn: Connection, e: Any, position: int) -> None:
        need = self._need(conn, e.originator_id)
        days = (e.timestamp - need["raised_at"]).total_seconds() / 86400
        self._fact(
            conn,
            position,
            jst_date(e.timestamp),
            [need["area_code"]],
            "match_confirmed",
            e.originator_id,
            days,
        )

    def _closed(self, conn: Connection, e: Any, position: int) -> None:
        need = self._need(conn, e.originator_id)
        metric = "goal_achieved" if e.outcome is Outcome.GOAL_ACHIEVED else "closed_other"
        self._fact(
            conn, position, jst_date(e.timestamp), [need["area_code"]], metric, e.originator_id
        )

    def _is_coordinator(self, conn: Connection, user_id: Any) -> bool:
        row = self.peek(conn, self.t.lm_users, user_id)
        return bool(row is not None and row["coordinator"])


class SqlLogicModel:
    """application.ports.LogicModelSource on the logic-model tables.

    Every figure is aggregated in SQL (counted, grouped, the middle wait picked): the
    report reads a few rows per metric, not every fact of the year. A fact fanned out
    to several areas counts once (by its log position), as it always has.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def report(self, fiscal_year: int, area_code: str | None) -> LogicModelReport:
        start, end = fiscal_bounds(fiscal_year)
        f = lm_facts.c
        chosen = [f.fiscal_year == fiscal_year]
        if area_code is not None:
            chosen.append(f.area_code.in_([area_code, ALL_AREAS]))
        with self.engine.connect() as conn:
            counts: dict[str, int] = defaultdict(int)
            counted: Sequence[Any] = conn.execute(
                sa.select(f.metric, sa.func.count(sa.distinct(f.position)))
                .where(*chosen)
                .group_by(f.metric)
            ).all()
            counts.update((str(metric), int(n)) for metric, n in counted)
            coordinators = conn.execute(
                sa.select(sa.func.count(sa.distinct(f.subject))).where(
                    *chosen, f.metric == "coordinator"
                )
            ).scalar_one()
            trainings: Sequence[Any] = conn.execute(
                sa.select(f.position, sa.func.min(f.value))
                .where(*chosen, f.metric == "volunteers_trained")
                .group_by(f.position)
            ).all()
            days = _middle_days(conn, chosen)
            assessed, kept = _assessments(conn, chosen)
            existing = _existing(conn, end, area_code)

        def count(metric: str) -> int:
            return counts[metric]

        raised = count("raised")
        volunteers = sum(int(value or 0) for _, value in trainings)
        return LogicModelReport(
            fiscal_year=fiscal_year,
            area_code=area_code,
            period_start=start,
            period_end=end,
            inputs={
                "coordinators_active": int(coordinators),
                "organizations_in_network": existing("organization"),
                "active_resources": existing("resource", {ResourceStatus.ACTIVE.value}),
                "councils": existing("council"),
            },
            activities={
                "proposals_made": count("proposal"),
                "contacts_logged": count("contact"),
                "council_meetings": count("meeting"),
                "initiatives_opened": count("initiative_opened"),
            },
            outputs={
                "matches_confirmed": count("match_confirmed"),
                "resources_launched": count("resource_launched"),
                "volunteer_trainings": count("volunteers_trained"),
                "volunteers_trained": volunteers,
            },
            outcomes={
                "needs_closed_goal_achieved": count("goal_achieved"),
                "needs_closed": count("goal_achieved") + count("closed_other"),
                "clients_assessed": assessed,
                "care_level_maintained_or_improved": kept,
                "care_level_maintained_or_improved_share": (
                    round(kept / assessed, 3) if assessed else None
                ),
                "median_days_raise_to_match": median_days(days),
                "needs_raised": raised,
                "recurrences_within_180_days": count("recurrence"),
                "recurrence_share": round(count("recurrence") / raised, 3) if raised else None,
            },
        )


def _once(chosen: list[Any], metric: str, *columns: Any) -> Any:
    """The chosen facts of ``metric``, each event's once (a fact fanned out to several
    areas carries the same subject and values in each)."""
    f = lm_facts.c
    return (
        sa.select(f.position, *columns)
        .where(*chosen, f.metric == metric)
        .group_by(f.position, *columns)
        .subquery()
    )


def _middle_days(conn: Connection, chosen: list[Any]) -> list[float]:
    """The middle one or two days to match (in order): all ``median_days`` needs."""
    matches = _once(chosen, "match_confirmed", lm_facts.c.value)
    total = conn.execute(
        sa.select(sa.func.count()).select_from(matches).where(matches.c.value.is_not(None))
    ).scalar_one()
    if not total:
        return []
    offset, limit = middle(int(total))
    values: list[Any] = list(
        conn.execute(
            sa.select(matches.c.value)
            .where(matches.c.value.is_not(None))
            .order_by(matches.c.value)
            .offset(offset)
            .limit(limit)
        ).scalars()
    )
    return [float(v) for v in values]


def _assessments(conn: Connection, chosen: list[Any]) -> tuple[int, int]:
    """(clients assessed, of them kept or improved): per client, the level before the
    year's first assessment against the level after its last one."""
    f = lm_facts.c
    span = (
        sa.select(
            f.subject,
            sa.func.min(f.position).label("first"),
            sa.func.max(f.position).label("last"),
        )
        .where(*chosen, f.metric == "assessment")
        .group_by(f.subject)
        .subquery()
    )
    first = lm_facts.alias("first_fact")
    last = lm_facts.alias("last_fact")
    assessed = conn.execute(sa.select(sa.func.count()).select_from(span)).scalar_one()
    if not assessed:
        return 0, 0
    kept = conn.execute(
        sa.select(sa.func.count(sa.distinct(span.c.subject)))
        .select_from(
            span.join(
                first,
                sa.and_(first.c.position == span.c.first, first.c.metric == "assessment"),
            ).join(
                last,
                sa.and_(last.c.position == span.c.last, last.c.metric == "assessment"),
            )
        )
        .where(last.c.value2 <= first.c.value)
    ).scalar_one()
    return int(assessed), int(kept)


def _existing(conn: Connection, end: date, area_code: str | None) -> Any:
    """How many organizations, resources or councils stood (in a state wanted) at
    ``end``, in the area: their latest state change by then, and where they are."""
    s = lm_states.c
    latest = (
        sa.select(s.kind, s.subject_id, sa.func.max(s.position).label("position"))
        .where(s.on <= end)
        .group_by(s.kind, s.subject_id)
        .subquery()
    )
    rows: Sequence[Any] = conn.execute(
        sa.select(latest.c.kind, lm_states.c.state, lm_places.c.area_codes).select_from(
            latest.join(lm_states, lm_states.c.position == latest.c.position).outerjoin(
                lm_places, lm_places.c.id == latest.c.subject_id
            )
        )
    ).all()

    def existing(kind: str, wanted: set[str] | None = None) -> int:
        total = 0
        for k, state, area_codes in rows:
            if k != kind or (wanted is not None and state not in wanted):
                continue
            areas = list(area_codes or [])
            if area_code is None or area_code in areas or ALL_AREAS in areas:
                total += 1
        return total

    return existing
