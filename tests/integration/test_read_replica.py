"""DATABASE_READ_URL: lists and reports read a real PostgreSQL streaming replica.

The session fixture makes the replica the way an operator would (pg_basebackup -R,
then a hot standby on a free port, run as the ``postgres`` OS user when the tests
run as root). Skipped only when TSUNAGU_TEST_POSTGRES_URL is unset; when it is set
and the replica cannot be made, the tests FAIL saying why (the primary must allow
replication connections from 127.0.0.1: ``.ci/run`` adds that pg_hba line).

Pausing the standby's replay (``pg_wal_replay_pause()``) makes it lag on demand:
what it still answers proves which reads it serves.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from uuid import uuid4

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict

import application.common
from application.board import BoardSort, NeedFilter
from application.resources import ResourceFilter
from infrastructure.views.board import SqlCaseBoard
from interfaces.bootstrap import Container, DatabaseUrlError, Settings, bootstrap
from tests.builders import PASSWORD, make_need, make_resource, make_town
from tests.conftest import POSTGRES_URL, _drop_schema

COPIED_SETTINGS = (  # a hot standby refuses to start with less than the primary has
    "max_connections",
    "max_worker_processes",
    "max_wal_senders",
    "max_prepared_transactions",
    "max_locks_per_transaction",
)
START_SECONDS = 30


def _as_postgres(*args: str) -> subprocess.CompletedProcess[str]:
    """Run a server program as the postgres OS user (PostgreSQL refuses root)."""
    command = ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else list(args)
    return subprocess.run(  # noqa: S603 - PostgreSQL's own programs, fixed arguments, no shell
        command, capture_output=True, text=True, timeout=120, check=False
    )


def _bin_dir(major: int) -> Path:
    packaged = Path(f"/usr/lib/postgresql/{major}/bin")
    if (packaged / "pg_basebackup").exists():
        return packaged
    found = shutil.which("pg_basebackup")
    if found is None:
        pytest.fail(f"no pg_basebackup for PostgreSQL {major} (looked in {packaged}, PATH)")
    return Path(found).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _lsn(url: str, query: str) -> int:
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute(f"SELECT ({query}) - '0/0'::pg_lsn").fetchone()
    return int(row[0]) if row and row[0] is not None else -1


def _catch_up(replica_url: str, seconds: float = START_SECONDS) -> None:
    """Wait until the replica has replayed everything the primary has written now."""
    target = _lsn(POSTGRES_URL, "pg_current_wal_lsn()")
    deadline = time.monotonic() + seconds
    while _lsn(replica_url, "pg_last_wal_replay_lsn()") < target:
        if time.monotonic() > deadline:
            pytest.fail(f"the replica did not replay the primary's WAL in {seconds:.0f} s")
        time.sleep(0.05)


@pytest.fixture(scope="session")
def replica_url() -> Iterator[str]:
    """A hot standby of the test primary; its URL (same user and database)."""
    if not POSTGRES_URL:
        pytest.skip("TSUNAGU_TEST_POSTGRES_URL is unset: no primary to replicate")
    primary = conninfo_to_dict(POSTGRES_URL)
    host, port = str(primary.get("host") or "127.0.0.1"), str(primary.get("port") or 5432)
    user, dbname = str(primary.get("user") or "postgres"), str(primary.get("dbname") or "postgres")
    try:
        with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
            major = int(conn.execute("SHOW server_version_num").fetchone()[0]) // 10000  # type: ignore[index]
            settings = {n: conn.execute(f"SHOW {n}").fetchone()[0] for n in COPIED_SETTINGS}  # type: ignore[index]
    except psycopg.Error as error:
        pytest.fail(f"no replica: the test primary does not answer ({error})", pytrace=False)
    binaries = _bin_dir(major)
    home = Path(tempfile.mkdtemp(prefix="tsunagu-replica-"))
    data = home / "data"
    if os.geteuid() == 0:
        shutil.chown(home, "postgres")
    started = False
    try:
        made = _as_postgres(
            str(binaries / "pg_basebackup"),
            *("-h", host, "-p", port, "-U", user),
            *("-D", str(data), "-R", "-X", "stream", "-c", "fast"),
        )
        if made.returncode != 0:
            pytest.fail(
                "pg_basebackup could not copy the test primary for a replica "
                f"({made.stderr.strip()}). The primary must accept replication "
                "connections from 127.0.0.1 (pg_hba.conf: 'host replication all "
                "127.0.0.1/32 trust'; .ci/run adds it), with wal_level replica.",
                pytrace=False,
            )
        standby_port = _free_port()
        lines = [
            f"port = {standby_port}",
            "listen_addresses = '127.0.0.1'",
            f"unix_socket_directories = '{home}'",
            "hot_standby = on",
            "fsync = off",
            *(f"{name} = {value}" for name, value in settings.items()),
        ]
        (data / "postgresql.conf").write_text("\n".join(lines) + "\n")
        (data / "pg_hba.conf").write_text("local all all trust\nhost all all 127.0.0.1/32 trust\n")
        (data / "pg_ident.conf").write_text("")
        if os.geteuid() == 0:
            for name in ("postgresql.conf", "pg_hba.conf", "pg_ident.conf"):
                shutil.chown(data / name, "postgres")
        run = _as_postgres(
            str(binaries / "pg_ctl"),
            *("-D", str(data), "-l", str(home / "log"), "-w", "-t", str(START_SECONDS), "start"),
        )
        started = run.returncode == 0
        if not started:
            log = (home / "log").read_text(errors="replace")[-1500:]
            pytest.fail(f"the replica did not start:\n{run.stderr}\n{log}", pytrace=False)
        url = f"postgresql://{user}@127.0.0.1:{standby_port}/{dbname}"
        _catch_up(url)
        yield url
    finally:
        if started:
            _as_postgres(str(binaries / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop")
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture
def replicated(replica_url: str) -> Iterator[Container]:
    """tsunagu on the primary with DATABASE_READ_URL naming the replica (own schema)."""
    schema = f"test_{uuid4().hex[:16]}"
    settings = Settings(
        database_url=POSTGRES_URL,
        read_database_url=replica_url,
        db_schema=schema,
        secret_key="test",
        fast_passwords=True,
    )
    built = None
    try:
        built = bootstrap(settings)
        _catch_up(replica_url)
        yield built
    finally:
        if built is not None:
            built.close()
        _drop_schema(schema)


@contextmanager
def replay_paused(replica_url: str) -> Iterator[None]:
    """The replica stops replaying the primary's WAL (it still answers reads)."""
    with psycopg.connect(replica_url, autocommit=True) as conn:
        conn.execute("SELECT pg_wal_replay_pause()")
        while conn.execute("SELECT pg_get_wal_replay_pause_state()").fetchone() != ("paused",):
            time.sleep(0.01)
        try:
            yield
        finally:
            conn.execute("SELECT pg_wal_replay_resume()")


