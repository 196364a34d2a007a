"""Local resources (地域資源): the services and activities needs are matched to."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

from eventsourcing.domain import Aggregate

from application.common import state_at
from application.errors import InvalidReferenceError, NotFoundError
from application.reference import References
from application.security import Actor
from application.store import Aggregates
from domain.errors import InvalidValueError
from domain.organization import Organization
from domain.resource import UPDATABLE_FIELDS, Resource
from domain.values import (
    CareLevel,
    Contact,
    NeedCategory,
    OrganizationId,
    ResourceId,
    ResourceStatus,
    ServiceType,
    Weekday,
)


@dataclass(frozen=True)
class ResourceDTO:
    id: UUID
    version: int
    position: int | None
    name: str
    organization_id: UUID | None
    service_type: ServiceType
    categories: tuple[NeedCategory, ...]
    area_codes: tuple[str, ...]
    weekdays: tuple[Weekday, ...]
    capacity: int | None
    places_taken: int
    eligible_care_levels: tuple[CareLevel, ...]
    fee: str | None
    contact: Contact | None
    status: ResourceStatus
    latitude: float | None = None
    longitude: float | None = None
    source_key: str | None = None
    """Natural key of the imported row it came from (None when typed in)."""
    service_name: str | None = None
    """The service as the imported list worded it (「福祉用具貸与」), where kept."""

    @property
    def places_left(self) -> int | None:
        return None if self.capacity is None else max(self.capacity - self.places_taken, 0)


@dataclass(frozen=True)
class ResourceFilter:
    category: NeedCategory | None = None
    area_code: str | None = None
    status: ResourceStatus | None = None
    service_type: ServiceType | None = None
    organization_id: UUID | None = None
    has_capacity: bool = False
    """Only resources with a free place (or no capacity limit)."""


MAX_PER_PAGE = 200


@dataclass(frozen=True)
class ResourcePage:
    """One page of the resource list, by name, and how many match in all."""

    items: list[ResourceDTO]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


class ResourceDirectory(Protocol):
    """The resource directory view."""

    def resources(self, filters: ResourceFilter) -> list[ResourceDTO]:
        """Resources matching ``filters``, by name."""

    def page(
        self, filters: ResourceFilter, limit: int, offset: int
    ) -> tuple[list[ResourceDTO], int]:
        """``limit`` resources matching ``filters`` from ``offset`` (by name), and how
        many match in all."""

    def names(self, resource_ids: Iterable[UUID]) -> dict[UUID, str]:
        """Names of the given resources (unknown ids are left out)."""


def resource_dto(resource: Resource, position: int | None) -> ResourceDTO:
    return ResourceDTO(
        id=resource.id,
        version=resource.version,
        position=position,
        name=resource.name,
        organization_id=resource.organization_id,
        service_type=resource.service_type,
        categories=tuple(resource.categories),
        area_codes=tuple(resource.area_codes),
        weekdays=tuple(resource.weekdays),
        capacity=resource.capacity,
        places_taken=resource.places_taken,
        eligible_care_levels=tuple(resource.eligible_care_levels),
        fee=resource.fee,
        contact=resource.contact,
        status=resource.status,
        latitude=resource.latitude,
        longitude=resource.longitude,
        source_key=resource.source_key,
        service_name=resource.service_name,
    )


class ResourceCases:
    """Register, describe, change capacity and status of, and list resources."""

    def __init__(
        self, aggregates: Aggregates, references: References, directory: ResourceDirectory
    ) -> None:
        self._aggregates = aggregates
        self._references = references
        self._directory = directory

    def register(
        self,
        name: str,
        service_type: ServiceType,
        categories: list[NeedCategory],
        area_codes: list[str],
        actor: Actor,
        *,
        organization_id: UUID | None = None,
        weekdays: list[Weekday] | None = None,
        capacity: int | None = None,
        eligible_care_levels: list[CareLevel] | None = None,
        fee: str | None = None,
        contact: Contact | None = None,
        planned: bool = False,
        idempotency_key: str | None = None,
    ) -> ResourceDTO:
        actor.require("resource.create")
        self._references.require_areas("area_codes", area_codes)
        self.require_organization(organization_id)
        resource_id = ResourceId(self._aggregates.new_id("resource", actor, idempotency_key))
        resource = Resource.register(
            resource_id,
            name,
            service_type,
            categories,
            area_codes,
            actor.user_id,
            organization_id=OrganizationId(organization_id) if organization_id else None,
            weekdays=weekdays,
            capacity=capacity,
            eligible_care_levels=eligible_care_levels,
            fee=fee,
            contact=contact,
            planned=planned,
        )
        resource, position = self._aggregates.create(
            resource, "resource", lambda: self._aggregates.load(Resource, resource_id, "resource")
        )
        return resource_dto(resource, position)

    def get(self, resource_id: UUID, actor: Actor, as_of: datetime | None = None) -> ResourceDTO:
        """The resource now, or as it was at ``as_of`` (its events replayed up to then)."""
        actor.require("resource.read")
        resource = self._aggregates.load(Resource, resource_id, "resource")
        if as_of is None:
            return resource_dto(resource, self._aggregates.head())
        past = state_at(self._aggregates.store.stream(resource_id), as_of)
        if not isinstance(past, Resource):
            raise NotFoundError("resource", f"{resource_id} as of {as_of.isoformat()}")
        return resource_dto(past, None)

    def list_resources(self, filters: ResourceFilter, actor: Actor) -> list[ResourceDTO]:
        actor.require("resource.read")
        return self._directory.resources(filters)

    def list_page(
        self, filters: ResourceFilter, actor: Actor, page: int = 1, per_page: int = 50
    ) -> ResourcePage:
        """One page of the resources matching ``filters``, by name (the order of the
        whole list), with the total; one query for the page and one for the count."""
        actor.require("resource.read")
        if page < 1 or not 1 <= per_page <= MAX_PER_PAGE:
            raise InvalidValueError("page", "page must be ≥ 1 and per_page 1 to 200")
        items, total = self._directory.page(filters, per_page, (page - 1) * per_page)
        return ResourcePage(items, total, page, per_page)

    def names(self, resource_ids: Iterable[UUID]) -> dict[UUID, str]:
        """Names of resources from the directory (unknown ids are left out)."""
        wanted = {r for r in resource_ids if isinstance(r, UUID)}
        return self._directory.names(wanted) if wanted else {}

    def update(
        self,
        resource_id: UUID,
        changes: dict[str, Any],
        expected_version: int | None,
        actor: Actor,
        reason: str | None = None,
    ) -> ResourceDTO:
        """Change a resource's descriptive fields (only those that differ are recorded),
        with why, if the person says."""
        unknown = set(changes) - UPDATABLE_FIELDS
        if unknown:
            raise InvalidValueError(
                sorted(unknown)[0], "cannot be changed here", code="value.not_updatable"
            )
        if "area_codes" in changes:
            self._references.require_areas("area_codes", changes["area_codes"])
        return self._change(
            resource_id,
            expected_version,
            actor,
            lambda r: r.update(actor.user_id, reason=reason, **changes),
        )

    def suspend(
        self, resource_id: UUID, reason: str, expected_version: int | None, actor: Actor
    ) -> ResourceDTO:
        return self._change(
            resource_id, expected_version, actor, lambda r: r.suspend(reason, actor.user_id)
        )

    def reactivate(
        self, resource_id: UUID, reason: str, expected_version: int | None, actor: Actor
    ) -> ResourceDTO:
        return self._change(
            resource_id, expected_version, actor, lambda r: r.reactivate(reason, actor.user_id)
        )

    def close(
        self, resource_id: UUID, reason: str, expected_version: int | None, actor: Actor
    ) -> ResourceDTO:
        return self._change(
            resource_id, expected_version, actor, lambda r: r.close(reason, actor.user_id)
        )

    def change_capacity(
        self,
        resource_id: UUID,
        capacity: int | None,
        reason: str,
        expected_version: int | None,
        actor: Actor,
    ) -> ResourceDTO:
        return self._change(
            resource_id,
            expected_version,
            actor,
            lambda r: r.change_capacity(capacity, reason, actor.user_id),
        )

    def require_organization(self, organization_id: UUID | None) -> None:
        """A named organization must exist (resources and initiatives name their provider)."""
        if organization_id is not None and not self._aggregates.exists(
            Organization, organization_id
        ):
            raise InvalidReferenceError("organization_id", "no such organization")

    def _change(
        self,
        resource_id: UUID,
        expected_version: int | None,
        actor: Actor,
        change: Callable[[Resource], None],
    ) -> ResourceDTO:
        actor.require("resource.change")

        def changed(resource: Resource) -> list[Aggregate]:
            change(resource)
            return []

        resource, position = self._aggregates.change(
            lambda: self._aggregates.load(Resource, resource_id, "resource", expected_version),
            changed,
            "resource",
        )
        return resource_dto(resource, position)
