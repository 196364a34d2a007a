"""Use cases of network building (ネットワーク構築): councils, members, meetings, contacts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta, timezone
from uuid import UUID

from eventsourcing.domain import Aggregate

from application.base import CaseworkBase, organization_dto
from application.dto import CouncilDTO, CouncilRow, MeetingRow, NetworkOverview, OrganizationDTO
from application.errors import InvalidReferenceError, NotFoundError
from application.security import Actor
from domain.council import Council
from domain.need import Need
from domain.organization import Organization
from domain.values import CouncilId, CouncilTier, NeedCategory, NeedId, OrganizationId

CONTACT_WINDOW = timedelta(days=90)
JST = timezone(timedelta(hours=9), "JST")


class NetworkCases(CaseworkBase):
    """Councils (協議体) and the coordinators' contacts with organizations."""

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
            self._require_areas("area_code", [area_code])
        council_id = CouncilId(self._new_id("council", actor, idempotency_key))
        council = Council.form(council_id, name, tier, area_code, actor.user_id)
        council, position = self._create_once(
            council, "council", lambda: self._load(Council, council_id, "council")
        )
        return _council_dto(council, position)

    def get_council(self, council_id: UUID, actor: Actor) -> CouncilDTO:
        actor.require("council.read")
        return _council_dto(self._load(Council, council_id, "council"), self.head())

    def list_councils(self, actor: Actor) -> list[CouncilRow]:
        actor.require("council.read")
        return self.read_side.network.councils()

    def council_meetings(self, council_id: UUID, actor: Actor) -> list[MeetingRow]:
        actor.require("council.read")
        self._load(Council, council_id, "council")  # 404 for an unknown council
        return self.read_side.network.meetings(council_id)

    def admit_to_council(
        self,
        council_id: UUID,
        organization_id: UUID,
        on: date,
        expected_version: int | None,
        actor: Actor,
    ) -> CouncilDTO:
        """The organization joins the council (both record it, in one save)."""

        self._require_not_future("on", on)

        def admit(council: Council) -> list[Aggregate]:
            org = self._member(organization_id)
            council.admit(OrganizationId(org.id), on, actor.user_id)
            org.join_council(council.id, actor.user_id)
            return [org]

        return self._change_council(council_id, expected_version, actor, admit)

    def release_from_council(
        self,
        council_id: UUID,
        organization_id: UUID,
        on: date,
        reason: str,
        expected_version: int | None,
        actor: Actor,
    ) -> CouncilDTO:
        self._require_not_future("on", on)

        def release(council: Council) -> list[Aggregate]:
            org = self._member(organization_id)
            council.release(OrganizationId(org.id), on, reason, actor.user_id)
            if council.id in org.councils:
                org.leave_council(council.id, reason, actor.user_id)
                return [org]
            return []

        return self._change_council(council_id, expected_version, actor, release)

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
        self._require_not_future("held_on", held_on)
        for need_id in need_ids or []:
            if not self._exists(Need, need_id):
                raise InvalidReferenceError("need_ids", f"no need {need_id}")
        self._require_areas("gaps", [area for area, _ in gaps or []])

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

        return self._change_council(council_id, expected_version, actor, record)

    def log_contact(
        self,
        organization_id: UUID,
        on: date,
        purpose: str,
        outcome: str,
        expected_version: int | None,
        actor: Actor,
    ) -> OrganizationDTO:
        """A coordinator's contact with an organization (visit, call, meeting)."""
        actor.require("organization.contact")
        self._require_not_future("on", on)
        org = self._load_expected(Organization, organization_id, "organization", expected_version)
        org.log_contact(on, purpose, outcome, actor.user_id)
        position = self._commit(org, kind="organization")
        return organization_dto(org, position)

    def network_overview(self, actor: Actor) -> NetworkOverview:
        """Per organization and per area: councils, recent contacts, resources, matches, ties."""
        actor.require("report.read")
        today = self.clock().astimezone(JST).date()
        return self.read_side.network.overview(since=today - CONTACT_WINDOW)

    # -- helpers ----------------------------------------------------------------

    def _member(self, organization_id: UUID) -> Organization:
        try:
            return self._load(Organization, organization_id, "organization")
        except NotFoundError:
            raise InvalidReferenceError("organization_id", "no such organization") from None

    def _change_council(
        self,
        council_id: UUID,
        expected_version: int | None,
        actor: Actor,
        change: Callable[[Council], list[Aggregate]],
    ) -> CouncilDTO:
        council, position = self._change(
            Council, "council", "council.change", council_id, expected_version, actor, change
        )
        return _council_dto(council, position)


def _council_dto(council: Council, position: int | None) -> CouncilDTO:
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
