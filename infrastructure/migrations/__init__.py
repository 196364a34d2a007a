"""Migrations of tsunagu's own SQL tables, with Alembic.

Alembic owns the tables that are neither the event store (the eventsourcing
library's recorders create theirs) nor the views (rebuilt blue/green by
``infrastructure.views.projection``, which also adopts an earlier release's
view tables): today ``api_tokens`` and ``projection_builds``, and every durable
table added later. A database of any earlier release is upgraded in place:
one written before migrations existed (release 0.1.0) is recognised by its
tables and stamped with the revision that describes it first.

Upgrades run in one transaction under a lock (PostgreSQL: an advisory lock;
SQLite: the write lock of ``BEGIN IMMEDIATE``), so several processes starting
at once upgrade once.
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection, Engine

RELEASE_0_1_0 = "0001"
"""The revision describing a database written by release 0.1.0 (no version table)."""

LOCK_ID = 0x7473756E  # "tsun": the advisory lock of PostgreSQL upgrades


def _config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent))
    config.attributes["connection"] = connection
    return config


def head() -> str:
    """The newest revision this code knows."""
    revision = ScriptDirectory.from_config(_config()).get_current_head()
    assert revision is not None  # noqa: S101 - the versions folder is never empty
    return revision


def current(engine: Engine) -> str | None:
    """The revision the database is at (None: not migrated yet)."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine) -> tuple[str | None, str]:
    """Bring the database to the newest revision; returns (from, to)."""
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:id)"), {"id": LOCK_ID})
        before = MigrationContext.configure(conn).get_current_revision()
        config = _config(conn)
        if before is None and sa.inspect(conn).has_table("api_tokens"):
            command.stamp(config, RELEASE_0_1_0)  # written before migrations existed
        command.upgrade(config, "head")
        return before, MigrationContext.configure(conn).get_current_revision() or head()
