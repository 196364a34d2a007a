"""The ledger on each backend: checkpoints signed over the log, verify passing on a
clean log and naming the position and kind of each tampering done with SQL behind
the application's back, inclusion and consistency proofs checked offline with only
the public key."""

from __future__ import annotations

import json
import stat
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Connection

from application.ledger import JOB_STALE_AFTER, ProofError, Verification, check_proof
from application.ledger.verifier import Verifier
from application.security import SYSTEM_ACTOR, Actor
from interfaces.bootstrap import Container, Settings, bootstrap, public_key
from tests.builders import make_town


@pytest.fixture
def ledger_container(settings: Settings, tmp_path: Path) -> Iterator[Container]:
    built = bootstrap(Settings(**{**settings.__dict__, "instance_path": str(tmp_path)}))
    try:
        make_town(built.services)  # 4 reference events and 6 users: a dozen events
        yield built
    finally:
        built.close()


def _id(conn: Connection) -> str:
    return "rowid" if conn.dialect.name == "sqlite" else "notification_id"


def _events_table(container: Container) -> str:
    table = str(container.store.recorder.events_table_name)  # type: ignore[attr-defined]
    schema = container.database.schema
    return f'"{schema}"."{table}"' if schema else table


def _row(container: Container, position: int) -> tuple[str, int, str, bytes]:
    with container.projections.reader.connect() as conn:
        sql = "SELECT originator_id, originator_version, topic, state FROM {table} WHERE {id} = ?"
        sql = sql.replace("{table}", _events_table(container)).replace("{id}", _id(conn))
        row = conn.exec_driver_sql(sql.replace("?", _p(container)), (position,)).one()
    return str(row[0]), int(row[1]), str(row[2]), bytes(row[3])


def _p(container: Container) -> str:
    return "?" if container.database.kind == "sqlite" else "%s"


def _run(container: Container, sql: str, *params: object) -> None:
    with container.projections.writer.begin() as conn:
        sql = sql.replace("{id}", _id(conn)).replace("?", _p(container))
        sql = sql.replace("stored_events", _events_table(container))
        if container.database.schema:
            sql = sql.replace(" ledger_", f' "{container.database.schema}".ledger_')
        conn.exec_driver_sql(sql, params)


def test_checkpoint_covers_every_event_and_is_signed(ledger_container: Container) -> None:
    checkpoint = ledger_container.ledger.checkpoint()
    key = ledger_container.ledger.public_key()

    assert checkpoint.tree_size == ledger_container.store.head() > 10
    assert key.verify(checkpoint.signature, checkpoint.message())
    assert "checkpoint:" in check_proof(checkpoint.to_json(), public_key(key.pem()))


def test_the_key_file_is_made_private_in_the_instance_folder(
    ledger_container: Container, tmp_path: Path
) -> None:
    ledger_container.ledger.checkpoint()

    mode = (tmp_path / "ledger_key.pem").stat().st_mode
    assert stat.S_IMODE(mode) == 0o600


def test_verify_passes_on_a_clean_log(ledger_container: Container) -> None:
    ledger = ledger_container.ledger
    ledger.checkpoint()
    ledger_container.services.reference.create_area("east", "東地区", _system())
    ledger.checkpoint()

    result = ledger.verify()

    assert result.ok, result.describe()
    assert result.events == ledger_container.store.head()
    assert result.checkpoints == 2


def test_verify_names_an_altered_event(ledger_container: Container) -> None:
    ledger_container.ledger.checkpoint()
    _run(ledger_container, "UPDATE stored_events SET state = ? WHERE {id} = ?", b"{}", 5)

    result = ledger_container.ledger.verify()

    assert (result.ok, result.position, result.kind) == (False, 5, "altered")


def test_verify_names_a_removed_event(ledger_container: Container) -> None:
    ledger_container.ledger.checkpoint()
    _run(ledger_container, "DELETE FROM stored_events WHERE {id} = ?", 4)

    result = ledger_container.ledger.verify()

    assert (result.ok, result.position, result.kind) == (False, 4, "removed")


def test_verify_names_the_last_event_removed(ledger_container: Container) -> None:
    ledger_container.ledger.checkpoint()
    head = ledger_container.store.head()
    _run(ledger_container, "DELETE FROM stored_events WHERE {id} = ?", head)

    result = ledger_container.ledger.verify()

    assert (result.ok, result.position, result.kind) == (False, head, "removed")


