"""The tables of a view's generations: made, indexed, shown to readers, retired.

Every view's rows live in tables of one *generation* (``case_board_g3``); readers
query the canonical name (``case_board``), an SQL view over the generation that
serves. A new generation is made with only the indexes its handlers find rows by
(``View.lookups``) and gets the others once it nears the head; one transaction then
points the canonical names at it and drops the old generation's tables. Plain
functions on a connection or engine, used by :mod:`infrastructure.views.projection`
inside its transactions; the bookkeeping of positions is
:mod:`infrastructure.views.registry`'s.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.schema import CreateTable

from infrastructure.persistence import analyze
from infrastructure.views import registry
from infrastructure.views.registry import SERVING, Generation
from infrastructure.views.schema import (
    LEGACY_TABLES,
    RETIRED_TABLES,
    RETIRED_VIEWS,
    projection_builds,
    projection_tracking,
    projection_versions,
)
from infrastructure.views.view import View, physical_name
from infrastructure.views.writes import quote_name

log = logging.getLogger(__name__)


def table_names(view: type[View]) -> list[str]:
    """The canonical names of the view's tables."""
    return [table.name for table in view.tables]


def make(conn: Connection, view: View) -> None:
    """The empty tables of ``view``'s generation, with the indexes its handlers look
    rows up by; a leftover of a crashed attempt is dropped first."""
    for table in view.physical_tables:
        table.drop(conn, checkfirst=True)
        conn.execute(CreateTable(table))
    for index in view.indexes(while_building=True):
        index.create(conn)


def index(writer: Engine, view: View) -> None:
    """The indexes a building generation was made without (see ``View.lookups``),
    made over its rows now that it is near the head, before readers see it (safe to
    repeat: a build resumed after a crash makes only those still missing)."""
    started = time.perf_counter()
    with writer.begin() as conn:
        for found in view.indexes(while_building=False):
            found.create(conn, checkfirst=True)
    log.info("view %s: indexes made in %.1f s", view.name, time.perf_counter() - started)


def point(conn: Connection, tables: Sequence[sa.Table], generation: int) -> None:
    """Readers' canonical names now show ``generation`` (in the caller's transaction)."""
    legacy = set(sa.inspect(conn).get_table_names())  # tables, not views
    for table in tables:
        canonical = quote_name(conn, table.name)
        if table.name in legacy:  # an earlier release's table of that name
            conn.exec_driver_sql(f"DROP TABLE {canonical}")
        else:
            conn.exec_driver_sql(f"DROP VIEW IF EXISTS {canonical}")
        physical = quote_name(conn, physical_name(table.name, generation))
        # Identifiers quoted by the dialect; no value reaches this text.
        conn.exec_driver_sql(f"CREATE VIEW {canonical} AS SELECT * FROM {physical}")  # noqa: S608


def retire(conn: Connection, old: Generation, kept: Sequence[str]) -> None:
    """Drop the tables of the generation that served before; a canonical name the new
    version no longer has (not in ``kept``) goes with them."""
    for table_name in old.tables:
        drop(conn, physical_name(table_name, old.generation))
        if table_name not in kept:
            conn.exec_driver_sql(f"DROP VIEW IF EXISTS {quote_name(conn, table_name)}")


def analyze_tables(writer: Engine, tables: Sequence[sa.Table], generation: int) -> None:
    """Planner statistics, and on PostgreSQL the visibility map, for a generation
    that was just built in bulk (a center's deep board page sorted the center's
    rows without it: 22 ms, against 1.6 ms along its index once vacuumed)."""
    analyze(writer, [physical_name(table.name, generation) for table in tables], vacuum=True)


def adopt_legacy(conn: Connection, views: Mapping[str, type[View]]) -> None:
    """A database of release 0.1.0 holds each view in tables of the canonical names,
    tracked in ``projection_tracking``: they become generation 1."""
    existing = set(sa.inspect(conn).get_table_names())
    if projection_tracking.name not in existing:
        return
    known = {row.view for row in conn.execute(sa.select(projection_builds.c.view))}
    tracked = {row.view: int(row.position) for row in conn.execute(sa.select(projection_tracking))}
    versions: dict[str, int] = {}
    if projection_versions.name in existing:
        versions = {
            row.view: int(row.version) for row in conn.execute(sa.select(projection_versions))
        }
    for name, view in views.items():
        if name in known or name not in tracked:
            continue
        canonical = [t.name for t in view.tables if t.name in existing]
        if len(canonical) != len(view.tables):
            continue  # the old tables answer other questions: build anew
        for table in canonical:
            conn.exec_driver_sql(
                f"ALTER TABLE {quote_name(conn, table)} "
                f"RENAME TO {quote_name(conn, physical_name(table, 1))}"
            )
        registry.record(conn, name, 1, versions.get(name, 1), SERVING, tracked[name], canonical)
        point(conn, view.tables, 1)
    for table_name in LEGACY_TABLES:
        drop(conn, table_name)


def drop_retired(conn: Connection) -> None:
    """The tables of views and tables the code no longer has."""
    for table_name in [*RETIRED_TABLES, *(t for ts in RETIRED_VIEWS.values() for t in ts)]:
        drop(conn, table_name)


def drop(conn: Connection, table_name: str) -> None:
    sa.Table(table_name, sa.MetaData()).drop(conn, checkfirst=True)
