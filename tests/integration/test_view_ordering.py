"""The views never move past an event that commits late.

On PostgreSQL an event's position is taken when its transaction inserts it, so a
transaction holding position N can commit after the one holding N+1. The views
must not count N as seen before it is there (it would never reach them), and a
position whose transaction rolled back must not stop them for long.

The events are inserted here without the event store's table lock, as another
writer (or a library setting) could; the follower must not depend on that lock.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from uuid import uuid4

import psycopg
import pytest
from psycopg import sql

from application.security import SYSTEM_ACTOR
from domain.reference import Area
from domain.values import UserId
from interfaces.bootstrap import Container, Settings, bootstrap
from tests.conftest import POSTGRES_URL, _drop_schema

pytestmark = pytest.mark.skipif(not POSTGRES_URL, reason="needs TSUNAGU_TEST_POSTGRES_URL")

ACTOR = UserId(uuid4())


@pytest.fixture
def container() -> Iterator[Container]:
    schema = f"order_{uuid4().hex[:16]}"
    built = bootstrap(
        Settings(
            database_url=POSTGRES_URL,
            db_schema=schema,
            secret_key="test",
            demo=False,
            fast_passwords=True,
            inline_projections=False,
        )
    )
    try:
        yield built
    finally:
        built.close()
        _drop_schema(schema)


@contextmanager
def _inserting(container: Container, code: str) -> Iterator[psycopg.Connection]:
    """A transaction that has inserted the registration of area ``code`` and not yet
    committed; the caller commits or rolls back."""
    store = container.store
    area = Area.register(code, f"{code} 地区", ACTOR)
    stored = store.mapper.to_stored_event(area.collect_events()[0])
    schema = container.settings.db_schema
    table = store.recorder.events_table_name  # type: ignore[attr-defined]
    conn = psycopg.connect(POSTGRES_URL)
    try:
        conn.execute(
            sql.SQL(
                "INSERT INTO {}.{} (originator_id, originator_version, topic, state)"
                " VALUES (%s, %s, %s, %s)"
            ).format(sql.Identifier(schema or "public"), sql.Identifier(table)),
            (stored.originator_id, stored.originator_version, stored.topic, stored.state),
        )
        yield conn
    finally:
        conn.close()


def _areas(container: Container) -> list[str]:
    return [area.code for area in container.services.reference.list_areas(SYSTEM_ACTOR)]


def _position(container: Container) -> int:
    return container.projections.position("directory")


def test_an_event_that_commits_after_a_later_one_still_reaches_the_views(
    container: Container,
) -> None:
    container.projections.gap_wait = 60.0  # longer than the test: only the commit settles it
    with _inserting(container, "early") as early:
        with _inserting(container, "late") as late:
            late.commit()
        container.projections.catch_up()

        assert _areas(container) == []  # "late" is there, but the views wait for "early"
        before = _position(container)

        early.commit()
    container.projections.catch_up()

    assert _areas(container) == ["early", "late"]
    assert _position(container) == before + 2


def test_a_position_whose_transaction_rolled_back_is_passed_once_it_has_ended(
    container: Container,
) -> None:
    container.projections.gap_wait = 60.0
    with _inserting(container, "lost") as lost:
        with _inserting(container, "kept") as kept:
            kept.commit()
        container.projections.catch_up()
        assert _areas(container) == []

        lost.rollback()
    # Settled once every transaction running when the gap was seen has ended: this test's,
    # and any other of the cluster's (another test's, briefly) - well before the 60 s wait.
    deadline = time.monotonic() + 20
    while True:
        container.projections.catch_up()
        if _areas(container) or time.monotonic() > deadline:
            break
        time.sleep(0.1)

    assert _areas(container) == ["kept"]


def test_a_gap_is_not_held_up_by_transactions_that_never_wrote_the_log(
    container: Container,
) -> None:
    container.projections.gap_wait = 60.0  # longer than the test
    # Another schema's or database's transaction (another tenant, a dump, a report):
    # open, with a transaction id, all along.
    elsewhere = psycopg.connect(POSTGRES_URL)
    try:
        elsewhere.execute("SELECT txid_current()")
        with _inserting(container, "lost") as lost:
            with _inserting(container, "kept") as kept:
                kept.commit()
            lost.rollback()
        container.projections.catch_up()

        assert _areas(container) == ["kept"]
    finally:
        elsewhere.close()


def test_a_gap_still_open_is_passed_after_the_bounded_wait(container: Container) -> None:
    container.projections.gap_wait = 0.0
    with _inserting(container, "slow") as slow:
        with _inserting(container, "fast") as fast:
            fast.commit()
        container.projections.catch_up()  # sees the gap
        container.projections.catch_up()  # the wait is over: moves past it

        assert _areas(container) == ["fast"]
        slow.rollback()


def test_a_gap_one_view_has_passed_is_passed_by_every_view_without_a_new_wait(
    container: Container,
) -> None:
    container.projections.gap_wait = 0.5
    with _inserting(container, "slow") as slow:
        with _inserting(container, "fast") as fast:
            fast.commit()
        container.projections.catch_up()  # every view sees the gap: the wait starts
        time.sleep(0.6)  # and is over (the gap is still open: only the wait settles it)
        container.projections.catch_up()

        positions = {status.name: status.position for status in container.projections.status()}
        assert len(set(positions.values())) == 1, positions  # not one wait per view
        slow.rollback()


def test_the_event_store_ignores_settings_in_the_process_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A stray variable must not change how events are stored or ordered.
    monkeypatch.setenv("POSTGRES_ENABLE_DB_FUNCTIONS", "y")
    monkeypatch.setenv("PERSISTENCE_MODULE", "eventsourcing.popo")
    schema = f"order_{uuid4().hex[:16]}"
    built = bootstrap(
        Settings(database_url=POSTGRES_URL, db_schema=schema, secret_key="t", fast_passwords=True)
    )
    try:
        datastore = built.store.recorder.datastore  # type: ignore[attr-defined]
        assert datastore.enable_db_functions is False
        assert datastore.pre_ping is False  # see infrastructure.persistence
    finally:
        built.close()
        _drop_schema(schema)