def _primary_board(container: Container) -> SqlCaseBoard:
    return SqlCaseBoard(container.projections.reader)


def test_lists_are_read_from_the_replica(replicated: Container, replica_url: str) -> None:
    app = replicated.services
    town = make_town(app)
    make_need(app, town)
    make_resource(app, town.coordinator)
    _catch_up(replica_url)
    with replay_paused(replica_url):
        make_need(app, town)  # written on the primary, not replayed by the replica
        make_resource(app, town.coordinator)
        _, on_primary = _primary_board(replicated).page(
            NeedFilter(), BoardSort.LAST_ACTIVITY, 1, 50
        )

        board = app.board.board(NeedFilter(), town.coordinator)
        resources = app.resources.list_page(ResourceFilter(), town.coordinator)
        dashboard = app.oversight.dashboard(town.supervisor)

    assert on_primary == 2
    assert (board.total, board.stale) == (1, False)  # the replica's board: no wait asked
    assert board.position < replicated.store.head()
    assert resources.total == 1
    assert dashboard.position < replicated.store.head()


def test_a_read_after_a_write_waits_for_the_replica_to_replay_it(
    replicated: Container, replica_url: str
) -> None:
    app = replicated.services
    town = make_town(app)
    _catch_up(replica_url)
    with replay_paused(replica_url):
        need = make_need(app, town)
        # The replica goes on a moment after the read began to wait (bounded: 2 s).
        resume = threading.Timer(0.3, _resume, args=(replica_url,))
        resume.start()
        try:
            page = app.board.board(NeedFilter(), town.coordinator, min_position=need.position)
        finally:
            resume.join()
    assert (page.total, page.stale) == (1, False)
    assert page.position >= (need.position or 0)


def _resume(replica_url: str) -> None:
    with psycopg.connect(replica_url, autocommit=True) as conn:
        conn.execute("SELECT pg_wal_replay_resume()")


