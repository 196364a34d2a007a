"""The read-access log in SQL, on SQLite and PostgreSQL: the chain is intact after
reads, the table refuses changes, and ``tsunagu audit access-verify`` names the
first entry after each kind of tampering done with SQL behind the application's back
(an entry altered, removed, inserted, two swapped)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from uuid import UUID, uuid4

import pytest
import sqlalchemy as sa
from click.testing import CliRunner, Result

from application.access import GENESIS, AccessQuery, canonical, entry_hash
from application.security import Actor
from infrastructure.access_log import access_log
from interfaces.bootstrap import Container, Settings, bootstrap
from interfaces.cli import cli
from tests.builders import Town, make_town
from tests.fakes import new_client

READS = 6


@pytest.fixture
def built(settings: Settings) -> Iterator[tuple[Container, Town]]:
    container = bootstrap(settings)
    try:
        yield container, make_town(container.services)
    finally:
        container.close()


def _read(container: Container, reader: Actor, count: int = READS) -> list[UUID]:
    """``count`` reads of new clients' personal data by ``reader``; the clients' ids."""
    services = container.services
    town_cm = services.accounts.actor_for_username("cm")
    ids = []
    for n in range(count):
        client = new_client(services, town_cm)  # type: ignore[arg-type]
        services.clients.get(client.id, reader.through("test:read", f"purpose {n}"))
        ids.append(client.id)
    return ids


def _sql(container: Container, *statements: str, **params: object) -> None:
    with container.projections.writer.begin() as conn:
        for statement in statements:
            conn.execute(sa.text(statement), params)


def _without_guard(container: Container) -> None:
    """What someone with the database's owner rights does first: drop the triggers."""
    if container.database.kind == "postgresql":
        _sql(
            container,
            "DROP TRIGGER access_log_append_only ON access_log",
            "DROP TRIGGER access_log_no_truncate ON access_log",
        )
    else:
        _sql(
            container,
            "DROP TRIGGER access_log_no_update",
            "DROP TRIGGER access_log_no_delete",
        )


def _env(settings: Settings) -> dict[str, str]:
    return {
        "DATABASE_URL": settings.database_url,
        "TSUNAGU_DB_SCHEMA": settings.db_schema or "",
        "TSUNAGU_SECRET_KEY": "test",
        "TSUNAGU_FAST_PASSWORDS": "1",
        "TSUNAGU_REDIS_URL": "",
    }


def _verify(settings: Settings) -> tuple[Result, dict[str, object]]:
    result = CliRunner().invoke(
        cli, ["audit", "access-verify", "--json"], env=_env(settings), catch_exceptions=False
    )
    return result, json.loads(result.stdout)


def test_reads_are_chained_from_the_first_entry(built: tuple[Container, Town]) -> None:
    container, town = built
    clients = _read(container, town.auditor)

    entries = container.services.access.search(AccessQuery(), town.auditor, limit=1000)

    assert [e.seq for e in entries] == list(range(1, READS + 1))
    assert [e.client_id for e in entries] == clients
    assert entries[0].previous_hash == GENESIS
    for before, entry in zip([None, *entries], entries, strict=False):
        previous = before.hash if before else GENESIS
        assert entry.previous_hash == previous
        assert entry.hash == entry_hash(previous, entry.canonical())
    assert {(e.actor, e.via, e.what) for e in entries} == {("audit", "test:read", "client")}
    assert [e.purpose for e in entries] == [f"purpose {n}" for n in range(READS)]


def test_the_log_holds_no_personal_data(built: tuple[Container, Town]) -> None:
    container, town = built
    _read(container, town.auditor, 1)

    with container.projections.reader.connect() as conn:
        rows = conn.execute(sa.text("SELECT * FROM access_log")).all()

    stored = " ".join(str(value) for row in rows for value in row)
    for personal in ("山田", "ヤマダ", "1941", "北町", "090-"):
        assert personal not in stored


def test_search_filters_by_client_reader_and_cursor(built: tuple[Container, Town]) -> None:
    container, town = built
    clients = _read(container, town.auditor, 3)
    _read(container, town.coordinator, 2)
    access = container.services.access

    of_client = access.search(AccessQuery(client_id=clients[1]), town.auditor)
    by_reader = access.search(AccessQuery(actor_id=town.coordinator.user_id), town.auditor)
    after = access.search(AccessQuery(after=3), town.auditor, limit=1)

    assert [e.client_id for e in of_client] == [clients[1]]
    assert [e.actor for e in by_reader] == ["sc", "sc"]
    assert [e.seq for e in after] == [4]


