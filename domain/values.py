"""Vocabulary of the domain: typed ids, enums from DOMAIN.md and value objects.

Enum values are the identifiers of ``shared/domain/DOMAIN.md``; they are what
is stored in events (as their string value) and what the API accepts.
"""

from __future__ import annotations

import base64
import enum
from dataclasses import dataclass
from datetime import date
from typing import NewType
from uuid import UUID, uuid5

NeedId = NewType("NeedId", UUID)
ClientId = NewType("ClientId", UUID)
ResourceId = NewType("ResourceId", UUID)
OrganizationId = NewType("OrganizationId", UUID)
UserId = NewType("UserId", UUID)
AreaId = NewType("AreaId", UUID)
CenterId = NewType("CenterId", UUID)
InitiativeId = NewType("InitiativeId", UUID)
CouncilId = NewType("CouncilId", UUID)

# Namespace of the deterministic (uuid5) ids: natural keys (area code, username)
# and idempotency keys map to the same aggregate id on every machine.
TSUNAGU_NAMESPACE = UUID("6f1c2b8e-4d3a-5e7f-9a0b-1c2d3e4f5a6b")


def derived_id(kind: str, key: str) -> UUID:
    """The aggregate id that ``key`` of ``kind`` always maps to."""
    return uuid5(TSUNAGU_NAMESPACE, f"{kind}:{key}")


def display_code(prefix: str, aggregate_id: UUID) -> str:
    """A short pseudonymous code for lists and phone calls (never personal data).

    Eight base32 characters from the id: collisions become likely only past a
    million clients per municipality.
    """
    return prefix + "-" + base64.b32encode(aggregate_id.bytes[:5]).decode("ascii")


SYSTEM_USER_ID = UserId(derived_id("user", "system"))
"""Actor of changes made by the system itself (setup, demo data, policies)."""


class Role(enum.Enum):
    CARE_MANAGER = "care_manager"
    COORDINATOR = "coordinator"
    SUPERVISOR = "supervisor"
    AUDITOR = "auditor"
    ADMIN = "admin"


class CareLevel(enum.Enum):
    INDEPENDENT = "independent"
    PROGRAM_ELIGIBLE = "program_eligible"
    SUPPORT_1 = "support_1"
    SUPPORT_2 = "support_2"
    CARE_1 = "care_1"
    CARE_2 = "care_2"
    CARE_3 = "care_3"
    CARE_4 = "care_4"
    CARE_5 = "care_5"

    @property
    def rank(self) -> int:
        """Order of dependency: higher means more care needed."""
        return list(CareLevel).index(self)


class NeedCategory(enum.Enum):
    SHOPPING = "shopping"
    TRANSPORT = "transport"
    GARBAGE = "garbage"
    HOUSEWORK = "housework"
    MEALS = "meals"
    WATCH_OVER = "watch_over"
    SOCIAL_PARTICIPATION = "social_participation"
    EXERCISE = "exercise"
    COMPANIONSHIP = "companionship"
    YARD_WORK = "yard_work"
    SMALL_REPAIRS = "small_repairs"
    PAPERWORK = "paperwork"
    OTHER = "other"


class ServiceType(enum.Enum):
    VISIT_STANDARD = "visit_standard"
    VISIT_A = "visit_a"
    VISIT_B = "visit_b"
    VISIT_C = "visit_c"
    VISIT_D = "visit_d"
    DAY_STANDARD = "day_standard"
    DAY_A = "day_a"
    DAY_B = "day_b"
    DAY_C = "day_c"
    OTHER_SUPPORT = "other_support"
    GATHERING_PLACE = "gathering_place"
    INFORMAL = "informal"
    AGENCY_REFERRAL = "agency_referral"


