"""The case board: every need as one row, filtered, sorted, paged and counted.

One query answers the API's need list, the screens' board, "my needs" and the
rows of needs other pages name (an initiative's, a meeting's).
"""

from __future__ import annotations

import base64
import binascii
import enum
import json
from collections.abc import Collection
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Protocol
from uuid import UUID

from application.as_of import PastViews, require_past
from application.common import ViewMonitor, clamp_page, wait_for_view
from application.security import Actor
from domain.values import NeedCategory, NeedStatus, Outcome, Urgency

VIEW = "case_board"


@dataclass(frozen=True)
class NeedRow:
    """One row of the case board."""

    id: UUID
    version: int
    status: NeedStatus
    paused: bool
    client_id: UUID
    client_code: str
    category: NeedCategory
    urgency: Urgency
    center_code: str
    area_code: str
    assignee: str | None
    resource_id: UUID | None
    outcome: Outcome | None
    raised_at: datetime
    last_activity_at: datetime


@dataclass(frozen=True)
class NeedFilter:
    status: NeedStatus | None = None
    category: NeedCategory | None = None
    area_code: str | None = None
    center_code: str | None = None
    assignee: str | None = None
    urgency: Urgency | None = None
    paused: bool | None = None
    stale_before: datetime | None = None
    """Only needs with no activity since this instant (still open)."""
    client_id: UUID | None = None
    open_only: bool = False
    """Leave closed needs out (the default of every board; closed ones are a tab away)."""


class BoardSort(enum.Enum):
    """Orders of the case board."""

    LAST_ACTIVITY = "last_activity"
    """Most recently active first."""
    OLDEST_ACTIVITY = "oldest_activity"
    """Longest without activity first (what is going stale)."""
    NEWEST = "newest"
    """Most recently raised first."""
    OLDEST = "oldest"
    """Raised longest ago first."""
    URGENCY = "urgency"
    """High urgency first, then by last activity."""


@dataclass(frozen=True)
class BoardCursor:
    """Where a page of the board ends (keyset pagination): the last row's sort key.

    The next page starts after it, read along the order's index: as fast deep in the
    board as on its first page, and no row is skipped or shown twice when needs move
    between two reads (an ``offset`` would shift). Opaque to clients (:meth:`encode`).
    """

    sort: BoardSort
    need_id: UUID
    last_activity_at: datetime
    raised_at: datetime
    urgency: Urgency

    @classmethod
    def after(cls, row: NeedRow, sort: BoardSort) -> BoardCursor:
        return cls(sort, row.id, row.last_activity_at, row.raised_at, row.urgency)

    def encode(self) -> str:
        data = [
            self.sort.value,
            str(self.need_id),
            self.last_activity_at.isoformat(),
            self.raised_at.isoformat(),
            self.urgency.value,
        ]
        text = json.dumps(data, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(text).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str) -> BoardCursor:
        """The cursor :meth:`encode` wrote; ValueError for anything else."""
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
            sort, need_id, last_activity_at, raised_at, urgency = json.loads(raw)
            cursor = cls(
                BoardSort(sort),
                UUID(need_id),
                datetime.fromisoformat(last_activity_at),
                datetime.fromisoformat(raised_at),
                Urgency(urgency),
            )
        except (binascii.Error, UnicodeDecodeError, AttributeError, TypeError, ValueError) as error:
            raise ValueError("not a cursor of the case board") from error
        if cursor.last_activity_at.tzinfo is None or cursor.raised_at.tzinfo is None:
            raise ValueError("not a cursor of the case board")
        return cursor


