"""Oversight: what supervisors and auditors read — the one dashboard, the one
audit search, the logic model (ロジックモデル) and where every view stands."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import ClassVar, Protocol
from uuid import UUID

from application.as_of import PastViews, require_past
from application.common import Clock, ViewMonitor, ViewStatus, clamp_page, wait_for_view
from application.reference import References
from application.security import Actor
from application.store import EventStore
from domain.calendar import JST, fiscal_months
from domain.errors import InvalidValueError
from domain.values import NeedStatus

MONTHS_SHOWN = 12
FIRST_FISCAL_YEAR = 2000
UNMET_STATUSES = frozenset({NeedStatus.RESOURCE_GAP.value, NeedStatus.IN_DEVELOPMENT.value})
OPEN_STATUSES = frozenset(s.value for s in NeedStatus if s is not NeedStatus.CLOSED)


@dataclass(frozen=True)
class MonthlyFlow:
    """Needs raised, matched (confirmed) and closed in one calendar month (Japan time)."""

    month: str
    """``YYYY-MM``."""
    raised: int = 0
    matched: int = 0
    closed: int = 0


def median_days(days: Sequence[float]) -> float | None:
    """The one median of "days from raise to match" that the dashboard and the logic
    model both show: the median, rounded to one decimal (None without any)."""
    if not days:
        return None
    return round(statistics.median(days), 1)


def middle(count: int) -> tuple[int, int]:
    """(offset, how many) of the one (odd ``count``) or two (even) middle values of
    ``count`` sorted values: all that ``median_days`` needs of them, so that a view can
    read just those rows and give the very median of the whole list."""
    return (count - 1) // 2, 2 - count % 2


MATCH_BUCKETS: tuple[tuple[int, int | None], ...] = (
    (0, 7),
    (7, 14),
    (14, 30),
    (30, 60),
    (60, 90),
    (90, None),
)
"""Days from raise to match, as [low, high) ranges (the dashboard's histogram)."""


@dataclass(frozen=True)
class MatchTime:
    """Days from a need's raise to each of its confirmed matches, summed up in the view
    (the logic model's definition: a need matched again after reopening counts again)."""

    count: int = 0
    """Confirmed matches counted."""
    median: float | None = None
    """``median_days`` of their days (None without any)."""
    buckets: tuple[int, ...] = (0,) * len(MATCH_BUCKETS)
    """How many fall in each of ``MATCH_BUCKETS``."""


@dataclass(frozen=True)
class DashboardFilter:
    """Which needs the dashboard counts: one center's, one area's, one fiscal year's.

    With a fiscal year, status counts, heat maps and outcomes cover the needs
    raised in it, the monthly flows its twelve months, and the time to match the
    matches confirmed in it — as the logic model of that year counts them.
    """

    center_code: str | None = None
    area_code: str | None = None
    fiscal_year: int | None = None

    def period(self) -> tuple[datetime, datetime] | None:
        """[start, end) of the fiscal year in Japan time (April 1 to April 1)."""
        if self.fiscal_year is None:
            return None
        return (
            datetime(self.fiscal_year, 4, 1, tzinfo=JST),
            datetime(self.fiscal_year + 1, 4, 1, tzinfo=JST),
        )


@dataclass(frozen=True)
class Dashboard:
    """Everything the supervisor dashboard shows (the API and the screen alike)."""

    by_center: dict[str, dict[str, int]]
    """Center code -> status value -> needs."""
    by_area: dict[str, dict[str, int]]
    by_category: dict[str, dict[str, int]]
    totals: dict[str, int]
    """Status value -> needs."""
    monthly: tuple[MonthlyFlow, ...] = ()
    match_time: MatchTime = field(default_factory=MatchTime)
    unmet: dict[tuple[str, str], int] = field(default_factory=dict)
    """(area code, category value) -> open needs in resource_gap or in_development."""
    outcomes: dict[str, int] = field(default_factory=dict)
    """Outcome value -> closed needs."""
    by_area_category: dict[tuple[str, str], int] = field(default_factory=dict)
    """(area code, category value) -> open needs."""
    position: int = 0
    filter: DashboardFilter = field(default_factory=DashboardFilter)
    stale: bool = False
    """The view did not reach the ``min_position`` asked for within the wait."""

    @property
    def pipeline(self) -> dict[NeedStatus, int]:
        return {status: self.totals.get(status.value, 0) for status in NeedStatus}

    @property
    def median_match_days(self) -> float | None:
        """Days, one decimal: the logic model's ``median_days_raise_to_match`` for the
        same fiscal year and area."""
        return self.match_time.median


@dataclass(frozen=True)
class AuditEntry:
    position: int
    aggregate_id: UUID
    aggregate_type: str
    version: int
    type: str
    """The event within its aggregate (``Closed`` of ``Need.Closed``)."""
    timestamp: datetime
    actor_id: UUID | None
    actor: str | None
    reason: str | None
    username: str | None = None
    """The username of a ``User`` record (auditors read who an account is by it)."""


@dataclass(frozen=True)
class AuditQuery:
    """Filters of the global audit log."""

    since: datetime | None = None
    until: datetime | None = None
    actor_id: UUID | None = None
    event_type: str | None = None
    """``Aggregate.Event`` (e.g. ``Need.Closed``) or an aggregate type (``Need``)."""
    aggregate_id: UUID | None = None
    after: int = 0
    """Only entries after this log position (a cursor for reading the log in order)."""


@dataclass(frozen=True)
class AuditPage:
    """Audit entries, newest first, or oldest first after a cursor."""

    items: tuple[AuditEntry, ...]
    total: int | None
    """How many match in all (None when not counted)."""
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        total = self.total or 0
        return max((total + self.per_page - 1) // self.per_page, 1)


@dataclass(frozen=True)
class LogicModelReport:
    """ロジックモデル: what went in, what was done, what came out, what changed."""

    fiscal_year: int
    area_code: str | None
    """None: the whole municipality."""
    period_start: date
    period_end: date
    inputs: dict[str, int | float | None]
    activities: dict[str, int | float | None]
    outputs: dict[str, int | float | None]
    outcomes: dict[str, int | float | None]

    STAGES: ClassVar[tuple[str, ...]] = ("inputs", "activities", "outputs", "outcomes")

    def rows(self) -> list[tuple[str, str, int | float | None]]:
        """(stage, metric, value) for tables and CSV."""
        return [
            (stage, metric, value)
            for stage in self.STAGES
            for metric, value in getattr(self, stage).items()
        ]


class DashboardView(Protocol):
    """The ``dashboard`` view: needs counted for supervisors, filtered as
    ``DashboardFilter`` says."""

    def counts(self, where: DashboardFilter) -> Dashboard:
        """Needs by status per center, area and category."""

    def monthly(self, months: Sequence[str], where: DashboardFilter) -> list[MonthlyFlow]:
        """Raised/matched/closed in each of ``months`` (``YYYY-MM``) that has any (every
        confirmed match counts in its month, as the logic model's matches confirmed)."""

    def match_time(self, where: DashboardFilter) -> MatchTime:
        """Days from the need's raise to every confirmed match (with a fiscal year: of
        the matches confirmed in it): counted, their median and ``MATCH_BUCKETS``, summed
        up where they are stored (never every match read out)."""

    def by_area_category(
        self, statuses: frozenset[str], where: DashboardFilter
    ) -> dict[tuple[str, str], int]:
        """(area code, category value) -> needs in one of ``statuses``."""

    def outcomes(self, where: DashboardFilter) -> dict[str, int]:
        """Closed needs per outcome value."""


class AuditLog(Protocol):
    """Every event in global order, with actor and reason."""

    def search(
        self, query: AuditQuery, limit: int, offset: int, *, newest_first: bool, count: bool
    ) -> tuple[list[AuditEntry], int | None]:
        """Entries matching ``query`` and, when ``count``, how many match in all."""

    def event_types(self) -> list[str]:
        """Every ``Aggregate.Event`` type in the log, sorted."""


class LogicModelSource(Protocol):
    """Facts for the logic-model report."""

    def report(self, fiscal_year: int, area_code: str | None) -> LogicModelReport:
        """The report of one fiscal year (April-March), for one area or all (None)."""


class OversightCases:
    """The dashboard, the audit log, the logic model and the views' status."""

    def __init__(
        self,
        store: EventStore,
        references: References,
        dashboard: DashboardView,
        audit: AuditLog,
        logic_model: LogicModelSource,
        monitor: ViewMonitor,
        clock: Clock,
        past: PastViews | None = None,
    ) -> None:
        self._past = past
        self._store = store
        self._references = references
        self._dashboard = dashboard
        self._audit = audit
        self._logic_model = logic_model
        self._monitor = monitor
        self._clock = clock

    def dashboard(
        self,
        actor: Actor,
        *,
        months: int = MONTHS_SHOWN,
        min_position: int | None = None,
        center_code: str | None = None,
        area_code: str | None = None,
        fiscal_year: int | None = None,
        as_of: datetime | None = None,
    ) -> Dashboard:
        """Counts by status and dimension, monthly flows (for the last ``months`` months,
        or the fiscal year's), time to match, unmet needs and outcomes; ``as_of``: as
        they stood at that instant (the months ending with its month), built from the
        log up to then."""
        actor.require("dashboard.read")
        if center_code is not None:
            self._references.require_center("center", center_code)
        if area_code is not None:
            self._references.require_areas("area", [area_code])
        if fiscal_year is not None:
            self._require_fiscal_year(fiscal_year)
        where = DashboardFilter(center_code, area_code, fiscal_year)
        if fiscal_year is not None:
            month_keys = fiscal_months(fiscal_year)
        else:
            month_keys = last_months(as_of or self._clock(), months)
        if as_of is not None:
            past = require_past(self._past)
            with past.at(past.position_at(as_of), dashboard=True) as views:
                past_view: DashboardView = views.dashboard
                return _dashboard(past_view, where, month_keys, views.position)
        stale = wait_for_view(self._monitor, "dashboard", min_position)
        found = _dashboard(self._dashboard, where, month_keys, self._monitor.position("dashboard"))
        return replace(found, stale=stale)

    def _require_fiscal_year(self, fiscal_year: int) -> None:
        latest = self._clock().year + 1
        if not FIRST_FISCAL_YEAR <= fiscal_year <= latest:
            raise InvalidValueError(
                "fiscal_year",
                f"must be between {FIRST_FISCAL_YEAR} and {latest}",
                code="value.out_of_range",
                minimum=FIRST_FISCAL_YEAR,
                maximum=latest,
            )

    def audit(
        self, query: AuditQuery, actor: Actor, *, page: int = 1, per_page: int = 50
    ) -> AuditPage:
        """The audit log, newest first, counted and paged (the auditors' screen)."""
        actor.require("audit.read")
        page, per_page = clamp_page(page, per_page)
        items, total = self._audit.search(
            query, per_page, (page - 1) * per_page, newest_first=True, count=True
        )
        return AuditPage(tuple(items), total, page, per_page)

    def audit_after(self, query: AuditQuery, actor: Actor, *, limit: int = 100) -> AuditPage:
        """The audit log in log order after ``query.after`` (reading it through, page by page)."""
        actor.require("audit.read")
        items, _ = self._audit.search(query, limit, 0, newest_first=False, count=False)
        return AuditPage(tuple(items), None, 1, limit)

    def audit_event_types(self, actor: Actor) -> list[str]:
        actor.require("audit.read")
        return self._audit.event_types()

    def logic_model(
        self,
        fiscal_year: int,
        actor: Actor,
        area_code: str | None = None,
        min_position: int | None = None,
    ) -> LogicModelReport:
        actor.require("report.read")
        self._require_fiscal_year(fiscal_year)
        if area_code is not None:
            self._references.require_areas("area", [area_code])
        wait_for_view(self._monitor, "logic_model", min_position)
        return self._logic_model.report(fiscal_year, area_code)

    def view_status(self, actor: Actor) -> list[ViewStatus]:
        actor.require("system.read")
        return self._monitor.status()

    def head(self) -> int:
        """Position of the newest event in the log."""
        return self._store.head()


def _dashboard(
    view: DashboardView, where: DashboardFilter, month_keys: list[str], position: int
) -> Dashboard:
    counts = view.counts(where)
    flows = {flow.month: flow for flow in view.monthly(month_keys, where)}
    return Dashboard(
        by_center=counts.by_center,
        by_area=counts.by_area,
        by_category=counts.by_category,
        totals=counts.totals,
        monthly=tuple(flows.get(key, MonthlyFlow(key)) for key in month_keys),
        match_time=view.match_time(where),
        unmet=view.by_area_category(UNMET_STATUSES, where),
        outcomes=view.outcomes(where),
        by_area_category=view.by_area_category(OPEN_STATUSES, where),
        position=position,
        filter=where,
    )


def last_months(now: datetime, count: int) -> list[str]:
    """``YYYY-MM`` of the ``count`` months ending with ``now``'s (Japan time), oldest first."""
    local = now.astimezone(JST)
    year, month = local.year, local.month
    keys = []
    for _ in range(count):
        keys.append(f"{year:04d}-{month:02d}")
        month -= 1
        if month == 0:
            year, month = year - 1, 12
    return keys[::-1]
