"""Views fold a batch's rows in memory and keep them between batches: they must
never write back rows another process changed meanwhile."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import sqlalchemy as sa

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
