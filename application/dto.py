"""Frozen results of commands and queries (what the interfaces render)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, ClassVar, Generic, TypeVar
from uuid import UUID

from domain.matching import Candidate
from domain.values import (
    CareLevel,
    Contact,
    CouncilTier,
    InitiativeStatus,
    NeedCategory,
    NeedStatus,
    OrganizationKind,
    Outcome,
    PersonalData,
    Progress,
    ResourceStatus,
    Role,
    ServiceType,
    Urgency,
    Weekday,
)

T = TypeVar("T")


@dataclass(frozen=True)
class AreaDTO:
    id: UUID
    version: int
    position: int | None
    code: str
    name: str


@dataclass(frozen=True)
class CenterDTO:
    id: UUID
    version: int
    position: int | None
    code: str
    name: str
    area_codes: tuple[str, ...]


@dataclass(frozen=True)
class UserDTO:
    id: UUID
    version: int
    position: int | None
    username: str
    display_name: str
    roles: tuple[Role, ...]
    center_code: str | None
    active: bool


@dataclass(frozen=True)
class TokenDTO:
    token: str
    expires_at: datetime
    username: str


@dataclass(frozen=True)
class ClientDTO:
    id: UUID
    version: int
    position: int | None
    display_code: str
    care_level: CareLevel
    frailty: bool
    area_code: str
    center_code: str
    assessed_on: date | None
    registered_at: datetime
    personal: PersonalData | None
    """None when the actor may not see personal data."""
    available_weekdays: tuple[Weekday, ...] | None = None
    """None: not known."""


@dataclass(frozen=True)
class OrganizationDTO:
    id: UUID
    version: int
    position: int | None
    name: str
    kind: OrganizationKind
    area_codes: tuple[str, ...]
    contact: Contact | None


@dataclass(frozen=True)
class ResourceDTO:
    id: UUID
    version: int
    position: int | None
    name: str
    organization_id: UUID | None
    service_type: ServiceType
    categories: tuple[NeedCategory, ...]
    area_codes: tuple[str, ...]
    weekdays: tuple[Weekday, ...]
    capacity: int | None
    places_taken: int
    eligible_care_levels: tuple[CareLevel, ...]
    fee: str | None
    contact: Contact | None
    status: ResourceStatus
    latitude: float | None = None
    longitude: float | None = None
    source_key: str | None = None
    """Natural key of the imported row it came from (None when typed in)."""

    @property
    def places_left(self) -> int | None:
        return None if self.capacity is None else max(self.capacity - self.places_taken, 0)


@dataclass(frozen=True)
class NeedDTO:
    id: UUID
    version: int
    position: int | None
    status: NeedStatus
    paused: bool
    client_id: UUID
    client_code: str
    category: NeedCategory
    description: str
    goal: str
    urgency: Urgency
    care_plan_ref: str | None
    center_code: str
    area_code: str
    assignee: str | None
    """Username of the coordinator in charge."""
    resource_id: UUID | None
    start_date: date | None
    initiative_id: UUID | None
    outcome: Outcome | None
    last_progress: Progress | None
    raised_at: datetime
    updated_at: datetime
    allowed_actions: tuple[str, ...]
    """Domain actions the state allows now (before role checks)."""


@dataclass(frozen=True)
class HistoryEvent:
    version: int
    type: str
    timestamp: datetime
    actor: str
    reason: str | None
    data: dict[str, Any]


@dataclass(frozen=True)
class NeedRow:
    """One row of the case board."""

    id: UUID
    version: int
    status: NeedStatus
    paused: bool
    client_id: UUID
    client_code: str
    category: NeedCategory
    urgency: Urgency
    center_code: str
    area_code: str
    assignee: str | None
    resource_id: UUID | None
    outcome: Outcome | None
    raised_at: datetime
    last_activity_at: datetime


@dataclass(frozen=True)
class NeedFilter:
    status: NeedStatus | None = None
    category: NeedCategory | None = None
    area_code: str | None = None
    center_code: str | None = None
    assignee: str | None = None
    urgency: Urgency | None = None
    paused: bool | None = None
    stale_before: datetime | None = None
    """Only needs with no activity since this instant (still open)."""
    client_id: UUID | None = None


@dataclass(frozen=True)
class ResourceFilter:
    category: NeedCategory | None = None
    area_code: str | None = None
    status: ResourceStatus | None = None
    service_type: ServiceType | None = None


@dataclass(frozen=True)
class Page(Generic[T]):
    items: tuple[T, ...]
    total: int
    page: int
    per_page: int
    position: int
    stale: bool


@dataclass(frozen=True)
class AuditEntry:
    position: int
    aggregate_id: UUID
    aggregate_type: str
    version: int
    type: str
    timestamp: datetime
    actor_id: UUID | None
    actor: str | None
    reason: str | None


@dataclass(frozen=True)
class DashboardCounts:
    """Open and closed needs counted by status along each dimension."""

    by_center: dict[str, dict[str, int]] = field(default_factory=dict)
    by_area: dict[str, dict[str, int]] = field(default_factory=dict)
    by_category: dict[str, dict[str, int]] = field(default_factory=dict)
    totals: dict[str, int] = field(default_factory=dict)
    position: int = 0


@dataclass(frozen=True)
class ViewStatus:
    name: str
    position: int
    head: int

    @property
    def lag(self) -> int:
        return max(self.head - self.position, 0)


@dataclass(frozen=True)
class InitiativeDTO:
    id: UUID
    version: int
    position: int | None
    title: str
    area_code: str
    category: NeedCategory
    description: str
    status: InitiativeStatus
    need_ids: tuple[UUID, ...]
    partner_ids: tuple[UUID, ...]
    milestones: tuple[dict[str, Any], ...]
    resource_id: UUID | None
    opened_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class InitiativeRow:
    id: UUID
    version: int
    title: str
    area_code: str
    category: NeedCategory
    status: InitiativeStatus
    waiting_needs: int
    partners: int
    milestones: int
    resource_id: UUID | None
    opened_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class InitiativeFilter:
    status: InitiativeStatus | None = None
    area_code: str | None = None
    category: NeedCategory | None = None


@dataclass(frozen=True)
class GapCell:
    """Unmet needs (resource_gap or in_development) of one area and category."""

    area_code: str
    category: NeedCategory
    unmet: int


@dataclass(frozen=True)
class GapMonth:
    """How many needs became unmet, and stopped being unmet, in one month."""

    month: str
    area_code: str
    category: NeedCategory
    opened: int
    resolved: int
    unmet_at_end: int


@dataclass(frozen=True)
class GapReport:
    current: tuple[GapCell, ...]
    months: tuple[GapMonth, ...]
    position: int


@dataclass(frozen=True)
class CandidateList:
    """Ranked candidates for one need (the matching screen)."""

    need_id: UUID
    version: int
    rule_set: str
    candidates: tuple[Candidate, ...]


@dataclass(frozen=True)
class PlannedMatch:
    need_id: UUID
    version: int
    """The need's version the plan was computed for (the If-Match of accepting it)."""
    resource_id: UUID
    score: int = 0