@pytest.mark.parametrize(
    "statement", ["UPDATE access_log SET purpose = 'x'", "DELETE FROM access_log"]
)
def test_the_table_refuses_changes_to_entries(
    built: tuple[Container, Town], statement: str
) -> None:
    container, town = built
    _read(container, town.auditor, 2)

    with pytest.raises(sa.exc.DatabaseError, match="append-only"):
        _sql(container, statement)

    assert container.services.access.verify(town.auditor).entries == 2


def test_verify_passes_on_an_untouched_log(
    built: tuple[Container, Town], settings: Settings
) -> None:
    container, town = built
    _read(container, town.auditor)
    head = container.services.access.search(AccessQuery(after=READS - 1), town.auditor)[0].hash

    result, report = _verify(settings)

    assert result.exit_code == 0
    assert report == {
        "intact": True,
        "entries": READS,
        "head_hash": head,
        "broken_seq": None,
        "problem": None,
    }


def _forge(container: Container, seq: int, previous: str, client_id: UUID) -> None:
    """Write a row as a forger would: hashed correctly over its own content."""
    at = datetime(2026, 1, 1, tzinfo=UTC)
    actor_id = uuid4()
    content = canonical(seq, at, actor_id, "nobody", client_id, None, "client", "sql", None)
    row = {
        "seq": seq,
        "at": at,
        "actor_id": actor_id,
        "actor": "nobody",
        "client_id": client_id,
        "need_id": None,
        "what": "client",
        "via": "sql",
        "purpose": None,
        "previous_hash": previous,
        "hash": entry_hash(previous, content),
    }
    with container.projections.writer.begin() as conn:
        conn.execute(sa.insert(access_log).values(row))


def _altered(container: Container) -> None:
    _sql(container, "UPDATE access_log SET purpose = 'routine' WHERE seq = 3")


def _removed(container: Container) -> None:
    _sql(container, "DELETE FROM access_log WHERE seq = 3")


def _inserted(container: Container) -> None:
    # Entries 3.. move one place up to make room; the forged entry 3 links to entry 2.
    with container.projections.reader.connect() as conn:
        second = conn.execute(sa.select(access_log).where(access_log.c.seq == 2)).one()
    for seq in range(READS, 2, -1):
        _sql(container, "UPDATE access_log SET seq = :new WHERE seq = :old", new=seq + 1, old=seq)
    _forge(container, 3, second.hash, second.client_id)


def _swapped(container: Container) -> None:
    _sql(
        container,
        "UPDATE access_log SET seq = -1 WHERE seq = 3",
        "UPDATE access_log SET seq = 3 WHERE seq = 4",
        "UPDATE access_log SET seq = 4 WHERE seq = -1",
    )


@pytest.mark.parametrize(
    ("tamper", "broken", "problem"),
    [
        (_altered, 3, "altered"),
        (_removed, 3, "missing"),
        (_inserted, 4, "altered"),
        (_swapped, 3, "altered"),
    ],
    ids=["altered", "removed", "inserted", "swapped"],
)
def test_verify_names_the_first_entry_that_no_longer_fits(
    built: tuple[Container, Town],
    settings: Settings,
    tamper: object,
    broken: int,
    problem: str,
) -> None:
    container, town = built
    _read(container, town.auditor)
    _without_guard(container)

    tamper(container)  # type: ignore[operator]
    result, report = _verify(settings)

    assert result.exit_code == 1
    assert (report["intact"], report["broken_seq"], report["problem"]) == (False, broken, problem)
    assert report["entries"] == broken - 1


def test_an_entry_put_after_the_last_with_a_wrong_link_is_named(
    built: tuple[Container, Town], settings: Settings
) -> None:
    container, town = built
    clients = _read(container, town.auditor)
    _forge(container, READS + 1, GENESIS, clients[0])

    result, report = _verify(settings)

    assert result.exit_code == 1
    assert (report["broken_seq"], report["problem"]) == (READS + 1, "unlinked")


def test_reads_at_the_same_time_keep_one_chain(built: tuple[Container, Town]) -> None:
    container, town = built
    clients = _read(container, town.auditor, 1)
    services = container.services
    errors: list[BaseException] = []

    def reader(n: int) -> None:
        try:
            for _ in range(5):
                services.clients.get(clients[0], town.auditor.through(f"test:thread{n}"))
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=reader, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    verified = services.access.verify(town.auditor)
    assert (verified.intact, verified.entries) == (True, 1 + 4 * 5)
