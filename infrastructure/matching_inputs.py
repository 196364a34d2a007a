"""The matching inputs (application.matching_inputs) in SQL: written by the event
recorder in the transaction that inserts the events, read by ranking. The same
recorders write each raised need's link to its client's data key.

The recorders are the library's native process recorders with one addition: the
``matching`` rows a save passes along (``EventStore.save_recognising``) are
upserted after the events, on the same cursor, so they commit or roll back with
them (on PostgreSQL under the table lock that orders the log). A row is only
replaced by a newer version of its aggregate. Tables: migration 0010.
"""

from __future__ import annotations

import dataclasses
import functools
import json
from collections.abc import Sequence
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from eventsourcing.persistence import InterfaceError, OperationalError, StoredEvent
from eventsourcing.postgres import PostgresProcessRecorder
from eventsourcing.sqlite import SQLiteProcessRecorder
from eventsourcing.utils import retry
from sqlalchemy.engine import Engine

from application.matching_inputs import MatchingRows, ResourceInput, facts
from domain.matching import ResourceFacts
from domain.values import NeedCategory
from infrastructure.persistence import analyze

_meta = sa.MetaData()
matching_resources = sa.Table(
    "matching_resources",
    _meta,
    sa.Column("resource_id", sa.Uuid, primary_key=True),
    sa.Column("version", sa.Integer),
    sa.Column("name", sa.Text),
    sa.Column("service_type", sa.String(32)),
    sa.Column("categories", sa.Text),
    sa.Column("area_codes", sa.Text),
    sa.Column("eligible_care_levels", sa.Text),
    sa.Column("weekdays", sa.Text),
    sa.Column("capacity", sa.Integer),
    sa.Column("places_taken", sa.Integer),
    sa.Column("status", sa.String(32)),
)
matching_waiting = sa.Table(
    "matching_waiting",
    _meta,
    sa.Column("need_id", sa.Uuid, primary_key=True),
    sa.Column("version", sa.Integer),
    sa.Column("resource_id", sa.Uuid),
)
matching_inputs_state = sa.Table(
    "matching_inputs_state",
    _meta,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("filled_to", sa.BigInteger),
)

_RESOURCE_COLUMNS = (
    "resource_id",
    "version",
    "name",
    "service_type",
    "categories",
    "area_codes",
    "eligible_care_levels",
    "weekdays",
    "capacity",
    "places_taken",
    "status",
)


def _upserts(qualifier: str, mark: str) -> tuple[str, str]:
    """The two upserts (resources, needs) for a driver's parameter ``mark``."""
    marks = ", ".join([mark] * len(_RESOURCE_COLUMNS))
    updates = ", ".join(f"{c} = excluded.{c}" for c in _RESOURCE_COLUMNS[1:])
    # Only constants and the schema's quoted name go into the text; values are parameters.
    resources = (
        f"INSERT INTO {qualifier}matching_resources AS t ({', '.join(_RESOURCE_COLUMNS)}) "  # noqa: S608
        f"VALUES ({marks}) ON CONFLICT (resource_id) DO UPDATE SET {updates} "
        "WHERE excluded.version > t.version"
    )
    needs = (
        f"INSERT INTO {qualifier}matching_waiting AS t (need_id, version, resource_id) "  # noqa: S608
        f"VALUES ({mark}, {mark}, {mark}) ON CONFLICT (need_id) DO UPDATE SET "
        "version = excluded.version, resource_id = excluded.resource_id "
        "WHERE excluded.version > t.version"
    )
    return resources, needs


def _categories(values: Sequence[str]) -> str:
    """``|a|b|``: one LIKE finds the resources serving a category."""
    return "|" + "|".join(sorted(values)) + "|"


def _params(rows: MatchingRows, uuid: Any) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    resources = [
        (
            uuid(r.resource_id),
            r.version,
            r.name,
            r.service_type,
            _categories(r.categories),
            json.dumps(list(r.area_codes)),
            json.dumps(list(r.eligible_care_levels)),
            json.dumps(list(r.weekdays)),
            r.capacity,
            r.places_taken,
            r.status,
        )
        # Sorted: concurrent transactions take the rows' locks in one order.
        for r in sorted(rows.resources, key=lambda r: str(r.resource_id))
    ]
    needs = [
        (uuid(n.need_id), n.version, uuid(n.waiting_for) if n.waiting_for is not None else None)
        for n in sorted(rows.needs, key=lambda n: str(n.need_id))
    ]
    return resources, needs


