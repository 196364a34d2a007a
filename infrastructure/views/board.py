"""The case board: one row per need (``case_board``), and the one query over it."""

from __future__ import annotations

import dataclasses
from collections.abc import Collection
from typing import Any, ClassVar
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from application.board import BoardCursor, BoardSort, NeedFilter, NeedRow
from domain.need import STATUS_AFTER, Need, status_after
from domain.user import User
from domain.values import NeedCategory, NeedStatus, Outcome, Urgency, display_code
from infrastructure.views.schema import case_board, dir_users, view_metadata
from infrastructure.views.view import Handler, View

case_board_counts = sa.Table(
    "case_board_counts",
    view_metadata,
    sa.Column("status", sa.String(32), primary_key=True),
    sa.Column("count", sa.Integer, nullable=False),
)
"""Needs per status: the whole board's tabs and total, without counting its rows."""

MAX_IDS = 500
"""Ids per query of :meth:`SqlCaseBoard.by_ids` (an initiative or a meeting names far fewer)."""


class CaseBoardView(View):
    """``case_board``: one row per need with what a coordinator scans for."""

    name = "case_board"
    reads_sealed = False  # none of its handlers reads a sealed field
    version = 5
    """2: indexes for every filter and order of the board (urgency, raised_at) and
    for the waiting lists ranking counts (resource_id). 3: ``urgency_weight`` and one
    index per order ending in need_id (pages read along an index, keyset cursors); the
    status, center and assignee indexes go on in the default order. 4: a partial index
    of the paused needs. 5: needs counted per status (``case_board_counts``)."""
    tables: ClassVar = (case_board, case_board_counts)

    def handlers(self) -> dict[type, Handler]:
        table: dict[type, Handler] = dict.fromkeys(STATUS_AFTER, self._changed)
        table[Need.Raised] = self._raised
        return table

    def _raised(self, conn: Connection, e: Any, position: int) -> None:
        self.add_row(
            self.t.case_board,
            {
                "need_id": e.originator_id,
                "version": e.originator_version,
                "status": NeedStatus.RAISED.value,
                "paused": False,
                "client_id": e.client_id,
                "category": e.category.value,
                "urgency": e.urgency.value,
                "urgency_weight": _URGENCY_WEIGHT[e.urgency],
                "center_code": e.center_code,
                "area_code": e.area_code,
                "raised_at": e.timestamp,
                "last_activity_at": e.timestamp,
            },
        )
        self._count(NeedStatus.RAISED.value, +1)

    def _changed(self, conn: Connection, e: Any, position: int) -> None:
        row = self.row(conn, self.t.case_board, e.originator_id)
        if row is None:
            raise LookupError(f"case_board has no need {e.originator_id}")
        status = status_after(e, NeedStatus(row["status"]), row["assignee_id"] is not None)
        row["version"] = e.originator_version
        row["last_activity_at"] = e.timestamp
        if row["status"] != status.value:
            self._count(row["status"], -1)
            self._count(status.value, +1)
        row["status"] = status.value
        if isinstance(e, Need.CoordinatorAssigned | Need.Reassigned):
            row["assignee_id"] = e.coordinator
        elif isinstance(e, Need.MatchProposed | Need.ResourceCreated):
            row["resource_id"] = e.resource_id
        elif isinstance(e, Need.MatchDeclined | Need.GapRecorded):
            row.update(resource_id=None, matched_at=None)
        elif isinstance(e, Need.MatchConfirmed):
            row["matched_at"] = e.timestamp
        elif isinstance(e, Need.Paused | Need.Resumed):
            row["paused"] = isinstance(e, Need.Paused)
        elif isinstance(e, Need.Closed):
            row.update(outcome=e.outcome.value, closed_at=e.timestamp, paused=False)
        elif isinstance(e, Need.Reopened):
            row.update(outcome=None, closed_at=None, resource_id=None, matched_at=None)
        elif isinstance(e, Need.DetailsChanged):
            row.update(urgency=e.urgency.value, urgency_weight=_URGENCY_WEIGHT[e.urgency])

    def _count(self, status: str, delta: int) -> None:
        self.count_later(self.t.case_board_counts, {"status": status}, "count", delta)


_URGENCY_WEIGHT = {Urgency.HIGH: 2, Urgency.NORMAL: 1, Urgency.LOW: 0}
"""``case_board.urgency_weight``: the urgency order as a number, highest first."""

