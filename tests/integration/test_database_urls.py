"""What a ``DATABASE_URL`` may say beyond user, password, host, port and database: a
Unix socket's directory; any other parameter is refused, naming the libpq
environment variable that applies it (the URL's query was dropped without a word, so
``?sslmode=verify-full`` connected without verifying the server)."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit
from uuid import uuid4

import psycopg
import pytest

from interfaces.bootstrap import DatabaseUrlError, Settings, bootstrap
from tests.commands import run_tsunagu
from tests.conftest import POSTGRES_URL

SOCKET_DIRECTORY = "/var/run/postgresql"


def settings(url: str, **extra: str) -> Settings:
    return Settings(database_url=url, secret_key="test", fast_passwords=True, **extra)


@pytest.mark.parametrize(
    ("parameter", "variable"),
    [
        ("sslmode=verify-full", "PGSSLMODE"),
        ("sslrootcert=/etc/ssl/city-ca.pem", "PGSSLROOTCERT"),
        ("application_name=tsunagu", "PGAPPNAME"),
        ("target_session_attrs=read-write", "PGTARGETSESSIONATTRS"),
    ],
)
def test_a_url_parameter_is_refused_naming_the_variable_that_applies_it(
    parameter: str, variable: str
) -> None:
    url = f"postgresql://tsunagu@db.internal:5432/tsunagu?{parameter}"
    with pytest.raises(DatabaseUrlError, match=variable):
        bootstrap(settings(url))


def test_an_unknown_url_parameter_is_refused_too() -> None:
    with pytest.raises(DatabaseUrlError, match="'pool_size'"):
        bootstrap(settings("postgresql://tsunagu@db.internal/tsunagu?pool_size=50"))


def test_a_read_url_is_held_to_the_same(tmp_path: Path) -> None:
    with pytest.raises(DatabaseUrlError, match="PGSSLMODE"):
        bootstrap(
            settings(
                "postgresql://tsunagu@primary/tsunagu",
                read_database_url="postgresql://tsunagu@replica/tsunagu?sslmode=require",
            )
        )


def test_the_command_line_says_so_in_one_line(tmp_path: Path) -> None:
    run = run_tsunagu(
        tmp_path,
        {
            "DATABASE_URL": "postgresql://tsunagu@db.internal/tsunagu?sslmode=verify-full",
            "TSUNAGU_SECRET_KEY": "test",
        },
        "projections",
        "status",
    )

    assert run.returncode == 2
    assert "Traceback" not in run.stderr
    assert "PGSSLMODE" in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1


@pytest.mark.skipif(
    not POSTGRES_URL or not os.path.isdir(SOCKET_DIRECTORY),
    reason="needs TSUNAGU_TEST_POSTGRES_URL and the local server's socket directory",
)
def test_a_unix_socket_directory_is_where_the_connections_go() -> None:
    served = urlsplit(POSTGRES_URL)
    url = f"postgresql://{served.username or 'postgres'}@{served.path}?host={SOCKET_DIRECTORY}"
    schema = f"test_socket_{uuid4().hex[:12]}"
    built = bootstrap(settings(url, db_schema=schema))
    try:
        # inet_client_addr() is NULL on a Unix socket, the client's address over TCP.
        with built.projections.reader.connect() as conn:
            assert conn.exec_driver_sql("SELECT inet_client_addr()").scalar() is None
        with built.store.recorder.datastore.get_connection() as events:  # type: ignore[attr-defined]
            assert events.execute("SELECT inet_client_addr() AS a").fetchone()["a"] is None
        assert built.store.head() == 0
    finally:
        built.close()
        with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
