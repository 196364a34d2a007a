"""The case board's queries follow its indexes: every filter and order the board
offers is answered by an index of ``case_board``, never a scan of the whole table
(the plan, not a timing: a full scan is what makes a board slow at a million needs);
so is every row a view's handlers find with SQL while events are applied."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest
import sqlalchemy as sa

from application.board import BoardCursor, BoardSort, NeedFilter
from domain.values import NeedCategory, NeedStatus, Urgency
from infrastructure.keystore import BlindIndex
from infrastructure.views.board import count_query, page_ids_query, page_query
from interfaces.bootstrap import Container, views
from tests.builders import make_need, make_town

FILTERS = {
    "status": NeedFilter(status=NeedStatus.MATCHING),
    "category": NeedFilter(category=NeedCategory.SOCIAL_PARTICIPATION),
    "area": NeedFilter(area_code="north"),
    "center": NeedFilter(center_code="c-north"),
    "assignee": NeedFilter(assignee="sc"),
    "urgency": NeedFilter(urgency=Urgency.HIGH),
    "stale": NeedFilter(stale_before=datetime(2026, 1, 1, tzinfo=UTC)),
    "client": NeedFilter(client_id=uuid4()),
    "paused": NeedFilter(paused=True),
    "paused, with another filter": NeedFilter(urgency=Urgency.HIGH, paused=True),
}
SORTS = [s for s in BoardSort if s is not BoardSort.URGENCY]
"""The urgency order ranks with an expression: it comes after a filter, never alone."""


def _plan(container: Container, query: Any, *, no_sort: bool = False) -> list[str]:
    """The database's plan for ``query`` (sequential scans disabled on PostgreSQL, so
    that the plan shows whether an index can answer it, whatever the table's size;
    with ``no_sort``, sorts too: whether an index can give the order)."""
    engine = container.projections.reader
    sqlite = engine.dialect.name == "sqlite"
    prefix = "EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN "

    def explain(*args: Any) -> tuple[str, Any]:
        statement, parameters = args[2], args[3]
        return prefix + statement, parameters

    with engine.connect() as conn:
        if not sqlite:
            conn.exec_driver_sql("SET enable_seqscan = off")
            if no_sort:
                conn.exec_driver_sql("SET enable_sort = off")
        sa.event.listen(conn, "before_cursor_execute", explain, retval=True)
        rows = conn.execute(query).all()
        sa.event.remove(conn, "before_cursor_execute", explain)
    return [str(row[-1]) for row in rows]


def _full_scans(plan: list[str], table: str = "case_board") -> list[str]:
    whole_table = re.compile(rf"^(SCAN {table}_g\d+$|.*Seq Scan on {table}_g\d+)")
    return [line for line in plan if whole_table.match(line.strip())]


@pytest.fixture
def board(container: Container) -> Container:
    town = make_town(container.services)
    make_need(container.services, town)
    return container


@pytest.mark.parametrize("name", sorted(FILTERS))
def test_every_filter_of_the_board_is_answered_by_an_index(board: Container, name: str) -> None:
    filters = FILTERS[name]
    for sort in BoardSort:
        plan = _plan(board, page_query(filters, sort, 3, 50))
        assert _full_scans(plan) == [], (sort, plan)
    plan = _plan(board, count_query(filters))
    assert _full_scans(plan) == [], plan


@pytest.mark.parametrize("sort", SORTS, ids=[s.value for s in SORTS])
def test_every_order_of_the_whole_board_is_read_along_an_index(
    board: Container, sort: BoardSort
) -> None:
    plan = _plan(board, page_query(NeedFilter(), sort, 3, 50))
    assert _full_scans(plan) == [], plan


def _sorts(plan: list[str]) -> list[str]:
    """Sorting steps: SQLite's temporary b-trees, PostgreSQL's Sort nodes."""
    return [
        line for line in plan if re.match(r"^(USE TEMP B-TREE|->\s*Sort\b|Sort\b)", line.strip())
    ]


ALL_SORTS = list(BoardSort)
NOW = datetime(2026, 1, 1, tzinfo=UTC)
CURSOR = BoardCursor(BoardSort.URGENCY, uuid4(), NOW, NOW - timedelta(days=3), Urgency.NORMAL)


@pytest.mark.parametrize("sort", ALL_SORTS, ids=[s.value for s in ALL_SORTS])
def test_a_deep_page_of_the_whole_board_is_read_in_index_order_without_a_sort(
    board: Container, sort: BoardSort
) -> None:
    """The page's ids come from one index in the order's direction: a deep page skips
    index entries, never sorts the whole table (the urgency order too, by its weight)."""
    plan = _plan(board, page_ids_query(NeedFilter(), sort, 200, 50), no_sort=True)
    assert _full_scans(plan) == [], plan
    assert _sorts(plan) == [], plan


@pytest.mark.parametrize("sort", ALL_SORTS, ids=[s.value for s in ALL_SORTS])
def test_a_cursor_starts_the_page_inside_the_orders_index(
    board: Container, sort: BoardSort
) -> None:
    """Keyset pagination: the page after a cursor is a range of the order's index."""
    plan = _plan(board, page_ids_query(NeedFilter(), sort, 1, 50, CURSOR), no_sort=True)
    assert _full_scans(plan) == [], plan
    assert _sorts(plan) == [], plan
    text = "\n".join(plan)
    assert re.search(r"\(\(?\w+,.*need_id\)?\s*[<>]\s*\(|ROW\(.*need_id\)\s*[<>]\s*ROW", text), plan


DEEP_FILTERS = ["status", "center", "assignee", "paused", "paused, with another filter"]


@pytest.mark.parametrize("name", DEEP_FILTERS)
def test_a_deep_page_of_a_status_a_center_or_an_assignee_sorts_nothing(
    board: Container, name: str
) -> None:
    """The board's default order within the filters people page deep in is a range of
    one index: no sort of the filter's rows, however many. The paused needs, with any
    other filter, read their own small index (not every need of an urgency or a
    category, sorted)."""
    plan = _plan(
        board, page_ids_query(FILTERS[name], BoardSort.LAST_ACTIVITY, 20, 50), no_sort=True
    )
    assert _full_scans(plan) == [], plan
    assert _sorts(plan) == [], plan


LOOKUPS = sorted(
    (view.name, lookup) for view in views(BlindIndex(bytes(32))) for lookup in view.lookups
)


@pytest.mark.parametrize(("view", "lookup"), LOOKUPS)
def test_rows_a_view_finds_by_sql_while_applying_events_are_found_by_an_index(
    board: Container, view: str, lookup: str
) -> None:
    """A handler's own lookup (an erasure deleting a client's search tokens, a member
    leaving a council) reads an index even while a generation is built (see
    ``View.lookups``): a scan would read the whole table for every such event."""
    table_name, column = lookup.split(".")
    table = next(t for t in board.projections.views[view].tables if t.name == table_name)
    plan = _plan(board, sa.select(table).where(table.c[column] == _value(table.c[column])))
    assert _full_scans(plan, table_name) == [], plan


def _value(column: sa.Column[Any]) -> Any:
    return uuid4() if isinstance(column.type, sa.Uuid) else "x"
