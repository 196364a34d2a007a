"""Read-side ports and results of the screens people work in (issue 3).

Kept apart from :mod:`application.ports` and :mod:`application.dto` so that
the screens' queries can grow without touching the lifecycle's own ports.
Like every port, none of these reads the clock: callers pass the instants.
"""

from __future__ import annotations

import enum
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol
from uuid import UUID

from application.dto import (
    AuditEntry,
    CouncilRow,
    InitiativeDTO,
    NeedDTO,
    NeedFilter,
    NeedRow,
    OrganizationDTO,
    OrganizationNetwork,
    ResourceDTO,
)
from domain.values import CareLevel, NeedStatus, PersonalData

# -- results -----------------------------------------------------------------------------


class BoardSort(enum.Enum):
    """Orders of the case board."""

    LAST_ACTIVITY = "last_activity"
    """Most recently active first."""
    OLDEST_ACTIVITY = "oldest_activity"
    """Longest without activity first (what is going stale)."""
    NEWEST = "newest"
    """Most recently raised first."""
    OLDEST = "oldest"
    """Raised longest ago first."""
    URGENCY = "urgency"
    """High urgency first, then by last activity."""


@dataclass(frozen=True)
class BoardPage:
    """One page of the case board with the count of every status under the same filters."""

    items: tuple[NeedRow, ...]
    total: int
    page: int
    per_page: int
    status_counts: dict[NeedStatus, int]
    """Needs per status matching every filter except the status itself."""

    @property
    def pages(self) -> int:
        return max((self.total + self.per_page - 1) // self.per_page, 1)


@dataclass(frozen=True)
class ClientSummary:
    """A client as lists may show it: pseudonymous, no personal fields."""

    id: UUID
    display_code: str
    care_level: CareLevel
    frailty: bool
    area_code: str
    center_code: str
    registered_at: datetime
    assessed_on: date | None = None


@dataclass(frozen=True)
class ClientCard:
    """A client on a detail page: the summary and, for roles allowed, personal data."""

    summary: ClientSummary
    personal: PersonalData | None
    """None when the actor may not see personal data."""


@dataclass(frozen=True)
class ChangeNote:
    """Who changed an aggregate last, and how (for "changed by X at T")."""

    actor: str
    timestamp: datetime
    event_type: str
    version: int


@dataclass(frozen=True)
class TimelineEntry:
    """One event of an aggregate as people read it: when, who, what, why."""

    version: int
    type: str
    timestamp: datetime
    actor: str
    reason: str | None
    data: dict[str, Any]


@dataclass(frozen=True)
class NeedPage:
    """Everything the need detail screen shows, from one stream and read models."""

    need: NeedDTO
    timeline: tuple[TimelineEntry, ...]
    client: ClientCard | None
    resource_name: str | None
    actions: tuple[str, ...]
    """Actions this actor may take on the need in its current state."""
    names: dict[UUID, str] = field(default_factory=dict)
    """Usernames and resource names of the ids the timeline mentions."""


@dataclass(frozen=True)
class NeedReplay:
    """A need as it was at an instant, with the event behind each field."""

    as_of: datetime
    need: NeedDTO | None
    """None when the need did not exist yet at ``as_of``."""
    provenance: dict[str, TimelineEntry]
    """Field name -> the last event at or before ``as_of`` that set it."""
    timeline: tuple[TimelineEntry, ...]
    """Every event of the need (also those after ``as_of``)."""
    resource_name: str | None
    names: dict[UUID, str] = field(default_factory=dict)
    """Usernames and resource names of the ids the timeline mentions."""


@dataclass(frozen=True)
class AuditQuery:
    """Filters of the global audit log."""

    since: datetime | None = None
    until: datetime | None = None
    actor_id: UUID | None = None
    event_type: str | None = None
    """``Aggregate.Event`` (e.g. ``Need.Closed``) or an aggregate type (``Need``)."""
    aggregate_id: UUID | None = None


@dataclass(frozen=True)
class AuditPage:
    """Audit entries, newest first."""

    items: tuple[AuditEntry, ...]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max((self.total + self.per_page - 1) // self.per_page, 1)


@dataclass(frozen=True)
class MonthlyFlow:
    """Needs raised, matched (confirmed) and closed in one calendar month (Japan time)."""

    month: str
    """``YYYY-MM``."""
    raised: int = 0
    matched: int = 0
    closed: int = 0


@dataclass(frozen=True)
class DashboardStats:
    """What the supervisor dashboard charts."""

    pipeline: dict[NeedStatus, int]
    monthly: tuple[MonthlyFlow, ...]
    match_days: tuple[float, ...]
    """Days from raise to first confirmed match, one per matched need, ascending."""
    unmet: dict[tuple[str, str], int]
    """(area code, category value) -> open needs in resource_gap or in_development."""
    outcomes: dict[str, int]
    """Outcome value -> closed needs."""
    by_area_category: dict[tuple[str, str], int] = field(default_factory=dict)
    """(area code, category value) -> open needs."""

    @property
    def median_match_days(self) -> float | None:
        days = self.match_days
        if not days:
            return None
        middle = len(days) // 2
        if len(days) % 2:
            return days[middle]
        return (days[middle - 1] + days[middle]) / 2


@dataclass(frozen=True)
class InitiativePage:
    """A development initiative with its history and the needs that wait on it (one stream)."""

    initiative: InitiativeDTO
    timeline: tuple[TimelineEntry, ...]
    """Every event of the initiative, oldest first (milestone notes, unlink reasons)."""
    needs: tuple[NeedRow, ...]
    """The linked needs as the case board shows them now (those the actor may see)."""
    partners: dict[UUID, str]
    """Partner organization id -> name."""
    resource_name: str | None
    """Name of the launched resource, once launched."""


@dataclass(frozen=True)
class ContactEntry:
    """A coordinator's contact with an organization (network building)."""

    on: date
    purpose: str
    outcome: str
    actor: str
    recorded_at: datetime


@dataclass(frozen=True)
class OrganizationPage:
    """An organization and its place in the network (one stream and read models)."""

    organization: OrganizationDTO
    councils: tuple[CouncilRow, ...]
    """Councils it is a member of now."""
    resources: tuple[ResourceDTO, ...]
    """Resources it runs (closed ones included, marked by their status)."""
    network: OrganizationNetwork | None
    """Contacts in the last 90 days and needs matched; None for roles without reports."""
    contacts: tuple[ContactEntry, ...]
    """Its latest contacts, newest first; empty for roles without reports."""


# -- ports -------------------------------------------------------------------------------


class BoardQueries(Protocol):
    """The case board with sorting and per-status counts."""

    def page(
        self, filters: NeedFilter, sort: BoardSort, page: int, per_page: int
    ) -> tuple[list[NeedRow], int]:
        """Rows matching ``filters`` in ``sort`` order, and how many match in all."""

    def status_counts(self, filters: NeedFilter) -> dict[NeedStatus, int]:
        """Needs per status matching ``filters`` (whose status is ignored)."""


class ClientDirectory(Protocol):
    """Clients by display code or kana. Personal data leaves only through :meth:`card`."""

    def search(self, text: str, center_code: str | None, limit: int) -> list[ClientSummary]:
        """Clients whose display code starts with, or whose kana contains, ``text``
        (at ``center_code`` only, when given), newest first."""

    def card(self, client_id: UUID, with_personal: bool) -> ClientCard | None:
        """One client; personal data only when ``with_personal``. None if unknown."""


class AuditSearch(Protocol):
    """The audit log filtered for people."""

    def search(self, query: AuditQuery, page: int, per_page: int) -> tuple[list[AuditEntry], int]:
        """Entries matching ``query``, newest first, and how many match in all."""

    def event_types(self) -> list[str]:
        """Every ``Aggregate.Event`` type in the log, sorted."""


class NeedStatistics(Protocol):
    """Counts behind the supervisor dashboard."""

    def monthly(self, since_month: str) -> list[MonthlyFlow]:
        """Raised/matched/closed per month from ``since_month`` (``YYYY-MM``) on."""

    def match_days(self) -> list[float]:
        """Days from raise to first confirmed match of every matched need."""

    def by_status(self) -> dict[str, int]:
        """Needs per status value."""

    def by_area_category(self, statuses: frozenset[str]) -> dict[tuple[str, str], int]:
        """(area code, category value) -> needs in one of ``statuses``."""

    def outcomes(self) -> dict[str, int]:
        """Closed needs per outcome value."""


class NeedRows(Protocol):
    """Case-board rows of given needs (the needs an initiative or a meeting names)."""

    def by_ids(self, need_ids: Collection[UUID]) -> list[NeedRow]:
        """The rows of ``need_ids`` that exist, most recently active first."""


class SessionTokens(Protocol):
    """Ending one browser session without touching the user's other tokens."""

    def revoke(self, token: str) -> bool:
        """Invalidate one token; returns whether it was valid until now."""


@dataclass(frozen=True)
class OversightReadSide:
    """The read models of the screens, and their session tokens
    (attached with ``Casework.attach_oversight``)."""

    board: BoardQueries
    clients: ClientDirectory
    audit: AuditSearch
    statistics: NeedStatistics
    sessions: SessionTokens
    need_rows: NeedRows
