"""Views fold a batch's rows in memory and keep them between batches: they must
never write back rows another process changed meanwhile."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
import sqlalchemy as sa

from infrastructure.views import projection, writes
from infrastructure.views.board import CaseBoardView
from interfaces.bootstrap import Container, Settings, bootstrap
from tests.builders import make_need, make_town


def _rows(container: Container, name: str) -> list[list[tuple[Any, ...]]]:
    projections = container.projections
    serving = projections.serving(name)
    assert serving is not None
    with projections.reader.connect() as conn:
        return [
            sorted((tuple(row) for row in conn.execute(sa.select(table))), key=repr)
            for table in projections.bound(name, serving.generation).physical_tables
        ]


def test_rows_kept_in_memory_are_read_again_after_another_process_moved_the_view(
    settings: Settings,
) -> None:
    deferred = replace(settings, inline_projections=False)
    first, second = bootstrap(deferred), bootstrap(deferred)
    try:
        town = make_town(first.services)
        need = make_need(first.services, town)
        first.projections.catch_up(["case_board"])  # the need's row, kept in memory
        assigned = first.services.needs.assign(need.id, "sc", need.version, town.coordinator)
        second.projections.catch_up(["case_board"])  # another process writes the assignee
        first.services.needs.pause(need.id, "入院", assigned.version, town.coordinator)
        first.projections.catch_up(["case_board"])  # must not write its stale row back

        served = _rows(first, "case_board")
        first.projections.rebuild("case_board")
        assert _rows(first, "case_board") == served
    finally:
        first.close()
        second.close()


@pytest.mark.parametrize("bulk", [False, True], ids=["executemany", "copy"])
def test_a_batch_whose_writes_fail_together_names_the_event_that_broke_them(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, bulk: bool
) -> None:
    if bulk:  # PostgreSQL: every write of the batch by COPY (SQLite: no COPY)
        monkeypatch.setattr(writes, "COPY_MIN_ROWS", 1)
    container = bootstrap(settings)
    try:
        town = make_town(container.services)
        needs = [make_need(container.services, town) for _ in range(3)]
        broken = needs[1].id
        raised = CaseBoardView._raised

        def without_client(self: CaseBoardView, conn: Any, e: Any, position: int) -> None:
            raised(self, conn, e, position)
            if e.originator_id == broken:  # only the batch's INSERT at its end refuses it
                row = self.peek(conn, self.t.case_board, broken)
                assert row is not None
                row["client_id"] = None

        monkeypatch.setattr(CaseBoardView, "_raised", without_client)
        container.projections.rebuild("case_board")  # one batch

        status = {s.name: s for s in container.projections.status()}["case_board"]
        assert status.failed_position == needs[1].position
        assert status.failed_event == "domain.need:Need.Raised"
    finally:
        container.close()


def test_views_written_by_copy_hold_the_rows_executemany_writes(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL writes a batch's many rows with COPY (inserts straight, updates,
    deletes and counters through a staged table): the tables must come out as the
    executemany writes them (JSON, NULLs, time zones, counters)."""
    container = bootstrap(replace(settings, inline_projections=False))
    try:
        town = make_town(container.services)
        needs = [make_need(container.services, town) for _ in range(4)]
        container.services.needs.assign(needs[0].id, "sc", needs[0].version, town.coordinator)
        assigned = container.services.needs.assign(
            needs[1].id, "sc", needs[1].version, town.coordinator
        )
        container.services.needs.pause(needs[1].id, "入院", assigned.version, town.coordinator)
        projections = container.projections
        names = projections.names

        def rebuilt(copy_min_rows: int) -> dict[str, list[list[tuple[Any, ...]]]]:
            monkeypatch.setattr(writes, "COPY_MIN_ROWS", copy_min_rows)
            projections.rebuild_many(names)  # rows made and changed in one batch
            together = {name: _rows(container, name) for name in names}
            for name in names:  # one event per batch: rows updated and deleted
                monkeypatch.setattr(projection, "BUILD_BATCH_SIZE", 1)
                monkeypatch.setattr(projections, "batch_size", 1)
                projections.rebuild(name)
                assert _rows(container, name) == together[name], name
            monkeypatch.undo()
            return together

        executemany = rebuilt(10**9)
        assert any(any(rows) for tables in executemany.values() for rows in tables)
        assert rebuilt(1) == executemany
    finally:
        container.close()
