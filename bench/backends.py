"""Fresh, throw-away databases for each measurement.

Every measurement starts from an empty event store: on SQLite a new file in a
temporary directory, on PostgreSQL a new schema in the configured database.
Everything created is removed by :meth:`Backend.close`.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Literal
from uuid import uuid4

import psycopg
import sqlalchemy as sa

from infrastructure.persistence import Database
from interfaces.bootstrap import Settings

BackendKind = Literal["sqlite", "postgres"]

POSTGRES_URL_VARIABLES = ("TSUNAGU_TEST_POSTGRES_URL", "BENCH_POSTGRES_URL")


def postgres_url_from_env() -> str | None:
    """The PostgreSQL URL to benchmark against, if one is configured."""
    for name in POSTGRES_URL_VARIABLES:
        value = os.environ.get(name, "").strip()
        if value:
            return value
    return None


@dataclass(frozen=True)
class Target:
    """One empty database (a SQLite file or a PostgreSQL schema)."""

    kind: BackendKind
    database_url: str
    schema: str | None = None

    @property
    def database(self) -> Database:
        return Database.from_url(self.database_url, schema=self.schema)

    def settings(self, *, inline_projections: bool) -> Settings:
        """Settings for bootstrapping tsunagu itself on this database."""
        return Settings(
            database_url=self.database_url,
            inline_projections=inline_projections,
            demo=False,
            db_schema=self.schema,
            fast_passwords=True,
            master_key=self._master_key(),
        )

    def _master_key(self) -> str | None:
        """On PostgreSQL, one master key for this target in every process (the
        worker too): without an instance folder each process would make its own,
        and the worker could not open what the benchmark sealed. A throw-away
        database's key, derived from its name; SQLite keeps its key file."""
        if self.kind == "sqlite":
            return None
        return hashlib.sha256(f"bench:{self.database_url}:{self.schema}".encode()).hexdigest()

    def native_env(self) -> dict[str, str]:
        """The very recorder configuration tsunagu uses (``eventsourcing.sqlite``/``.postgres``)."""
        return self.database.event_store_env()

    def sqlalchemy_env(self) -> dict[str, str]:
        """The same database through ``eventsourcing_sqlalchemy``'s recorders."""
        db = self.database
        if db.kind == "sqlite":
            return {
                "PERSISTENCE_MODULE": "eventsourcing_sqlalchemy",
                "SQLALCHEMY_URL": f"sqlite:///{db.path}",
            }
        url = sa.URL.create(
            "postgresql+psycopg",
            username=db.user,
            password=db.password or None,
            host=db.host,
            port=db.port,
            database=db.name,
        )
        env = {
            "PERSISTENCE_MODULE": "eventsourcing_sqlalchemy",
            "SQLALCHEMY_URL": url.render_as_string(hide_password=False),
        }
        if self.schema:
            env["SQLALCHEMY_SCHEMA"] = self.schema
        return env


@dataclass
class Backend:
    """Hands out fresh targets on one backend and removes them afterwards."""

    kind: BackendKind
    postgres_url: str | None = None
    _tmpdir: Path | None = None
    _schemas: list[str] = field(default_factory=list)

    @property
    def title(self) -> str:
        return "SQLite" if self.kind == "sqlite" else "PostgreSQL"

    def version(self) -> str:
        if self.kind == "sqlite":
            return f"SQLite {sqlite3.sqlite_version}"
        with self._connect() as conn:
            row = conn.execute("SHOW server_version").fetchone()
        return f"PostgreSQL {row[0] if row else '?'}"

    def where(self) -> str:
        if self.kind == "sqlite":
            return f"files in {self._dir()}"
        return f"fresh schemas in {Database.from_url(self._url()).describe()}"

    def fresh(self, tag: str) -> Target:
        """A new empty database for one measurement."""
        if self.kind == "sqlite":
            path = self._dir() / f"{tag}.sqlite3"
            return Target("sqlite", f"sqlite:///{path}")
        schema = f"bench_{tag}_{uuid4().hex[:8]}"
        with self._connect() as conn:
            conn.execute(f'CREATE SCHEMA "{schema}"')
        self._schemas.append(schema)
        return Target("postgres", self._url(), schema)

    def close(self) -> None:
        """Drop every schema and file this backend created."""
        if self._schemas:
            with self._connect() as conn:
                for schema in self._schemas:
                    conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
            self._schemas.clear()
        if self._tmpdir is not None:
            shutil.rmtree(self._tmpdir, ignore_errors=True)
            self._tmpdir = None

    def __enter__(self) -> Backend:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _dir(self) -> Path:
        if self._tmpdir is None:
            self._tmpdir = Path(tempfile.mkdtemp(prefix="tsunagu-bench-"))
        return self._tmpdir

    def _url(self) -> str:
        if not self.postgres_url:
            raise RuntimeError("no PostgreSQL URL configured")
        return self.postgres_url

    def _connect(self) -> psycopg.Connection[tuple[object, ...]]:
        db = Database.from_url(self._url())
        return psycopg.connect(
            host=db.host,
            port=db.port,
            user=db.user,
            password=db.password or None,
            dbname=db.name,
            autocommit=True,
            connect_timeout=5,
        )
