"""The Organization aggregate: one of the many local actors (多様な主体)."""

from __future__ import annotations

from datetime import date
from typing import Any, ClassVar
from uuid import UUID

from eventsourcing.domain import event

from domain.base import TsunaguAggregate, require_text
from domain.errors import InvalidValueError
from domain.values import Contact, OrganizationId, OrganizationKind, UserId


class Organization(TsunaguAggregate):
    """An organization in the local network (主体)."""

    # Event classes, made by the @event decorators below (declared for type checkers).
    Registered: ClassVar[type[Any]]
    Updated: ClassVar[type[Any]]
    ContactLogged: ClassVar[type[Any]]
    JoinedCouncil: ClassVar[type[Any]]
    LeftCouncil: ClassVar[type[Any]]

    @event("Registered")
    def __init__(
        self,
        id: OrganizationId,
        name: str,
        kind: OrganizationKind,
        area_codes: list[str],
        contact: Contact | None,
        actor: UserId,
    ) -> None:
        self.name = name
        self.kind = kind
        self.area_codes = area_codes
        self.contact = contact
        self.councils: list[UUID] = []
        self.contacts_logged = 0

    @classmethod
    def register(
        cls,
        organization_id: OrganizationId,
        name: str,
        kind: OrganizationKind,
        area_codes: list[str],
        actor: UserId,
        contact: Contact | None = None,
    ) -> Organization:
        return cls(
            id=organization_id,
            name=require_text("name", name, max_length=200),
            kind=kind,
            area_codes=list(dict.fromkeys(area_codes)),
            contact=contact,
            actor=actor,
        )

    def update(
        self,
        name: str,
        kind: OrganizationKind,
        area_codes: list[str],
        contact: Contact | None,
        actor: UserId,
    ) -> None:
        self._updated(
            name=require_text("name", name, max_length=200),
            kind=kind,
            area_codes=list(dict.fromkeys(area_codes)),
            contact=contact,
            actor=actor,
        )

    @event("Updated")
    def _updated(
        self,
        name: str,
        kind: OrganizationKind,
        area_codes: list[str],
        contact: Contact | None,
        actor: UserId,
    ) -> None:
        self.name = name
        self.kind = kind
        self.area_codes = area_codes
        self.contact = contact

    def log_contact(self, on: date, purpose: str, outcome: str, actor: UserId) -> None:
        """A coordinator's contact with the organization (network building)."""
        self._contact_logged(
            on=on,
            purpose=require_text("purpose", purpose),
            outcome=require_text("outcome", outcome),
            actor=actor,
        )

    @event("ContactLogged")
    def _contact_logged(self, on: date, purpose: str, outcome: str, actor: UserId) -> None:
        self.contacts_logged += 1

    def join_council(self, council_id: UUID, actor: UserId) -> None:
        if council_id in self.councils:
            raise InvalidValueError(
                "council_id", "the organization is already a member", code="council.already_member"
            )
        self._joined_council(council_id=council_id, actor=actor)

    @event("JoinedCouncil")
    def _joined_council(self, council_id: UUID, actor: UserId) -> None:
        self.councils.append(council_id)

    def leave_council(self, council_id: UUID, reason: str, actor: UserId) -> None:
        if council_id not in self.councils:
            raise InvalidValueError(
                "council_id", "the organization is not a member", code="council.not_member"
            )
        self._left_council(
            council_id=council_id, reason=require_text("reason", reason), actor=actor
        )

    @event("LeftCouncil")
    def _left_council(self, council_id: UUID, reason: str, actor: UserId) -> None:
        self.councils.remove(council_id)
