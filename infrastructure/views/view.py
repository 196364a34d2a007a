"""A read model and its rows folded in memory for a batch (see
:mod:`infrastructure.views.projection` for who runs the batches).

Handlers change row dicts (:meth:`View.row`, :meth:`View.add_row`,
:meth:`View.delete_row`), counters (:meth:`View.count_later`) and append-only rows
(:meth:`View.insert_later`); :meth:`View.flush` writes them at the batch's end with
:mod:`infrastructure.views.writes`.
"""

from __future__ import annotations

from abc import ABC
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from operator import itemgetter
from types import SimpleNamespace
from typing import Any, ClassVar

import sqlalchemy as sa
from eventsourcing.domain import DomainEventProtocol
from sqlalchemy.engine import Connection

from application.topics import topics_of
from infrastructure.views.writes import (
    adding_upsert,
    bulk,
    by_key,
    copy_delete,
    copy_insert,
    copy_update,
    copy_upsert,
    copyable,
)

Handler = Callable[[Connection, Any, int], None]
SERVING_CACHE_ROWS = 5_000
"""Rows a serving view keeps in memory between batches at most."""
SHED_KEYS_MAX = 4_000_000
"""Rows a view that knows all its rows may have dropped from memory (a hash of each
key kept, some 70 bytes) and still know every other key has no row; past it, a row
not in memory is looked up in its table."""


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
    lookups: ClassVar[frozenset[str]] = frozenset()
    """Columns (``"table.column"``) that handlers find rows by with SQL rather than by
    primary key (an erasure's update, a member leaving): the indexes they lead are made
    with a generation's tables. Every other index of a generation built from the log
    is made only once it nears the head (:meth:`indexes`), in one pass over its rows,
    rather than kept up row by row while millions are written."""
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
        self._dirty: dict[str, list[_Cached]] = {}
        """The rows the batch changed, by table: what its flush writes (walking every
        row kept, up to the build's cache limit, took longer than writing them)."""
        self._row_count = 0
        self._shed: set[int] = set()
        """Hashes of the keys of rows dropped from memory while :attr:`complete`: only
        for those (or a key sharing a hash) does a miss read the table."""
        self.memo: dict[Any, Any] = {}
        """What a view derives from its rows and keeps beside the row cache (loaded
        lazily, forgotten with it): e.g. a client's earlier needs."""
        self.cache_limit = SERVING_CACHE_ROWS
        """Rows kept in memory between batches at most (see :meth:`row`)."""
        self._cached_at: int | None = None
        self._batch = 0
        self.memo_complete = False
        """Whether :attr:`memo` holds every entry there is (a missing one is empty):
        while :attr:`complete`, until the memo is cleared to bound its size."""
        self.complete = False
        """Whether every row of the generation's tables is in memory or was shed
        (built from position 0 without forgetting since): a row neither kept nor shed
        does not exist, and nothing needs to be read for it."""

    @property
    def physical_tables(self) -> list[sa.Table]:
        return [getattr(self.t, table.name) for table in self.tables]

    def indexes(self, *, while_building: bool) -> list[sa.Index]:
        """The indexes of this generation's tables; ``while_building``: only those its
        handlers look rows up by (:attr:`lookups`)."""
        found = []
        for canonical, table in zip(self.tables, self.physical_tables, strict=True):
            for index in sorted(table.indexes, key=lambda i: str(i.name)):
                leading = next(iter(index.columns)).name
                if not while_building or f"{canonical.name}.{leading}" in self.lookups:
                    found.append(index)
        return found

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
            self._touch(cached)
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
            cached = rows[key] = _Cached(
                table, key, full, stored=False, dirty=False, seen=self._batch
            )
            self._row_count += 1
        elif cached.row is not None:
            raise ValueError(f"{table.name}: a row with key {key} exists")
        cached.row = full
        self._touch(cached)
        return full

    def delete_row(self, conn: Connection, table: sa.Table, *key: Any) -> None:
        """Remove the row with primary key ``key`` (nothing if there is none)."""
        cached = self._cached(conn, table, key)
        cached.row = None
        self._touch(cached)

    def _touch(self, cached: _Cached) -> None:
        """``cached`` changed in this batch: its flush writes it."""
        if not cached.dirty:
            cached.dirty = True
            self._dirty.setdefault(cached.table.name, []).append(cached)

    def _cached(self, conn: Connection, table: sa.Table, key: tuple[Any, ...]) -> _Cached:
        rows = self._rows.setdefault(table.name, {})
        cached = rows.get(key)
        if cached is not None:
            cached.seen = self._batch
            return cached
        if self.complete and (not self._shed or hash((table.name, key)) not in self._shed):
            cached = rows[key] = _Cached(
                table, key, None, stored=False, dirty=False, seen=self._batch
            )
            self._row_count += 1
        else:
            pk = list(table.primary_key.columns)
            found = conn.execute(
                sa.select(table).where(*(c == k for c, k in zip(pk, key, strict=True)))
            ).first()
            row = dict(found._mapping) if found is not None else None
            cached = rows[key] = _Cached(
                table, key, row, stored=row is not None, dirty=False, seen=self._batch
            )
            self._row_count += 1
        return cached

    def begin_batch(self, position: int) -> int:
        """A batch after ``position`` begins: the rows kept in memory are still true if
        the last batch committed exactly there. Returns the batch's token."""
        if self._cached_at != position:
            self.forget_rows()
            self.complete = self.memo_complete = position == 0  # no rows at 0 yet
        self._cached_at = None  # until this batch is known committed
        self._batch += 1
        return self._batch

    def committed(self, token: int, position: int) -> None:
        """The batch ``token`` committed with the view at ``position``."""
        if token == self._batch:
            self._cached_at = position
            if self._row_count > self.cache_limit:
                self._shed_rows()

    def _shed_rows(self) -> None:
        """Keep the half of the rows used most recently (by batch), drop the rest: all
        are written (the batch committed). A view that knew all its rows still does
        (a miss reads the table only for the keys dropped); the memo stays, true as
        its handlers keep it, unless it outgrew the cache limit. Forgetting everything
        instead made each later event of an older case read its row back, one query
        each: at 1M needs, most of them."""
        by_use = [
            (cached.seen, name, key)
            for name, rows in self._rows.items()
            for key, cached in rows.items()
        ]
        by_use.sort(key=itemgetter(0))
        dropped = by_use[: len(by_use) - self.cache_limit // 2]
        if self.complete and len(self._shed) + len(dropped) > SHED_KEYS_MAX:
            self.forget_rows()  # too many keys to remember: read every row back
            return
        if len(self.memo) > self.cache_limit:
            self.memo, self.memo_complete = {}, False
        for _, name, key in dropped:
            cached = self._rows[name].pop(key)
            if self.complete and cached.row is not None:
                self._shed.add(hash((name, key)))
        self._row_count -= len(dropped)

    def forget_rows(self) -> None:
        self._rows, self._dirty, self._row_count, self.memo = {}, {}, 0, {}
        self._shed = set()
        self._cached_at = None
        self.complete = self.memo_complete = False

    def _flush_rows(self, conn: Connection) -> None:
        dirty, self._dirty = self._dirty, {}
        for changed_rows in dirty.values():
            deletes: list[dict[str, Any]] = []
            inserts: list[dict[str, Any]] = []
            updates: list[dict[str, Any]] = []
            table = changed_rows[0].table
            pk = [c.name for c in table.primary_key.columns]
            for cached in changed_rows:
                key = cached.key
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
            if bulk(conn, deletes):
                copy_delete(conn, table, deletes)
                deletes = []
            if bulk(conn, inserts):
                copy_insert(conn, table, inserts)
                inserts = []
            if bulk(conn, updates):
                copy_update(conn, table, updates)
                updates = []
            if deletes:
                conn.execute(by_key("delete", table), deletes)
            if inserts:
                conn.execute(by_key("insert", table), inserts)
            if updates:
                conn.execute(by_key("update", table), updates)

    def flush(self, conn: Connection) -> None:
        """Write what the batch folded in memory (called before its savepoint commits)."""
        self._flush_rows(conn)
        inserts, counts = self._pending_inserts, self._pending_counts
        self._pending_inserts, self._pending_counts = {}, {}
        for table, rows in inserts.values():
            if bulk(conn, rows) and copyable(table, rows):
                copy_insert(conn, table, rows)
            else:
                conn.execute(by_key("insert", table), rows)
        upserts: dict[tuple[str, str, tuple[str, ...]], tuple[sa.Table, list[dict[str, Any]]]] = {}
        for table, key, column, delta in counts.values():
            group = (table.name, column, tuple(key))
            upserts.setdefault(group, (table, []))[1].append({**key, column: delta})
        for (_, column, keys), (table, rows) in upserts.items():
            if bulk(conn, rows) and copyable(table, rows):
                copy_upsert(conn, table, keys, column, rows)
            else:
                conn.execute(adding_upsert(conn.dialect, table, keys, column), rows)

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
    key: tuple[Any, ...]
    row: dict[str, Any] | None
    stored: bool
    dirty: bool
    seen: int
    """The last batch that read or wrote it (the oldest are dropped first)."""


def _default(column: sa.Column[Any]) -> Any:
    default = column.default
    if default is not None and getattr(default, "is_scalar", False):
        return default.arg  # type: ignore[attr-defined]
    return None
