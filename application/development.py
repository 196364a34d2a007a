"""Resource development (資源開発): initiatives that create missing resources, the
needs that wait on them, and the report of unmet needs (gaps) a council discusses.

The process manager that releases the waiting needs when a resource launches
is :mod:`application.development_policy`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol
from uuid import UUID

from eventsourcing.domain import Aggregate

from application.board import BoardCases, NeedRow
from application.common import Clock, ViewMonitor, require_not_future, wait_for_view
from application.errors import InvalidReferenceError, NotFoundError
from application.history import Timeline, TimelineEntry
from application.needs import load_need
from application.organizations import OrganizationDirectory
from application.reference import References
from application.resources import ResourceCases
from application.security import Actor
from application.store import Aggregates, EventStore
from domain.development import DevelopmentInitiative
from domain.errors import InvalidValueError
from domain.need import Need
from domain.resource import Resource
from domain.values import (
    CareLevel,
    Contact,
    InitiativeId,
    InitiativeStatus,
    Milestone,
    NeedCategory,
    NeedId,
    OrganizationId,
    ResourceId,
    ServiceType,
    Weekday,
)

KIND = "development initiative"


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


class DevelopmentBoard(Protocol):
    """Development initiatives and unmet needs (gaps)."""

    def initiatives(self, filters: InitiativeFilter) -> list[InitiativeRow]:
        """Initiatives matching ``filters``, most recently changed first."""

    def gaps(self) -> GapReport:
        """Unmet needs now by area × category, and their monthly flows."""


def initiative_dto(initiative: DevelopmentInitiative, position: int | None) -> InitiativeDTO:
    return InitiativeDTO(
        id=initiative.id,
        version=initiative.version,
        position=position,
        title=initiative.title,
        area_code=initiative.area_code,
        category=initiative.category,
        description=initiative.description,
        status=initiative.status,
        need_ids=tuple(initiative.need_ids),
        partner_ids=tuple(initiative.partner_ids),
        milestones=tuple(dict(m) for m in initiative.milestones),
        resource_id=initiative.resource_id,
        opened_at=initiative.created_on,
        updated_at=initiative.modified_on,
    )


class DevelopmentCases:
    """Open, link, record and launch (or abandon) development initiatives."""

    def __init__(
        self,
        aggregates: Aggregates,
        store: EventStore,
        references: References,
        resources: ResourceCases,
        board: BoardCases,
        view: DevelopmentBoard,
        organizations: OrganizationDirectory,
        timeline: Timeline,
        monitor: ViewMonitor,
        clock: Clock,
    ) -> None:
        self._aggregates = aggregates
        self._store = store
        self._references = references
        self._resources = resources
        self._board = board
        self._view = view
        self._organizations = organizations
        self._timeline = timeline
        self._monitor = monitor
        self._clock = clock

    def open(
        self,
        title: str,
        area_code: str,
        category: NeedCategory,
        description: str,
        actor: Actor,
        idempotency_key: str | None = None,
    ) -> InitiativeDTO:
        actor.require("initiative.create")
        self._references.require_areas("area_code", [area_code])
        initiative_id = InitiativeId(self._aggregates.new_id("initiative", actor, idempotency_key))
        initiative = DevelopmentInitiative.open(
            initiative_id, title, area_code, category, description, actor.user_id
        )
        initiative, position = self._aggregates.create(
            initiative, KIND, lambda: self._load(initiative_id)
        )
        return initiative_dto(initiative, position)

    def get(self, initiative_id: UUID, actor: Actor) -> InitiativeDTO:
        actor.require("initiative.read")
        return initiative_dto(self._load(initiative_id), self._aggregates.head())

    def list_initiatives(self, filters: InitiativeFilter, actor: Actor) -> list[InitiativeRow]:
        actor.require("initiative.read")
        return self._view.initiatives(filters)

    def page(self, initiative_id: UUID, actor: Actor) -> InitiativePage:
        """An initiative, its history and the needs waiting on it (one stream, read models)."""
        actor.require("initiative.read")
        events = self._store.stream(initiative_id)
        initiative: Any = None
        for event in events:
            initiative = event.mutate(initiative)
        if not isinstance(initiative, DevelopmentInitiative):
            raise NotFoundError(KIND, initiative_id)
        dto = initiative_dto(initiative, self._aggregates.head())
        partners = self._organizations.names(set(dto.partner_ids))
        return InitiativePage(
            initiative=dto,
            timeline=tuple(self._timeline.entries(events)),
            needs=tuple(self._board.rows(dto.need_ids, actor)),
            partners={p: partners.get(p, str(p)) for p in dto.partner_ids},
            resource_name=self._timeline.resource_name(dto.resource_id),
        )

    def link_need(
        self, initiative_id: UUID, need_id: UUID, expected_version: int | None, actor: Actor
    ) -> InitiativeDTO:
        """The need (a gap of the same category) now waits on the initiative."""

        def link(initiative: DevelopmentInitiative) -> list[Aggregate]:
            try:
                need = load_need(self._aggregates, need_id, actor)
            except NotFoundError:
                raise InvalidReferenceError("need_id", "no such need") from None
            if need.category is not initiative.category:
                raise InvalidValueError(
                    "need_id",
                    f"the need is about {need.category.value}, "
                    f"the initiative about {initiative.category.value}",
                    code="initiative.category_mismatch",
                )
            initiative.link_need(NeedId(need.id), actor.user_id)
            need.link_development(InitiativeId(initiative.id), actor.user_id)
            return [need]

        return self._change(initiative_id, expected_version, actor, link)

    def unlink_need(
        self,
        initiative_id: UUID,
        need_id: UUID,
        reason: str,
        expected_version: int | None,
        actor: Actor,
    ) -> InitiativeDTO:
        def unlink(initiative: DevelopmentInitiative) -> list[Aggregate]:
            initiative.unlink_need(NeedId(need_id), reason, actor.user_id)
            need = self._aggregates.load(Need, need_id, "need")
            if need.initiative_id == initiative.id and need.allows("unlink_development"):
                need.unlink_development(reason, actor.user_id)
                return [need]
            return []

        return self._change(initiative_id, expected_version, actor, unlink)

    def add_partner(
        self, initiative_id: UUID, organization_id: UUID, expected_version: int | None, actor: Actor
    ) -> InitiativeDTO:
        self._resources.require_organization(organization_id)

        def add(initiative: DevelopmentInitiative) -> list[Aggregate]:
            initiative.add_partner(OrganizationId(organization_id), actor.user_id)
            return []

        return self._change(initiative_id, expected_version, actor, add)

    def record_milestone(
        self,
        initiative_id: UUID,
        milestone: Milestone,
        on: date,
        note: str,
        expected_version: int | None,
        actor: Actor,
        volunteers: int | None = None,
    ) -> InitiativeDTO:
        require_not_future("on", on, self._clock)

        def record(initiative: DevelopmentInitiative) -> list[Aggregate]:
            initiative.record_milestone(milestone, on, note, actor.user_id, volunteers)
            return []

        return self._change(initiative_id, expected_version, actor, record)

    def launch(
        self,
        initiative_id: UUID,
        name: str,
        service_type: ServiceType,
        expected_version: int | None,
        actor: Actor,
        *,
        categories: list[NeedCategory] | None = None,
        area_codes: list[str] | None = None,
        organization_id: UUID | None = None,
        weekdays: list[Weekday] | None = None,
        capacity: int | None = None,
        eligible_care_levels: list[CareLevel] | None = None,
        fee: str | None = None,
        contact: Contact | None = None,
    ) -> InitiativeDTO:
        """Register the new resource and end the initiative, in one save.

        The process manager then moves every linked need to ``resource_created``.
        """
        if area_codes:
            self._references.require_areas("area_codes", area_codes)
        self._resources.require_organization(organization_id)

        def launch(initiative: DevelopmentInitiative) -> list[Aggregate]:
            served = list(dict.fromkeys([initiative.category, *(categories or [])]))
            resource = Resource.register(
                ResourceId(self._aggregates.new_id("resource", actor, f"launch:{initiative.id}")),
                name,
                service_type,
                served,
                area_codes or [initiative.area_code],
                actor.user_id,
                organization_id=OrganizationId(organization_id) if organization_id else None,
                weekdays=weekdays,
                capacity=capacity,
                eligible_care_levels=eligible_care_levels,
                fee=fee,
                contact=contact,
            )
            initiative.launch(ResourceId(resource.id), actor.user_id)
            return [resource]

        return self._change(initiative_id, expected_version, actor, launch)

    def abandon(
        self, initiative_id: UUID, reason: str, expected_version: int | None, actor: Actor
    ) -> InitiativeDTO:
        def abandon(initiative: DevelopmentInitiative) -> list[Aggregate]:
            initiative.abandon(reason, actor.user_id)
            return []

        return self._change(initiative_id, expected_version, actor, abandon)

    def gap_report(self, actor: Actor, min_position: int | None = None) -> GapReport:
        """Unmet needs by area × category now, and their monthly flows."""
        actor.require("report.read")
        wait_for_view(self._monitor, "gaps", min_position)
        return self._view.gaps()

    # -- helpers -------------------------------------------------------------------

    def _load(
        self, initiative_id: UUID, expected_version: int | None = None
    ) -> DevelopmentInitiative:
        return self._aggregates.load(DevelopmentInitiative, initiative_id, KIND, expected_version)

    def _change(
        self,
        initiative_id: UUID,
        expected_version: int | None,
        actor: Actor,
        change: Callable[[DevelopmentInitiative], list[Aggregate]],
    ) -> InitiativeDTO:
        actor.require("initiative.change")
        initiative, position = self._aggregates.change(
            lambda: self._load(initiative_id, expected_version), change, KIND
        )
        return initiative_dto(initiative, position)
