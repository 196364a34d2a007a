"""The demo municipality as ``municipality.toml`` describes it (read by :mod:`.data`).

Plain frozen records: the data only. How a year of history is planned from them is
in :mod:`.plan` and :mod:`.stories`; the order of every tuple is the file's, which
the seeded planning depends on.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import NamedTuple

from domain.values import (
    CareLevel,
    CouncilTier,
    Milestone,
    NeedCategory,
    OrganizationKind,
    Outcome,
    Progress,
    Role,
    ServiceType,
    Urgency,
    Weekday,
)

FATES = ("wait", "match", "admitted", "paused")
"""What may happen to a need waiting on a development initiative (see ``[[initiatives]]``)."""

STYLES = ("place", "home", "agency")
"""How a resource is used, which the coordinator's reasons depend on."""


@dataclass(frozen=True)
class Area:
    """A daily-living area (日常生活圏域) and its towns."""

    code: str
    name: str
    towns: tuple[str, ...]

    @property
    def short_name(self) -> str:
        """The name without its parenthesised note (``北部圏域``)."""
        return self.name.split("（")[0]


@dataclass(frozen=True)
class Center:
    """A support center (地域包括支援センター) and the areas it serves."""

    code: str
    name: str
    areas: tuple[str, ...]


@dataclass(frozen=True)
class Account:
    """A demo user."""

    username: str
    role: Role
    center: str | None
    display_name: str


@dataclass(frozen=True)
class Organization:
    """An organization of the network."""

    key: str
    name: str
    kind: OrganizationKind
    areas: tuple[str, ...]
    phone: str
    address: str
    registered_ago: int | None
    """Registered this many days before ``today`` (None: when the demo starts)."""


@dataclass(frozen=True)
class Resource:
    """A resource, registered when the demo starts or launched by an initiative."""

    key: str
    name: str
    organization: str
    service_type: ServiceType
    categories: tuple[NeedCategory, ...]
    areas: tuple[str, ...]
    weekdays: tuple[Weekday, ...]
    capacity: int | None
    """Places (None: unlimited)."""
    fee: str
    eligible: tuple[CareLevel, ...] = ()
    """Care levels it accepts (empty: everyone)."""
    popularity: int = 1
    """Relative weight when a coordinator picks among fitting resources."""
    favoured: bool = False
    """Chosen first while it has room (well known and few places: it ends nearly full)."""
    planned: bool = False
    suspended_ago: int | None = None
    """Suspended this many days before ``today`` (and still is)."""
    suspend_reason: str = ""

    def serves(self, category: NeedCategory, area: str, level: CareLevel) -> bool:
        """Whether a client of ``area`` and ``level`` with a need of ``category`` fits."""
        return (
            not self.planned
            and category in self.categories
            and area in self.areas
            and (not self.eligible or level in self.eligible)
        )


class NeedText(NamedTuple):
    """What a need says: the difficulty, and the life the person wants back."""

    description: str
    goal: str


@dataclass(frozen=True)
class People:
    """What clients are made of."""

    city: str
    apartment: str
    client_count: int
    availability_share: float
    """Share of clients whose available weekdays are known when they register."""
    surnames: tuple[tuple[str, str], ...]
    """(written, reading), like the given names."""
    women: tuple[tuple[str, str], ...]
    men: tuple[tuple[str, str], ...]
    care_level_weights: Mapping[CareLevel, int]
    improve: Mapping[CareLevel, CareLevel]
    worsen: Mapping[CareLevel, CareLevel]


@dataclass(frozen=True)
class DevelopmentTexts:
    """What is written about the needs that wait on a development initiative."""

    launched_reason: str
    readmitted: NeedText
    waiting_pause: str
    waiting_resume: str


@dataclass(frozen=True)
class Texts:
    """The story's sentences (Japanese), written by the care managers and the coordinator."""

    provider_busy: str
    provider_full: str
    provider_ended: str
    reopen_reason: str
    gap_reason: str
    gap_searched: str
    care_level_kept: str
    care_level_improved: str
    care_level_changed: str
    care_plan: str
    prevention_care_plan: str
    care_plan_ref: str
    organization_contact: str
    resource_contact: str
    pauses: tuple[str, ...]
    resumes: tuple[str, ...]
    propose_reasons: Mapping[str, tuple[str, ...]]
    """By style (:data:`STYLES`)."""
    client_declines: Mapping[str, tuple[str, ...]]
    follow_ups: Mapping[Progress, tuple[str, ...]]
    close_reasons: Mapping[Outcome, tuple[str, ...]]
    gap_close_reasons: Mapping[Outcome, str]
    development: DevelopmentTexts


@dataclass(frozen=True)
class Waiting:
    """A need that waits on an initiative: raised between ``raised_ago`` (newest, oldest)
    days ago, and its fate (:data:`FATES`)."""

    raised_ago: tuple[int, int]
    fate: str


@dataclass(frozen=True)
class Joining:
    """An organization joining a council or an initiative ``ago`` days before today."""

    organization: str
    ago: int


@dataclass(frozen=True)
class MilestoneEntry:
    """A milestone an initiative reached."""

    milestone: Milestone
    ago: int
    note: str
    volunteers: int | None


