"""The Council aggregate (協議体): where local actors meet, tier 1 or tier 2."""

from __future__ import annotations

from datetime import date
from typing import Any, ClassVar

from eventsourcing.domain import event

from domain.base import TsunaguAggregate, require_text
from domain.errors import InvalidValueError
from domain.values import CouncilId, CouncilTier, NeedCategory, NeedId, OrganizationId, UserId

MAX_TOPICS = 30


class Council(TsunaguAggregate):
    """A consultative body of local actors and the record of its meetings."""

    Formed: ClassVar[type[Any]]
    MemberJoined: ClassVar[type[Any]]
    MemberLeft: ClassVar[type[Any]]
    MeetingRecorded: ClassVar[type[Any]]

    @event("Formed")
    def __init__(
        self,
        id: CouncilId,  # the library takes the aggregate id from this name
        name: str,
        tier: CouncilTier,
        area_code: str | None,
        actor: UserId,
    ) -> None:
        self.name = name
        self.tier = tier
        self.area_code = area_code
        self.member_ids: list[OrganizationId] = []
        self.meetings = 0

    @classmethod
    def form(
        cls,
        council_id: CouncilId,
        name: str,
        tier: CouncilTier,
        area_code: str | None,
        actor: UserId,
    ) -> Council:
        if tier is CouncilTier.AREA and not area_code:
            raise InvalidValueError(
                "area_code", "a tier-2 council belongs to one area", code="council.area_required"
            )
        if tier is CouncilTier.MUNICIPALITY and area_code:
            raise InvalidValueError(
                "area_code",
                "a tier-1 council covers the whole municipality",
                code="council.area_not_allowed",
            )
        return cls(
            id=council_id,
            name=require_text("name", name, max_length=200),
            tier=tier,
            area_code=area_code,
            actor=actor,
        )

    def admit(self, organization_id: OrganizationId, on: date, actor: UserId) -> None:
        if organization_id in self.member_ids:
            raise InvalidValueError(
                "organization_id",
                "the organization is already a member",
                code="council.already_member",
            )
        self._member_joined(organization_id=organization_id, on=on, actor=actor)

    @event("MemberJoined")
    def _member_joined(self, organization_id: OrganizationId, on: date, actor: UserId) -> None:
        self.member_ids.append(organization_id)

    def release(
        self, organization_id: OrganizationId, on: date, reason: str, actor: UserId
    ) -> None:
        if organization_id not in self.member_ids:
            raise InvalidValueError(
                "organization_id", "the organization is not a member", code="council.not_member"
            )
        self._member_left(
            organization_id=organization_id,
            on=on,
            reason=require_text("reason", reason),
            actor=actor,
        )

    @event("MemberLeft")
    def _member_left(
        self, organization_id: OrganizationId, on: date, reason: str, actor: UserId
    ) -> None:
        self.member_ids.remove(organization_id)

    def record_meeting(
        self,
        held_on: date,
        attendees: list[OrganizationId],
        topics: list[str],
        actor: UserId,
        need_ids: list[NeedId] | None = None,
        gaps: list[tuple[str, NeedCategory]] | None = None,
        note: str | None = None,
    ) -> None:
        """Minutes of a meeting: who came, what was discussed, which needs and gaps."""
        if not topics:
            raise InvalidValueError("topics", "name at least one topic", code="value.empty")
        if len(topics) > MAX_TOPICS:
            raise InvalidValueError(
                "topics", f"at most {MAX_TOPICS} topics", code="value.too_many", maximum=MAX_TOPICS
            )
        strangers = [a for a in attendees if a not in self.member_ids]
        if strangers:
            raise InvalidValueError(
                "attendees",
                "only members attend; admit the organization first",
                code="council.attendee_not_member",
            )
        self._meeting_recorded(
            held_on=held_on,
            attendees=list(dict.fromkeys(attendees)),
            topics=[require_text("topics", t, max_length=200) for t in topics],
            need_ids=list(dict.fromkeys(need_ids or [])),
            gaps=[{"area_code": area, "category": category} for area, category in gaps or []],
            note=require_text("note", note) if note else None,
            actor=actor,
        )

    @event("MeetingRecorded")
    def _meeting_recorded(
        self,
        held_on: date,
        attendees: list[OrganizationId],
        topics: list[str],
        need_ids: list[NeedId],
        gaps: list[dict[str, Any]],
        note: str | None,
        actor: UserId,
    ) -> None:
        self.meetings += 1
