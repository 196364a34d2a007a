"""The DevelopmentInitiative aggregate (資源開発): creating a resource that is missing.

A coordinator opens an initiative for an area and a need category when needs
wait in ``resource_gap``. Needs are linked to it, partner organizations join,
milestones are recorded, and it ends by launching a new resource or being
abandoned. A process manager (``application.policies``) moves the linked needs
when that happens.
"""

from __future__ import annotations

from datetime import date
from typing import Any, ClassVar

from eventsourcing.domain import event

from domain.base import TsunaguAggregate, require_text
from domain.errors import InvalidTransitionError, InvalidValueError
from domain.values import (
    InitiativeId,
    InitiativeStatus,
    Milestone,
    NeedCategory,
    NeedId,
    OrganizationId,
    ResourceId,
    UserId,
)


class InitiativeTransitionError(InvalidTransitionError):
    """The initiative has ended (launched or abandoned)."""

    def __init__(
        self, state: str, action: str, detail: str = "", *, code: str | None = None
    ) -> None:
        super().__init__(
            "development initiative",
            state,
            action,
            detail,
            code=code or "initiative.transition_not_allowed",
        )


class DevelopmentInitiative(TsunaguAggregate):
    """Creating a missing local resource, linked to the needs that wait for it."""

    Opened: ClassVar[type[Any]]
    NeedLinked: ClassVar[type[Any]]
    NeedUnlinked: ClassVar[type[Any]]
    PartnerAdded: ClassVar[type[Any]]
    MilestoneRecorded: ClassVar[type[Any]]
    ResourceLaunched: ClassVar[type[Any]]
    Abandoned: ClassVar[type[Any]]

    @event("Opened")
    def __init__(
        self,
        id: InitiativeId,  # the library takes the aggregate id from this name
        title: str,
        area_code: str,
        category: NeedCategory,
        description: str,
        actor: UserId,
    ) -> None:
        self.title = title
        self.area_code = area_code
        self.category = category
        self.description = description
        self.status = InitiativeStatus.OPEN
        self.need_ids: list[NeedId] = []
        self.partner_ids: list[OrganizationId] = []
        self.milestones: list[dict[str, Any]] = []
        self.resource_id: ResourceId | None = None

    @classmethod
    def open(
        cls,
        initiative_id: InitiativeId,
        title: str,
        area_code: str,
        category: NeedCategory,
        description: str,
        actor: UserId,
    ) -> DevelopmentInitiative:
        return cls(
            id=initiative_id,
            title=require_text("title", title, max_length=200),
            area_code=area_code,
            category=category,
            description=require_text("description", description),
            actor=actor,
        )

    @property
    def is_open(self) -> bool:
        return self.status is InitiativeStatus.OPEN

    def _require_open(self, action: str) -> None:
        if not self.is_open:
            raise InitiativeTransitionError(self.status.value, action)

    def link_need(self, need_id: NeedId, actor: UserId) -> None:
        """Record that ``need_id`` waits on this initiative (the need links itself too)."""
        self._require_open("link a need to")
        if need_id in self.need_ids:
            raise InitiativeTransitionError(
                self.status.value,
                "link",
                "the need is already linked",
                code="initiative.need_already_linked",
            )
        self._need_linked(need_id=need_id, actor=actor)

    @event("NeedLinked")
    def _need_linked(self, need_id: NeedId, actor: UserId) -> None:
        self.need_ids.append(need_id)

    def unlink_need(self, need_id: NeedId, reason: str, actor: UserId) -> None:
        self._require_open("unlink a need from")
        if need_id not in self.need_ids:
            raise InvalidValueError(
                "need_id",
                "the need is not linked to this initiative",
                code="initiative.need_not_linked",
            )
        self._need_unlinked(need_id=need_id, reason=require_text("reason", reason), actor=actor)

    @event("NeedUnlinked")
    def _need_unlinked(self, need_id: NeedId, reason: str, actor: UserId) -> None:
        self.need_ids.remove(need_id)

    def add_partner(self, organization_id: OrganizationId, actor: UserId) -> None:
        self._require_open("add a partner to")
        if organization_id in self.partner_ids:
            raise InvalidValueError(
                "organization_id",
                "the organization is already a partner",
                code="initiative.already_partner",
            )
        self._partner_added(organization_id=organization_id, actor=actor)

    @event("PartnerAdded")
    def _partner_added(self, organization_id: OrganizationId, actor: UserId) -> None:
        self.partner_ids.append(organization_id)

    def record_milestone(
        self,
        milestone: Milestone,
        on: date,
        note: str,
        actor: UserId,
        volunteers: int | None = None,
    ) -> None:
        """A step on the way: discussed at a council, volunteers trained, pilot started."""
        self._require_open("record a milestone of")
        if volunteers is not None and volunteers < 0:
            raise InvalidValueError("volunteers", "must be zero or more", code="value.negative")
        if volunteers is not None and milestone is not Milestone.VOLUNTEERS_TRAINED:
            raise InvalidValueError(
                "volunteers",
                "only volunteer training counts volunteers",
                code="initiative.volunteers_not_counted",
            )
        self._milestone_recorded(
            milestone=milestone,
            on=on,
            note=require_text("note", note),
            volunteers=volunteers,
            actor=actor,
        )

    @event("MilestoneRecorded")
    def _milestone_recorded(
        self, milestone: Milestone, on: date, note: str, volunteers: int | None, actor: UserId
    ) -> None:
        self.milestones.append(
            {"milestone": milestone.value, "on": on.isoformat(), "volunteers": volunteers}
        )

    def launch(self, resource_id: ResourceId, actor: UserId) -> None:
        """The new resource is registered: the initiative succeeded."""
        self._require_open("launch")
        self._launched(resource_id=resource_id, need_ids=list(self.need_ids), actor=actor)

    @event("ResourceLaunched")
    def _launched(self, resource_id: ResourceId, need_ids: list[NeedId], actor: UserId) -> None:
        self.resource_id = resource_id
        self.status = InitiativeStatus.LAUNCHED

    def abandon(self, reason: str, actor: UserId) -> None:
        """Give up; the linked needs go back to waiting as gaps."""
        self._require_open("abandon")
        self._abandoned(
            reason=require_text("reason", reason), need_ids=list(self.need_ids), actor=actor
        )

    @event("Abandoned")
    def _abandoned(self, reason: str, need_ids: list[NeedId], actor: UserId) -> None:
        self.status = InitiativeStatus.ABANDONED
