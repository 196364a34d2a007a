"""Keeping SQL views current from the event log, exactly once.

Each view follows the application's notification log with its own position in
``projection_tracking``. A step locks the view's tracking row, applies the next
batch of events and moves the position, all in one transaction: a crash leaves
either all of it or none, and two runners (web workers and the projection
worker) never apply the same event twice.

The library's ``ProjectionRunner`` needs a recorder subscription, which the
SQLite recorders do not provide; this catch-up loop over
``select_notifications`` works on every backend.
"""

from __future__ import annotations

import threading
import time
from abc import ABC
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

import sqlalchemy as sa
from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import Notification
from eventsourcing.utils import get_topic
from sqlalchemy.engine import Connection, Engine

from application.common import ViewStatus
from application.store import EventStore, Reaction, react
from infrastructure.views.schema import (
    RETIRED_TABLES,
    RETIRED_VIEWS,
    metadata,
    projection_tracking,
    projection_versions,
)

Handler = Callable[[Connection, Any, int], None]
Progress = Callable[[int, int], None]
"""Called with (position reached, head) after each batch."""

BATCH_SIZE = 500


class View(ABC):
    """A read model: its tables and how each event type changes them."""

    name: ClassVar[str]
    tables: ClassVar[Sequence[sa.Table]]
    version: ClassVar[int] = 1
    """Raise it when the view's tables or their meaning change: the view is then
    emptied and rebuilt from the log on the next start."""

    def handlers(self) -> dict[type, Handler]:
        """Event class -> function(connection, event, position)."""
        raise NotImplementedError

    def topics(self) -> list[str] | None:
        """Topics this view reads, or None for every event."""
        return [get_topic(cls) for cls in self.handlers()]

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
        self.views = {view.name: view for view in views}
        self.batch_size = batch_size
        self._lock = threading.Lock()
        self._stopping = threading.Event()

    @property
    def names(self) -> list[str]:
        return list(self.views)

    # -- schema ------------------------------------------------------------------

    def create_tables(self) -> None:
        """Create any missing table and tracking row (safe to repeat).

        A view whose version differs from the one that built its rows is emptied
        and set back to the start of the log, so that it rebuilds; tables of
        retired views are dropped.
        """
        with self.writer.begin() as conn:
            metadata.create_all(conn)
            known = {row.view for row in conn.execute(sa.select(projection_tracking.c.view))}
            built = {
                row.view: int(row.version) for row in conn.execute(sa.select(projection_versions))
            }
            for name, view in self.views.items():
                if name not in known:
                    conn.execute(projection_tracking.insert().values(view=name, position=0))
                elif built.get(name, 1) != view.version:
                    for table in reversed(view.tables):
                        conn.execute(table.delete())
                    self._move(conn, name, 0)
                if built.get(name) != view.version:
                    conn.execute(
                        projection_versions.delete().where(projection_versions.c.view == name)
                    )
                    conn.execute(
                        projection_versions.insert().values(view=name, version=view.version)
                    )
            retired = [*RETIRED_TABLES, *(t for ts in RETIRED_VIEWS.values() for t in ts)]
            for table_name in retired:
                sa.Table(table_name, sa.MetaData()).drop(conn, checkfirst=True)
            conn.execute(
                projection_tracking.delete().where(projection_tracking.c.view.in_(RETIRED_VIEWS))
            )

    @staticmethod
    def _move(conn: Connection, name: str, position: int) -> None:
        conn.execute(
            projection_tracking.update()
            .where(projection_tracking.c.view == name)
            .values(position=position)
        )

    # -- catching up -------------------------------------------------------------

    def changed(self, position: int) -> None:
        """ChangeListener: bring every view up to (at least) ``position`` now.

        After a command only a few events are new and every view stands at the
        same position, so all views move together: one transaction, one read
        of the log, each event decoded once.
        """
        with self._lock:
            while self._step_together():
                pass
            behind = [status.name for status in self.status() if status.lag]
            if behind:  # e.g. a view being rebuilt: it catches up on its own
                self.catch_up(behind)

    def catch_up(self, names: Sequence[str] | None = None, progress: Progress | None = None) -> int:
        """Process everything up to the current head; returns how far the views moved."""
        applied = 0
        for name in names or list(self.views):
            self._require_view(name)
            while True:
                count = self._step(name, progress=progress)
                applied += count
                if not count:
                    break
        return applied

    def rebuild(self, name: str, progress: Progress | None = None) -> int:
        """Empty a view and replay the whole log into it."""
        view = self._require_view(name)
        with self.writer.begin() as conn:
            self._lock_tracking(conn, name)
            for table in reversed(view.tables):
                conn.execute(table.delete())
            self._move(conn, name, 0)
        return self.catch_up([name], progress)

    def run_forever(self, poll_interval: float = 0.5, on_batch: Progress | None = None) -> None:
        """Follow the log until :meth:`stop` is called (the projection worker).

        Each pass first lets the application's process managers react (they
        write events), then brings the views up to date.
        """
        self._stopping.clear()
        while not self._stopping.is_set():
            reacted = self._run_policies()
            if not self.catch_up(progress=on_batch) and not reacted:
                self._stopping.wait(poll_interval)

    def _run_policies(self) -> int:
        return react(self.reactions)

    def stop(self) -> None:
        self._stopping.set()

    def deliver(self, name: str, notifications: Sequence[Notification]) -> int:
        """Apply the given notifications to one view, skipping those it has seen.

        Re-delivery is harmless: this is how the exactly-once guarantee is
        exercised in tests, and how a batch is applied by :meth:`_step`.
        """
        view = self._require_view(name)
        with self.writer.begin() as conn:
            position = self._lock_tracking(conn, name)
            return self._apply(conn, view, position, notifications, None)

    def _step_together(self) -> bool:
        """One batch for every view at once; returns whether there may be more."""
        with self.writer.begin() as conn:
            positions = self._lock_all(conn)
            head = self.store.recorder.max_notification_id() or 0
            # A view far behind (being rebuilt) catches up on its own.
            positions = {n: p for n, p in positions.items() if head - p <= self.batch_size}
            start = min(positions.values(), default=head)
            if start >= head:
                return False
            notifications = self.store.recorder.select_notifications(
                start=start + 1, limit=self.batch_size, stop=head
            )
            reached = head if len(notifications) < self.batch_size else notifications[-1].id
            events = [(n.id, self.store.mapper.to_domain_event(n)) for n in notifications]
            for name in positions:
                view = self.views[name]
                table = view._handler_table()
                everything = view.topics() is None
                for position, event in events:
                    if position > positions[name] and (everything or type(event) in table):
                        view.apply(conn, event, position)
                conn.execute(
                    projection_tracking.update()
                    .where(projection_tracking.c.view == name)
                    .values(position=max(positions[name], reached))
                )
        return reached < head

    def _lock_all(self, conn: Connection) -> dict[str, int]:
        """Every view's position, its tracking row locked (in one fixed order)."""
        query = (
            sa.select(projection_tracking.c.view, projection_tracking.c.position)
            .where(projection_tracking.c.view.in_(sorted(self.views)))
            .order_by(projection_tracking.c.view)
        )
        if conn.dialect.name == "postgresql":
            query = query.with_for_update()
        return {row.view: int(row.position) for row in conn.execute(query)}

    def _step(self, name: str, progress: Progress | None = None) -> int:
        """One batch in one transaction; returns how many positions the view moved."""
        view = self.views[name]
        with self.writer.begin() as conn:
            position = self._lock_tracking(conn, name)
            head = self.store.recorder.max_notification_id() or 0
            if position >= head:
                return 0
            notifications = self.store.recorder.select_notifications(
                start=position + 1,
                limit=self.batch_size,
                stop=head,
                topics=view.topics() or (),
            )
            # Fewer than a batch means everything up to head has been seen,
            # including events of topics this view ignores.
            reached = head if len(notifications) < self.batch_size else notifications[-1].id
            self._apply(conn, view, position, notifications, reached)
        if progress is not None:
            progress(reached, head)
        return reached - position

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
        conn.execute(
            projection_tracking.update()
            .where(projection_tracking.c.view == view.name)
            .values(position=position)
        )
        return applied

    def _lock_tracking(self, conn: Connection, name: str) -> int:
        query = sa.select(projection_tracking.c.position).where(projection_tracking.c.view == name)
        if conn.dialect.name == "postgresql":
            query = query.with_for_update()
        position = conn.execute(query).scalar()
        if position is None:
            raise LookupError(f"view {name!r} has no tracking row; run 'tsunagu init'")
        return int(position)

    def _require_view(self, name: str) -> View:
        try:
            return self.views[name]
        except KeyError:
            known = ", ".join(sorted(self.views))
            raise LookupError(f"no view named {name!r} (known: {known})") from None

    # -- monitoring (application.ports.ViewMonitor) --------------------------------

    def status(self) -> list[ViewStatus]:
        head = self.store.recorder.max_notification_id() or 0
        with self.reader.connect() as conn:
            rows: dict[str, int] = {
                row.view: row.position
                for row in conn.execute(
                    sa.select(projection_tracking.c.view, projection_tracking.c.position)
                )
            }
        return [ViewStatus(name, int(rows.get(name, 0)), head) for name in self.views]

    def position(self, name: str) -> int:
        with self.reader.connect() as conn:
            value = conn.execute(
                sa.select(projection_tracking.c.position).where(projection_tracking.c.view == name)
            ).scalar()
        return int(value or 0)

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
