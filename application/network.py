"""Network building (ネットワーク構築): councils (協議体) with their members and
meetings, and the overview of who is connected to whom.

Organizations themselves, and the coordinators' contacts with them, are
:mod:`application.organizations`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Protocol
from uuid import UUID

from eventsourcing.domain import Aggregate

from application.common import Clock, require_not_future, today_in_japan
from application.errors import InvalidReferenceError
from application.reference import References
from application.security import Actor
from application.store import Aggregates
from domain.council import Council
from domain.need import Need
from domain.organization import Organization
from domain.values import (
    CouncilId,
    CouncilTier,
    NeedCategory,
    NeedId,
    OrganizationId,
    OrganizationKind,
)

CONTACT_WINDOW = timedelta(days=90)
"""Contacts this recent count as current ties."""


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


class NetworkBoard(Protocol):
    """Councils, meetings and the organizations' network."""

    def councils(self) -> list[CouncilRow]:
        """Every council, tier 1 first, then by name."""

    def meetings(self, council_id: UUID) -> list[MeetingRow]:
        """A council's meetings, newest first."""

    def overview(self, since: date, organization_id: UUID | None = None) -> NetworkOverview:
        """Per organization and area (or one organization's row only); contacts on or
        after ``since`` count as recent."""

    def organization(self, organization_id: UUID, since: date) -> OrganizationNetwork | None:
        """One organization's row of the overview (None when the view has not got it),
        counted where it is stored: its councils now, its contacts on or after ``since``
        and its last one, the resources it runs and the matches confirmed at them."""


def council_dto(council: Council, position: int | None) -> CouncilDTO:
    return CouncilDTO(
        id=council.id,
        version=council.version,
        position=position,
        name=council.name,
        tier=council.tier,
        area_code=council.area_code,
        member_ids=tuple(council.member_ids),
        meetings=council.meetings,
        formed_at=council.created_on,
    )


class NetworkCases:
    """Councils (協議体), their members and minutes, and the network overview."""

    def __init__(
        self, aggregates: Aggregates, references: References, board: NetworkBoard, clock: Clock
    ) -> None:
        self._aggregates = aggregates
        self._references = references
        self._board = board
        self._clock = clock

    def form_council(
        self,
        name: str,
        tier: CouncilTier,
        actor: Actor,
        area_code: str | None = None,
        idempotency_key: str | None = None,
    ) -> CouncilDTO:
        actor.require("council.create")
        if area_code is not None:
            self._references.require_areas("area_code", [area_code])
        council_id = CouncilId(self._aggregates.new_id("council", actor, idempotency_key))
        council = Council.form(council_id, name, tier, area_code, actor.user_id)
        council, position = self._aggregates.create(
            council, "council", lambda: self._aggregates.load(Council, council_id, "council")
        )
        return council_dto(council, position)

    def get_council(self, council_id: UUID, actor: Actor) -> CouncilDTO:
        actor.require("council.read")
        council = self._aggregates.load(Council, council_id, "council")
        return council_dto(council, self._aggregates.head())

    def list_councils(self, actor: Actor) -> list[CouncilRow]:
        actor.require("council.read")
        return self._board.councils()

    def council_meetings(self, council_id: UUID, actor: Actor) -> list[MeetingRow]:
        actor.require("council.read")
        self._aggregates.load(Council, council_id, "council")  # 404 for an unknown council
        return self._board.meetings(council_id)

    def admit_to_council(
        self,
        council_id: UUID,
        organization_id: UUID,
        on: date,
        expected_version: int | None,
        actor: Actor,
    ) -> CouncilDTO:
        """The organization joins the council (both record it, in one save)."""
        require_not_future("on", on, self._clock)

        def admit(council: Council) -> list[Aggregate]:
            org = self._member(organization_id)
            council.admit(OrganizationId(org.id), on, actor.user_id)
            org.join_council(council.id, actor.user_id)
            return [org]

        return self._change(council_id, expected_version, actor, admit)

    def release_from_council(
        self,
        council_id: UUID,
        organization_id: UUID,
        on: date,
        reason: str,
        expected_version: int | None,
        actor: Actor,
    ) -> CouncilDTO:
        require_not_future("on", on, self._clock)

        def release(council: Council) -> list[Aggregate]:
            org = self._member(organization_id)
            council.release(OrganizationId(org.id), on, reason, actor.user_id)
            if council.id in org.councils:
                org.leave_council(council.id, reason, actor.user_id)
                return [org]
            return []

        return self._change(council_id, expected_version, actor, release)

    def record_council_meeting(
        self,
        council_id: UUID,
        held_on: date,
        attendees: list[UUID],
        topics: list[str],
        expected_version: int | None,
        actor: Actor,
        need_ids: list[UUID] | None = None,
        gaps: list[tuple[str, NeedCategory]] | None = None,
        note: str | None = None,
    ) -> CouncilDTO:
        """Minutes: who came, the topics, and the needs and gaps discussed."""
        require_not_future("held_on", held_on, self._clock)
        for need_id in need_ids or []:
            if not self._aggregates.exists(Need, need_id):
                raise InvalidReferenceError("need_ids", f"no need {need_id}")
        self._references.require_areas("gaps", [area for area, _ in gaps or []])

        def record(council: Council) -> list[Aggregate]:
            council.record_meeting(
                held_on,
                [OrganizationId(a) for a in attendees],
                topics,
                actor.user_id,
                need_ids=[NeedId(n) for n in need_ids or []],
                gaps=gaps,
                note=note,
            )
            return []

        return self._change(council_id, expected_version, actor, record)

    def overview(self, actor: Actor) -> NetworkOverview:
        """Per organization and per area: councils, recent contacts, resources, matches, ties."""
        actor.require("report.read")
        return self._board.overview(since=today_in_japan(self._clock) - CONTACT_WINDOW)

    # -- helpers ----------------------------------------------------------------

    def _member(self, organization_id: UUID) -> Organization:
        org = self._aggregates.find(Organization, organization_id)
        if org is None:
            raise InvalidReferenceError("organization_id", "no such organization")
        return org

    def _change(
        self,
        council_id: UUID,
        expected_version: int | None,
        actor: Actor,
        change: Callable[[Council], list[Aggregate]],
    ) -> CouncilDTO:
        actor.require("council.change")
        council, position = self._aggregates.change(
            lambda: self._aggregates.load(Council, council_id, "council", expected_version),
            change,
            "council",
        )
        return council_dto(council, position)
