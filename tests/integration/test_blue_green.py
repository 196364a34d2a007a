"""Views are rebuilt blue/green: a new generation is built beside the one that
serves, readers switch when it has caught up, and no reader ever sees an empty or
half-built view (both backends)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import pytest
import sqlalchemy as sa

from application.board import NeedFilter
from infrastructure.views import projection
from interfaces.bootstrap import Container
from tests.builders import make_client, make_need, make_town

NEEDS = 40


@dataclass
class Readings:
    totals: list[int] = field(default_factory=list)
    stale_partial: list[int] = field(default_factory=list)
    errors: list[BaseException] = field(default_factory=list)


@pytest.fixture
def busy(container: Container) -> Container:
    """A town with NEEDS needs, and views stepping in small batches (a long rebuild)."""
    town = make_town(container.services)
    client = make_client(container.services, town.care_manager)
    for _ in range(NEEDS):
        make_need(container.services, town, client)
    container.projections.batch_size = 5
    container.town = town  # type: ignore[attr-defined]
    return container


def test_readers_never_see_an_empty_or_partial_board_while_it_is_rebuilt(
    busy: Container,
) -> None:
    actor = busy.town.coordinator  # type: ignore[attr-defined]
    readings = Readings()
    done = threading.Event()

    def read() -> None:
        while not done.is_set():
            try:
                page = busy.services.board.board(NeedFilter(), actor, per_page=1)
            except BaseException as error:  # the assertion below shows it
                readings.errors.append(error)
                return
            readings.totals.append(page.total)
            if not page.stale and page.total != NEEDS:
                readings.stale_partial.append(page.total)

    reader = threading.Thread(target=read)
    reader.start()
    try:
        busy.projections.rebuild("case_board")
    finally:
        done.set()
        reader.join()

    assert readings.errors == []
    assert len(readings.totals) > 1
    assert set(readings.totals) == {NEEDS}
    assert readings.stale_partial == []


def test_a_rebuild_is_built_beside_the_serving_view_and_then_replaces_it(
    busy: Container,
) -> None:
    before = {s.name: s for s in busy.projections.status()}["case_board"]
    seen: list[tuple[int | None, int | None]] = []

    def progress(position: int, head: int) -> None:
        status = {s.name: s for s in busy.projections.status()}["case_board"]
        seen.append((status.generation, status.building_generation))

    busy.projections.rebuild("case_board", progress=progress)

    after = {s.name: s for s in busy.projections.status()}["case_board"]
    assert (before.generation, before.building_generation) == (1, None)
    assert (1, 2) in seen  # generation 2 was built while generation 1 served
    assert (after.generation, after.building_generation, after.lag) == (2, None, 0)
    with busy.projections.reader.connect() as conn:
        tables = set(sa.inspect(conn).get_table_names())
    assert "case_board_g2" in tables
    assert "case_board_g1" not in tables  # the old generation is gone


def test_a_command_during_a_rebuild_does_not_run_the_rebuild_in_its_request(
    busy: Container,
) -> None:
    town = busy.town  # type: ignore[attr-defined]
    paused, resume = threading.Event(), threading.Event()
    building: list[int | None] = []

    def progress(position: int, head: int) -> None:
        if not paused.is_set():
            paused.set()
            resume.wait(10)

    builder = threading.Thread(
        target=busy.projections.rebuild, args=("case_board",), kwargs={"progress": progress}
    )
    builder.start()
    try:
        assert paused.wait(10)
        status = {s.name: s for s in busy.projections.status()}["case_board"]
        need = make_need(busy.services, town)  # a command, with views updated in-process
        after = {s.name: s for s in busy.projections.status()}["case_board"]
        building.extend([status.building_position, after.building_position])
        page = busy.services.board.board(NeedFilter(), town.coordinator, min_position=need.position)
    finally:
        resume.set()
        builder.join()

    assert building[0] == building[1]  # only the builder moves the generation being built
    assert (page.total, page.stale) == (NEEDS + 1, False)  # the serving view kept up
    final = busy.services.board.board(NeedFilter(), town.coordinator)
    assert final.total == NEEDS + 1


def _indexes(container: Container, generation: int, view: str) -> set[tuple[str, tuple[str, ...]]]:
    """(canonical table, indexed columns) of every index on a generation's tables."""
    suffix = f"_g{generation}"
    found = set()
    with container.projections.reader.connect() as conn:
        inspector = sa.inspect(conn)
        for table in container.projections.views[view].tables:
            for index in inspector.get_indexes(table.name + suffix):
                if not index.get("duplicates_constraint"):
                    found.add((table.name, tuple(str(c) for c in index["column_names"])))
    return found


@pytest.mark.parametrize("view", ["case_board", "audit_log"])
def test_a_generation_built_from_the_log_gets_its_readers_indexes_before_it_serves(
    busy: Container, view: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(projection, "BUILD_BATCH_SIZE", busy.projections.batch_size)
    view_cls = busy.projections.views[view]
    declared = {
        (table.name, tuple(c.name for c in index.columns))
        for table in view_cls.tables
        for index in table.indexes
    }
    looked_up = {ix for ix in declared if f"{ix[0]}.{ix[1][0]}" in view_cls.lookups}
    while_building: list[set[tuple[str, tuple[str, ...]]]] = []

    def progress(position: int, head: int) -> None:
        if head - position > busy.projections.batch_size:
            while_building.append(_indexes(busy, 2, view))

    busy.projections.rebuild(view, progress=progress)

    assert while_building  # far behind for a while (small batches)
    # Far behind, only the indexes its handlers look rows up by: the rest would be
    # kept up row by row for every event.
    assert all(seen == looked_up for seen in while_building)
    assert declared - looked_up  # the view has indexes only readers use
    assert _indexes(busy, 2, view) == declared  # every one of them before it serves