def test_verify_names_an_inserted_event(ledger_container: Container) -> None:
    ledger_container.ledger.checkpoint()
    _, _, topic, state = _row(ledger_container, 3)
    # Make room at position 3 (renumbering the later events), then insert a forged one.
    _run(ledger_container, "UPDATE stored_events SET {id} = {id} + 1000000 WHERE {id} >= ?", 3)
    _run(ledger_container, "UPDATE stored_events SET {id} = {id} - 999999 WHERE {id} >= ?", 10**6)
    forged = "00000000-0000-4000-8000-000000000001"
    if ledger_container.database.kind == "sqlite":
        forged = forged.replace("-", "")
    _run(
        ledger_container,
        "INSERT INTO stored_events ({id}, originator_id, originator_version, topic, state) "
        "VALUES (?, ?, ?, ?, ?)",
        3,
        forged,
        1,
        topic,
        state,
    )

    result = ledger_container.ledger.verify()

    assert (result.ok, result.position, result.kind) == (False, 3, "inserted")


def test_verify_names_two_swapped_events(ledger_container: Container) -> None:
    ledger_container.ledger.checkpoint()
    _run(ledger_container, "UPDATE stored_events SET {id} = ? WHERE {id} = ?", 10**6, 6)
    _run(ledger_container, "UPDATE stored_events SET {id} = ? WHERE {id} = ?", 6, 8)
    _run(ledger_container, "UPDATE stored_events SET {id} = ? WHERE {id} = ?", 8, 10**6)

    result = ledger_container.ledger.verify()

    assert (result.ok, result.position, result.kind) == (False, 6, "reordered")
    assert "position 8" in result.detail


def test_verify_fails_when_the_leaf_table_was_rewritten_too(ledger_container: Container) -> None:
    ledger = ledger_container.ledger
    ledger.checkpoint()
    _run(ledger_container, "UPDATE stored_events SET state = ? WHERE {id} = ?", b"{}", 5)
    _run(ledger_container, "DELETE FROM ledger_leaves")
    ledger.extend()  # the tampered log, re-leafed as if it had always been so

    result = ledger.verify()

    assert (result.ok, result.kind) == (False, "checkpoint")


def test_verify_against_a_checkpoint_kept_outside(ledger_container: Container) -> None:
    ledger = ledger_container.ledger
    kept = ledger.checkpoint()
    _run(ledger_container, "DELETE FROM ledger_checkpoints")
    _run(ledger_container, "UPDATE stored_events SET state = ? WHERE {id} = ?", b"{}", 2)
    _run(ledger_container, "DELETE FROM ledger_leaves")

    result = ledger.verify(external=[kept])

    assert (result.ok, result.kind) == (False, "checkpoint")


def test_the_last_verification_is_kept(ledger_container: Container) -> None:
    ledger = ledger_container.ledger
    ledger.checkpoint()
    done = ledger.verify(actor="audit")

    assert ledger.last_verification() == done


def test_an_inclusion_proof_checks_offline_with_only_the_public_key(
    ledger_container: Container,
) -> None:
    ledger = ledger_container.ledger
    ledger.checkpoint()
    document = json.loads(json.dumps(ledger.prove(7)))
    key = public_key(ledger.public_key().pem())

    assert "position 7" in check_proof(document, key)


def test_an_inclusion_proof_of_an_altered_event_does_not_check(
    ledger_container: Container,
) -> None:
    ledger = ledger_container.ledger
    ledger.checkpoint()
    _run(ledger_container, "UPDATE stored_events SET state = ? WHERE {id} = ?", b"{}", 7)
    document = ledger.prove(7)

    with pytest.raises(ProofError):
        check_proof(document, public_key(ledger.public_key().pem()))


def test_a_proof_does_not_check_with_another_key(ledger_container: Container) -> None:
    from infrastructure.ledger import Ed25519Signer

    ledger = ledger_container.ledger
    document = ledger.prove(3)
    other = Ed25519Signer.generate().public_key()

    with pytest.raises(ProofError):
        check_proof(document, other)


def test_a_consistency_proof_checks_offline(ledger_container: Container) -> None:
    ledger = ledger_container.ledger
    old = ledger.checkpoint()
    for code in ("east", "west", "centre"):
        ledger_container.services.reference.create_area(code, code, _system())

    document = json.loads(json.dumps(ledger.prove_consistency(old)))

    assert document["new"]["tree_size"] > old.tree_size
    assert "is a prefix" in check_proof(document, public_key(ledger.public_key().pem()))


def test_the_worker_pass_signs_a_checkpoint_every_n_events(ledger_container: Container) -> None:
    ledger = ledger_container.ledger
    ledger.every_events = 5
    ledger.catch_up()
    first = ledger.latest()
    ledger_container.services.reference.create_area("east", "東地区", _system())
    ledger.catch_up()  # one new event: fewer than 5, and not 10 minutes later

    assert first is not None
    assert ledger.latest() == first


