"""Keeping SQL views current from the event log, exactly once, and rebuilding
them blue/green.

**Generations.** Every view's rows live in tables of one *generation*
(``case_board_g3``); readers query the canonical name (``case_board``), an SQL
view over the generation that serves. A rebuild, or a new version of a view,
is built into the tables of a new generation while the old one keeps serving;
once it has caught up with the log, one transaction points the canonical
names at it and the old generation's tables are dropped. Readers never see an
empty or half-built view. ``projection_builds`` records every generation: its
view version, whether it is building, serving or retired, and its position.

**Exactly once.** A step locks the generation's row, applies the next batch of
events to its tables and moves its position, all in one transaction: a crash
leaves either all of it or none, and two runners (web workers and the
projection worker) never apply the same event twice.

**Who runs what.** After a command, the serving generations catch up in the
request (a bounded number of batches: a request never runs a rebuild).
Building generations advance only in ``tsunagu projections run`` (the worker),
``tsunagu projections rebuild`` and ``tsunagu init`` / start-up (which build a
view that has no generation of the code's version yet).

The library's ``ProjectionRunner`` needs a recorder subscription, which the
SQLite recorders do not provide; this catch-up loop over
``select_notifications`` works on every backend.
"""

from __future__ import annotations

import threading
import time
from abc import ABC
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any, ClassVar

import sqlalchemy as sa
from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import Notification
from sqlalchemy.engine import Connection, Engine

from application.common import ViewStatus
from application.store import EventStore, Reaction, react
from application.topics import topics_of
from infrastructure.views.schema import (
    LEGACY_TABLES,
    RETIRED_TABLES,
    RETIRED_VIEWS,
    projection_builds,
    projection_tracking,
    projection_versions,
)

Handler = Callable[[Connection, Any, int], None]
Progress = Callable[[int, int], None]
"""Called with (position reached, head) after each batch."""

BATCH_SIZE = 500
REQUEST_BATCHES = 4
"""Batches a command's request applies to the serving views at most (the rest is
the worker's, or the next request's): a request never runs a rebuild."""

BUILDING, SERVING, RETIRED = "building", "serving", "retired"


def physical_name(table: str, generation: int) -> str:
    return f"{table}_g{generation}"


class View(ABC):
    """A read model: its tables and how each event type changes them.

    ``tables`` are the canonical tables readers query; an instance is bound to
    one generation, and its handlers write to that generation's copies
    (``self.t.case_board``).
    """

    name: ClassVar[str]
    tables: ClassVar[Sequence[sa.Table]]
    version: ClassVar[int] = 1
    """Raise it when the view's tables or their meaning change: a generation of
    the new version is built beside the old one, which serves until it is ready."""

    def __init__(self, generation: int = 1) -> None:
        self.generation = generation
        own = sa.MetaData()
        self.t: Any = SimpleNamespace(
            **{
                table.name: table.to_metadata(own, name=physical_name(table.name, generation))
                for table in self.tables
            }
        )
        """The tables of this view's generation, by canonical name."""

    @property
    def physical_tables(self) -> list[sa.Table]:
        return [getattr(self.t, table.name) for table in self.tables]

    def handlers(self) -> dict[type, Handler]:
        """Event class -> function(connection, event, position)."""
        raise NotImplementedError

    def topics(self) -> list[str] | None:
        """Topics this view reads (with every old topic of each), or None for every event."""
        return topics_of(self.handlers())

    def apply(self, conn: Connection, event: DomainEventProtocol[Any], position: int) -> None:
        handler = self._handler_table().get(type(event))
        if handler is not None:
            handler(conn, event, position)

    def _handler_table(self) -> dict[type, Handler]:
        table: dict[type, Handler] | None = self.__dict__.get("_handlers")
        if table is None:
            table = self.handlers()
            self.__dict__["_handlers"] = table
        return table


@dataclass(frozen=True)
class Generation:
    """One generation of a view, as ``projection_builds`` records it."""

    view: str
    generation: int
    version: int
    state: str
    position: int


