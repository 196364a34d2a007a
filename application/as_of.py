"""Views as of an instant: the case board and the dashboard as they stood then, built
from the event log up to the position of that instant (never from today's tables).

The adapter replays the log into throw-away copies of the views, so the numbers are
the ones the same view code showed at the time. That costs time in proportion to
the log up to the instant; it is bounded, and refused clearly beyond the bound.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from domain.errors import InvalidValueError

MAX_AS_OF_EVENTS = 100_000
"""The most events a view as of an instant replays (refused beyond: see docs)."""
MAX_AS_OF_SECONDS = 10.0
"""The most time building views as of an instant may take (refused beyond)."""


@dataclass(frozen=True)
class PastReadModels:
    """The views as they stood at ``position`` (the last event at or before the instant);
    only those asked for are built (None: not asked for)."""

    position: int
    # Typed loosely on purpose: naming application.board.CaseBoard and
    # application.oversight.DashboardView here would make those modules import
    # each other through this one (tests/unit/test_import_cycles.py).
    board: Any = None
    """An ``application.board.CaseBoard``."""
    dashboard: Any = None
    """An ``application.oversight.DashboardView``."""


class PastViews(Protocol):
    """Builds the views as of an instant from the log."""

    def position_at(self, instant: datetime) -> int:
        """The position of the last event recorded at or before ``instant`` (0: none)."""

    def at(
        self, position: int, *, board: bool = False, dashboard: bool = False
    ) -> AbstractContextManager[PastReadModels]:
        """The views asked for, built from the log up to ``position``; gone when the
        block ends. Raises :class:`AsOfTooCostlyError` when the bounds are exceeded."""


class AsOfTooCostlyError(InvalidValueError):
    """The views as of that instant would take more than the bounds allow (HTTP 422)."""

    def __init__(self, detail: str, **params: object) -> None:
        super().__init__("as_of", detail, code="as_of.too_costly", **params)


def too_many_events(events: int) -> AsOfTooCostlyError:
    return AsOfTooCostlyError(
        f"the log up to that instant holds {events} events; views as of an instant are "
        f"built from at most {MAX_AS_OF_EVENTS}",
        events=events,
        maximum=MAX_AS_OF_EVENTS,
    )


def too_slow(seconds: float) -> AsOfTooCostlyError:
    return AsOfTooCostlyError(
        f"building the views as of that instant took more than {seconds:g} seconds; "
        "ask for an earlier instant, or run the report from the command line",
        seconds=seconds,
    )


def require_past(past: PastViews | None) -> PastViews:
    """The past views, which every composition root wires (a fake-built feature may not)."""
    if past is None:
        raise AsOfTooCostlyError("views as of an instant are not available here")
    return past
