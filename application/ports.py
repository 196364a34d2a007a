"""What the application needs from the outside world (driven ports).

Read-side ports never read the clock: callers pass the instants they mean.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol
from uuid import UUID

from application.dto import (
    AreaDTO,
    AuditEntry,
    CenterDTO,
    CouncilRow,
    DashboardCounts,
    GapReport,
    InitiativeFilter,
    InitiativeRow,
    LogicModelReport,
    MeetingRow,
    NeedFilter,
    NeedRow,
    NetworkOverview,
    OrganizationDTO,
    ResourceDTO,
    ResourceFilter,
    UserDTO,
    ViewStatus,
)
from domain.values import UserId


class PasswordHasher(Protocol):
    """One-way password hashing."""

    def hash(self, password: str) -> str:
        """Return a salted hash that :meth:`verify` accepts for ``password``."""

    def verify(self, password_hash: str, password: str) -> bool:
        """Whether ``password`` matches ``password_hash``; never raises for a mismatch."""


class TokenStore(Protocol):
    """Bearer tokens for the API. Only a digest of each token is kept."""

    def issue(self, user_id: UserId, issued_at: datetime, expires_at: datetime) -> str:
        """Create and return a new random token valid until ``expires_at``."""

    def lookup(self, token: str, now: datetime) -> UserId | None:
        """The user a still-valid token belongs to, or None."""

    def revoke_user(self, user_id: UserId) -> int:
        """Invalidate every token of a user; returns how many."""


class CaseBoard(Protocol):
    """The case board view: one row per need."""

    def find_needs(
        self, filters: NeedFilter, page: int, per_page: int
    ) -> tuple[list[NeedRow], int]:
        """Rows matching ``filters`` (newest activity first) and the total count."""

    def waiting_by_resource(self) -> dict[UUID, int]:
        """For each resource, how many needs are proposed to it and not yet confirmed."""


class AuditLog(Protocol):
    """Every event in global order."""

    def entries(
        self,
        after: int,
        limit: int,
        aggregate_id: UUID | None = None,
        actor_id: UUID | None = None,
    ) -> list[AuditEntry]:
        """Entries with position > ``after``, oldest first, at most ``limit``."""


class Dashboard(Protocol):
    """Counts of needs for supervisors."""

    def counts(self, center_code: str | None = None) -> DashboardCounts:
        """Counts by status per center, area and category (optionally one center's)."""


class Directory(Protocol):
    """Lists of reference data, users, organizations and resources."""

    def areas(self) -> list[AreaDTO]:
        """All areas by code."""

    def centers(self) -> list[CenterDTO]:
        """All support centers by code."""

    def users(self) -> list[UserDTO]:
        """All users by username."""

    def usernames(self, user_ids: Sequence[UUID]) -> dict[UUID, str]:
        """Usernames of the given ids (unknown ids are left out)."""

    def organizations(self) -> list[OrganizationDTO]:
        """All organizations by name."""

    def resources(self, filters: ResourceFilter) -> list[ResourceDTO]:
        """Resources matching ``filters``, by name."""


class DevelopmentBoard(Protocol):
    """Development initiatives and unmet needs (gaps)."""

    def initiatives(self, filters: InitiativeFilter) -> list[InitiativeRow]:
        """Initiatives matching ``filters``, most recently changed first."""

    def gaps(self) -> GapReport:
        """Unmet needs now by area × category, and their monthly flows."""


class NetworkBoard(Protocol):
    """Councils, meetings and the organizations' network."""

    def councils(self) -> list[CouncilRow]:
        """Every council, tier 1 first, then by name."""

    def meetings(self, council_id: UUID) -> list[MeetingRow]:
        """A council's meetings, newest first."""

    def overview(self, since: date) -> NetworkOverview:
        """Per organization and area; contacts on or after ``since`` count as recent."""


class LogicModelSource(Protocol):
    """Facts for the logic-model report."""

    def report(self, fiscal_year: int, area_code: str | None) -> LogicModelReport:
        """The report of one fiscal year (April-March), for one area or all (None)."""


class ViewMonitor(Protocol):
    """Where each read model stands against the event log."""

    def status(self) -> list[ViewStatus]:
        """Every view's position and the log's head."""

    def wait_for(self, view: str, position: int, timeout: float) -> bool:
        """Block until ``view`` has processed ``position`` or ``timeout`` seconds
        pass; returns whether it got there."""


class Projections(Protocol):
    """Maintenance of the read models (for the command line and the worker)."""

    @property
    def names(self) -> list[str]:
        """Names of every view."""

    def create_tables(self) -> None:
        """Create missing tables and tracking rows; safe to repeat."""

    def catch_up(
        self, names: Sequence[str] | None = None, progress: Callable[[int, int], None] | None = None
    ) -> int:
        """Bring views up to the log's head; ``progress(position, head)`` after each batch."""

    def rebuild(self, name: str, progress: Callable[[int, int], None] | None = None) -> int:
        """Empty one view and replay the whole log into it."""

    def run_forever(
        self, poll_interval: float = 0.5, on_batch: Callable[[int, int], None] | None = None
    ) -> None:
        """Follow the log until :meth:`stop`."""

    def stop(self) -> None:
        """Make :meth:`run_forever` return."""

    def status(self) -> list[ViewStatus]:
        """Every view's position and the log's head."""


class ChangeListener(Protocol):
    """Told after every successful save (e.g. to update views in-process)."""

    def changed(self, position: int) -> None:
        """Events up to ``position`` are committed to the log."""


@dataclass(frozen=True)
class ReadSide:
    """The read models the application queries."""

    case_board: CaseBoard
    audit_log: AuditLog
    dashboard: Dashboard
    directory: Directory
    monitor: ViewMonitor
    development: DevelopmentBoard
    network: NetworkBoard
    logic_model: LogicModelSource