class ViewUpdater:
    """Brings views up to the log's head: in-process, as a worker, or from scratch."""

    def __init__(
        self,
        store: EventStore,
        writer: Engine,
        reader: Engine,
        views: Sequence[View],
        batch_size: int = BATCH_SIZE,
        reactions: Sequence[Reaction] = (),
    ) -> None:
        self.store = store
        self.reactions = tuple(reactions)
        self.writer = writer
        self.reader = reader
        self.views: dict[str, type[View]] = {view.name: type(view) for view in views}
        self.batch_size = batch_size
        self._bound: dict[tuple[str, int], View] = {}
        self._lock = threading.Lock()
        self._stopping = threading.Event()

    @property
    def names(self) -> list[str]:
        return list(self.views)

    def bound(self, name: str, generation: int) -> View:
        """The view ``name`` writing to the tables of ``generation``."""
        key = (name, generation)
        if key not in self._bound:
            self._bound[key] = self.views[name](generation)
        return self._bound[key]

    # -- schema and start-up ------------------------------------------------------

    def create_tables(self, progress: Callable[[str], Progress] | None = None) -> None:
        """Make every view servable at the code's version (safe to repeat).

        Creates missing tables; adopts the views of a database written before
        generations existed (its tables become generation 1); builds, now, every
        view that has no generation of the code's version yet — at start-up or in
        ``tsunagu init``, never in a request — and drops retired views' tables.
        ``progress(view name)`` gives a progress callback for a build.
        """
        with self.writer.begin() as conn:
            self._adopt_legacy(conn)
            for table_name in [*RETIRED_TABLES, *(t for ts in RETIRED_VIEWS.values() for t in ts)]:
                _drop(conn, table_name)
        for name, view in self.views.items():
            serving = self.serving(name)
            if serving is not None and serving.version == view.version:
                continue
            building = self._building(name)
            generation = building or self._start(name)
            self._build(name, generation, progress(name) if progress else None)

    def _adopt_legacy(self, conn: Connection) -> None:
        """A database of release 0.1.0 holds each view in tables of the canonical
        names, tracked in ``projection_tracking``: they become generation 1."""
        existing = set(sa.inspect(conn).get_table_names())
        if projection_tracking.name not in existing:
            return
        known = {row.view for row in conn.execute(sa.select(projection_builds.c.view))}
        tracked = {
            row.view: int(row.position) for row in conn.execute(sa.select(projection_tracking))
        }
        versions: dict[str, int] = {}
        if projection_versions.name in existing:
            versions = {
                row.view: int(row.version) for row in conn.execute(sa.select(projection_versions))
            }
        for name, view in self.views.items():
            if name in known or name not in tracked:
                continue
            canonical = [t.name for t in view.tables if t.name in existing]
            if len(canonical) != len(view.tables):
                continue  # the old tables answer other questions: build anew
            for table in canonical:
                conn.exec_driver_sql(
                    f"ALTER TABLE {_quote(conn, table)} "
                    f"RENAME TO {_quote(conn, physical_name(table, 1))}"
                )
            self._record(conn, name, 1, versions.get(name, 1), SERVING, tracked[name])
            self._point(conn, view.tables, 1)
        for table_name in LEGACY_TABLES:
            _drop(conn, table_name)

    # -- catching up ----------------------------------------------------------------

    def changed(self, position: int) -> None:
        """ChangeListener: bring the serving views up to (at least) ``position`` now.

        After a command only a few events are new and every view stands at the
        same position, so all views move together: one transaction, one read of
        the log, each event decoded once. Bounded: a view far behind is left to
        the worker.
        """
        with self._lock:
            for _ in range(REQUEST_BATCHES):
                if not self._step_together():
                    return

    def catch_up(self, names: Sequence[str] | None = None, progress: Progress | None = None) -> int:
        """Bring the serving generations up to the current head; returns how far they moved."""
        applied = 0
        for name in names or list(self.views):
            self._require_view(name)
            serving = self.serving(name)
            if serving is None:
                continue
            while count := self._step(name, serving.generation, progress):
                applied += count
        return applied

    def rebuild(self, name: str, progress: Progress | None = None) -> int:
        """Build the view anew beside the serving one, then switch readers to it."""
        self._require_view(name)
        generation = self._building(name) or self._start(name)
        return self._build(name, generation, progress)

    def build_pending(self, progress: Progress | None = None) -> int:
        """Advance every building generation, switching those that caught up."""
        applied = 0
        for name in self.views:
            generation = self._building(name)
            if generation is not None:
                applied += self._build(name, generation, progress)
        return applied

    def run_forever(self, poll_interval: float = 0.5, on_batch: Progress | None = None) -> None:
        """Follow the log until :meth:`stop` is called (the projection worker).

        Each pass lets the process managers react (they write events), brings
        the serving views up to date and advances any view being built.
        """
        self._stopping.clear()
        while not self._stopping.is_set():
            reacted = react(self.reactions)
            moved = self.catch_up(progress=on_batch) + self.build_pending(on_batch)
            if not moved and not reacted:
                self._stopping.wait(poll_interval)

    def stop(self) -> None:
        self._stopping.set()

    def deliver(self, name: str, notifications: Sequence[Notification]) -> int:
        """Apply the given notifications to the serving view, skipping those it has seen.

        Re-delivery is harmless: this is how the exactly-once guarantee is
        exercised in tests, and how a batch is applied by :meth:`_step`.
        """
        self._require_view(name)
        serving = self.serving(name)
        if serving is None:
            raise LookupError(f"view {name!r} has no serving generation; run 'tsunagu init'")
        view = self.bound(name, serving.generation)
        with self.writer.begin() as conn:
            position = self._lock_generation(conn, name, serving.generation)
            return self._apply(conn, view, position, notifications, None)

    # -- generations ------------------------------------------------------------------

    def serving(self, name: str) -> Generation | None:
        with self.reader.connect() as conn:
            row = conn.execute(
                sa.select(projection_builds).where(
                    projection_builds.c.view == name, projection_builds.c.state == SERVING
                )
            ).first()
        return _generation(row) if row is not None else None

    def _building(self, name: str) -> int | None:
        with self.reader.connect() as conn:
            value = conn.execute(
                sa.select(sa.func.max(projection_builds.c.generation)).where(
                    projection_builds.c.view == name, projection_builds.c.state == BUILDING
                )
            ).scalar()
        return int(value) if value is not None else None

    def _start(self, name: str) -> int:
        """A new, empty generation of the view at the code's version."""
        view_cls = self.views[name]
        with self.writer.begin() as conn:
            latest = conn.execute(
                sa.select(sa.func.max(projection_builds.c.generation)).where(
                    projection_builds.c.view == name
                )
            ).scalar()
            generation = int(latest or 0) + 1
            for table in self.bound(name, generation).physical_tables:
                table.drop(conn, checkfirst=True)  # a leftover of a crashed attempt
                table.create(conn)
            self._record(conn, name, generation, view_cls.version, BUILDING, 0)
        return generation

    def _build(self, name: str, generation: int, progress: Progress | None) -> int:
        """Catch a building generation up with the log and make it the serving one."""
        applied = 0
        while True:
            head = self.store.head()
            position = self._position(name, generation)
            if head - position > self.batch_size:
                applied += self._step(name, generation, progress)
                continue
            # Close enough: finish under the serving generation's lock, so that no
            # event reaches the old generation that the new one would miss.
            if self._switch(name, generation, progress):
                return applied

    def _switch(self, name: str, generation: int, progress: Progress | None) -> bool:
        view = self.bound(name, generation)
        with self.writer.begin() as conn:
            serving = conn.execute(
                _locked(
                    conn,
                    sa.select(projection_builds).where(
                        projection_builds.c.view == name, projection_builds.c.state == SERVING
                    ),
                )
            ).first()
            position = self._lock_generation(conn, name, generation)
            head = self.store.head()
            if head - position > self.batch_size:
                return False  # the log ran ahead meanwhile: another batch first
            notifications = self._read(view, position, head)
            self._apply(conn, view, position, notifications, head)
            self._point(conn, type(view).tables, generation)
            conn.execute(
                projection_builds.update()
                .where(
                    projection_builds.c.view == name, projection_builds.c.generation == generation
                )
                .values(state=SERVING, finished_at=_now())
            )
            if serving is not None:
                conn.execute(
                    projection_builds.update()
                    .where(
                        projection_builds.c.view == name,
                        projection_builds.c.generation == serving.generation,
                    )
                    .values(state=RETIRED, finished_at=_now())
                )
                kept = {table.name for table in self.views[name].tables}
                for table_name in serving.tables:
                    _drop(conn, physical_name(table_name, serving.generation))
                    if table_name not in kept:  # the new version no longer has it
                        conn.exec_driver_sql(f"DROP VIEW IF EXISTS {_quote(conn, table_name)}")
        if progress is not None:
            progress(head, head)
        return True

    def _point(self, conn: Connection, tables: Sequence[sa.Table], generation: int) -> None:
        """Readers' canonical names now show ``generation`` (one transaction)."""
        legacy = set(sa.inspect(conn).get_table_names())  # tables, not views
        for table in tables:
            canonical = _quote(conn, table.name)
            if table.name in legacy:  # an earlier release's table of that name
                conn.exec_driver_sql(f"DROP TABLE {canonical}")
            else:
                conn.exec_driver_sql(f"DROP VIEW IF EXISTS {canonical}")
            physical = _quote(conn, physical_name(table.name, generation))
            # Identifiers quoted by the dialect; no value reaches this text.
            conn.exec_driver_sql(f"CREATE VIEW {canonical} AS SELECT * FROM {physical}")  # noqa: S608

    def _record(
        self, conn: Connection, name: str, generation: int, version: int, state: str, position: int
    ) -> None:
        conn.execute(
            projection_builds.insert().values(
                view=name,
                generation=generation,
                version=version,
                state=state,
                position=position,
                tables=[table.name for table in self.views[name].tables],
                started_at=_now(),
                finished_at=_now() if state == SERVING else None,
            )
        )

    # -- one step --------------------------------------------------------------------

    def _step_together(self) -> bool:
        """One batch for every serving view at once; returns whether there may be more."""
        with self.writer.begin() as conn:
            positions = self._lock_serving(conn)
            head = self.store.head()
            # A view far behind catches up on its own (the worker, the next step).
            positions = {k: p for k, p in positions.items() if head - p <= self.batch_size}
            start = min(positions.values(), default=head)
            if start >= head:
                return False
            notifications = self.store.recorder.select_notifications(
                start=start + 1, limit=self.batch_size, stop=head
            )
            reached = head if len(notifications) < self.batch_size else notifications[-1].id
            events = [(n.id, self.store.mapper.to_domain_event(n)) for n in notifications]
            for (name, generation), position in positions.items():
                view = self.bound(name, generation)
                table = view._handler_table()
                everything = view.topics() is None
                for at, event in events:
                    if at > position and (everything or type(event) in table):
                        view.apply(conn, event, at)
                self._move(conn, name, generation, max(position, reached))
        return reached < head

    def _step(self, name: str, generation: int, progress: Progress | None = None) -> int:
        """One batch in one transaction; returns how many positions the generation moved."""
        view = self.bound(name, generation)
        with self.writer.begin() as conn:
            position = self._lock_generation(conn, name, generation)
            head = self.store.head()
            if position >= head:
                return 0
            notifications = self._read(view, position, head)
            # Fewer than a batch means everything up to head has been seen,
            # including events of topics this view ignores.
            reached = head if len(notifications) < self.batch_size else notifications[-1].id
            self._apply(conn, view, position, notifications, reached)
        if progress is not None:
            progress(reached, head)
        return reached - position

    def _read(self, view: View, position: int, head: int) -> Sequence[Notification]:
        return self.store.recorder.select_notifications(
            start=position + 1, limit=self.batch_size, stop=head, topics=view.topics() or ()
        )

    def _apply(
        self,
        conn: Connection,
        view: View,
        position: int,
        notifications: Sequence[Notification],
        reached: int | None,
    ) -> int:
        applied = 0
        for notification in notifications:
            if notification.id <= position:
                continue
            event = self.store.mapper.to_domain_event(notification)
            view.apply(conn, event, notification.id)
            position = notification.id
            applied += 1
        if reached is not None:
            position = max(position, reached)
        self._move(conn, view.name, view.generation, position)
        return applied

    @staticmethod
    def _move(conn: Connection, name: str, generation: int, position: int) -> None:
        conn.execute(
            projection_builds.update()
            .where(projection_builds.c.view == name, projection_builds.c.generation == generation)
            .values(position=position)
        )

    def _lock_serving(self, conn: Connection) -> dict[tuple[str, int], int]:
        """Every serving generation's position, its row locked (in one fixed order)."""
        query = (
            sa.select(
                projection_builds.c.view,
                projection_builds.c.generation,
                projection_builds.c.position,
            )
            .where(
                projection_builds.c.view.in_(sorted(self.views)),
                projection_builds.c.state == SERVING,
            )
            .order_by(projection_builds.c.view)
        )
        return {
            (row.view, int(row.generation)): int(row.position)
            for row in conn.execute(_locked(conn, query))
        }

    def _lock_generation(self, conn: Connection, name: str, generation: int) -> int:
        query = sa.select(projection_builds.c.position).where(
            projection_builds.c.view == name, projection_builds.c.generation == generation
        )
        position = conn.execute(_locked(conn, query)).scalar()
        if position is None:
            raise LookupError(f"view {name!r} has no generation {generation}; run 'tsunagu init'")
        return int(position)

    def _position(self, name: str, generation: int) -> int:
        with self.reader.connect() as conn:
            value = conn.execute(
                sa.select(projection_builds.c.position).where(
                    projection_builds.c.view == name, projection_builds.c.generation == generation
                )
            ).scalar()
        return int(value or 0)

    def _require_view(self, name: str) -> type[View]:
        try:
            return self.views[name]
        except KeyError:
            known = ", ".join(sorted(self.views))
            raise LookupError(f"no view named {name!r} (known: {known})") from None

    # -- monitoring (application.common.ViewMonitor) --------------------------------

    def status(self) -> list[ViewStatus]:
        head = self.store.head()
        with self.reader.connect() as conn:
            rows = conn.execute(
                sa.select(projection_builds).where(projection_builds.c.state != RETIRED)
            ).all()
        serving = {r.view: r for r in rows if r.state == SERVING}
        building = {r.view: r for r in rows if r.state == BUILDING}
        result = []
        for name in self.views:
            s, b = serving.get(name), building.get(name)
            result.append(
                ViewStatus(
                    name,
                    int(s.position) if s is not None else 0,
                    head,
                    version=int(s.version) if s is not None else None,
                    generation=int(s.generation) if s is not None else None,
                    building_version=int(b.version) if b is not None else None,
                    building_generation=int(b.generation) if b is not None else None,
                    building_position=int(b.position) if b is not None else None,
                )
            )
        return result

    def position(self, name: str) -> int:
        serving = self.serving(name)
        return serving.position if serving is not None else 0

    def wait_for(self, view: str, position: int, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        delay = 0.02
        while True:
            if self.position(view) >= position:
                return True
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            time.sleep(min(delay, remaining))
            delay = min(delay * 2, 0.2)


def _generation(row: Any) -> Generation:
    return Generation(row.view, int(row.generation), int(row.version), row.state, int(row.position))


def _locked(conn: Connection, query: Any) -> Any:
    # SQLite serialises writers with BEGIN IMMEDIATE (see persistence.py).
    return query.with_for_update() if conn.dialect.name == "postgresql" else query


def _quote(conn: Connection, name: str) -> str:
    return str(conn.dialect.identifier_preparer.quote(name))


def _drop(conn: Connection, table_name: str) -> None:
    sa.Table(table_name, sa.MetaData()).drop(conn, checkfirst=True)


def _now() -> datetime:
    return datetime.now(UTC)