class OrganizationKind(enum.Enum):
    RESIDENT_GROUP = "resident_group"
    COMMUNITY_ORG = "community_org"
    NPO = "npo"
    SOCIAL_WELFARE_CORP = "social_welfare_corp"
    WELFARE_COUNCIL = "welfare_council"
    NEIGHBOURHOOD_ASSOC = "neighbourhood_assoc"
    COOPERATIVE = "cooperative"
    COMPANY = "company"
    SILVER_CENTRE = "silver_centre"
    CARE_PROVIDER = "care_provider"
    SENIORS_CLUB = "seniors_club"
    HOUSEKEEPING_AGENCY = "housekeeping_agency"
    COMMERCE_ASSOC = "commerce_assoc"
    WELFARE_COMMISSIONER = "welfare_commissioner"
    VOLUNTEER = "volunteer"
    PROFESSIONAL_AGENCY = "professional_agency"


class Outcome(enum.Enum):
    GOAL_ACHIEVED = "goal_achieved"
    PARTIALLY_ACHIEVED = "partially_achieved"
    NOT_ACHIEVED = "not_achieved"
    WITHDRAWN = "withdrawn"
    TRANSFERRED_TO_CARE = "transferred_to_care"
    HOSPITALISED_OR_ADMITTED = "hospitalised_or_admitted"
    MOVED_AWAY = "moved_away"
    DECEASED = "deceased"
    DUPLICATE = "duplicate"


class NeedStatus(enum.Enum):
    RAISED = "raised"
    MATCHING = "matching"
    PROPOSED = "proposed"
    MATCHED = "matched"
    RESOURCE_GAP = "resource_gap"
    IN_DEVELOPMENT = "in_development"
    RESOURCE_CREATED = "resource_created"
    CLOSED = "closed"


class Urgency(enum.Enum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"


class Progress(enum.Enum):
    ON_TRACK = "on_track"
    CONCERN = "concern"
    GOAL_MET = "goal_met"


class DeclinedBy(enum.Enum):
    CLIENT = "client"
    PROVIDER = "provider"


class ResourceStatus(enum.Enum):
    PLANNED = "planned"
    ACTIVE = "active"
    SUSPENDED = "suspended"
    CLOSED = "closed"


class Weekday(enum.Enum):
    MON = "mon"
    TUE = "tue"
    WED = "wed"
    THU = "thu"
    FRI = "fri"
    SAT = "sat"
    SUN = "sun"


class InitiativeStatus(enum.Enum):
    OPEN = "open"
    LAUNCHED = "launched"
    ABANDONED = "abandoned"


class Milestone(enum.Enum):
    COUNCIL_DISCUSSED = "council_discussed"
    VOLUNTEERS_TRAINED = "volunteers_trained"
    PILOT_STARTED = "pilot_started"


class CouncilTier(enum.Enum):
    """協議体: tier 1 covers the municipality, tier 2 one daily-living area."""

    MUNICIPALITY = "municipality"
    AREA = "area"


ALL_ENUMS: tuple[type[enum.Enum], ...] = (
    Role,
    CareLevel,
    NeedCategory,
    ServiceType,
    OrganizationKind,
    Outcome,
    NeedStatus,
    Urgency,
    Progress,
    DeclinedBy,
    ResourceStatus,
    Weekday,
    InitiativeStatus,
    Milestone,
    CouncilTier,
)


@dataclass(frozen=True)
class PersonalData:
    """Everything that identifies a client as a person, kept in one value.

    Held apart from the pseudonymous case data so that it can be encrypted per
    client (and erased by destroying that client's key) without touching the
    rest of the history.
    """

    name: str
    name_kana: str | None
    birth_date: date
    address: str | None
    phone: str | None


ERASED = "[erased]"
"""What a client's free-text field (a need's description, goal, note or reason)
reads once the client's personal data was erased: its key is destroyed, the text
can no longer be decrypted. Screens show it as 「消去済み」/"Erased"."""


def is_erased(text: object) -> bool:
    """Whether ``text`` is a field whose value was erased with its client's key."""
    return text == ERASED


@dataclass(frozen=True)
class Contact:
    """How to reach an organization or a resource (business contact, not personal)."""

    person: str | None = None
    phone: str | None = None
    email: str | None = None
    address: str | None = None