@dataclass(frozen=True)
class Initiative:
    """A resource-development initiative (資源開発)."""

    key: str
    title: str
    area: str
    category: NeedCategory
    description: str
    opened_ago: int
    waiting: tuple[Waiting, ...]
    partners: tuple[Joining, ...]
    milestones: tuple[MilestoneEntry, ...]
    launched_ago: int | None = None
    resource: Resource | None = None
    abandoned_ago: int | None = None
    abandon_reason: str = ""


@dataclass(frozen=True)
class Meeting:
    """A council meeting."""

    ago: int
    topics: tuple[str, ...]
    note: str | None = None


@dataclass(frozen=True)
class Council:
    """A council (協議体) of tier 1 (no area) or tier 2 (one area)."""

    key: str
    name: str
    tier: CouncilTier
    area: str | None
    formed_ago: int
    members: tuple[Joining, ...]
    meetings: tuple[Meeting, ...]


class ContactTopic(NamedTuple):
    """What the coordinator contacted an organization about, and what came of it."""

    purpose: str
    outcome: str


@dataclass(frozen=True)
class StoryContact:
    """A contact that belongs to a development story, on a given day."""

    ago: int
    organization: str
    purpose: str
    outcome: str


@dataclass(frozen=True)
class Contacts:
    """The coordinator's contacts with organizations over the year."""

    topics: Mapping[str, tuple[ContactTopic, ...]]
    weights: Mapping[str, int]
    stories: tuple[StoryContact, ...]


@dataclass(frozen=True)
class ComplexNeed:
    """One of the complex case's needs."""

    category: NeedCategory
    description: str
    goal: str
    urgency: Urgency


@dataclass(frozen=True)
class ComplexCase:
    """One person with several needs at once (複合課題), matched by one plan."""

    area: str
    care_level: CareLevel
    raised_ago: int
    weekdays: tuple[Weekday, ...]
    plan_reason: str
    needs: tuple[ComplexNeed, ...]


@dataclass(frozen=True)
class Municipality:
    """Everything ``municipality.toml`` says, checked by :func:`.data.parse_municipality`."""

    areas: tuple[Area, ...]
    centers: tuple[Center, ...]
    accounts: tuple[Account, ...]
    organizations: tuple[Organization, ...]
    resources: tuple[Resource, ...]
    people: People
    category_weights: Mapping[NeedCategory, int]
    need_texts: Mapping[NeedCategory, tuple[NeedText, ...]]
    scenarios: Mapping[str, int]
    """How many needs follow each scenario (in the file's order)."""
    scenario_targets: Mapping[str, tuple[str, NeedCategory]]
    """Scenarios whose need is of a category a given resource serves."""
    texts: Texts
    initiatives: tuple[Initiative, ...]
    councils: tuple[Council, ...]
    contacts: Contacts
    complex_case: ComplexCase

    # Look-ups, built once (cached_property writes the instance's __dict__ directly,
    # which a frozen dataclass allows).

    @cached_property
    def area_by_code(self) -> Mapping[str, Area]:
        """Areas by code."""
        return {a.code: a for a in self.areas}

    @cached_property
    def center_of_area(self) -> Mapping[str, str]:
        """The code of the center serving each area."""
        return {area: c.code for c in self.centers for area in c.areas}

    @cached_property
    def organization_by_key(self) -> Mapping[str, Organization]:
        """Organizations by key."""
        return {o.key: o for o in self.organizations}

    @cached_property
    def resource_by_key(self) -> Mapping[str, Resource]:
        """Every resource by key, those that initiatives launch included."""
        launched = [i.resource for i in self.initiatives if i.resource is not None]
        return {r.key: r for r in (*self.resources, *launched)}

    @property
    def founding_organizations(self) -> tuple[Organization, ...]:
        """Organizations registered when the demo starts."""
        return tuple(o for o in self.organizations if o.registered_ago is None)

    @cached_property
    def coordinator(self) -> str:
        """Username of the coordinator who matches, develops and builds the network."""
        return next(a.username for a in self.accounts if a.role is Role.COORDINATOR)

    @cached_property
    def care_manager_of_center(self) -> Mapping[str, str]:
        """Username of the care manager who raises the needs of each center's clients."""
        return {
            a.center: a.username
            for a in reversed(self.accounts)
            if a.role is Role.CARE_MANAGER and a.center is not None
        }

    @cached_property
    def initiative_cells(self) -> frozenset[tuple[str, NeedCategory]]:
        """Where the development initiatives work: other needs do not become gaps there."""
        return frozenset((i.area, i.category) for i in self.initiatives)

    @cached_property
    def _serving(
        self,
    ) -> Mapping[tuple[str, CareLevel, NeedCategory], tuple[Resource, ...]]:
        return {
            (area.code, level, category): tuple(
                r for r in self.resources if r.serves(category, area.code, level)
            )
            for area in self.areas
            for level in CareLevel
            for category in NeedCategory
        }

    def serving(self, area: str, level: CareLevel, category: NeedCategory) -> tuple[Resource, ...]:
        """Resources open from the start that serve ``category`` in ``area`` at ``level``."""
        return self._serving[(area, level, category)]
