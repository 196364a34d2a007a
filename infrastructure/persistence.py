"""Where events and views are stored, configured from one ``DATABASE_URL``.

The event store uses the eventsourcing library's native recorders
(``eventsourcing.sqlite`` / ``eventsourcing.postgres``); the read models and
other tables use SQLAlchemy on the same database. See README, "Architecture",
for the measurements behind this choice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.pool import StaticPool

SQLITE_LOCK_TIMEOUT_SECONDS = 15


class DatabaseUrlError(ValueError):
    """DATABASE_URL is not a form tsunagu understands."""


LIBPQ_VARIABLES = {
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "sslcrl": "PGSSLCRL",
    "sslpassword": "PGSSLPASSWORD",
    "channel_binding": "PGCHANNELBINDING",
    "gssencmode": "PGGSSENCMODE",
    "passfile": "PGPASSFILE",
    "service": "PGSERVICE",
    "application_name": "PGAPPNAME",
    "target_session_attrs": "PGTARGETSESSIONATTRS",
    "options": "PGOPTIONS",
}
"""A PostgreSQL URL's connection parameters and the libpq environment variables that
apply them to every connection (the event store's and the views' alike): the URL
carries none of them through, so naming one there is refused rather than dropped."""


def _socket_directory(query: str) -> str | None:
    """The ``host=/directory`` of a URL's query (a Unix socket), if it names one.

    Raises DatabaseUrlError for any other parameter: tsunagu would not apply it."""
    directory = None
    for name, value in parse_qsl(query, keep_blank_values=True):
        if name == "host" and value.startswith("/") and "," not in value:
            directory = value
            continue
        variable = LIBPQ_VARIABLES.get(name)
        how = (
            f"set {variable} in the environment instead (libpq applies it to every connection)"
            if variable
            else "the URL takes only host=/socket/directory (README, 'Configuration')"
        )
        raise DatabaseUrlError(f"the database URL's parameter {name!r} is not applied: {how}")
    return directory


@dataclass(frozen=True)
class Database:
    """One database holding the event store and the SQL tables."""

    kind: str
    """``sqlite``, ``postgresql`` or ``memory`` (tests: events in RAM, views in SQLite RAM)."""
    path: str = ""
    host: str = ""
    port: int = 5432
    user: str = ""
    password: str = ""
    name: str = ""
    schema: str | None = None

    @classmethod
    def from_url(cls, url: str, schema: str | None = None) -> Database:
        """Parse ``sqlite:///relative.db``, ``sqlite:////abs.db``,
        ``postgresql://user:pw@host:port/db`` (also ``postgres://`` and
        ``postgresql+psycopg://``) or ``memory://``."""
        parts = urlsplit(url)
        scheme = parts.scheme.split("+", 1)[0]
        if scheme == "memory":
            return cls(kind="memory")
        if scheme == "sqlite":
            path = unquote(url.split(":///", 1)[1]) if ":///" in url else ""
            if not path or path == ":memory:":
                raise DatabaseUrlError(
                    "sqlite URLs need a file: sqlite:///instance/tsunagu.sqlite3 "
                    "(use memory:// for a throw-away database)"
                )
            return cls(kind="sqlite", path=path)
        if scheme in ("postgresql", "postgres"):
            if not parts.path.strip("/"):
                raise DatabaseUrlError("postgresql URLs need a database name: postgresql://host/db")
            return cls(
                kind="postgresql",
                host=_socket_directory(parts.query) or parts.hostname or "127.0.0.1",
                port=parts.port or 5432,
                user=unquote(parts.username or "postgres"),
                password=unquote(parts.password or ""),
                name=parts.path.strip("/"),
                schema=schema,
            )
        raise DatabaseUrlError(
            f"unsupported DATABASE_URL scheme {parts.scheme!r}: use sqlite:///FILE or "
            "postgresql://USER@HOST:PORT/DB"
        )

    def describe(self) -> str:
        """The URL without its password, for logs and status output."""
        if self.kind == "sqlite":
            return f"sqlite:///{self.path}"
        if self.kind == "postgresql":
            schema = f" (schema {self.schema})" if self.schema else ""
            if self.host.startswith("/"):  # a Unix socket's directory
                return f"postgresql://{self.user}@/{self.name}?host={self.host}{schema}"
            return f"postgresql://{self.user}@{self.host}:{self.port}/{self.name}{schema}"
        return "memory://"

    def event_store_env(self) -> dict[str, str]:
        """Environment for the eventsourcing Application's infrastructure factory."""
        if self.kind == "memory":
            return {"PERSISTENCE_MODULE": "eventsourcing.popo"}
        if self.kind == "sqlite":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            return {
                "PERSISTENCE_MODULE": "eventsourcing.sqlite",
                "SQLITE_DBNAME": self.path,
                "SQLITE_LOCK_TIMEOUT": str(SQLITE_LOCK_TIMEOUT_SECONDS),
                # Writes the ranking inputs in each save's transaction (migration 0010).
                "PROCESS_RECORDER_TOPIC": (
                    "infrastructure.matching_inputs:MatchingSQLiteProcessRecorder"
                ),
            }
        env = {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": self.name,
            "POSTGRES_HOST": self.host,
            "POSTGRES_PORT": str(self.port),
            "POSTGRES_USER": self.user,
            "POSTGRES_PASSWORD": self.password,
            "POSTGRES_POOL_SIZE": "5",
            "POSTGRES_MAX_OVERFLOW": "10",
            "POSTGRES_CONNECT_TIMEOUT": "5",
            "POSTGRES_LOCK_TIMEOUT": "10",
            # No pre-ping: with it, psycopg_pool replaces a dead connection in the
            # background with a growing backoff, and after a database restart the
            # pool stayed empty for tens of seconds (tests/e2e/test_database_outage.py:
            # still 503 10 s after the database was back). Without it, a statement on
            # a dead connection fails, the connection is discarded and the library
            # retries on a new one: served again within 2 s.
            "POSTGRES_PRE_PING": "n",
            # Pinned (the environment is never read): the library's insert takes the
            # table lock that orders positions; the follower is gap-aware anyway.
            "POSTGRES_ENABLE_DB_FUNCTIONS": "n",
            # Writes the ranking inputs in each save's transaction (migration 0010).
            "PROCESS_RECORDER_TOPIC": (
                "infrastructure.matching_inputs:MatchingPostgresProcessRecorder"
            ),
        }
        if self.schema:
            env["POSTGRES_SCHEMA"] = self.schema
        return env

    def create_engines(self) -> tuple[Engine, Engine]:
        """Engines for (reading views, writing views).

        On SQLite the writer starts every transaction with ``BEGIN IMMEDIATE``
        so that concurrent projection runs queue on the database lock instead of
        failing when a read transaction tries to become a write transaction.
        """
        if self.kind == "memory":
            engine = sa.create_engine(
                "sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False}
            )
            _use_explicit_begin(engine, "BEGIN")
            return engine, engine
        if self.kind == "sqlite":
            url = f"sqlite:///{self.path}"
            args: dict[str, Any] = {"timeout": SQLITE_LOCK_TIMEOUT_SECONDS}
            reader = sa.create_engine(url, connect_args=args)
            writer = sa.create_engine(url, connect_args=args)
            _use_explicit_begin(reader, "BEGIN")
            _use_explicit_begin(writer, "BEGIN IMMEDIATE")
            return reader, writer
        url_obj = sa.URL.create(
            "postgresql+psycopg",
            username=self.user,
            password=self.password or None,
            host=self.host,
            port=self.port,
            database=self.name,
        )
        connect_args: dict[str, Any] = {"connect_timeout": 5}
        if self.schema:
            connect_args["options"] = f"-csearch_path={self.schema}"
        engine = sa.create_engine(
            url_obj, pool_pre_ping=True, pool_size=5, max_overflow=10, connect_args=connect_args
        )
        return engine, engine


