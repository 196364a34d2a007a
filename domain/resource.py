"""The Resource aggregate: a local service or activity a need can be matched to."""

from __future__ import annotations

from typing import Any, ClassVar

from eventsourcing.domain import event

from domain.base import TsunaguAggregate, require_text
from domain.errors import (
    InvalidValueError,
    ResourceCapacityBelowEnrolmentError,
    ResourceFullError,
    ResourceHasEnrolmentsError,
    ResourceNotActiveError,
    ResourceTransitionError,
)
from domain.values import (
    CareLevel,
    ClientId,
    Contact,
    NeedCategory,
    NeedId,
    OrganizationId,
    ResourceId,
    ResourceStatus,
    ServiceType,
    UserId,
    Weekday,
)

R = ResourceStatus

# Fields a coordinator may change with ``update`` (capacity and status have
# their own commands because they have rules of their own).
UPDATABLE_FIELDS = frozenset(
    {
        "name",
        "organization_id",
        "service_type",
        "categories",
        "area_codes",
        "weekdays",
        "eligible_care_levels",
        "fee",
        "contact",
        "latitude",
        "longitude",
        "service_name",
    }
)


def _require_coordinate(field: str, value: float | None, limit: float) -> float | None:
    if value is None:
        return None
    if not -limit <= value <= limit:
        raise InvalidValueError(
            field,
            f"must be between -{limit:g} and {limit:g}",
            code="value.out_of_range",
            minimum=-limit,
            maximum=limit,
        )
    return float(value)


def _require_capacity(capacity: int | None) -> int | None:
    if capacity is not None and capacity < 0:
        raise InvalidValueError(
            "capacity", "must be zero or more (or empty for unlimited)", code="value.negative"
        )
    return capacity


