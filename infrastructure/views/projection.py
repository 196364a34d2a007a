"""Keeping SQL views current from the event log, exactly once, rebuilding them
blue/green, and isolating their failures.

**Generations.** Every view's rows live in tables of one *generation*
(``case_board_g3``); readers query the canonical name (``case_board``), an SQL
view over the generation that serves. A rebuild, or a new version of a view,
is built into the tables of a new generation while the old one keeps serving;
once it has caught up with the log, one transaction points the canonical
names at it and the old generation's tables are dropped. Readers never see an
empty or half-built view. ``projection_builds`` records every generation.

**Exactly once.** A step locks the generation's row, applies the next batch of
events to its tables and moves its position, all in one transaction: a crash
leaves either all of it or none, and two runners (web workers and the
projection worker) never apply the same event twice.

**Fault isolation.** Each view applies a batch in a savepoint of its own: a
view that fails on an event (a handler error, or an event the code cannot
decode) stops just before it, alone — the other views go on, and the command
that wrote the event keeps its answer. The failure (position, event, error) is
recorded and shown by ``status``; the view tries again after a growing delay;
``retry`` tries at once, and ``skip`` lets an operator pass over a poison
event, recorded with who decided it and why.

**Batches folded in memory.** Handlers change row dicts (``View.row``,
``add_row``, ``delete_row``), counters (``count_later``) and append-only rows
(``insert_later``); the batch writes them at its end, one executemany per table
and kind (on PostgreSQL, many rows by ``COPY``: new rows straight into the table,
changed, deleted and counted ones through a temporary table and one statement).
Rows stay in memory between batches only while the generation's position is the
one this object committed: any other writer (another process, a rolled-back
transaction) makes it read them again. Views advanced together (after
a command, at start-up, ``rebuild_many``) get each event read and decoded once, in
one savepoint; if one fails, the batch is applied again one view at a time so that
it stops alone. Views that read no sealed field get events whose sealed fields
were never opened.

**Lock order.** Nothing is read from the event store while a view transaction
is open: on SQLite the event store and the views share one database lock, and
waiting for the event store's connections while holding it deadlocks.

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

import itertools
import logging
import threading
import time
from abc import ABC
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from functools import lru_cache, partial
from operator import itemgetter
from types import SimpleNamespace
from typing import Any, ClassVar

import sqlalchemy as sa
from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import Mapper, Notification
from sqlalchemy.engine import Connection, Engine

from application.common import ViewStatus
from application.privacy import ENVELOPE, ERASED_VALUES, SealingMapper
from application.store import EventStore, Reaction, react
from application.topics import topics_of
from domain.values import ERASED
from infrastructure.persistence import analyze
from infrastructure.views import registry
from infrastructure.views.registry import BUILDING, RETIRED, SERVING, Failure, Generation
from infrastructure.views.schema import (
    LEGACY_TABLES,
    RETIRED_TABLES,
    RETIRED_VIEWS,
    projection_builds,
    projection_tracking,
    projection_versions,
)

log = logging.getLogger(__name__)

Handler = Callable[[Connection, Any, int], None]
Progress = Callable[[int, int], None]
"""Called with (position reached, head) after each batch."""

BATCH_SIZE = 500
BUILD_BATCH_SIZE = 5000
"""Events per batch while a generation is built far behind the head (its own
transaction: readers use the serving generation meanwhile)."""
SERVING_CACHE_ROWS = 5_000
"""Rows a serving view keeps in memory between batches at most."""
BUILD_CACHE_ROWS = 200_000
"""Rows a view being built keeps in memory between batches at most."""
REQUEST_BATCHES = 4
"""Batches a command's request applies to the serving views at most (the rest is
the worker's, or the next request's): a request never runs a rebuild."""
SETTLED_GAPS_KEPT = 10_000
"""Final gaps remembered for the views still behind them (the oldest are forgotten)."""
WORKER_PAUSE_MAX = 30.0
"""Seconds the worker waits at most before trying again after a failed pass."""
GAP_WAIT = 2.0
"""Seconds at most that a missing position below the head is waited for before
the views move past it. On PostgreSQL a position is taken when a transaction
inserts, so a later one can commit first, and a position whose transaction rolled
back never appears: a gap is passed as soon as every transaction that was running
when it was seen has ended, or after this long."""


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
    reads_sealed: ClassVar[bool] = True
    """Whether a handler reads a field sealed with a client's key (personal data, the
    free text of needs and reasons). A view that does not say so (False) is handed
    events whose sealed fields were never opened (they read ``[erased]``): a view built
    alone, or with others that read none either, decrypts nothing."""

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
        self._pending_inserts: dict[str, tuple[sa.Table, list[dict[str, Any]]]] = {}
        self._pending_counts: dict[tuple[str, str, tuple[Any, ...]], list[Any]] = {}
        self._rows: dict[str, dict[tuple[Any, ...], _Cached]] = {}
        self._row_count = 0
        self.memo: dict[Any, Any] = {}
        """What a view derives from its rows and keeps beside the row cache (loaded
        lazily, forgotten with it): e.g. a client's earlier needs."""
        self.cache_limit = SERVING_CACHE_ROWS
        """Rows kept in memory between batches at most (see :meth:`row`)."""
        self._cached_at: int | None = None
        self._batch = 0
        self.complete = False
        """Whether every row of the generation's tables is in memory (built from
        position 0 without forgetting since): a row not kept does not exist, and
        nothing needs to be read."""

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

    def rolled_back(self) -> None:  # noqa: B027 - most views keep nothing in memory
        """A batch of this view was rolled back: forget what it kept in memory of it."""

    # -- writes folded per batch ---------------------------------------------------------

    def insert_later(self, table: sa.Table, row: dict[str, Any]) -> None:
        """Insert ``row`` into ``table`` when the batch ends, with every other row of
        the batch for that table in one executemany. Only for rows no handler reads
        or changes in the same batch (an append-only log)."""
        self._pending_inserts.setdefault(table.name, (table, []))[1].append(row)

    def count_later(self, table: sa.Table, key: dict[str, Any], column: str, delta: int) -> None:
        """Add ``delta`` to ``column`` of ``table``'s row with primary key ``key`` (made
        when missing) when the batch ends: the deltas of the batch are summed in
        memory and written as one upsert per row, all in one executemany. Only for
        counters no handler reads in the same batch."""
        slot = (table.name, column, tuple(key.items()))
        pending = self._pending_counts.get(slot)
        if pending is None:
            self._pending_counts[slot] = [table, key, column, delta]
        else:
            pending[3] += delta

    # -- rows folded in memory ------------------------------------------------------------
    #
    # A handler reads a row with ``row()`` and changes the dict it gets; ``add_row`` and
    # ``delete_row`` make and remove rows. The batch's rows are written at its end, one
    # executemany per table and kind (delete, insert, update). The rows stay in memory
    # after the batch while nothing else can have written the generation's tables: the
    # next batch starts from the position this one committed (see ``begin_batch``).
    # A table is either kept this way or written with SQL by its handlers, never both.

    def row(self, conn: Connection, table: sa.Table, *key: Any) -> dict[str, Any] | None:
        """The row of ``table`` with primary key ``key`` (None: there is none), to read
        and change in place: a change is written when the batch ends."""
        cached = self._cached(conn, table, key)
        if cached.row is not None:
            cached.dirty = True
        return cached.row

    def peek(self, conn: Connection, table: sa.Table, *key: Any) -> dict[str, Any] | None:
        """The row, only to read (do not change the dict)."""
        return self._cached(conn, table, key).row

    def add_row(self, table: sa.Table, row: dict[str, Any]) -> dict[str, Any]:
        """A new row of ``table`` (columns not given take their default, else NULL)."""
        full = {c.name: row.get(c.name, _default(c)) for c in table.columns}
        key = tuple(full[c.name] for c in table.primary_key.columns)
        rows = self._rows.setdefault(table.name, {})
        cached = rows.get(key)
        if cached is None:
            rows[key] = _Cached(table, full, stored=False, dirty=True)
            self._row_count += 1
        else:
            if cached.row is not None:
                raise ValueError(f"{table.name}: a row with key {key} exists")
            cached.row, cached.dirty = full, True
        return full

    def delete_row(self, conn: Connection, table: sa.Table, *key: Any) -> None:
        """Remove the row with primary key ``key`` (nothing if there is none)."""
        cached = self._cached(conn, table, key)
        cached.row, cached.dirty = None, True

    def _cached(self, conn: Connection, table: sa.Table, key: tuple[Any, ...]) -> _Cached:
        rows = self._rows.setdefault(table.name, {})
        cached = rows.get(key)
        if cached is None and self.complete:
            cached = rows[key] = _Cached(table, None, stored=False, dirty=False)
            self._row_count += 1
        elif cached is None:
            pk = list(table.primary_key.columns)
            found = conn.execute(
                sa.select(table).where(*(c == k for c, k in zip(pk, key, strict=True)))
            ).first()
            row = dict(found._mapping) if found is not None else None
            cached = rows[key] = _Cached(table, row, stored=row is not None, dirty=False)
            self._row_count += 1
        return cached

    def begin_batch(self, position: int) -> int:
        """A batch after ``position`` begins: the rows kept in memory are still true if
        the last batch committed exactly there. Returns the batch's token."""
        if self._cached_at != position:
            self.forget_rows()
            self.complete = position == 0  # a generation at 0 has no rows yet
        self._cached_at = None  # until this batch is known committed
        self._batch += 1
        return self._batch

    def committed(self, token: int, position: int) -> None:
        """The batch ``token`` committed with the view at ``position``."""
        if token == self._batch:
            self._cached_at = position
            if self._row_count > self.cache_limit:
                self.forget_rows()

    def forget_rows(self) -> None:
        self._rows, self._row_count, self.memo = {}, 0, {}
        self._cached_at = None
        self.complete = False

    def _flush_rows(self, conn: Connection) -> None:
        for rows in self._rows.values():
            deletes: list[dict[str, Any]] = []
            inserts: list[dict[str, Any]] = []
            updates: list[dict[str, Any]] = []
            table: sa.Table | None = None
            for key, cached in rows.items():
                if not cached.dirty:
                    continue
                table = cached.table
                pk = [c.name for c in table.primary_key.columns]
                if cached.row is None:
                    if cached.stored:
                        deletes.append({f"k_{n}": k for n, k in zip(pk, key, strict=True)})
                elif cached.stored:
                    changed = {n: v for n, v in cached.row.items() if n not in pk}
                    if not changed:  # only a key: removed and made again, it stands
                        cached.dirty = False
                        continue
                    updates.append(
                        {**changed, **{f"k_{n}": k for n, k in zip(pk, key, strict=True)}}
                    )
                else:
                    inserts.append(cached.row)
                cached.stored, cached.dirty = cached.row is not None, False
            if table is None:
                continue
            if _bulk(conn, deletes):
                _copy_delete(conn, table, deletes)
                deletes = []
            if _bulk(conn, inserts):
                _copy_insert(conn, table, inserts)
                inserts = []
            if _bulk(conn, updates):
                _copy_update(conn, table, updates)
                updates = []
            if deletes:
                conn.execute(_by_key("delete", table), deletes)
            if inserts:
                conn.execute(_by_key("insert", table), inserts)
            if updates:
                conn.execute(_by_key("update", table), updates)

    def flush(self, conn: Connection) -> None:
        """Write what the batch folded in memory (called before its savepoint commits)."""
        self._flush_rows(conn)
        inserts, counts = self._pending_inserts, self._pending_counts
        self._pending_inserts, self._pending_counts = {}, {}
        for table, rows in inserts.values():
            if _bulk(conn, rows) and _copyable(table, rows):
                _copy_insert(conn, table, rows)
            else:
                conn.execute(_by_key("insert", table), rows)
        upserts: dict[tuple[str, str, tuple[str, ...]], tuple[sa.Table, list[dict[str, Any]]]] = {}
        for table, key, column, delta in counts.values():
            group = (table.name, column, tuple(key))
            upserts.setdefault(group, (table, []))[1].append({**key, column: delta})
        for (_, column, keys), (table, rows) in upserts.items():
            if _bulk(conn, rows) and _copyable(table, rows):
                _copy_upsert(conn, table, keys, column, rows)
            else:
                conn.execute(_adding_upsert(conn.dialect, table, keys, column), rows)

    def discard_pending(self) -> None:
        """The batch was rolled back: what it folded in memory is forgotten."""
        self._pending_inserts, self._pending_counts = {}, {}
        self.forget_rows()

    def _handler_table(self) -> dict[type, Handler]:
        table: dict[type, Handler] | None = self.__dict__.get("_handlers")
        if table is None:
            table = self.handlers()
            self.__dict__["_handlers"] = table
        return table