_c = case_board.c
_KEYS: dict[BoardSort, tuple[tuple[Any, ...], bool]] = {
    BoardSort.LAST_ACTIVITY: ((_c.last_activity_at, _c.need_id), True),
    BoardSort.OLDEST_ACTIVITY: ((_c.last_activity_at, _c.need_id), False),
    BoardSort.NEWEST: ((_c.raised_at, _c.need_id), True),
    BoardSort.OLDEST: ((_c.raised_at, _c.need_id), False),
    BoardSort.URGENCY: ((_c.urgency_weight, _c.last_activity_at, _c.need_id), True),
}
"""Each order's key (need_id last, the tiebreaker) and whether it runs descending. Every
column of a key runs the same way, so one index of ``case_board`` (schema.py) reads it
in either direction, and a keyset cursor is one row-value comparison."""

_ORDERS: dict[BoardSort, list[Any]] = {
    sort: [column.desc() if descending else column.asc() for column in key]
    for sort, (key, descending) in _KEYS.items()
}


def _conditions(filters: NeedFilter, *, with_status: bool = True) -> Any:
    """The one translation of a :class:`NeedFilter` into SQL."""
    c = case_board.c
    conditions: list[Any] = []
    if with_status and filters.status is not None:
        conditions.append(c.status == filters.status.value)
    if with_status and filters.open_only:
        conditions.append(c.status != NeedStatus.CLOSED.value)
    if filters.category is not None:
        conditions.append(c.category == filters.category.value)
    if filters.area_code is not None:
        conditions.append(c.area_code == filters.area_code)
    if filters.center_code is not None:
        conditions.append(c.center_code == filters.center_code)
    if filters.urgency is not None:
        conditions.append(c.urgency == filters.urgency.value)
    if filters.paused is not None:
        # A literal, not a parameter: only then can SQLite use the paused needs' index.
        conditions.append(c.paused == (sa.true() if filters.paused else sa.false()))
    if filters.stale_before is not None:
        conditions.append(c.last_activity_at < filters.stale_before)
        conditions.append(c.status != NeedStatus.CLOSED.value)
    if filters.assignee is not None:
        conditions.append(c.assignee_id == User.id_for(filters.assignee))
    if filters.client_id is not None:
        conditions.append(c.client_id == filters.client_id)
    return sa.and_(sa.true(), *conditions)


def page_query(
    filters: NeedFilter,
    sort: BoardSort,
    page: int,
    per_page: int,
    after: BoardCursor | None = None,
) -> Any:
    """One page of the board: its rows, each with its assignee's username.

    The page's ids are found first along the order's index alone (:func:`page_ids_query`),
    and only those rows are read and joined to their assignee.
    """
    chosen = page_ids_query(filters, sort, page, per_page, after).subquery("page_ids")
    return (
        _rows_query()
        .join(chosen, chosen.c.need_id == case_board.c.need_id)
        .order_by(*_ORDERS[sort])
    )


def page_ids_query(
    filters: NeedFilter,
    sort: BoardSort,
    page: int,
    per_page: int,
    after: BoardCursor | None = None,
) -> Any:
    """The ids of one page of the board, in ``sort`` order.

    ``after``: the ids that follow this cursor (keyset pagination; ``page`` is then
    ignored), one row-value comparison the order's index answers. Otherwise the page
    skips ``(page - 1) * per_page`` entries of that index (no row is read for them).
    """
    key, descending = _KEYS[sort]
    ids = sa.select(case_board.c.need_id).where(_conditions(filters))
    if after is not None:
        values = _key_values(after)
        mark = sa.tuple_(*key)
        bound = sa.tuple_(*(sa.literal(values[col.name], type_=col.type) for col in key))
        ids = ids.where(mark < bound if descending else mark > bound)
    else:
        ids = ids.offset((page - 1) * per_page)
    return ids.order_by(*_ORDERS[sort]).limit(per_page)


def _key_values(cursor: BoardCursor) -> dict[str, Any]:
    """The columns of a cursor's row, by name (an order's key takes what it needs)."""
    return {
        "need_id": cursor.need_id,
        "last_activity_at": cursor.last_activity_at,
        "raised_at": cursor.raised_at,
        "urgency_weight": _URGENCY_WEIGHT[cursor.urgency],
    }


