"""The event store on each backend: concurrency, idempotency, atomic saves, snapshots."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any
from uuid import uuid4

import psycopg
import pytest

from application.errors import VersionConflictError
from domain.errors import ResourceFullError
from domain.need import Need
from domain.resource import Resource
from domain.values import NeedCategory, Outcome, Progress, ResourceId, ServiceType, Urgency
from infrastructure.persistence import SQLITE_CACHE_KIB, Database
from interfaces.bootstrap import Container, Settings, bootstrap
from tests.builders import make_client, make_need, make_resource, make_town
from tests.conftest import POSTGRES_URL


def test_a_stale_expected_version_is_refused(container: Container) -> None:
    app = container.services
    town = make_town(app)
    need = make_need(app, town)
    app.needs.assign(need.id, "sc", need.version, town.coordinator)

    with pytest.raises(VersionConflictError):
        app.needs.pause(need.id, "入院", need.version, town.care_manager)


def test_concurrent_saves_of_one_need_let_exactly_one_win(container: Container) -> None:
    app = container.services
    town = make_town(app)
    need = make_need(app, town)
    second = bootstrap(replace(container.settings, inline_projections=False))
    try:
        # Both load version 1, then both save: the event store refuses the second.
        first_copy = container.store.repository.get(need.id)
        other_copy = second.store.repository.get(need.id)
        first_copy.pause("入院", town.care_manager.user_id)
        other_copy.close(Outcome.WITHDRAWN, "本人辞退", town.care_manager.user_id)
        container.store.save(first_copy)
        with pytest.raises(VersionConflictError):
            second.services.aggregates.save(other_copy, kind="need")
    finally:
        second.close()
    assert app.needs.get(need.id, town.coordinator).paused is True


def test_parallel_confirmations_never_overbook_a_resource(container: Container) -> None:
    app = container.services
    town = make_town(app)
    resource = make_resource(app, town.coordinator, capacity=1)
    proposed = []
    for _ in range(4):
        need = make_need(app, town)
        need = app.needs.assign(need.id, "sc", need.version, town.coordinator)
        need = app.matching.propose(need.id, resource.id, "近い", need.version, town.coordinator)
        proposed.append(need)
    outcomes: list[str] = []

    def confirm(need_id: object, version: int) -> None:
        try:
            app.matching.confirm(need_id, date(2026, 12, 1), version, town.coordinator)  # type: ignore[arg-type]
            outcomes.append("confirmed")
        except ResourceFullError:
            outcomes.append("full")

    threads = [threading.Thread(target=confirm, args=(n.id, n.version)) for n in proposed]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["confirmed", "full", "full", "full"]
    assert app.resources.get(resource.id, town.coordinator).places_taken == 1


def test_confirming_saves_need_and_resource_events_atomically(container: Container) -> None:
    app = container.services
    town = make_town(app)
    resource = make_resource(app, town.coordinator)
    need = make_need(app, town)
    need = app.needs.assign(need.id, "sc", need.version, town.coordinator)
    need = app.matching.propose(need.id, resource.id, "近い", need.version, town.coordinator)
    head_before = app.oversight.head()

    need = app.matching.confirm(need.id, date(2026, 12, 1), need.version, town.coordinator)

    written = container.store.recorder.select_notifications(start=head_before + 1, limit=10)
    assert [n.topic.rsplit(".", 1)[-1] for n in written] == ["MatchConfirmed", "Enrolled"]
    assert need.position == written[-1].id


def test_the_same_idempotency_key_returns_the_first_need(container: Container) -> None:
    app = container.services
    town = make_town(app)
    client = make_client(app, town.care_manager)

    def raise_it(key: str) -> object:
        return app.needs.raise_need(
            client.id,
            NeedCategory.SHOPPING,
            "買い物が困難",
            "自分で選んで買う",
            Urgency.NORMAL,
            town.care_manager,
            idempotency_key=key,
        ).id

    first, retry, other = raise_it("k-1"), raise_it("k-1"), raise_it("k-2")

    assert first == retry
    assert other != first
    needs = [
        n
        for n in container.store.recorder.select_notifications(start=1, limit=1000)
        if n.topic.endswith("Need.Raised")
    ]
    assert len(needs) == 2


def test_long_need_histories_are_snapshotted_and_load_intact(container: Container) -> None:
    app = container.services
    town = make_town(app)
    resource = make_resource(app, town.coordinator)
    need = make_need(app, town)
    need = app.needs.assign(need.id, "sc", need.version, town.coordinator)
    need = app.matching.propose(need.id, resource.id, "近い", need.version, town.coordinator)
    need = app.matching.confirm(need.id, date(2026, 12, 1), need.version, town.coordinator)
    for i in range(55):
        need = app.needs.follow_up(
            need.id, f"訪問{i}", Progress.ON_TRACK, need.version, town.coordinator
        )

    assert container.store.snapshots is not None
    snapshots = list(container.store.snapshots.get(need.id))
    assert [s.originator_version for s in snapshots] == [50]
    loaded = container.store.repository.get(need.id)
    assert isinstance(loaded, Need)
    assert loaded.version == 59
    replayed = app.needs.get(need.id, town.coordinator, as_of=need.updated_at)
    assert replayed.version == 59


def test_the_event_log_of_a_resource_replays_to_the_same_state(container: Container) -> None:
    app = container.services
    town = make_town(app)
    created = make_resource(app, town.coordinator, capacity=3)
    app.resources.change_capacity(created.id, 4, "会場拡張", created.version, town.coordinator)
    fresh = bootstrap(Settings(**{**container.settings.__dict__, "inline_projections": False}))
    try:
        again = fresh.store.repository.get(created.id)
    finally:
        fresh.close()
    assert isinstance(again, Resource)
    assert again.capacity == 4


def test_busy_resources_are_snapshotted_too(container: Container) -> None:
    app = container.services
    town = make_town(app)
    resource = make_resource(app, town.coordinator, capacity=1)
    for i in range(52):
        resource = app.resources.change_capacity(
            resource.id, 2 + i, "会場の調整", resource.version, town.coordinator
        )

    assert container.store.snapshots is not None
    assert [s.originator_version for s in container.store.snapshots.get(resource.id)] == [50]
    loaded = container.store.repository.get(resource.id)
    assert isinstance(loaded, Resource)
    assert (loaded.version, loaded.capacity) == (53, 53)


def test_sqlite_connections_keep_a_page_cache_that_fits_large_indexes(tmp_path: Path) -> None:
    """SQLite's default 2 MB page cache made view rebuilds of a large database seek
    through the file for every index insert (docs/benchmarks.md, "1,000,000 needs")."""
    database = Database.from_url(f"sqlite:///{tmp_path / 'cache.sqlite3'}")
    for engine in database.create_engines():
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA cache_size").scalar() == -SQLITE_CACHE_KIB
        engine.dispose()


def test_a_save_larger_than_the_connections_buffers_lands_whole(container: Container) -> None:
    """An all-or-nothing import of the national list (up to 50,000 rows) saves every
    resource in one transaction. On PostgreSQL its events went to the server as one
    message in psycopg's pipeline mode, which hangs for good once the message outgrows
    the connection's buffers (seen at 13 MB over TCP and 1.5 MB over a Unix socket, a
    30,000-row import), holding the lock that orders the log: every other write
    waited behind it. About 20 MB of events here."""
    app = container.services
    coordinator = make_town(app).coordinator
    resources = [
        Resource.register(
            ResourceId(uuid4()),
            f"ふれあいサロン{i}",
            ServiceType.GATHERING_PLACE,
            [NeedCategory.SOCIAL_PARTICIPATION],
            ["north"],
            coordinator.user_id,
            fee="月に一度の茶話会は無料、" * 160,  # 1,920 characters, about 8 KB an event
        )
        for i in range(2_400)
    ]
    head = container.store.head()

    position = _returns_within(60, container, lambda: container.store.save_recognising(*resources))

    assert position == container.store.head() == head + len(resources)
    for resource in (resources[0], resources[-1]):
        loaded = container.store.repository.get(resource.id)
        assert isinstance(loaded, Resource)
        assert loaded.fee == resource.fee


def _returns_within(seconds: float, container: Container, call: Callable[[], Any]) -> Any:
    """``call()``'s result; fails the test if it has not returned after ``seconds``,
    first ending the PostgreSQL sessions stuck reading the rest of a message (else the
    save would hold the log's lock, and the test database, for good)."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = call()
        except BaseException as error:  # handed to the test's thread
            outcome["error"] = error

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        # The library retries a failed insert (ten times): end each attempt in turn.
        for _ in range(60):
            if not worker.is_alive() or not container.settings.db_schema:
                break
            with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
                conn.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE state = 'active' AND wait_event = 'ClientRead' AND query LIKE %s",
                    (f'%"{container.settings.db_schema}"%',),
                )
            worker.join(1)
        pytest.fail(f"the save had not returned after {seconds} s")
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]