SQLITE_CACHE_KIB = 65536
"""Page cache per SQLite connection, in KiB (SQLite's default is 2 MB). Filled only as
pages are read: a support center's database never fills it; a large one rebuilt its
views 16 % faster with it (100k needs: 410 s -> 345 s, docs/benchmarks.md), the
indexes it maintains no longer fitting the default."""


def _use_explicit_begin(engine: Engine, begin: str) -> None:
    """Let SQLAlchemy, not pysqlite, decide when a transaction begins."""

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # Deleted and overwritten content is zeroed, not left in free space: erased
        # personal data (docs/privacy.md) must not survive in the file.
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        connection.exec_driver_sql(begin)


SQLITE_ANALYSIS_LIMIT = 1000
"""Rows of each index SQLite's ANALYZE samples (its statistics are estimates above it)."""


def analyze(engine: Engine, table_names: Sequence[str], *, vacuum: bool = False) -> None:
    """Planner statistics for tables just written in bulk (a view generation, the
    matching inputs of an old log): without them both planners chose plans 10-70x
    slower (docs/benchmarks.md). PostgreSQL's autovacuum may be off or not yet round;
    with ``vacuum``, VACUUM (ANALYZE), whose visibility map allows index-only scans
    (it blocks neither readers nor writers). SQLite keeps no statistics unless asked;
    there ANALYZE reads a sample (milliseconds, where a whole table of a million rows
    would hold the write lock for seconds)."""
    if engine.dialect.name == "postgresql":
        command = "VACUUM (ANALYZE)" if vacuum else "ANALYZE"
        with engine.connect() as conn:
            autocommit = conn.execution_options(isolation_level="AUTOCOMMIT")
            for name in table_names:  # VACUUM runs outside a transaction
                autocommit.exec_driver_sql(f"{command} {_quoted(conn, name)}")
        return
    with engine.begin() as conn:
        conn.exec_driver_sql(f"PRAGMA analysis_limit = {SQLITE_ANALYSIS_LIMIT}")
        for name in table_names:
            conn.exec_driver_sql(f"ANALYZE {_quoted(conn, name)}")


def _quoted(conn: Any, name: str) -> str:
    return str(conn.dialect.identifier_preparer.quote(name))
