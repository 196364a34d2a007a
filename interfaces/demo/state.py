"""The demo's clients, needs and stories as they are planned, then loaded.

Mutable records: planning fills in the steps and their moments, loading the ids
and versions the use cases hand back. Compared by identity (``eq=False``): two
clients may look alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from uuid import UUID

from domain.values import (
    CareLevel,
    DeclinedBy,
    NeedCategory,
    NeedStatus,
    Outcome,
    PersonalData,
    Progress,
    Urgency,
    Weekday,
)
from interfaces.demo.model import Council, Initiative

UNPLACED = datetime.min.replace(tzinfo=UTC)
"""The moment of a step not yet placed in time."""


@dataclass(eq=False)
class Client:
    """A person with needs, registered by their center's care manager."""

    personal: PersonalData
    care_level: CareLevel
    frailty: bool
    area: str
    center: str
    registered_at: datetime | None = None
    available: tuple[Weekday, ...] | None = None
    """Weekdays the client can take part, when known at registration."""
    id: UUID | None = None
    version: int = 0
    level_now: CareLevel = CareLevel.INDEPENDENT


@dataclass(eq=False)
class Step:
    """One command in a need's history."""

    kind: str
    day: int
    """Days after the need was raised."""
    by: str = "sc"
    """``cm`` (the client's care manager) or ``sc`` (the coordinator)."""
    text: str = ""
    progress: Progress | None = None
    outcome: Outcome | None = None
    declined_by: DeclinedBy | None = None
    assessment: str = ""
    start_in: int = 0
    attempt: Attempt | None = None
    at: datetime = UNPLACED


@dataclass(eq=False)
class Attempt:
    """One proposal of a resource, and whether and how long it held a place."""

    propose: Step
    confirm: Step | None = None
    declined: Step | None = None
    """Declined before confirmation."""
    end: Step | None = None
    """The step that gave the place back (declined or closed while matched)."""
    full: bool = False
    """The provider declines. (It once meant a proposal to a full resource, which the
    ranking now refuses: the proposal goes to one with room, and the provider declines.)"""
    resource: str | None = None


@dataclass(eq=False)
class Need:
    """A need and its planned history."""

    client: Client
    category: NeedCategory
    description: str
    goal: str
    urgency: Urgency
    scenario: str
    care_plan_ref: str | None = None
    steps: list[Step] = field(default_factory=list)
    attempts: list[Attempt] = field(default_factory=list)
    id: UUID | None = None
    version: int = 0
    status: NeedStatus | None = None
    """As the last command left it (the loader reads it back after a process manager moved it)."""
    proposed: UUID | None = None
    """The resource a match plan proposed."""


@dataclass(eq=False)
class InitiativeRun:
    """A development initiative being loaded, and the needs that wait on it."""

    spec: Initiative
    needs: list[Need] = field(default_factory=list)
    id: UUID | None = None
    version: int = 0


@dataclass(eq=False)
class CouncilRun:
    """A council being loaded."""

    spec: Council
    id: UUID | None = None
    version: int = 0
