"""The event store's snapshots as rows: counted and deleted (``tsunagu snapshots purge``).

Snapshots only save replaying: deleting them loses nothing, and the next load
of each aggregate replays its events (a new snapshot is taken when it next
crosses its interval). The table is the one the eventsourcing library's
recorders make for the application's snapshots: ``stored_snapshots`` on
SQLite; ``<application name>_snapshots`` in the configured schema on
PostgreSQL. Each row's state is the JSON the library wrote, with the
aggregate's topic in ``$.topic``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Engine

from infrastructure.persistence import Database


@dataclass(frozen=True)
class SqlSnapshots:
    """The snapshot rows of one event store."""

    engine: Engine
    table_name: str
    schema: str | None = None

    @classmethod
    def of(cls, database: Database, engine: Engine, application_name: str) -> SqlSnapshots:
        """The snapshot table of ``application_name`` on ``database``, through ``engine``.

        Raises LookupError for ``memory://``, whose snapshots live in the process.
        """
        if database.kind == "sqlite":
            return cls(engine, "stored_snapshots")
        if database.kind == "postgresql":
            return cls(engine, f"{application_name.lower()}_snapshots", database.schema or "public")
        raise LookupError("a memory:// event store keeps its snapshots in the process")

    def count(self, aggregate_topics: Sequence[str] | None = None) -> int:
        """How many snapshots there are (of aggregates with one of ``aggregate_topics``)."""
        table = self._table()
        query = sa.select(sa.func.count()).select_from(table)
        with self.engine.connect() as conn:
            return int(conn.execute(query.where(*self._of(table, aggregate_topics))).scalar_one())

    def purge(self, aggregate_topics: Sequence[str] | None = None) -> int:
        """Delete the snapshots (of aggregates with one of ``aggregate_topics``);
        returns how many were deleted."""
        table = self._table()
        with self.engine.begin() as conn:
            result = conn.execute(table.delete().where(*self._of(table, aggregate_topics)))
            return int(result.rowcount)

    def _table(self) -> sa.TableClause:
        return sa.table(self.table_name, sa.column("state", sa.LargeBinary), schema=self.schema)

    def _of(
        self, table: sa.TableClause, aggregate_topics: Sequence[str] | None
    ) -> list[sa.ColumnElement[bool]]:
        if aggregate_topics is None:
            return []
        return [self._aggregate_topic(table.c.state).in_(list(aggregate_topics))]

    def _aggregate_topic(self, state: sa.ColumnClause[Any]) -> sa.ColumnElement[Any]:
        if self.engine.dialect.name == "postgresql":
            document = sa.cast(sa.func.convert_from(state, "UTF8"), postgresql.JSON)
            return sa.func.json_extract_path_text(document, "topic")
        return sa.func.json_extract(sa.cast(state, sa.Text), "$.topic")
