"""What ranking reads, kept in the transaction of the command that saved the events.

Ranking needs every resource's facts and how many needs wait on each (proposed,
not yet confirmed). Reading them from the views made a command either wait for
the projection worker or apply the views itself (``ViewMonitor.bring_up``). Instead,
every save of a :class:`Resource` or a :class:`Need` hands the saved aggregates'
state (:class:`MatchingRows`) to the event recorder, which writes it in the same
transaction as the events (infrastructure.matching_inputs): the rows are exactly
the committed log, never behind it and never ahead.

Rows carry their aggregate's version and a row is only ever replaced by a newer
one, so writing the same state twice, or an older one late, changes nothing.
A database written before these rows existed is filled once from the log
(:func:`fill`) the first time ranking needs them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol
from uuid import UUID

from eventsourcing.utils import resolve_topic

from domain.matching import ResourceFacts
from domain.need import Need
from domain.resource import Resource
from domain.values import CareLevel, NeedCategory, NeedStatus, ResourceStatus, ServiceType, Weekday

log = logging.getLogger(__name__)

FILL_BATCH = 500
"""Notifications read, and aggregates written, per step of :func:`fill`."""


@dataclass(frozen=True)
class ResourceInput:
    """A resource as ranking sees it (enum values as stored)."""

    resource_id: UUID
    version: int
    name: str
    service_type: str
    categories: tuple[str, ...]
    area_codes: tuple[str, ...]
    eligible_care_levels: tuple[str, ...]
    weekdays: tuple[str, ...]
    capacity: int | None
    places_taken: int
    status: str


@dataclass(frozen=True)
class NeedInput:
    """Which resource a need waits on (proposed, not confirmed yet), if any."""

    need_id: UUID
    version: int
    waiting_for: UUID | None


@dataclass(frozen=True)
class MatchingRows:
    """The matching inputs a save changes; written with its events."""

    resources: tuple[ResourceInput, ...] = field(default=())
    needs: tuple[NeedInput, ...] = field(default=())

    def __bool__(self) -> bool:
        return bool(self.resources or self.needs)


def resource_input(resource: Resource) -> ResourceInput:
    return ResourceInput(
        resource_id=resource.id,
        version=resource.version,
        name=resource.name,
        service_type=resource.service_type.value,
        categories=tuple(c.value for c in resource.categories),
        area_codes=tuple(resource.area_codes),
        eligible_care_levels=tuple(c.value for c in resource.eligible_care_levels),
        weekdays=tuple(d.value for d in resource.weekdays),
        capacity=resource.capacity,
        places_taken=resource.places_taken,
        status=resource.status.value,
    )


def need_input(need: Need) -> NeedInput:
    waiting = need.resource_id if need.status is NeedStatus.PROPOSED else None
    return NeedInput(need.id, need.version, UUID(str(waiting)) if waiting is not None else None)


def rows_of(aggregates: Iterable[Any]) -> MatchingRows:
    """The matching inputs of the needs and resources among ``aggregates``."""
    resources = []
    needs = []
    for aggregate in aggregates:
        if isinstance(aggregate, Resource):
            resources.append(resource_input(aggregate))
        elif isinstance(aggregate, Need):
            needs.append(need_input(aggregate))
    return MatchingRows(tuple(resources), tuple(needs))


class MatchingInputs(Protocol):
    """The stored matching inputs (infrastructure.matching_inputs)."""

    def filled(self) -> bool:
        """Whether the rows cover every aggregate saved before they were kept."""

    def resource_facts(self, category: NeedCategory | None) -> list[ResourceFacts]:
        """Resources serving ``category`` (every one when None) with their waiting
        counts, ordered by name and id."""

    def write(self, rows: MatchingRows) -> None:
        """Write rows outside a command (the fill), never replacing a newer row."""

    def mark_filled(self, position: int) -> None:
        """Record that the rows cover the log up to ``position`` and beyond."""


class Log(Protocol):
    """What :func:`fill` reads: the log's head, its notifications, aggregates."""

    def head(self) -> int: ...

    def get(self, aggregate_id: UUID) -> Any: ...

    @property
    def recorder(self) -> Any: ...


def fill(log_: Log, inputs: MatchingInputs, progress: Callable[[str], None] | None = None) -> int:
    """Write the matching inputs of every need and resource in the log (once, on a
    database written before they were kept); returns how many aggregates it wrote.

    Commands may save meanwhile: they write their own rows, and an older state
    written here never replaces them (rows are replaced only by newer versions).
    """
    head = log_.head()
    kinds: dict[str, type | None] = {}
    ids: dict[UUID, None] = {}
    start = 1
    while start <= head:
        notifications = log_.recorder.select_notifications(start, FILL_BATCH, stop=head)
        if not notifications:
            break
        for notification in notifications:
            if notification.topic not in kinds:
                kinds[notification.topic] = _owner(notification.topic)
            if kinds[notification.topic] is not None:
                ids[UUID(str(notification.originator_id))] = None
        start = notifications[-1].id + 1
    written = 0
    batch: list[Any] = []
    for aggregate_id in ids:
        batch.append(log_.get(aggregate_id))
        if len(batch) >= FILL_BATCH:
            written += _write(inputs, batch)
            batch = []
            if progress is not None:
                progress(f"matching inputs: {written} of {len(ids)} aggregates")
    written += _write(inputs, batch)
    inputs.mark_filled(head)
    log.info("matching inputs filled from the log up to %s: %s aggregates", head, written)
    return written


def _write(inputs: MatchingInputs, aggregates: Sequence[Any]) -> int:
    rows = rows_of(aggregates)
    if rows:
        inputs.write(rows)
    return len(rows.resources) + len(rows.needs)


def _owner(topic: str) -> type | None:
    """Need or Resource when ``topic`` is one of their events (retired topics resolve
    through their aliases), else None."""
    try:
        cls = resolve_topic(topic)
    except Exception:  # an unknown topic is no need's and no resource's
        return None
    for owner in (Need, Resource):
        if isinstance(cls, type) and issubclass(cls, owner.Event):
            return owner
    return None


def facts(row: ResourceInput, waitlist: int) -> ResourceFacts:
    """A stored resource row as the ranking rules take it."""
    return ResourceFacts(
        id=row.resource_id,
        name=row.name,
        categories=frozenset(NeedCategory(x) for x in row.categories),
        area_codes=frozenset(row.area_codes),
        eligible_care_levels=frozenset(CareLevel(x) for x in row.eligible_care_levels),
        weekdays=frozenset(Weekday(x) for x in row.weekdays),
        capacity=row.capacity,
        places_taken=row.places_taken,
        status=ResourceStatus(row.status),
        waitlist=waitlist,
        referral=row.service_type == ServiceType.AGENCY_REFERRAL.value,
    )
