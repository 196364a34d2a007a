"""List and report reads served by a PostgreSQL streaming replica (``DATABASE_READ_URL``).

The replica is a physical copy of the primary: the view tables *and* the table of
view positions (``projection_builds``) arrive together, one committed transaction
at a time, so a view's position read on the replica says exactly which events the
replica's rows of that view include.

Read-your-writes, two ways:

* API: the ``min_position`` contract of every list (see
  :func:`application.common.wait_for_view`): a read that must see position P waits,
  bounded by the same :data:`~application.common.VIEW_WAIT_SECONDS`, until the
  *replica's* position of the view reaches P, then answers from the replica. On
  timeout it answers from the replica and says ``stale: true`` -- what a list does
  when the projection worker lags, whichever of the two is behind.
* Screens pass no positions: after a change a browser session remembers the
  primary's WAL position (:meth:`ReadRouting.mark`); its next requests read lists
  from the primary until the replica has replayed that far (one cheap query, no
  wait), then from the replica again.

Everything else stays on the primary: commands (and the views they bring up
themselves), the event store, authentication, idempotency, the access log's
writes and the projection worker.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Collection, Sequence
from contextvars import ContextVar
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from application.board import BoardCursor, BoardSort, CaseBoard, NeedFilter, NeedRow
from application.common import ViewMonitor, ViewStatus
from domain.values import NeedStatus
from infrastructure.persistence import Database, DatabaseUrlError
from infrastructure.views import registry

log = logging.getLogger(__name__)

REPLICA_DOWN_SECONDS = 10.0
"""After the replica failed to answer, list reads go to the primary this long."""
_LSN = re.compile(r"^[0-9A-F]{1,8}/[0-9A-F]{1,8}$")
_mark: ContextVar[str | None] = ContextVar("tsunagu_read_mark", default=None)
_chosen: ContextVar[Engine | None] = ContextVar("tsunagu_read_engine", default=None)


def replica_engine(read_url: str, primary: Database) -> Engine:
    """The engine for ``DATABASE_READ_URL``: PostgreSQL only, the primary's schema.

    SQLite has no replicas: a read URL beside it is refused (a setting that would be
    silently ignored lets an operator believe reads are spread when they are not)."""
    if primary.kind != "postgresql":
        raise DatabaseUrlError(
            "DATABASE_READ_URL is set but DATABASE_URL is SQLite, which has no replicas: "
            "unset DATABASE_READ_URL, or move to PostgreSQL (README, 'Configuration')"
        )
    replica = Database.from_url(read_url, schema=primary.schema)
    if replica.kind != "postgresql":
        raise DatabaseUrlError(
            "DATABASE_READ_URL must name a PostgreSQL streaming replica: "
            "postgresql://USER@HOST:PORT/DB"
        )
    reader, _ = replica.create_engines()
    return reader


class ReplicaViews:
    """A :class:`~application.common.ViewMonitor` whose positions are the replica's.

    Given to the use cases whose lists read the replica. ``status`` (the system
    page, the head check of ``min_position``) and ``bring_up`` (commands) are the
    primary's."""

    def __init__(self, primary: ViewMonitor, replica: Engine) -> None:
        self.primary = primary
        self.replica = replica

    def status(self) -> list[ViewStatus]:
        return self.primary.status()

    def position(self, view: str) -> int:
        with self.replica.connect() as conn:
            serving = registry.serving(conn, view)
        return serving.position if serving is not None else 0

    def wait_for(self, view: str, position: int, timeout: float) -> bool:
        """Poll the replica (20 ms doubling to 200 ms) until the view is at ``position``."""
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

    def bring_up(self, views: Sequence[str], position: int) -> bool:
        return self.primary.bring_up(views, position)


class ReadRouting:
    """The engine list adapters are given: the replica, or the primary for a request
    that must see a write the replica has not replayed yet, or while the replica is
    down. Only ``connect()`` and ``dialect`` are used by the adapters."""

    def __init__(self, primary: Engine, replica: Engine) -> None:
        self.primary = primary
        self.replica = replica
        self._down_until = 0.0

    def mark(self) -> str:
        """Where the primary's WAL stands now: everything committed so far."""
        with self.primary.connect() as conn:
            return str(conn.execute(sa.text("SELECT pg_current_wal_lsn()::text")).scalar())

    def begin(self, mark: str | None) -> None:
        """A new request (of a session that wrote up to ``mark``) starts on this thread."""
        _mark.set(mark if mark is not None and _LSN.match(mark) else None)
        _chosen.set(None)

    def replica_caught_up(self) -> bool:
        """The replica serves this request's lists (it has replayed the session's mark)."""
        return self._engine() is self.replica

    @property
    def dialect(self) -> Any:
        return self.replica.dialect

    def connect(self) -> Connection:
        engine = self._engine()
        if engine is self.primary:
            return engine.connect()
        try:
            return engine.connect()
        except sa.exc.OperationalError:
            self._replica_down()
            return self.primary.connect()

    def _engine(self) -> Engine:
        mark = _mark.get()
        if mark is None:
            return self.primary if time.monotonic() < self._down_until else self.replica
        chosen = _chosen.get()
        if chosen is None:  # decided once per request
            chosen = self.replica if self._replayed(mark) else self.primary
            _chosen.set(chosen)
        return chosen

    def _replayed(self, mark: str) -> bool:
        if time.monotonic() < self._down_until:
            return False
        try:
            with self.replica.connect() as conn:
                return bool(
                    conn.execute(
                        sa.text(
                            "SELECT COALESCE(pg_last_wal_replay_lsn(), pg_current_wal_lsn())"
                            " >= CAST(:mark AS pg_lsn)"
                        ),
                        {"mark": mark},
                    ).scalar()
                )
        except sa.exc.OperationalError:
            self._replica_down()
            return False

    def _replica_down(self) -> None:
        self._down_until = time.monotonic() + REPLICA_DOWN_SECONDS
        log.warning(
            "the read replica does not answer; lists read the primary for %.0f s",
            REPLICA_DOWN_SECONDS,
        )


class ListedCaseBoard:
    """The case board as the board screen and API read it: its pages and counts from
    ``lists`` (the replica); the rows of named needs and the waiting lists, which
    pages show right after the change that made them, from ``lookups`` (the primary)."""

    def __init__(self, lists: CaseBoard, lookups: CaseBoard) -> None:
        self.lists = lists
        self.lookups = lookups

    def page(
        self,
        filters: NeedFilter,
        sort: BoardSort,
        page: int,
        per_page: int,
        after: BoardCursor | None = None,
    ) -> tuple[list[NeedRow], int]:
        return self.lists.page(filters, sort, page, per_page, after)

    def status_counts(self, filters: NeedFilter) -> dict[NeedStatus, int]:
        return self.lists.status_counts(filters)

    def by_ids(self, need_ids: Collection[UUID]) -> list[NeedRow]:
        return self.lookups.by_ids(need_ids)

    def waiting_by_resource(self) -> dict[UUID, int]:
        return self.lookups.waiting_by_resource()