def _whole_board(filters: NeedFilter) -> bool:
    """Whether ``filters`` choose needs by status alone (or not at all): then the
    counts kept per status answer how many, whatever the size of the board."""
    return all(
        getattr(filters, f.name) is None
        for f in dataclasses.fields(filters)
        if f.name not in _STATUS_FIELDS
    )


_STATUS_FIELDS = frozenset({"status", "open_only"})
"""The fields of NeedFilter that choose by status (any other chooses rows)."""


def _shown(filters: NeedFilter, status: NeedStatus) -> bool:
    """Whether needs in ``status`` pass the status part of ``filters``."""
    if filters.status is not None and status is not filters.status:
        return False
    return not (filters.open_only and status is NeedStatus.CLOSED)


def _kept_counts(conn: Connection) -> dict[NeedStatus, int]:
    c = case_board_counts.c
    rows: list[Any] = list(conn.execute(sa.select(c.status, c["count"]).where(c["count"] > 0)))
    return {NeedStatus(row[0]): int(row[1]) for row in rows}  # Row.count: the tuple method


def count_query(filters: NeedFilter) -> Any:
    """How many needs the board's filters select."""
    return sa.select(sa.func.count()).select_from(case_board).where(_conditions(filters))


def _rows_query() -> Any:
    return sa.select(case_board, dir_users.c.username).select_from(
        case_board.outerjoin(dir_users, dir_users.c.id == case_board.c.assignee_id)
    )


class SqlCaseBoard:
    """application.board.CaseBoard on the ``case_board`` table."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def page(
        self,
        filters: NeedFilter,
        sort: BoardSort,
        page: int,
        per_page: int,
        after: BoardCursor | None = None,
    ) -> tuple[list[NeedRow], int]:
        with self.engine.connect() as conn:
            # case_board before case_board_counts: the order in which a generation's
            # switch locks them (CaseBoardView.tables), or a reader and a switch on
            # PostgreSQL could each hold the one the other waits for (a deadlock).
            rows = conn.execute(page_query(filters, sort, page, per_page, after)).all()
            if _whole_board(filters):
                counted = _kept_counts(conn)
                count = sum(n for status, n in counted.items() if _shown(filters, status))
            else:
                count = int(conn.execute(count_query(filters)).scalar() or 0)
        return [need_row(r) for r in rows], count

    def status_counts(self, filters: NeedFilter) -> dict[NeedStatus, int]:
        with self.engine.connect() as conn:
            if _whole_board(filters):
                return _kept_counts(conn)
            c = case_board.c
            query = (
                sa.select(c.status, sa.func.count())
                .where(_conditions(filters, with_status=False))
                .group_by(c.status)
            )
            rows = conn.execute(query).all()
        return {NeedStatus(r[0]): int(r[1]) for r in rows}

    def by_ids(self, need_ids: Collection[UUID]) -> list[NeedRow]:
        ids = sorted(set(need_ids))[:MAX_IDS]
        if not ids:
            return []
        c = case_board.c
        query = _rows_query().where(c.need_id.in_(ids)).order_by(*_ORDERS[BoardSort.LAST_ACTIVITY])
        with self.engine.connect() as conn:
            return [need_row(r) for r in conn.execute(query).all()]

    def waiting_by_resource(self) -> dict[UUID, int]:
        c = case_board.c
        query = (
            sa.select(c.resource_id, sa.func.count())
            .where(c.status == NeedStatus.PROPOSED.value, c.resource_id.is_not(None))
            .group_by(c.resource_id)
        )
        with self.engine.connect() as conn:
            return {row[0]: int(row[1]) for row in conn.execute(query)}


def need_row(r: Any) -> NeedRow:
    """A case_board row (joined with the assignee's username) as a NeedRow."""
    return NeedRow(
        id=r.need_id,
        version=r.version,
        status=NeedStatus(r.status),
        paused=r.paused,
        client_id=r.client_id,
        client_code=display_code("C", r.client_id),
        category=NeedCategory(r.category),
        urgency=Urgency(r.urgency),
        center_code=r.center_code,
        area_code=r.area_code,
        assignee=r.username if r.assignee_id is not None else None,
        resource_id=r.resource_id,
        outcome=Outcome(r.outcome) if r.outcome else None,
        raised_at=r.raised_at,
        last_activity_at=r.last_activity_at,
    )