@dataclass
class _Cached:
    """A row kept in memory: as it is now (None: none), whether the table holds it."""

    table: sa.Table
    row: dict[str, Any] | None
    stored: bool
    dirty: bool


def _default(column: sa.Column[Any]) -> Any:
    default = column.default
    if default is not None and getattr(default, "is_scalar", False):
        return default.arg  # type: ignore[attr-defined]
    return None


@dataclass
class _Batch:
    """Events read from the log, outside any view transaction, for one step."""

    head: int
    notifications: Sequence[Notification]
    reached: int
    """What every view reading this batch has seen up to: the head when the batch
    was not full (the events of other topics up to it were seen too)."""
    decoded: dict[int, Any] = field(default_factory=dict)
    """Each event decoded once for every view reading it."""


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
        self._topic_sets: dict[str, frozenset[str] | None] = {}
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self.gap_wait = GAP_WAIT
        self._gaps: dict[int, tuple[float, frozenset[str]]] = {}
        """First missing position of each gap -> when it was first seen (monotonic) and
        the transactions running then (PostgreSQL): only they can still fill it."""
        self._settled: set[int] = set()
        """Gaps already judged final: every other view passes them at once (each
        view waiting anew made a gap cost the wait once per view)."""

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

        Adopts the views of a database written before generations existed (its
        tables become generation 1); builds, now, every view that has no
        generation of the code's version yet — at start-up or in ``tsunagu
        init``, never in a request — and drops retired views' tables.
        ``progress(view name)`` gives a progress callback for a build.
        """
        with self.writer.begin() as conn:
            self._adopt_legacy(conn)
            for table_name in [*RETIRED_TABLES, *(t for ts in RETIRED_VIEWS.values() for t in ts)]:
                _drop(conn, table_name)
        todo: list[tuple[str, int]] = []
        for name, view in self.views.items():
            serving = self.serving(name)
            if serving is not None and serving.version == view.version:
                continue
            todo.append((name, self._building(name) or self._start(name)))
        self._build_many(todo, progress)

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
            registry.record(conn, name, 1, versions.get(name, 1), SERVING, tracked[name], canonical)
            self._point(conn, view.tables, 1)
        for table_name in LEGACY_TABLES:
            _drop(conn, table_name)

    # -- catching up ----------------------------------------------------------------

    def changed(self, position: int) -> None:
        """ChangeListener: bring the serving views up to (at least) ``position`` now.

        After a command only a few events are new and every view stands at the
        same position, so all views move together: one read of the log, each
        event decoded once, each view in its own savepoint. Bounded: a view far
        behind is left to the worker. Never raises: the command's events are
        saved, whatever a view makes of them.
        """
        try:
            with self._lock:
                for _ in range(REQUEST_BATCHES):
                    if not self._step_together():
                        return
        except Exception:
            log.exception("views could not catch up after a command; the worker will")

    def catch_up(self, names: Sequence[str] | None = None, progress: Progress | None = None) -> int:
        """Bring the serving generations up to the current head; returns how far they moved.

        Views far behind move together (each event read and decoded once for all of
        them, as in :meth:`rebuild_many`), then each takes its last steps alone.
        """
        todo: list[tuple[str, int]] = []
        for name in names or list(self.views):
            self._require_view(name)
            serving = self.serving(name)
            if serving is not None:
                todo.append((name, serving.generation))
        applied = self._advance_together(todo, {name: progress for name, _ in todo})
        for name, generation in todo:
            while count := self._step(name, generation, progress):
                applied += count
        return applied

    def behind(self) -> int:
        """How many positions the serving view furthest behind the log's head lags."""
        with self.reader.connect() as conn:
            positions = [
                g.position for g in registry.generations(conn, [SERVING]) if g.view in self.views
            ]
        return max(self.store.head() - min(positions, default=self.store.head()), 0)

    def rebuild(self, name: str, progress: Progress | None = None) -> int:
        """Build the view anew beside the serving one, then switch readers to it."""
        self._require_view(name)
        generation = self._building(name) or self._start(name)
        return self._build(name, generation, progress)

    def rebuild_many(
        self, names: Sequence[str], progress: Callable[[str], Progress] | None = None
    ) -> int:
        """Build several views anew in one pass over the log (each event read and
        decoded once for all of them), then switch each one's readers to it."""
        for name in names:
            self._require_view(name)
        todo = [(name, self._building(name) or self._start(name)) for name in names]
        return self._build_many(todo, progress)

    def build_pending(
        self, progress: Progress | None = None, names: Sequence[str] | None = None
    ) -> int:
        """Advance every building generation (of ``names``), switching those that caught
        up; in one pass over the log."""
        todo = [
            (name, g)
            for name in (names or list(self.views))
            if (g := self._building(name)) is not None
        ]
        return self._build_many(todo, (lambda _name: progress) if progress else None)

    def run_forever(
        self,
        poll_interval: float = 0.5,
        on_batch: Progress | None = None,
        names: Sequence[str] | None = None,
        reactions: bool = True,
    ) -> None:
        """Follow the log until :meth:`stop` is called (the projection worker).

        Each pass lets the process managers react (they write events), brings
        the serving views up to date and advances any view being built. ``names``:
        only these views (one worker per group of views, each view's row lock keeps
        them apart); ``reactions=False``: leave the process managers and the ledger
        to another worker (docs/deployment.md). A pass
        that fails (the database went away) is logged and tried again after a
        growing pause: the worker never dies of it.
        """
        self._stopping.clear()
        pause = poll_interval
        while not self._stopping.is_set():
            try:
                reacted = react(self.reactions) if reactions else 0
                moved = self.catch_up(names, on_batch) + self.build_pending(on_batch, names)
            except Exception:
                log.exception("a pass of the projection worker failed; again in %.1f s", pause)
                self._stopping.wait(pause)
                pause = min(pause * 2, WORKER_PAUSE_MAX)
                continue
            pause = poll_interval
            if not moved and not reacted:
                self._stopping.wait(poll_interval)

    def stop(self) -> None:
        self._stopping.set()

    def deliver(self, name: str, notifications: Sequence[Notification]) -> int:
        """Apply the given notifications to the serving view, skipping those it has seen.

        Re-delivery is harmless: this is how the exactly-once guarantee is
        exercised in tests.
        """
        self._require_view(name)
        serving = self.serving(name)
        if serving is None:
            raise LookupError(f"view {name!r} has no serving generation; run 'tsunagu init'")
        last = notifications[-1].id if notifications else 0
        batch = _Batch(last, notifications, last)
        done: list[tuple[View, int, int]] = []
        with self.writer.begin() as conn:
            position = registry.lock_generation(conn, name, serving.generation)
            view = self.bound(name, serving.generation)
            reached, failure = self._apply(
                conn, view, position, batch, registry.skips(conn), done=done
            )
        _committed(done)
        if failure is not None:
            raise RuntimeError(f"view {name!r} failed at {failure.position}: {failure.error}")
        return sum(1 for n in notifications if position < n.id <= reached)

    # -- operators ---------------------------------------------------------------------

    def retry(self, name: str) -> bool:
        """A failed view tries again now; returns whether it had failed."""
        self._require_view(name)
        with self.writer.begin() as conn:
            failed = registry.retry_now(conn, name)
        self.catch_up([name])
        return failed

    def skip(self, name: str, position: int, reason: str, by: str) -> None:
        """Let the view pass over the event at ``position`` (a poison event) for good;
        recorded with who decided it and why."""
        self._require_view(name)
        if not reason.strip():
            raise ValueError("say why the event is skipped")
        found = self.store.recorder.select_notifications(start=position, limit=1, stop=position)
        if not found or found[0].id != position:
            raise LookupError(f"no event at position {position}")
        with self.writer.begin() as conn:
            registry.skip(conn, name, position, found[0].topic, reason.strip(), by)
            registry.retry_now(conn, name)
        log.warning("view %s skips the event at %d, as %s decided: %s", name, position, by, reason)
        self.catch_up([name])

    # -- generations ------------------------------------------------------------------

    def serving(self, name: str) -> Generation | None:
        with self.reader.connect() as conn:
            return registry.serving(conn, name)

    def _building(self, name: str) -> int | None:
        with self.reader.connect() as conn:
            return registry.latest(conn, name, BUILDING)

    def _start(self, name: str) -> int:
        """A new, empty generation of the view at the code's version."""
        view_cls = self.views[name]
        with self.writer.begin() as conn:
            generation = (registry.latest(conn, name) or 0) + 1
            for table in self.bound(name, generation).physical_tables:
                table.drop(conn, checkfirst=True)  # a leftover of a crashed attempt
                table.create(conn)
            registry.record(conn, name, generation, view_cls.version, BUILDING, 0, _names(view_cls))
        return generation

    def _build_many(
        self,
        todo: Sequence[tuple[str, int]],
        progress: Callable[[str], Progress] | None = None,
    ) -> int:
        """Catch several building generations up together while far behind the head
        (:meth:`_advance_together`); then each one finishes and switches on its own
        (:meth:`_build`)."""
        callbacks = {name: progress(name) if progress else None for name, _ in todo}
        for name, generation in todo:
            self.bound(name, generation).cache_limit = BUILD_CACHE_ROWS
        applied = self._advance_together(todo, callbacks)
        for name, generation in todo:
            applied += self._build(name, generation, callbacks[name])
        return applied

    def _advance_together(
        self, todo: Sequence[tuple[str, int]], callbacks: dict[str, Progress | None]
    ) -> int:
        """Move several generations (building or serving) while they are far behind
        the head: one read of the log per batch for all of them, each event decoded
        once and applied to every view in turn (see :meth:`_apply_many`). Stops when
        fewer than two are left far behind, or at a gap; returns how far they moved."""
        applied = 0
        going = list(todo)
        while len(going) > 1:
            head = self.store.head()
            with self.reader.connect() as conn:
                positions = {key: registry.position_of(conn, *key) for key in going}
                failures = registry.failures(conn)
            going = [key for key in going if key not in failures]
            start = min((positions[key] for key in going), default=head)
            if len(going) < 2 or head - start <= self.batch_size:
                break
            views = [self.bound(*key) for key in going]
            topics = [self._topics(view) for view in views]
            wanted = None if any(t is None for t in topics) else sorted(set().union(*topics))  # type: ignore[arg-type]
            batch = self._read(wanted, start, head, limit=BUILD_BATCH_SIZE)
            done: list[tuple[View, int, int]] = []
            with self.writer.begin() as conn:
                entries = [
                    (view, registry.lock_generation(conn, *key))
                    for view, key in zip(views, going, strict=True)
                ]
                results = self._apply_many(conn, entries, batch, registry.skips(conn), done)
            _committed(done)
            for (view, position), (reached, failure) in zip(entries, results, strict=True):
                applied += reached - position
                callback = callbacks[view.name]
                if callback is not None and failure is None:
                    callback(reached, batch.head)
            if batch.reached <= start:
                break  # stopped at a gap: each goes on alone
        return applied

    def _build(self, name: str, generation: int, progress: Progress | None) -> int:
        """Catch a building generation up with the log and make it the serving one."""
        applied = 0
        self.bound(name, generation).cache_limit = BUILD_CACHE_ROWS
        while True:
            head = self.store.head()
            position = self._position(name, generation)
            if head - position > self.batch_size:
                moved = self._step(name, generation, progress, limit=BUILD_BATCH_SIZE)
                if not moved:  # failing: the failure is recorded and shown
                    return applied
                applied += moved
                continue
            if self._switch(name, generation, progress):
                return applied
            if self._failure(name, generation) is not None:
                return applied

    def _switch(self, name: str, generation: int, progress: Progress | None) -> bool:
        """Finish the building generation and point the readers at it, in one transaction.

        The last events are read first; if, under the serving generation's lock,
        that one has moved past them, another round is needed (False).
        """
        view = self.bound(name, generation)
        batch = self._read(view.topics(), self._position(name, generation))
        done: list[tuple[View, int, int]] = []
        with self.writer.begin() as conn:
            serving = registry.serving(conn, name, lock=True)
            position = registry.lock_generation(conn, name, generation)
            if serving is not None and serving.position > batch.reached:
                return False  # the log ran ahead meanwhile: another round first
            reached, failure = self._apply(
                conn, view, position, batch, registry.skips(conn), done=done
            )
            if failure is not None or reached < batch.reached:
                return False
            self._point(conn, type(view).tables, generation)
            registry.mark(conn, name, generation, SERVING)
            if serving is not None:
                registry.mark(conn, name, serving.generation, RETIRED)
                registry.clear_failure(conn, name, serving.generation)
                kept = set(_names(self.views[name]))
                for table_name in serving.tables:
                    _drop(conn, physical_name(table_name, serving.generation))
                    if table_name not in kept:  # the new version no longer has it
                        conn.exec_driver_sql(f"DROP VIEW IF EXISTS {_quote(conn, table_name)}")
        _committed(done)
        view.cache_limit = SERVING_CACHE_ROWS  # it serves now
        for key in [k for k in self._bound if k[0] == name and k[1] != generation]:
            del self._bound[key]  # retired generations: their rows kept in memory go too
        self._analyze(type(view).tables, generation)
        if progress is not None:
            progress(batch.head, batch.head)
        return True

    def _analyze(self, tables: Sequence[sa.Table], generation: int) -> None:
        """Planner statistics, and on PostgreSQL the visibility map, for a generation
        that was just built in bulk (a center's deep board page sorted the center's
        rows without it: 22 ms, against 1.6 ms along its index once vacuumed)."""
        names = [physical_name(table.name, generation) for table in tables]
        analyze(self.writer, names, vacuum=True)

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

    # -- one step --------------------------------------------------------------------

    def _step_together(self) -> bool:
        """One batch for every serving view at once; returns whether there may be more."""
        with self.reader.connect() as conn:
            positions = {
                (g.view, g.generation): g.position
                for g in registry.generations(conn, [SERVING])
                if g.view in self.views
            }
            failures = registry.failures(conn)
        at = registry.now()
        head = self.store.head()
        # Failed views wait for their retry; a view far behind catches up on its own.
        due = {
            key: p
            for key, p in positions.items()
            if head - p <= self.batch_size and (key not in failures or failures[key].due(at))
        }
        start = min(due.values(), default=head)
        if start >= head:
            return False
        batch = self._read(None, start, head)
        done: list[tuple[View, int, int]] = []
        with self.writer.begin() as conn:
            locked = registry.lock_serving(conn, list(self.views))
            skips = registry.skips(conn)
            failing = registry.failures(conn)  # under the locks: none can appear meanwhile
            moves: list[tuple[str, int, int]] = []
            entries = [  # (else: switched to another generation meanwhile)
                (self.bound(*key), locked[key]) for key in sorted(due) if key in locked
            ]
            self._apply_many(conn, entries, batch, skips, done, moves, failing)
            registry.move_many(conn, moves)  # one statement for every view's position
        _committed(done)
        return batch.reached < batch.head

    def _step(
        self, name: str, generation: int, progress: Progress | None = None, limit: int = 0
    ) -> int:
        """One batch in one transaction; returns how many positions the generation moved.
        ``limit``: events per batch when far behind (default: the batch size)."""
        view = self.bound(name, generation)
        failure = self._failure(name, generation)
        if failure is not None and not failure.due(registry.now()):
            return 0
        batch = self._read(view.topics(), self._position(name, generation), limit=limit)
        done: list[tuple[View, int, int]] = []
        with self.writer.begin() as conn:
            position = registry.lock_generation(conn, name, generation)
            if position >= batch.head:
                return 0
            reached, _ = self._apply(conn, view, position, batch, registry.skips(conn), done=done)
        _committed(done)
        if progress is not None:
            progress(reached, batch.head)
        return reached - position

    def _read(
        self,
        topics: Sequence[str] | None,
        position: int,
        head: int | None = None,
        limit: int = 0,
    ) -> _Batch:
        """The next batch after ``position``, read before any view transaction begins.

        Near the head every event is read, whatever the view's topics, so that a
        missing position is seen: the batch stops before it until it appears or
        :attr:`gap_wait` has passed (ordering never rests on the database's
        insert locking). Far behind, only the view's topics are read.
        """
        head = self.store.head() if head is None else head
        near = head - position <= self.batch_size
        limit = self.batch_size if near else max(limit, self.batch_size)
        notifications = self.store.recorder.select_notifications(
            start=position + 1,
            limit=limit,
            stop=head,
            topics=() if near else topics or (),
        )
        # Fewer than a batch means everything up to head has been seen, including
        # events of topics this read did not ask for.
        full = len(notifications) >= limit
        reached = notifications[-1].id if full else head
        if near:
            notifications, reached = self._before_gap(position, notifications, reached)
        elif reached > head - self.batch_size:
            # The last stretch is read in full, where a late commit can still land.
            reached = head - self.batch_size
            notifications = [n for n in notifications if n.id <= reached]
        return _Batch(head, notifications, reached)

    def _before_gap(
        self, position: int, notifications: Sequence[Notification], reached: int
    ) -> tuple[Sequence[Notification], int]:
        """The notifications and position up to the first gap still waited for."""
        expected = position + 1
        for index, notification in enumerate(notifications):
            if notification.id != expected:
                if not self._gap_settled(expected):
                    return notifications[:index], expected - 1
                log.info(
                    "positions %d-%d never appeared; moving past", expected, notification.id - 1
                )
            expected = notification.id + 1
        # Forget gaps behind us (filled or passed).
        for gap in [gap for gap in list(self._gaps) if gap < expected]:
            self._gaps.pop(gap, None)
        return notifications, reached

    def _gap_settled(self, gap: int) -> bool:
        """Whether a missing position can no longer appear.

        SQLite writes one transaction at a time, so a gap there is final. On
        PostgreSQL it is final once every transaction that was running when it
        was first seen has ended (or after :attr:`gap_wait`).
        """
        if self.reader.dialect.name != "postgresql" or gap in self._settled:
            return True
        now = time.monotonic()
        with self.reader.connect() as conn:
            running: frozenset[str] = frozenset(
                conn.execute(
                    sa.text("SELECT pg_snapshot_xip(pg_current_snapshot())::text")
                ).scalars()
            )
        seen, then = self._gaps.setdefault(gap, (now, running))
        if then & running and now - seen < self.gap_wait:
            return False
        if len(self._settled) >= SETTLED_GAPS_KEPT:
            self._settled = set(sorted(self._settled)[SETTLED_GAPS_KEPT // 2 :])
        self._settled.add(gap)
        return True

    def _apply(
        self,
        conn: Connection,
        view: View,
        position: int,
        batch: _Batch,
        skips: set[tuple[str, int]],
        moves: list[tuple[str, int, int]] | None = None,
        failed: bool = True,
        done: list[tuple[View, int, int]] | None = None,
    ) -> tuple[int, Failure | None]:
        """Apply the batch's events after ``position`` to one view in a savepoint of its
        own and move its position; a failure stops this view just before the event.

        ``moves``: collect the new position there (written by the caller for every
        view at once) instead of updating it now; ``failed=False``: the caller
        knows, under the generation's lock, that the view has no failure to clear.
        A batch with none of the view's events needs no savepoint. ``done``: where the
        caller learns what to tell the view once the transaction has committed (its
        rows kept in memory are then true at the new position).
        """
        token = view.begin_batch(position)
        wanted = self._topics(view)
        todo = [
            n
            for n in batch.notifications
            if n.id > position and (wanted is None or n.topic in wanted)
        ]
        if todo:
            savepoint = conn.begin_nested()
            current: Notification | None = None
            flushing = False
            try:
                for current in todo:
                    self._apply_one(conn, view, current, batch, skips)
                flushing = True
                view.flush(conn)
            except Exception as error:
                savepoint.rollback()
                view.discard_pending()
                view.rolled_back()
                assert current is not None  # noqa: S101 - only events raise here
                if flushing:  # which event made the batch's writes fail?
                    current, error = self._culprit(conn, view, todo, batch, skips) or (
                        current,
                        error,
                    )
                return self._failed(conn, view, position, batch, skips, current, error)
            savepoint.commit()
        reached = max(position, batch.reached)
        if moves is None:
            registry.move(conn, view.name, view.generation, reached)
        elif reached != position:
            moves.append((view.name, view.generation, reached))
        if failed and registry.clear_failure(conn, view.name, view.generation):
            log.warning("view %s recovered: it is at %d again", view.name, reached)
        if done is not None:
            done.append((view, token, reached))
        return reached, None

    def _apply_many(
        self,
        conn: Connection,
        entries: Sequence[tuple[View, int]],
        batch: _Batch,
        skips: set[tuple[str, int]],
        done: list[tuple[View, int, int]],
        moves: list[tuple[str, int, int]] | None = None,
        failing: Collection[tuple[str, int]] = (),
    ) -> list[tuple[int, Failure | None]]:
        """Apply the batch to several views (each at its own position) in one pass:
        each event is decoded once and handed to every view that reads it, all in one
        savepoint. Should any view fail, that savepoint is rolled back and the batch
        applied again one view at a time (:meth:`_apply`), each in a savepoint of its
        own, so that the failing view stops alone, just before its event."""
        wanted = [self._topics(view) for view, _ in entries]
        tokens = [view.begin_batch(position) for view, position in entries]
        savepoint = conn.begin_nested()
        try:
            to_domain_event = self._decoder([view for view, _ in entries])
            self._decode_together(entries, wanted, batch, skips, to_domain_event)
            for notification in batch.notifications:
                event = batch.decoded.get(notification.id)
                for (view, position), topics in zip(entries, wanted, strict=True):
                    if notification.id <= position or (
                        topics is not None and notification.topic not in topics
                    ):
                        continue
                    if (view.name, notification.id) in skips:
                        continue
                    if event is None:
                        event = to_domain_event(notification)
                    view.apply(conn, event, notification.id)
            for view, _ in entries:
                view.flush(conn)
        except Exception:
            savepoint.rollback()
            for view, _ in entries:
                view.discard_pending()
                view.rolled_back()
            return [
                self._apply(
                    conn,
                    view,
                    position,
                    batch,
                    skips,
                    moves,
                    (view.name, view.generation) in failing if moves is not None else True,
                    done,
                )
                for view, position in entries
            ]
        savepoint.commit()
        results: list[tuple[int, Failure | None]] = []
        for (view, position), token in zip(entries, tokens, strict=True):
            reached = max(position, batch.reached)
            if moves is None:
                registry.move(conn, view.name, view.generation, reached)
            elif reached != position:
                moves.append((view.name, view.generation, reached))
            check = (view.name, view.generation) in failing if moves is not None else True
            if check and registry.clear_failure(conn, view.name, view.generation):
                log.warning("view %s recovered: it is at %d again", view.name, reached)
            done.append((view, token, reached))
            results.append((reached, None))
        return results

    def _decode_together(
        self,
        entries: Sequence[tuple[View, int]],
        wanted: Sequence[frozenset[str] | None],
        batch: _Batch,
        skips: set[tuple[str, int]],
        to_domain_event: Callable[[Notification], Any],
    ) -> None:
        """Open the batch's events that the views will read all at once, when they are
        opened at all: the keys of every client they name are looked up together
        (one query, where one per client was made when each event was opened alone)."""
        mapper = self.store.mapper
        if not isinstance(mapper, SealingMapper) or to_domain_event != mapper.to_domain_event:
            return
        needed = [
            notification
            for notification in batch.notifications
            if notification.id not in batch.decoded
            and any(
                notification.id > position
                and (topics is None or notification.topic in topics)
                and (view.name, notification.id) not in skips
                for (view, position), topics in zip(entries, wanted, strict=True)
            )
        ]
        events = mapper.to_domain_events(needed)  # all or none: a failure is found later
        batch.decoded.update(
            (notification.id, event) for notification, event in zip(needed, events, strict=True)
        )

    def _apply_one(
        self,
        conn: Connection,
        view: View,
        notification: Notification,
        batch: _Batch,
        skips: set[tuple[str, int]],
    ) -> None:
        if (view.name, notification.id) in skips:
            return
        wanted = self._topics(view)
        if wanted is not None and notification.topic not in wanted:
            return  # not this view's: never decoded for it (it may not even decode)
        if not view.reads_sealed:
            view.apply(conn, self._decoder([view])(notification), notification.id)
            return
        event = batch.decoded.get(notification.id)
        if event is None:
            event = self.store.mapper.to_domain_event(notification)
            batch.decoded[notification.id] = event
        view.apply(conn, event, notification.id)

    def _decoder(self, views: Sequence[View]) -> Callable[[Notification], Any]:
        """How the events for ``views`` are decoded: sealed fields opened only when one
        of them reads them."""
        mapper = self.store.mapper
        if any(view.reads_sealed for view in views) or not isinstance(mapper, SealingMapper):
            return mapper.to_domain_event
        return partial(_unsealed, mapper)

    def _culprit(
        self,
        conn: Connection,
        view: View,
        todo: Sequence[Notification],
        batch: _Batch,
        skips: set[tuple[str, int]],
    ) -> tuple[Notification, Exception] | None:
        """The batch's writes failed when they were written together at its end: apply
        its events again one at a time, each written at once, to find the event that
        fails (rolled back whatever it finds; only run after a failure)."""
        savepoint = conn.begin_nested()
        try:
            for notification in todo:
                try:
                    self._apply_one(conn, view, notification, batch, skips)
                    view.flush(conn)
                except Exception as error:
                    return notification, error
            return None
        finally:
            savepoint.rollback()
            view.discard_pending()
            view.rolled_back()

    def _failed(
        self,
        conn: Connection,
        view: View,
        position: int,
        batch: _Batch,
        skips: set[tuple[str, int]],
        failing: Notification,
        error: Exception,
    ) -> tuple[int, Failure]:
        """Keep the events before the failing one, stop there, record the failure."""
        before = [n for n in batch.notifications if position < n.id < failing.id]
        savepoint = conn.begin_nested()
        for notification in before:
            self._apply_one(conn, view, notification, batch, skips)
        view.flush(conn)
        savepoint.commit()
        reached = before[-1].id if before else position
        registry.move(conn, view.name, view.generation, reached)
        failure = registry.fail(
            conn,
            view.name,
            view.generation,
            failing.id,
            failing.topic,
            f"{type(error).__name__}: {error}",
        )
        if failure.attempts == 1:  # logged once, not at every retry
            log.error(
                "view %s stopped before the event at %d (%s); the other views go on",
                view.name,
                failing.id,
                failing.topic,
                exc_info=error,
            )
        return reached, failure

    def _topics(self, view: View) -> frozenset[str] | None:
        key = type(view).__name__
        if key not in self._topic_sets:
            topics = view.topics()
            self._topic_sets[key] = frozenset(topics) if topics is not None else None
        return self._topic_sets[key]

    def _position(self, name: str, generation: int) -> int:
        with self.reader.connect() as conn:
            return registry.position_of(conn, name, generation)

    def _failure(self, name: str, generation: int) -> Failure | None:
        with self.reader.connect() as conn:
            return registry.failures(conn).get((name, generation))

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
            rows = registry.generations(conn, [SERVING, BUILDING])
            failures = registry.failures(conn)
        serving = {g.view: g for g in rows if g.state == SERVING}
        building = {g.view: g for g in rows if g.state == BUILDING}
        result = []
        for name in self.views:
            s, b = serving.get(name), building.get(name)
            failed = next((f for (v, _), f in sorted(failures.items()) if v == name), None)
            result.append(
                ViewStatus(
                    name,
                    s.position if s is not None else 0,
                    head,
                    version=s.version if s is not None else None,
                    generation=s.generation if s is not None else None,
                    building_version=b.version if b is not None else None,
                    building_generation=b.generation if b is not None else None,
                    building_position=b.position if b is not None else None,
                    failed_position=failed.position if failed else None,
                    failed_event=failed.topic if failed else None,
                    error=failed.error if failed else None,
                    failures=failed.attempts if failed else 0,
                    retry_at=failed.retry_at if failed else None,
                )
            )
        return result

    def position(self, name: str) -> int:
        serving = self.serving(name)
        return serving.position if serving is not None else 0

    def bring_up(self, views: Sequence[str], position: int) -> bool:
        """Step each of ``views`` (serving generation) to ``position`` here and now,
        at most :data:`REQUEST_BATCHES` batches each: a command that reads a view
        does the little work the worker has not done yet instead of waiting for
        it. A view far behind, failing, or stopped at a gap is left as it is."""
        reached = True
        for name in views:
            serving = self.serving(name)
            if serving is None:
                reached = False
                continue
            at = serving.position
            for _ in range(REQUEST_BATCHES):
                if at >= position:
                    break
                moved = self._step(name, serving.generation)
                if not moved:
                    break
                at += moved
            reached = reached and at >= position
        return reached

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


def _unsealed(mapper: SealingMapper, notification: Notification) -> Any:
    """The event with its sealed fields left closed (they read as erased): what a view
    that reads none of them needs, without a key lookup and a decryption per event."""
    event = Mapper.to_domain_event(mapper, notification)
    state = vars(event)
    envelope = state.pop(ENVELOPE, None)
    if envelope is not None:
        state.update({name: ERASED_VALUES.get(name, ERASED) for name in envelope["fields"]})
    return event


def _committed(done: Sequence[tuple[View, int, int]]) -> None:
    """The transaction of these batches committed: the views' rows in memory hold."""
    for view, token, position in done:
        view.committed(token, position)


@lru_cache(maxsize=1024)
def _by_key(kind: str, table: sa.Table) -> Any:
    """The table's insert, or its update or delete by primary key (``k_<column>``
    parameters), built once: building one cost 4x executing it (SQLite, one row:
    60-90 µs against 20 µs), and a command's batch runs dozens."""
    where = [c == sa.bindparam(f"k_{c.name}") for c in table.primary_key.columns]
    if kind == "insert":
        return table.insert()
    if kind == "update":
        return table.update().where(*where)
    return table.delete().where(*where)


@lru_cache(maxsize=1024)
def _adding_upsert(dialect: Any, table: sa.Table, keys: tuple[str, ...], column: str) -> Any:
    """INSERT the row, or add its ``column`` to the existing one (SQLite and PostgreSQL).

    Text with typed parameters, built once: SQLAlchemy does not cache the compiled
    form of its dialects' ``on_conflict_do_update`` (each execution compiled it again:
    180-550 µs a statement against 24 µs for this)."""
    quote = dialect.identifier_preparer.quote
    name = dialect.identifier_preparer.format_table(table)
    names = [*keys, column]
    # Identifiers quoted by the dialect; values are bound parameters.
    sql = (
        f"INSERT INTO {name} ({', '.join(quote(n) for n in names)}) "  # noqa: S608
        f"VALUES ({', '.join(f':{n}' for n in names)}) "
        f"ON CONFLICT ({', '.join(quote(k) for k in keys)}) DO UPDATE SET "
        f"{quote(column)} = {name}.{quote(column)} + excluded.{quote(column)}"
    )
    return sa.text(sql).bindparams(*(sa.bindparam(n, type_=table.c[n].type) for n in names))


COPY_MIN_ROWS = 50
"""On PostgreSQL, a batch writes this many rows or more of one table and kind with
COPY (psycopg's executemany sends a statement per row, even pipelined); fewer rows,
and SQLite, go by executemany."""

_stages = itertools.count(1)


def _bulk(conn: Connection, rows: Sequence[dict[str, Any]]) -> bool:
    """Whether to write ``rows`` with COPY: many of them, on PostgreSQL through psycopg 3."""
    dialect = conn.dialect
    return (
        len(rows) >= COPY_MIN_ROWS and dialect.name == "postgresql" and dialect.driver == "psycopg"
    )


def _copyable(table: sa.Table, rows: Sequence[dict[str, Any]]) -> bool:
    """Whether COPY writes ``rows`` exactly as the executemany would: each row names
    the same columns of the table, and no column left out has a default computed in
    Python (COPY applies only the database's own)."""
    names = rows[0].keys()
    if any(row.keys() != names for row in rows):
        return False
    if any(name not in table.c for name in names):
        return False
    return all(c.name in names or c.default is None for c in table.columns)


def _copy(
    conn: Connection,
    target: str,
    columns: Sequence[sa.Column[Any]],
    keys: Sequence[str],
    rows: Sequence[dict[str, Any]],
) -> None:
    """COPY ``rows`` (``keys``: each column's key in them) into ``target`` (quoted),
    through the connection's transaction. Values pass the columns' bind processors
    first, as an executemany would (JSON, time zones)."""
    dialect = conn.dialect
    processed = [
        (index, process)
        for index, process in enumerate(c.type._cached_bind_processor(dialect) for c in columns)
        if process is not None
    ]
    values: Callable[[dict[str, Any]], Sequence[Any]] = (
        itemgetter(*keys) if len(keys) > 1 else lambda row: (row[keys[0]],)
    )
    names = ", ".join(_quote(conn, c.name) for c in columns)
    driver: Any = conn.connection.driver_connection
    with driver.cursor() as cursor, cursor.copy(f"COPY {target} ({names}) FROM STDIN") as copy:
        for row in rows:
            out = list(values(row))
            for index, process in processed:
                out[index] = process(out[index])
            copy.write_row(out)


def _stage(
    conn: Connection,
    table: sa.Table,
    columns: Sequence[sa.Column[Any]],
    keys: Sequence[str],
    rows: Sequence[dict[str, Any]],
) -> str:
    """A temporary table with ``columns`` of ``table`` holding ``rows`` (quoted name;
    dropped by the caller, else at commit; a rolled-back savepoint takes it along)."""
    stage = _quote(conn, f"tsunagu_stage_{next(_stages)}")
    names = ", ".join(_quote(conn, c.name) for c in columns)
    # Identifiers quoted by the dialect; no value reaches this text.
    conn.exec_driver_sql(
        f"CREATE TEMPORARY TABLE {stage} ON COMMIT DROP AS "  # noqa: S608
        f"SELECT {names} FROM {_quote(conn, table.name)} WITH NO DATA"
    )
    _copy(conn, stage, columns, keys, rows)
    return stage


def _copy_insert(conn: Connection, table: sa.Table, rows: Sequence[dict[str, Any]]) -> None:
    names = list(rows[0])
    _copy(conn, _quote(conn, table.name), [table.c[n] for n in names], names, rows)


def _key_match(conn: Connection, table: sa.Table) -> str:
    return " AND ".join(
        f"_t.{q} = _s.{q}" for q in (_quote(conn, c.name) for c in table.primary_key.columns)
    )


def _copy_delete(conn: Connection, table: sa.Table, keys: Sequence[dict[str, Any]]) -> None:
    """DELETE the rows whose primary keys are given (as ``k_<column>``)."""
    pk = list(table.primary_key.columns)
    stage = _stage(conn, table, pk, [f"k_{c.name}" for c in pk], keys)
    conn.exec_driver_sql(
        f"DELETE FROM {_quote(conn, table.name)} AS _t "  # noqa: S608 - quoted identifiers
        f"USING {stage} AS _s WHERE {_key_match(conn, table)}"
    )
    conn.exec_driver_sql(f"DROP TABLE {stage}")


def _copy_update(conn: Connection, table: sa.Table, rows: Sequence[dict[str, Any]]) -> None:
    """UPDATE rows by primary key (given as ``k_<column>``) to the other values given."""
    pk = list(table.primary_key.columns)
    keys = [f"k_{c.name}" for c in pk]
    names = [n for n in rows[0] if n not in keys]
    if any(row.keys() != rows[0].keys() for row in rows):
        where = [c == sa.bindparam(f"k_{c.name}") for c in pk]
        conn.execute(table.update().where(*where), rows)
        return
    stage = _stage(conn, table, pk + [table.c[n] for n in names], keys + names, rows)
    sets = ", ".join(f"{q} = _s.{q}" for q in (_quote(conn, n) for n in names))
    conn.exec_driver_sql(
        f"UPDATE {_quote(conn, table.name)} AS _t SET {sets} "  # noqa: S608 - quoted identifiers
        f"FROM {stage} AS _s WHERE {_key_match(conn, table)}"
    )
    conn.exec_driver_sql(f"DROP TABLE {stage}")


def _copy_upsert(
    conn: Connection,
    table: sa.Table,
    keys: Sequence[str],
    column: str,
    rows: Sequence[dict[str, Any]],
) -> None:
    """:func:`_adding_upsert` for many rows (each key once): staged, then one
    INSERT ... SELECT ... ON CONFLICT."""
    names = list(rows[0])
    stage = _stage(conn, table, [table.c[n] for n in names], names, rows)
    quoted = ", ".join(_quote(conn, n) for n in names)
    target = ", ".join(_quote(conn, k) for k in keys)
    q = _quote(conn, column)
    conn.exec_driver_sql(
        f"INSERT INTO {_quote(conn, table.name)} AS _t ({quoted}) "  # noqa: S608
        f"SELECT {quoted} FROM {stage} "
        f"ON CONFLICT ({target}) DO UPDATE SET {q} = _t.{q} + EXCLUDED.{q}"
    )
    conn.exec_driver_sql(f"DROP TABLE {stage}")


def _names(view: type[View]) -> list[str]:
    return [table.name for table in view.tables]


def _quote(conn: Connection, name: str) -> str:
    return str(conn.dialect.identifier_preparer.quote(name))


def _drop(conn: Connection, table_name: str) -> None:
    sa.Table(table_name, sa.MetaData()).drop(conn, checkfirst=True)
