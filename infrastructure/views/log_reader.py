"""Reading the log in batches, in position order, for the views.

A position is taken when a transaction inserts an event: on PostgreSQL a later
position can commit first, and a rolled-back insert leaves a position that never
appears. Near the head a batch therefore stops before a missing position until it
appears or can no longer appear (the gap rule, :meth:`LogReader.read`); ordering
never rests on the event store's insert locking.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from eventsourcing.persistence import Notification
from sqlalchemy.engine import Engine

from application.store import EventStore

log = logging.getLogger(__name__)

GAP_WAIT = 2.0
"""Seconds at most that a missing position below the head is waited for before
the views move past it. On PostgreSQL a position is taken when a transaction
inserts, so a later one can commit first, and a position whose transaction rolled
back never appears: a gap is passed as soon as every transaction that was writing
to the events table when it was seen has ended, or after this long."""

SETTLED_GAPS_KEPT = 10_000
"""Final gaps remembered for the views still behind them (the oldest are forgotten)."""

_LOG_WRITERS = sa.text(
    "SELECT DISTINCT virtualtransaction FROM pg_locks WHERE locktype = 'relation'"
    " AND relation = to_regclass(:table) AND granted AND mode IN"
    " ('RowExclusiveLock', 'ShareRowExclusiveLock', 'ExclusiveLock', 'AccessExclusiveLock')"
)
"""The transactions that may have inserted into the events table and not ended."""


@dataclass
class Batch:
    """Events read from the log, outside any view transaction, for one step."""

    head: int
    notifications: Sequence[Notification]
    reached: int
    """What every view reading this batch has seen up to: the head when the batch
    was not full (the events of other topics up to it were seen too)."""
    decoded: dict[int, Any] = field(default_factory=dict)
    """Each event decoded once for every view reading it."""


class LogReader:
    """Batches of the log for the views, never past a gap that may still fill."""

    def __init__(self, store: EventStore, reader: Engine) -> None:
        self.store = store
        self.reader = reader
        self.gap_wait = GAP_WAIT
        self._gaps: dict[int, tuple[float, frozenset[str]]] = {}
        """First missing position of each gap -> when it was first seen (monotonic) and
        the transactions writing to the log then (PostgreSQL): only they can fill it."""
        self._settled: set[int] = set()
        """Gaps already judged final: every other view passes them at once (each
        view waiting anew made a gap cost the wait once per view)."""

    def read(
        self,
        batch_size: int,
        topics: Sequence[str] | None,
        position: int,
        head: int | None = None,
        limit: int = 0,
    ) -> Batch:
        """The next batch after ``position``, read before any view transaction begins.

        ``batch_size`` events at most (more when far behind, with ``limit``). Near the
        head every event is read, whatever the view's topics, so that a
        missing position is seen: the batch stops before it until it appears or
        :attr:`gap_wait` has passed (ordering never rests on the database's
        insert locking). Far behind, only the view's topics are read.
        """
        head = self.store.head() if head is None else head
        near = head - position <= batch_size
        limit = batch_size if near else max(limit, batch_size)
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
        elif reached > head - batch_size:
            # The last stretch is read in full, where a late commit can still land.
            reached = head - batch_size
            notifications = [n for n in notifications if n.id <= reached]
        return Batch(head, notifications, reached)

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
        PostgreSQL it is final once every transaction that was writing to the log
        when it was first seen has ended (or after :attr:`gap_wait`). Only those can
        fill it: a transaction that took a position has inserted into the events
        table, and holds its row-exclusive lock until it ends. Transactions of the
        rest of the cluster (other schemas and databases, a long report, a dump)
        never hold a gap up.
        """
        if self.reader.dialect.name != "postgresql" or gap in self._settled:
            return True
        now = time.monotonic()
        with self.reader.connect() as conn:
            running: frozenset[str] = frozenset(
                conn.execute(_LOG_WRITERS, {"table": self._events_table()}).scalars()
            )
        seen, then = self._gaps.setdefault(gap, (now, running))
        if then & running and now - seen < self.gap_wait:
            return False
        if len(self._settled) >= SETTLED_GAPS_KEPT:
            self._settled = set(sorted(self._settled)[SETTLED_GAPS_KEPT // 2 :])
        self._settled.add(gap)
        return True

    def _events_table(self) -> str:
        """The events table, schema-qualified and quoted (PostgreSQL)."""
        recorder: Any = self.store.recorder
        schema = recorder.datastore.schema.replace('"', '""')
        table = recorder.events_table_name.replace('"', '""')
        return f'"{schema}"."{table}"'