@dataclass(frozen=True)
class BoardPage:
    """One page of the case board."""

    items: tuple[NeedRow, ...]
    total: int
    page: int
    per_page: int
    status_counts: dict[NeedStatus, int] = field(default_factory=dict)
    """Needs per status matching every filter except the status itself (when asked for)."""
    position: int = 0
    """The view's position in the log when it was read."""
    stale: bool = False
    """The view had not reached the ``min_position`` the caller asked for."""
    next_cursor: BoardCursor | None = None
    """Where the next page starts (None on the last page)."""

    @property
    def pages(self) -> int:
        return max((self.total + self.per_page - 1) // self.per_page, 1)


class CaseBoard(Protocol):
    """The case board view: one row per need."""

    def page(
        self,
        filters: NeedFilter,
        sort: BoardSort,
        page: int,
        per_page: int,
        after: BoardCursor | None = None,
    ) -> tuple[list[NeedRow], int]:
        """Rows matching ``filters`` in ``sort`` order, and how many match in all;
        with ``after``, the rows following it (``page`` is then ignored)."""

    def status_counts(self, filters: NeedFilter) -> dict[NeedStatus, int]:
        """Needs per status matching ``filters`` (whose status is ignored)."""

    def by_ids(self, need_ids: Collection[UUID]) -> list[NeedRow]:
        """The rows of ``need_ids`` that exist, most recently active first."""

    def waiting_by_resource(self) -> dict[UUID, int]:
        """For each resource, how many needs are proposed to it and not yet confirmed."""


class BoardCases:
    """Reading the case board (care managers see their own center only)."""

    def __init__(
        self, board: CaseBoard, monitor: ViewMonitor, past: PastViews | None = None
    ) -> None:
        self._board = board
        self._monitor = monitor
        self._past = past

    def board(
        self,
        filters: NeedFilter,
        actor: Actor,
        sort: BoardSort = BoardSort.LAST_ACTIVITY,
        page: int = 1,
        per_page: int = 50,
        *,
        counts: bool = False,
        min_position: int | None = None,
        as_of: datetime | None = None,
        after: BoardCursor | None = None,
    ) -> BoardPage:
        """A page of needs; with ``counts``, the count per status under the same filters.

        ``after``: the page following a cursor (a page's ``next_cursor``) instead of the
        page numbered ``page``; the cursor's order is the one read (``sort`` is ignored).

        ``min_position`` waits briefly for the view to reach a position the caller
        wrote (read-your-writes); ``stale`` says when it did not. ``as_of``: the
        board as it stood at that instant, built from the log up to then.
        """
        actor.require("need.read")
        page, per_page = clamp_page(page, per_page)
        stale = as_of is None and wait_for_view(self._monitor, VIEW, min_position)
        position = self._monitor.position(VIEW)
        scope = actor.center_scope
        if scope is not None and filters.center_code not in (None, scope):
            return BoardPage((), 0, page, per_page, {}, position, stale)
        if scope is not None:
            filters = replace(filters, center_code=scope)
        if after is not None:
            sort = after.sort
        if as_of is not None:
            past = require_past(self._past)
            with past.at(past.position_at(as_of), board=True) as views:
                past_board: CaseBoard = views.board
                rows, total = past_board.page(filters, sort, page, per_page, after)
                status_counts = past_board.status_counts(filters) if counts else {}
            position, stale = views.position, False
        else:
            rows, total = self._board.page(filters, sort, page, per_page, after)
            status_counts = self._board.status_counts(filters) if counts else {}
        more = len(rows) == per_page and (after is not None or page * per_page < total)
        next_cursor = BoardCursor.after(rows[-1], sort) if more else None
        return BoardPage(
            tuple(rows), total, page, per_page, status_counts, position, stale, next_cursor
        )

    def rows(self, need_ids: Collection[UUID], actor: Actor) -> list[NeedRow]:
        """Board rows of the given needs that this actor may see (unknown ids left out)."""
        actor.require("need.read")
        if not need_ids:
            return []
        return [row for row in self._board.by_ids(need_ids) if actor.sees_center(row.center_code)]

    def waiting_by_resource(self) -> dict[UUID, int]:
        """Needs proposed to each resource and not yet confirmed (its waiting list)."""
        return self._board.waiting_by_resource()
