"""Use cases of resource development (資源開発): initiatives for missing resources."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from uuid import UUID

from eventsourcing.domain import Aggregate

from application.base import CaseworkBase
from application.dto import GapReport, InitiativeDTO, InitiativeFilter, InitiativeRow
from application.errors import InvalidReferenceError, NotFoundError
from application.security import Actor
from domain.development import DevelopmentInitiative
from domain.errors import InvalidValueError
from domain.need import Need
from domain.organization import Organization
from domain.resource import Resource
from domain.values import (
    CareLevel,
    Contact,
    InitiativeId,
    Milestone,
    NeedCategory,
    NeedId,
    OrganizationId,
    ResourceId,
    ServiceType,
    Weekday,
)


class DevelopmentCases(CaseworkBase):
    """Open, link, record and launch (or abandon) development initiatives."""

    def open_initiative(
        self,
        title: str,
        area_code: str,
        category: NeedCategory,
        description: str,
        actor: Actor,
        idempotency_key: str | None = None,
    ) -> InitiativeDTO:
        actor.require("initiative.create")
        self._require_areas("area_code", [area_code])
        initiative_id = InitiativeId(self._new_id("initiative", actor, idempotency_key))
        initiative = DevelopmentInitiative.open(
            initiative_id, title, area_code, category, description, actor.user_id
        )
        initiative, position = self._create_once(
            initiative, "initiative", lambda: self._load_initiative(initiative_id)
        )
        return _initiative_dto(initiative, position)

    def get_initiative(self, initiative_id: UUID, actor: Actor) -> InitiativeDTO:
        actor.require("initiative.read")
        return _initiative_dto(self._load_initiative(initiative_id), self.head())

    def list_initiatives(self, filters: InitiativeFilter, actor: Actor) -> list[InitiativeRow]:
        actor.require("initiative.read")
        return self.read_side.development.initiatives(filters)

    def link_need_to_initiative(
        self, initiative_id: UUID, need_id: UUID, expected_version: int | None, actor: Actor
    ) -> InitiativeDTO:
        """The need (a gap of the same category) now waits on the initiative."""

        def link(initiative: DevelopmentInitiative) -> list[Aggregate]:
            need = self._gap_need(need_id, actor)
            if need.category is not initiative.category:
                raise InvalidValueError(
                    "need_id",
                    f"the need is about {need.category.value}, "
                    f"the initiative about {initiative.category.value}",
                )
            initiative.link_need(NeedId(need.id), actor.user_id)
            need.link_development(InitiativeId(initiative.id), actor.user_id)
            return [need]

        return self._change_initiative(initiative_id, expected_version, actor, link)

    def unlink_need_from_initiative(
        self,
        initiative_id: UUID,
        need_id: UUID,
        reason: str,
        expected_version: int | None,
        actor: Actor,
    ) -> InitiativeDTO:
        def unlink(initiative: DevelopmentInitiative) -> list[Aggregate]:
            initiative.unlink_need(NeedId(need_id), reason, actor.user_id)
            need = self._load(Need, need_id, "need")
            changed: list[Aggregate] = []
            if need.initiative_id == initiative.id and need.allows("unlink_development"):
                need.unlink_development(reason, actor.user_id)
                changed.append(need)
            return changed

        return self._change_initiative(initiative_id, expected_version, actor, unlink)

    def add_initiative_partner(
        self, initiative_id: UUID, organization_id: UUID, expected_version: int | None, actor: Actor
    ) -> InitiativeDTO:
        if not self._exists(Organization, organization_id):
            raise InvalidReferenceError("organization_id", "no such organization")

        def add(initiative: DevelopmentInitiative) -> list[Aggregate]:
            initiative.add_partner(OrganizationId(organization_id), actor.user_id)
            return []

        return self._change_initiative(initiative_id, expected_version, actor, add)

    def record_initiative_milestone(
        self,
        initiative_id: UUID,
        milestone: Milestone,
        on: date,
        note: str,
        expected_version: int | None,
        actor: Actor,
        volunteers: int | None = None,
    ) -> InitiativeDTO:
        self._require_not_future("on", on)

        def record(initiative: DevelopmentInitiative) -> list[Aggregate]:
            initiative.record_milestone(milestone, on, note, actor.user_id, volunteers)
            return []

        return self._change_initiative(initiative_id, expected_version, actor, record)

    def launch_initiative(
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
            self._require_areas("area_codes", area_codes)
        if organization_id is not None and not self._exists(Organization, organization_id):
            raise InvalidReferenceError("organization_id", "no such organization")

        def launch(initiative: DevelopmentInitiative) -> list[Aggregate]:
            served = list(dict.fromkeys([initiative.category, *(categories or [])]))
            resource = Resource.register(
                ResourceId(self._new_id("resource", actor, f"launch:{initiative.id}")),
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

        return self._change_initiative(initiative_id, expected_version, actor, launch)

    def abandon_initiative(
        self, initiative_id: UUID, reason: str, expected_version: int | None, actor: Actor
    ) -> InitiativeDTO:
        def abandon(initiative: DevelopmentInitiative) -> list[Aggregate]:
            initiative.abandon(reason, actor.user_id)
            return []

        return self._change_initiative(initiative_id, expected_version, actor, abandon)

    def gap_report(self, actor: Actor, min_position: int | None = None) -> GapReport:
        """Unmet needs by area × category now, and their monthly flows."""
        actor.require("report.read")
        self._wait_for_view("gaps", min_position)
        return self.read_side.development.gaps()

    # -- helpers -------------------------------------------------------------------

    def _load_initiative(self, initiative_id: UUID) -> DevelopmentInitiative:
        return self._load(DevelopmentInitiative, initiative_id, "development initiative")

    def _gap_need(self, need_id: UUID, actor: Actor) -> Need:
        try:
            return self._get_need(need_id, actor)
        except NotFoundError:
            raise InvalidReferenceError("need_id", "no such need") from None

    def _change_initiative(
        self,
        initiative_id: UUID,
        expected_version: int | None,
        actor: Actor,
        change: Callable[[DevelopmentInitiative], list[Aggregate]],
    ) -> InitiativeDTO:
        initiative, position = self._change(
            DevelopmentInitiative,
            "development initiative",
            "initiative.change",
            initiative_id,
            expected_version,
            actor,
            change,
        )
        return _initiative_dto(initiative, position)


def _initiative_dto(initiative: DevelopmentInitiative, position: int | None) -> InitiativeDTO:
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