class Resource(TsunaguAggregate):
    """A local resource (地域資源): capacity, schedule, who it serves."""

    # Event classes, made by the @event decorators below (declared for type checkers).
    CapacityChanged: ClassVar[type[Any]]
    Enrolled: ClassVar[type[Any]]
    Released: ClassVar[type[Any]]
    Suspended: ClassVar[type[Any]]
    Reactivated: ClassVar[type[Any]]
    Closed: ClassVar[type[Any]]

    # 2: snapshots always hold latitude, longitude and source_key; 3: service_name.
    class_version = 3

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        """A snapshot of version 1 may predate the directory import's fields."""
        for name in ("latitude", "longitude", "source_key"):
            state.setdefault(name, None)

    @staticmethod
    def upcast_v2_v3(state: dict[str, Any]) -> None:
        """A snapshot of version 2 predates the original service name."""
        state.setdefault("service_name", None)

    class Registered(TsunaguAggregate.Created):
        """Version 2 adds ``service_name``: the service as the source list worded it
        (「福祉用具貸与」 for a care-insurance provider imported as a professional agency)."""

        class_version = 2
        name: str
        organization_id: OrganizationId | None
        service_type: ServiceType
        categories: list[NeedCategory]
        area_codes: list[str]
        weekdays: list[Weekday]
        capacity: int | None
        eligible_care_levels: list[CareLevel]
        fee: str | None
        contact: Contact | None
        status: ResourceStatus
        actor: UserId
        latitude: float | None
        longitude: float | None
        source_key: str | None
        service_name: str | None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state.setdefault("service_name", None)  # not recorded before version 2

    @event(Registered)
    def __init__(
        self,
        id: ResourceId,
        name: str,
        organization_id: OrganizationId | None,
        service_type: ServiceType,
        categories: list[NeedCategory],
        area_codes: list[str],
        weekdays: list[Weekday],
        capacity: int | None,
        eligible_care_levels: list[CareLevel],
        fee: str | None,
        contact: Contact | None,
        status: ResourceStatus,
        actor: UserId,
        # Added for the directory import; events stored before have none of them.
        latitude: float | None = None,
        longitude: float | None = None,
        source_key: str | None = None,
        service_name: str | None = None,
    ) -> None:
        self.name = name
        self.organization_id = organization_id
        self.service_type = service_type
        self.categories = categories
        self.area_codes = area_codes
        self.weekdays = weekdays
        self.capacity = capacity
        self.eligible_care_levels = eligible_care_levels
        self.fee = fee
        self.contact = contact
        self.status = status
        self.latitude = latitude
        self.longitude = longitude
        # Natural key of the row an import made it from (None when typed in).
        self.source_key = source_key
        # The service as the source list worded it, where our service type loses it.
        self.service_name = service_name
        # Keyed by the need id's string form so that snapshots stay JSON.
        self.enrolled: dict[str, ClientId] = {}

    @classmethod
    def register(
        cls,
        resource_id: ResourceId,
        name: str,
        service_type: ServiceType,
        categories: list[NeedCategory],
        area_codes: list[str],
        actor: UserId,
        *,
        organization_id: OrganizationId | None = None,
        weekdays: list[Weekday] | None = None,
        capacity: int | None = None,
        eligible_care_levels: list[CareLevel] | None = None,
        fee: str | None = None,
        contact: Contact | None = None,
        planned: bool = False,
        latitude: float | None = None,
        longitude: float | None = None,
        source_key: str | None = None,
        service_name: str | None = None,
    ) -> Resource:
        """Register a resource; active at once unless ``planned``."""
        if not categories:
            raise InvalidValueError(
                "categories", "name at least one need category it serves", code="value.empty"
            )
        if not area_codes:
            raise InvalidValueError(
                "area_codes", "name at least one area it covers", code="value.empty"
            )
        return cls(
            id=resource_id,
            name=require_text("name", name, max_length=200),
            organization_id=organization_id,
            service_type=service_type,
            categories=_unique(categories),
            area_codes=_unique(area_codes),
            weekdays=_unique(weekdays or []),
            capacity=_require_capacity(capacity),
            eligible_care_levels=_unique(eligible_care_levels or []),
            fee=fee,
            contact=contact,
            status=R.PLANNED if planned else R.ACTIVE,
            actor=actor,
            latitude=_require_coordinate("latitude", latitude, 90),
            longitude=_require_coordinate("longitude", longitude, 180),
            source_key=require_text("source_key", source_key, max_length=200)
            if source_key is not None
            else None,
            service_name=require_text("service_name", service_name, max_length=200)
            if service_name is not None
            else None,
        )

    # -- queries ---------------------------------------------------------------

    @property
    def places_taken(self) -> int:
        """Clients attending: a client matched here for several needs takes one place."""
        return len(set(self.enrolled.values()))

    @property
    def places_left(self) -> int | None:
        """Remaining places, or None when capacity is unlimited."""
        return None if self.capacity is None else max(self.capacity - self.places_taken, 0)

    @property
    def is_full(self) -> bool:
        return self.capacity is not None and self.places_taken >= self.capacity

    def holds_place_for(self, need_id: NeedId) -> bool:
        return str(need_id) in self.enrolled

    def accepts(self, care_level: CareLevel) -> bool:
        """Whether a client at ``care_level`` is eligible (empty list: everyone)."""
        return not self.eligible_care_levels or care_level in self.eligible_care_levels

    # -- commands --------------------------------------------------------------

    def update(self, actor: UserId, reason: str | None = None, **changes: Any) -> None:
        """Change descriptive fields; only those that really change are recorded (with
        why, if the person says)."""
        unknown = set(changes) - UPDATABLE_FIELDS
        if unknown:
            raise InvalidValueError(
                sorted(unknown)[0], "cannot be changed with update", code="value.not_updatable"
            )
        if self.status is R.CLOSED:
            raise ResourceTransitionError(self.status.value, "update")
        if "name" in changes:
            changes["name"] = require_text("name", changes["name"], max_length=200)
        if changes.get("service_name") is not None:
            changes["service_name"] = require_text(
                "service_name", changes["service_name"], max_length=200
            )
        for field in ("categories", "area_codes"):
            if field in changes and not changes[field]:
                raise InvalidValueError(field, "must not be empty", code="value.empty")
        for field in ("categories", "area_codes", "weekdays", "eligible_care_levels"):
            if field in changes:
                changes[field] = _unique(changes[field])
        for field, limit in (("latitude", 90), ("longitude", 180)):
            if field in changes:
                changes[field] = _require_coordinate(field, changes[field], limit)
        changed = {k: v for k, v in changes.items() if getattr(self, k) != v}
        if changed:
            reason = require_text("reason", reason) if reason and reason.strip() else None
            self._updated(changes=changed, actor=actor, reason=reason)

    class Updated(TsunaguAggregate.Event):
        # 2: an optional reason (None in events stored before).
        class_version = 2
        changes: dict[str, Any]
        actor: UserId
        reason: str | None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["reason"] = None

    @event(Updated)
    def _updated(self, changes: dict[str, Any], actor: UserId, reason: str | None) -> None:
        for key, value in changes.items():
            setattr(self, key, value)

    def change_capacity(self, capacity: int | None, reason: str, actor: UserId) -> None:
        """Set the number of places (None: unlimited); never below those taken."""
        _require_capacity(capacity)
        if capacity is not None and capacity < self.places_taken:
            raise ResourceCapacityBelowEnrolmentError(capacity, self.places_taken)
        if self.status is R.CLOSED:
            raise ResourceTransitionError(self.status.value, "change the capacity of")
        self._capacity_changed(
            capacity=capacity, reason=require_text("reason", reason), actor=actor
        )

    @event("CapacityChanged")
    def _capacity_changed(self, capacity: int | None, reason: str, actor: UserId) -> None:
        self.capacity = capacity

    def enrol(self, need_id: NeedId, client_id: ClientId, actor: UserId) -> None:
        """Take a place for a confirmed match."""
        if self.status is not R.ACTIVE:
            raise ResourceNotActiveError(self.status.value, "enrol a client at")
        if str(need_id) in self.enrolled:
            raise ResourceTransitionError(
                self.status.value, "enrol", "this need is already enrolled"
            )
        if self.is_full and client_id not in self.enrolled.values():
            assert self.capacity is not None  # noqa: S101 - is_full implies a capacity
            raise ResourceFullError(self.name, self.capacity)
        self._enrolled(need_id=need_id, client_id=client_id, actor=actor)

    @event("Enrolled")
    def _enrolled(self, need_id: NeedId, client_id: ClientId, actor: UserId) -> None:
        self.enrolled[str(need_id)] = client_id

    def release(self, need_id: NeedId, reason: str, actor: UserId) -> None:
        """Give back the place a need held (declined after start, or closed)."""
        if str(need_id) not in self.enrolled:
            return  # nothing held: releasing is idempotent
        self._released(need_id=need_id, reason=reason, actor=actor)

    @event("Released")
    def _released(self, need_id: NeedId, reason: str, actor: UserId) -> None:
        self.enrolled.pop(str(need_id), None)

    def suspend(self, reason: str, actor: UserId) -> None:
        """Stop taking new clients for a while; enrolled clients keep their place."""
        if self.status is not R.ACTIVE:
            raise ResourceTransitionError(self.status.value, "suspend")
        self._suspended(reason=require_text("reason", reason), actor=actor)

    @event("Suspended")
    def _suspended(self, reason: str, actor: UserId) -> None:
        self.status = R.SUSPENDED

    def reactivate(self, reason: str, actor: UserId) -> None:
        """Take clients again: a suspended resource, or a planned one that opens."""
        if self.status not in (R.SUSPENDED, R.PLANNED):
            raise ResourceTransitionError(self.status.value, "reactivate")
        self._reactivated(reason=require_text("reason", reason), actor=actor)

    @event("Reactivated")
    def _reactivated(self, reason: str, actor: UserId) -> None:
        self.status = R.ACTIVE

    def close(self, reason: str, actor: UserId) -> None:
        """Close for good; refused while clients are enrolled."""
        if self.status is R.CLOSED:
            raise ResourceTransitionError(self.status.value, "close")
        if self.enrolled:
            raise ResourceHasEnrolmentsError(self.places_taken)
        self._closed(reason=require_text("reason", reason), actor=actor)

    @event("Closed")
    def _closed(self, reason: str, actor: UserId) -> None:
        self.status = R.CLOSED


def _unique(items: list[Any]) -> list[Any]:
    """Items in first-seen order without repeats."""
    return list(dict.fromkeys(items))