def _hex(value: UUID) -> str:
    return value.hex  # how SQLAlchemy's Uuid type stores a UUID in SQLite


def _same(value: UUID) -> UUID:
    return value


def _link_sql(qualifier: str, mark: str) -> str:
    """Links a raised need to its client's key (``personal_key_subjects``, owned by
    infrastructure.keystore); a retried save finds its row there already."""
    return (
        f"INSERT INTO {qualifier}personal_key_subjects (subject_id, client_id) "  # noqa: S608
        f"VALUES ({mark}, {mark}) ON CONFLICT (subject_id) DO NOTHING"
    )


def _links(kwargs: dict[str, Any], uuid: Any) -> list[tuple[Any, Any]]:
    """The recorder's ``links`` argument (application.store.LinkingEvents) as rows."""
    pairs: Sequence[tuple[UUID, UUID]] = kwargs.get("links") or ()
    return [(uuid(subject), uuid(client)) for subject, client in pairs]


class MatchingSQLiteProcessRecorder(SQLiteProcessRecorder):
    """The SQLite process recorder, writing the matching inputs and the raised
    needs' key links with the events."""

    writes_subject_links = True
    _sql = _upserts("", "?")
    _link = _link_sql("", "?")

    def _insert_events(
        self, c: Any, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        returning = super()._insert_events(c, stored_events, **kwargs)
        rows: MatchingRows | None = kwargs.get("matching")
        if rows and stored_events:
            resources, needs = _params(rows, _hex)
            if resources:
                c.executemany(self._sql[0], resources)
            if needs:
                c.executemany(self._sql[1], needs)
        links = _links(kwargs, _hex)
        if links and stored_events:
            c.executemany(self._link, links)
        return returning


PIPELINED_MAX_BYTES = 64 * 1024
"""Events of one save sent in psycopg's pipeline mode at most (their states' bytes).

The library sends a save's events as one INSERT message in pipeline mode, and psycopg
(3.3.9) hangs for good, never sending the rest, once one message outgrows the
connection's buffers: seen at 13 MB over TCP and 1.5 MB over a Unix socket (an
all-or-nothing import of 30,000 resources hung over TCP, of 5,000 over the socket); the
session held the lock that orders the log meanwhile, so every other write waited
behind it (docs/benchmarks.md, "Large saves on PostgreSQL"). A larger
save goes without the pipeline (a few more round trips, nothing against its bytes);
a command's save, a few events of a few hundred bytes, keeps it."""


class MatchingPostgresProcessRecorder(PostgresProcessRecorder):
    """The PostgreSQL process recorder, writing the matching inputs and the raised
    needs' key links with the events, after them, under the lock that orders the log."""

    writes_subject_links = True

    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        ids: Sequence[int] | None
        if sum(len(e.state) for e in stored_events) <= PIPELINED_MAX_BYTES:
            ids = super().insert_events(stored_events, **kwargs)
        else:
            ids = self._insert_unpipelined(stored_events, **kwargs)
        return ids

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def _insert_unpipelined(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        """The library's insert, step by step in one transaction, outside pipeline mode."""
        with self.datastore.transaction(commit=True) as curs:
            self._insert_events(curs, stored_events, **kwargs)
            self._insert_stored_events(curs, stored_events, **kwargs)
            return self._fetch_ids_after_insert_events(curs, stored_events, **kwargs)

    def _fetch_ids_after_insert_events(
        self, curs: Any, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        notification_ids = super()._fetch_ids_after_insert_events(curs, stored_events, **kwargs)
        rows: MatchingRows | None = kwargs.get("matching")
        if rows:
            qualifier = f'"{self.datastore.schema}".' if self.datastore.schema else ""
            resource_sql, need_sql = _upserts(qualifier, "%s")
            resources, needs = _params(rows, _same)
            if resources:
                curs.executemany(resource_sql, resources)
            if needs:
                curs.executemany(need_sql, needs)
        links = _links(kwargs, _same)
        if links:
            qualifier = f'"{self.datastore.schema}".' if self.datastore.schema else ""
            curs.executemany(_link_sql(qualifier, "%s"), links)
        return notification_ids


class SqlMatchingInputs:
    """Reads the matching inputs; writes them outside a command (the fill)."""

    def __init__(self, reader: Engine, writer: Engine) -> None:
        self._reader = reader
        self._writer = writer
        self._filled = False
        self._decoded: dict[UUID, tuple[int, ResourceFacts]] = {}
        """Each resource's facts as last decoded, with the version they are of (a row
        changes only with its resource's version): ranking a category of hundreds
        of resources decoded every row's JSON lists per request."""

    def filled(self) -> bool:
        if not self._filled:
            with self._reader.connect() as conn:
                found = conn.execute(
                    sa.select(matching_inputs_state.c.filled_to).where(
                        matching_inputs_state.c.id == 1
                    )
                ).first()
            self._filled = found is not None
        return self._filled

    def resource_facts(self, category: NeedCategory | None) -> list[ResourceFacts]:
        with self._reader.connect() as conn:
            rows = conn.execute(_listed(category)).all()
        found = []
        for row in rows:
            known = self._decoded.get(row.resource_id)
            if known is None or known[0] != row.version:
                known = self._decoded[row.resource_id] = (row.version, facts(_resource(row), 0))
            waiting = int(row.waiting)
            found.append(dataclasses.replace(known[1], waitlist=waiting) if waiting else known[1])
        return found

    def write(self, rows: MatchingRows) -> None:
        with self._writer.begin() as conn:
            sqlite = conn.dialect.name == "sqlite"
            resource_sql, need_sql = _upserts("", "?" if sqlite else "%s")
            resources, needs = _params(rows, _hex if sqlite else _same)
            if resources:
                conn.exec_driver_sql(resource_sql, resources)
            if needs:
                conn.exec_driver_sql(need_sql, needs)

    def mark_filled(self, position: int) -> None:
        try:
            with self._writer.begin() as conn:
                done = conn.execute(
                    sa.select(matching_inputs_state.c.id).where(matching_inputs_state.c.id == 1)
                ).first()
                if done is None:
                    conn.execute(matching_inputs_state.insert().values(id=1, filled_to=position))
        except sa.exc.IntegrityError:
            pass  # another process filled them at the same moment
        self._filled = True
        # Written in bulk: the planner needs statistics to count waiting needs along the
        # resource index (PostgreSQL without them scanned every need's row: 17 ms at 100k).
        analyze(self._writer, [matching_resources.name, matching_waiting.name], vacuum=True)


@functools.cache
def _listed(category: NeedCategory | None) -> Any:
    """The resources serving ``category`` (every one when None), by name and id; built
    once per category, so SQLAlchemy's compiled cache serves every later call."""
    r = matching_resources.c
    # Each resource's waiting needs counted along the resource index, in the same
    # statement (a second one cost a round trip per ranking).
    waiting = (
        sa.select(sa.func.count())
        .where(matching_waiting.c.resource_id == r.resource_id)
        .scalar_subquery()
        .label("waiting")
    )
    query = sa.select(matching_resources, waiting).order_by(r.name, r.resource_id)
    if category is not None:
        query = query.where(r.categories.contains(f"|{category.value}|", autoescape=True))
    return query


def _resource(row: Any) -> ResourceInput:
    return ResourceInput(
        resource_id=row.resource_id,
        version=row.version,
        name=row.name,
        service_type=row.service_type,
        categories=tuple(x for x in row.categories.split("|") if x),
        area_codes=tuple(json.loads(row.area_codes)),
        eligible_care_levels=tuple(json.loads(row.eligible_care_levels)),
        weekdays=tuple(json.loads(row.weekdays)),
        capacity=row.capacity,
        places_taken=row.places_taken,
        status=row.status,
    )