def test_a_replica_that_stays_behind_answers_stale_as_a_lagging_view_does(
    replicated: Container, replica_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(application.common, "VIEW_WAIT_SECONDS", 0.3)
    app = replicated.services
    town = make_town(app)
    _catch_up(replica_url)
    with replay_paused(replica_url):
        need = make_need(app, town)
        page = app.board.board(NeedFilter(), town.coordinator, min_position=need.position)
        gaps = app.development.gap_report(town.coordinator, min_position=need.position)
    assert (page.total, page.stale) == (0, True)  # what it has, and says it is behind
    assert page.position < (need.position or 0)
    assert gaps is not None  # answered, not refused, while the replica is behind


def test_commands_and_sign_in_never_read_the_replica(
    replicated: Container, replica_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(application.common, "VIEW_WAIT_SECONDS", 0.0)
    app = replicated.services
    _catch_up(replica_url)
    with replay_paused(replica_url):  # nothing written from here on reaches the replica
        town = make_town(app)  # users, areas, centers: each command checks the previous
        resource = make_resource(app, town.coordinator)
        need = make_need(app, town)
        need = app.needs.assign(need.id, "sc", need.version, town.coordinator)
        shown = app.matching.candidates(need.id, town.coordinator)
        proposed = app.matching.propose(
            need.id, resource.id, "近い", need.version, town.coordinator, ranking=shown.digest
        )
        token = app.accounts.issue_token("sc", PASSWORD)
        signed_in = app.accounts.authenticate(token.token)
    assert [c.resource_id for c in shown.candidates] == [resource.id]
    assert proposed.version > need.version
    assert signed_in.username == "sc"


def test_without_a_read_url_every_read_is_on_the_primary(replicated: Container) -> None:
    plain = bootstrap(replace(replicated.settings, read_database_url=None))
    try:
        assert plain.replica is None
        assert replicated.replica is not None
        assert replicated.replica.url.port != plain.projections.reader.url.port
    finally:
        plain.close()


def test_a_read_url_beside_sqlite_is_refused_saying_why(tmp_path: Path) -> None:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        read_database_url="postgresql://postgres@127.0.0.1:5432/test",
        secret_key="test",
        fast_passwords=True,
    )
    with pytest.raises(DatabaseUrlError, match="SQLite, which has no replicas"):
        bootstrap(settings)


def test_the_read_url_comes_from_the_environment(tmp_path: Path) -> None:
    primary = "postgresql://tsunagu@primary/db"
    env = {"DATABASE_URL": primary, "DATABASE_READ_URL": " postgresql://r@replica/db "}
    assert Settings.from_env(env, str(tmp_path)).read_database_url == "postgresql://r@replica/db"
    assert Settings.from_env({"DATABASE_URL": primary}, str(tmp_path)).read_database_url is None


def test_a_request_marked_with_a_write_reads_the_primary_until_the_replica_has_it(
    replicated: Container, replica_url: str
) -> None:
    reads = replicated.reads
    assert reads is not None
    app = replicated.services
    town = make_town(app)
    _catch_up(replica_url)
    try:
        with replay_paused(replica_url):
            make_need(app, town)
            reads.begin(reads.mark())  # a request of the session that wrote it
            marked = app.board.board(NeedFilter(), town.coordinator)
            reads.begin(None)  # anyone else's request
            unmarked = app.board.board(NeedFilter(), town.coordinator)
            mark = reads.mark()
            reads.begin(mark)
            assert not reads.replica_caught_up()
        _catch_up(replica_url)
        reads.begin(mark)
        assert reads.replica_caught_up()  # the replica serves that session again
    finally:
        reads.begin(None)
    assert (marked.total, unmarked.total) == (1, 0)


def test_a_screen_shows_its_own_change_while_the_replica_lags(
    replicated: Container, replica_url: str
) -> None:
    from interfaces.web import create_app
    from tests.ui.support import Browser

    web = create_app(container=replicated)
    app = replicated.services
    town = make_town(app)
    other = Browser(web)
    assert other.sign_in("sc").status == 303
    _catch_up(replica_url)
    assert other.get("/needs").status == 200  # the replica has its sign-in: mark dropped
    with replay_paused(replica_url):
        need = make_need(app, town)
        writer = Browser(web)
        assert writer.sign_in("sc").status == 303  # a change on a screen, after the need
        own = writer.get("/needs")
        elsewhere = other.get("/needs")
    assert str(need.id) in own.html
    assert str(need.id) not in elsewhere.html


def test_lists_go_to_the_primary_while_the_replica_does_not_answer(
    caplog: pytest.LogCaptureFixture,
) -> None:
    if not POSTGRES_URL:
        pytest.skip("TSUNAGU_TEST_POSTGRES_URL is unset")
    schema = f"test_{uuid4().hex[:16]}"
    nowhere = f"postgresql://postgres@127.0.0.1:{_free_port()}/test"  # nothing listens
    built = bootstrap(
        Settings(
            database_url=POSTGRES_URL,
            read_database_url=nowhere,
            db_schema=schema,
            secret_key="test",
            fast_passwords=True,
        )
    )
    try:
        app = built.services
        town = make_town(app)
        make_need(app, town)
        page = app.board.board(NeedFilter(), town.coordinator)
    finally:
        built.close()
        _drop_schema(schema)
    assert (page.total, page.stale) == (1, False)
    assert "the read replica does not answer" in caplog.text