@dataclass(frozen=True)
class MatchPlanDTO:
    """The fewest resources covering a client's open needs; uncovered needs are gaps."""

    client_id: UUID
    rule_set: str
    matches: tuple[PlannedMatch, ...]
    resource_ids: tuple[UUID, ...]
    gaps: tuple[UUID, ...]
    position: int | None


@dataclass(frozen=True)
class CouncilDTO:
    id: UUID
    version: int
    position: int | None
    name: str
    tier: CouncilTier
    area_code: str | None
    member_ids: tuple[UUID, ...]
    meetings: int
    formed_at: datetime


@dataclass(frozen=True)
class CouncilRow:
    id: UUID
    version: int
    name: str
    tier: CouncilTier
    area_code: str | None
    members: int
    meetings: int
    last_meeting_on: date | None


@dataclass(frozen=True)
class MeetingRow:
    position: int
    council_id: UUID
    held_on: date
    attendee_ids: tuple[UUID, ...]
    topics: tuple[str, ...]
    need_ids: tuple[UUID, ...]
    gaps: tuple[tuple[str, NeedCategory], ...]
    note: str | None


@dataclass(frozen=True)
class OrganizationNetwork:
    """One organization's place in the network."""

    id: UUID
    name: str
    kind: OrganizationKind
    area_codes: tuple[str, ...]
    councils: tuple[str, ...]
    """Names of the councils it is a member of now."""
    recent_contacts: int
    last_contact_on: date | None
    resources: int
    """Resources it runs (not closed)."""
    needs_matched: int
    """Matches ever confirmed at its resources."""

    @property
    def active(self) -> bool:
        """In a council, contacted recently, or running a resource."""
        return bool(self.councils or self.recent_contacts or self.resources)


@dataclass(frozen=True)
class AreaNetwork:
    area_code: str
    active_organizations: int
    new_ties: tuple[tuple[str, int], ...]
    """(YYYY-MM, organizations that joined a council or were first contacted that month)."""


@dataclass(frozen=True)
class NetworkOverview:
    organizations: tuple[OrganizationNetwork, ...]
    areas: tuple[AreaNetwork, ...]
    since: date


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
