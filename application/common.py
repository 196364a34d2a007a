"""Small things every feature shares: Japan's calendar, pages of results, view freshness."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Generic, Protocol, TypeVar

from domain.calendar import JST
from domain.errors import InvalidValueError

T = TypeVar("T")

MAX_PER_PAGE = 200

Clock = Callable[[], datetime]
"""The current instant (timezone-aware); injected so that tests control time."""


def today_in_japan(clock: Clock) -> date:
    return clock().astimezone(JST).date()


def require_not_future(field: str, day: date, clock: Clock) -> None:
    """Things that happened (contacts, meetings, assessments) cannot be dated later
    than today in Japan."""
    today = today_in_japan(clock)
    if day > today:
        raise InvalidValueError(
            field, f"must not be in the future (today is {today})", code="value.in_future"
        )


def clamp_page(page: int, per_page: int) -> tuple[int, int]:
    """A page number of at least 1 and a page size between 1 and :data:`MAX_PER_PAGE`."""
    return max(page, 1), min(max(per_page, 1), MAX_PER_PAGE)


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list read from a view."""

    items: tuple[T, ...]
    total: int
    page: int
    per_page: int
    position: int = 0
    """The view's position in the log when it was read."""
    stale: bool = False
    """The view had not reached the position the caller asked for (``min_position``)."""

    @property
    def pages(self) -> int:
        return max((self.total + self.per_page - 1) // self.per_page, 1)


@dataclass(frozen=True)
class ViewStatus:
    """Where one read model stands against the event log: the generation that serves
    readers and, while one is built beside it (a rebuild or a new version), that one."""

    name: str
    position: int
    head: int
    version: int | None = None
    generation: int | None = None
    building_version: int | None = None
    building_generation: int | None = None
    building_position: int | None = None
    failed_position: int | None = None
    """The event the view stopped before, when it failed on it (None: not failing)."""
    failed_event: str | None = None
    """That event's topic."""
    error: str | None = None
    failures: int = 0
    """How many times in a row it failed on that event."""
    retry_at: datetime | None = None

    @property
    def lag(self) -> int:
        return max(self.head - self.position, 0)


class ViewMonitor(Protocol):
    """Where each read model stands against the event log."""

    def status(self) -> list[ViewStatus]:
        """Every view's position and the log's head."""

    def position(self, view: str) -> int:
        """One view's position."""

    def wait_for(self, view: str, position: int, timeout: float) -> bool:
        """Block until ``view`` has processed ``position`` or ``timeout`` seconds
        pass; returns whether it got there."""

    def bring_up(self, views: Sequence[str], position: int) -> bool:
        """Apply the log up to ``position`` to ``views`` in this process, a bounded
        number of batches (what a command reads must not wait for the worker);
        returns whether every one of them got there."""


VIEW_WAIT_SECONDS = 2.0


def wait_for_view(monitor: ViewMonitor, view: str, min_position: int | None) -> bool:
    """Wait briefly for ``view`` to reach ``min_position``; returns whether it is stale.

    A position beyond the log's head was never given by a response: waiting for it
    would only hold a request thread for the whole wait, so it is refused at once.
    """
    if min_position is None or monitor.position(view) >= min_position:
        return False
    statuses = monitor.status()
    head = statuses[0].head if statuses else 0
    if min_position > head:
        raise InvalidValueError(
            "min_position",
            f"is beyond the newest event of the log ({head}); pass a position a response gave",
            code="value.out_of_range",
            minimum=0,
            maximum=head,
        )
    return not monitor.wait_for(view, min_position, VIEW_WAIT_SECONDS)


def state_at(events: Iterable[Any], as_of: datetime) -> Any | None:
    """The aggregate built from its events recorded at or before ``as_of`` (None: it
    did not exist yet)."""
    aggregate: Any = None
    for event in events:
        if event.timestamp > as_of:
            break
        aggregate = event.mutate(aggregate)
    return aggregate
