"""Organizations (主体): the local actors that run resources, sit on councils and
partner in development, and the coordinators' contacts with them."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol
from uuid import UUID

from application.accounts import UserNames
from application.common import Clock, Page, clamp_page, require_not_future, today_in_japan
from application.errors import NotFoundError
from application.network import CONTACT_WINDOW, CouncilRow, NetworkBoard, OrganizationNetwork
from application.reference import References
from application.resources import ResourceDirectory, ResourceDTO, ResourceFilter
from application.security import Actor
from application.store import Aggregates, EventStore
from domain.organization import Organization
from domain.values import Contact, OrganizationId, OrganizationKind

CONTACTS_SHOWN = 20
"""Latest contacts an organization's page lists."""
RESOURCES_PER_PAGE = 50
"""Resources an organization's page lists at once (by name, page by page)."""


@dataclass(frozen=True)
class OrganizationDTO:
    id: UUID
    version: int
    position: int | None
    name: str
    kind: OrganizationKind
    area_codes: tuple[str, ...]
    contact: Contact | None


@dataclass(frozen=True)
class ContactEntry:
    """A coordinator's contact with an organization (network building)."""

    on: date
    purpose: str
    outcome: str
    actor: str
    recorded_at: datetime


@dataclass(frozen=True)
class OrganizationPage:
    """An organization and its place in the network (one stream and read models)."""

    organization: OrganizationDTO
    councils: tuple[CouncilRow, ...]
    """Councils it is a member of now."""
    resources: Page[ResourceDTO]
    """Resources it runs (closed ones included, marked by their status), one page of
    them by name, with how many in all."""
    network: OrganizationNetwork | None
    """Contacts in the last 90 days and needs matched; None for roles without reports."""
    contacts: tuple[ContactEntry, ...]
    """Its latest contacts, newest first; empty for roles without reports."""


class OrganizationDirectory(Protocol):
    """Organizations as a view lists them."""

    def organizations(self) -> list[OrganizationDTO]:
        """All organizations by name."""

    def names(self, organization_ids: Collection[UUID]) -> dict[UUID, str]:
        """Names of the given organizations (unknown ids are left out)."""


def organization_dto(org: Organization, position: int | None) -> OrganizationDTO:
    return OrganizationDTO(
        id=org.id,
        version=org.version,
        position=position,
        name=org.name,
        kind=org.kind,
        area_codes=tuple(org.area_codes),
        contact=org.contact,
    )


class OrganizationCases:
    """Register organizations, log contacts with them, and show each one's page."""

    def __init__(
        self,
        aggregates: Aggregates,
        store: EventStore,
        references: References,
        directory: OrganizationDirectory,
        resources: ResourceDirectory,
        network: NetworkBoard,
        users: UserNames,
        clock: Clock,
    ) -> None:
        self._aggregates = aggregates
        self._store = store
        self._references = references
        self._directory = directory
        self._resources = resources
        self._network = network
        self._users = users
        self._clock = clock

    def register(
        self,
        name: str,
        kind: OrganizationKind,
        area_codes: list[str],
        actor: Actor,
        contact: Contact | None = None,
        idempotency_key: str | None = None,
    ) -> OrganizationDTO:
        actor.require("organization.create")
        self._references.require_areas("area_codes", area_codes)
        org_id = OrganizationId(self._aggregates.new_id("organization", actor, idempotency_key))
        org = Organization.register(org_id, name, kind, area_codes, actor.user_id, contact)
        org, position = self._aggregates.create(
            org, "organization", lambda: self._aggregates.load(Organization, org_id, "organization")
        )
        return organization_dto(org, position)

    def get(self, organization_id: UUID, actor: Actor) -> OrganizationDTO:
        actor.require("organization.read")
        org = self._aggregates.load(Organization, organization_id, "organization")
        return organization_dto(org, self._aggregates.head())

    def list_organizations(self, actor: Actor) -> list[OrganizationDTO]:
        actor.require("organization.read")
        return self._directory.organizations()

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
        require_not_future("on", on, self._clock)
        org = self._aggregates.load(Organization, organization_id, "organization", expected_version)
        org.log_contact(on, purpose, outcome, actor.user_id)
        return organization_dto(org, self._aggregates.save(org, kind="organization"))

    def page(
        self, organization_id: UUID, actor: Actor, *, resources_page: int = 1
    ) -> OrganizationPage:
        """An organization with its councils, one page of its resources, and (for report
        readers) its place in the network and its latest contacts: counted where they are
        stored, never the whole network or every resource read out."""
        actor.require("organization.read")
        events: list[Any] = self._store.stream(organization_id)
        org: Any = None
        for event in events:
            org = event.mutate(org)
        if not isinstance(org, Organization):
            raise NotFoundError("organization", organization_id)
        councils = tuple(c for c in self._network.councils() if c.id in org.councils)
        number, per_page = clamp_page(resources_page, RESOURCES_PER_PAGE)
        listed, total = self._resources.page(
            ResourceFilter(organization_id=org.id), per_page, (number - 1) * per_page
        )
        resources = Page(tuple(listed), total, number, per_page)
        network = None
        contacts: list[ContactEntry] = []
        if actor.can("report.read"):
            since = today_in_japan(self._clock) - CONTACT_WINDOW
            network = self._network.organization(org.id, since)
            logged = [e for e in events if isinstance(e, Organization.ContactLogged)]
            names = self._users.names(getattr(e, "actor", None) for e in logged)
            contacts = [
                ContactEntry(
                    on=e.on,
                    purpose=e.purpose,
                    outcome=e.outcome,
                    actor=names.get(e.actor, str(e.actor)),
                    recorded_at=e.timestamp,
                )
                for e in logged
            ]
            contacts.sort(key=lambda c: (c.on, c.recorded_at), reverse=True)
        return OrganizationPage(
            organization=organization_dto(org, self._aggregates.head()),
            councils=councils,
            resources=resources,
            network=network,
            contacts=tuple(contacts[:CONTACTS_SHOWN]),
        )