def _system() -> Actor:
    return SYSTEM_ACTOR


def test_the_worker_pass_signs_once_the_interval_has_passed(
    settings: Settings, tmp_path: Path
) -> None:
    now = [datetime(2026, 4, 1, 9, 0, tzinfo=UTC)]
    built = bootstrap(
        Settings(**{**settings.__dict__, "instance_path": str(tmp_path)}), clock=lambda: now[0]
    )
    try:
        ledger = built.ledger
        built.services.reference.create_area("east", "東地区", SYSTEM_ACTOR)
        ledger.catch_up()
        first = ledger.latest()
        built.services.reference.create_area("west", "西地区", SYSTEM_ACTOR)
        now[0] += ledger.every + timedelta(seconds=1)

        ledger.catch_up()
        latest = ledger.latest()
    finally:
        built.close()

    assert first is not None
    assert latest is not None
    assert latest.tree_size == first.tree_size + 1


def test_a_server_without_a_worker_follows_the_ledger_in_a_thread(
    ledger_container: Container,
) -> None:
    from interfaces.cli.ledger import follow_ledger

    stop = follow_ledger(ledger_container, every=0.01)
    try:
        for _ in range(500):
            latest = ledger_container.ledger.latest()
            if latest is not None:
                break
            threading.Event().wait(0.01)
    finally:
        stop()  # and wait: the container closes after this test

    assert latest is not None
    assert latest.tree_size == ledger_container.store.head()


@pytest.mark.parametrize(
    ("column", "value_sql"),
    [
        ("state", "replace(state, '{', '[')"),  # SQLite's replace() stores text
        ("originator_id", "'not-a-uuid'"),
        ("topic", "CAST(x'ff00fe' AS TEXT)"),  # bytes that are no UTF-8
        ("originator_version", "'one'"),
    ],
)
def test_verify_names_an_sqlite_row_rewritten_in_another_type(
    tmp_path: Path, column: str, value_sql: str
) -> None:
    built = bootstrap(
        Settings(
            database_url=f"sqlite:///{tmp_path / 'db.sqlite3'}",
            secret_key="t",
            fast_passwords=True,
            instance_path=str(tmp_path),
        )
    )
    try:
        make_town(built.services)
        built.ledger.checkpoint()
        sql = f"UPDATE stored_events SET {column} = {value_sql} WHERE rowid = ?"  # noqa: S608
        _run(built, sql, 2)

        result = built.ledger.verify()
    finally:
        built.close()

    assert (result.ok, result.position, result.kind) == (False, 2, "altered")


# -- verification jobs ---------------------------------------------------------------------


def _job_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "tsunagu-ledger-verify"]


def test_a_process_runs_one_verification_job_at_a_time(
    ledger_container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    ledger = ledger_container.ledger
    release = threading.Event()
    run = Verifier.run

    def held(self: Verifier, *args: Any) -> Verification:
        release.wait(30)
        return run(self, *args)

    monkeypatch.setattr(Verifier, "run", held)
    first = ledger.verify_in_background("au")
    second = ledger.verify_in_background("ad")
    threads = _job_threads()
    release.set()
    for thread in threads:
        thread.join()

    assert second.id == first.id  # the running job, not a second thread
    assert len(threads) == 1
    assert ledger.verification(first.id, SYSTEM_ACTOR).status == "done"
    third = ledger.verify_in_background("au")  # once it ended, a new one may start
    for thread in _job_threads():
        thread.join()
    assert third.id != first.id


def test_a_job_whose_process_stopped_is_marked_stale_not_running_for_ever(
    settings: Settings, tmp_path: Path
) -> None:
    moment = [datetime(2026, 11, 30, 12, tzinfo=UTC)]
    built = bootstrap(
        Settings(**{**settings.__dict__, "instance_path": str(tmp_path)}), clock=lambda: moment[0]
    )
    try:
        ledger = built.ledger
        orphan = ledger.start_verification("au")  # recorded, then its process died
        assert ledger.verification(orphan.id, SYSTEM_ACTOR).status == "running"

        moment[0] += JOB_STALE_AFTER + timedelta(seconds=1)
        found = ledger.verification(orphan.id, SYSTEM_ACTOR)

        assert (found.status, found.ok) == ("stale", False)
        assert "start a new verification" in found.describe()
        assert ledger.verification(orphan.id, SYSTEM_ACTOR) == found
    finally:
        built.close()
