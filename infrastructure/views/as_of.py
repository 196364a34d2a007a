"""Views as of an instant (application.as_of.PastViews): the serving views' code run
over the log up to one position, into a throw-away in-memory SQLite database.

The same ``ViewUpdater`` and view classes that keep today's tables build these,
so an answer as of T has the numbers the screen showed at T. Only the views the
past answer reads are built: for the board, the users' directory (its assignee
names) and the case board; for the dashboard, the dashboard.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from eventsourcing.persistence import Notification
from sqlalchemy.engine import Engine
from sqlalchemy.pool import StaticPool

from application.as_of import (
    MAX_AS_OF_EVENTS,
    MAX_AS_OF_SECONDS,
    PastReadModels,
    too_many_events,
    too_slow,
)
from application.store import EventStore
from infrastructure.persistence import _use_explicit_begin
from infrastructure.views.board import CaseBoardView, SqlCaseBoard
from infrastructure.views.dashboard import DashboardView, SqlDashboard
from infrastructure.views.directory import DirectoryView
from infrastructure.views.projection import ViewUpdater
from infrastructure.views.schema import audit_log, metadata


class _RecorderUpTo:
    """The application recorder, seen up to one position."""

    def __init__(self, recorder: Any, position: int) -> None:
        self._recorder = recorder
        self._position = position

    def select_notifications(
        self,
        start: int | None,
        limit: int,
        stop: int | None = None,
        topics: Sequence[str] = (),
        *,
        inclusive_of_start: bool = True,
    ) -> Sequence[Notification]:
        stop = self._position if stop is None else min(stop, self._position)
        if start is not None and start > stop:
            return []
        found: Sequence[Notification] = self._recorder.select_notifications(
            start=start, limit=limit, stop=stop, topics=topics
        )
        return found

    def max_notification_id(self) -> int:
        head: int = self._recorder.max_notification_id() or 0
        return min(head, self._position)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._recorder, name)


class _StoreUpTo:
    """The event store as it stood when its head was ``position``."""

    def __init__(self, store: EventStore, position: int) -> None:
        self._store = store
        self.recorder = _RecorderUpTo(store.recorder, position)
        self.mapper = store.mapper
        self._position = position

    def head(self) -> int:
        return min(self._store.head(), self._position)


class _Deadline:
    """Raises once building has taken longer than allowed (checked after each batch)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.started = time.monotonic()

    def check(self, *_: object) -> None:
        if time.monotonic() - self.started > self.seconds:
            raise too_slow(self.seconds)


@dataclass
class _Built:
    """Views built up to one position, kept for the next read at the same instant."""

    engine: Engine
    lock: threading.Lock = field(default_factory=threading.Lock)
    """One reader at a time: the in-memory database has one connection."""
    alive: bool = True
    """False once dropped (its database is gone)."""


class SqlPastViews:
    """application.as_of.PastViews: positions from the audit log view, views rebuilt
    in memory from the event store.

    The last :data:`KEEP` builds are kept: the log up to a position never changes,
    so the next page, tab or CSV of the same moment is answered without a rebuild.
    """

    KEEP = 2

    def __init__(
        self,
        store: EventStore,
        reader: Engine,
        max_events: int = MAX_AS_OF_EVENTS,
        max_seconds: float = MAX_AS_OF_SECONDS,
    ) -> None:
        self._store = store
        self._reader = reader
        self.max_events = max_events
        self.max_seconds = max_seconds
        self.builds = 0
        """How many times views were built (the rest were kept builds)."""
        self._kept: OrderedDict[tuple[int, bool, bool], _Built] = OrderedDict()
        self._lock = threading.Lock()

    def position_at(self, instant: datetime) -> int:
        c = audit_log.c
        with self._reader.connect() as conn:
            found = conn.execute(
                sa.select(sa.func.max(c.position)).where(c.timestamp <= instant)
            ).scalar()
        return int(found or 0)

    @contextmanager
    def at(
        self, position: int, *, board: bool = False, dashboard: bool = False
    ) -> Iterator[PastReadModels]:
        if position > self.max_events:
            raise too_many_events(position)
        key = (position, board, dashboard)
        with self._lock:
            built = self._kept.get(key)
            if built is not None:
                self._kept.move_to_end(key)
        if built is None:
            built = _Built(self._build(position, board=board, dashboard=dashboard))
            with self._lock:
                self._kept[key] = built
                while len(self._kept) > self.KEEP:
                    _, dropped = self._kept.popitem(last=False)
                    with dropped.lock:
                        dropped.alive = False
                        dropped.engine.dispose()
        with built.lock:
            engine, own = built.engine, False
            if not built.alive:  # dropped between finding and locking it: a build of its own
                engine, own = self._build(position, board=board, dashboard=dashboard), True
            try:
                yield PastReadModels(
                    position=position,
                    board=SqlCaseBoard(engine) if board else None,
                    dashboard=SqlDashboard(engine) if dashboard else None,
                )
            finally:
                if own:
                    engine.dispose()

    def _build(self, position: int, *, board: bool, dashboard: bool) -> Engine:
        deadline = _Deadline(self.max_seconds)
        engine = _memory_engine()
        try:
            metadata.create_all(engine)  # the views' registry tables (and the rest: unused)
            updater = ViewUpdater(
                _StoreUpTo(self._store, position),  # type: ignore[arg-type]
                writer=engine,
                reader=engine,
                views=[
                    *([DirectoryView(), CaseBoardView()] if board else []),
                    *([DashboardView()] if dashboard else []),
                ],
            )
            updater.create_tables(progress=lambda _name: deadline.check)
            deadline.check()
        except BaseException:
            engine.dispose()
            raise
        self.builds += 1
        return engine


def _memory_engine() -> Engine:
    engine = sa.create_engine(
        "sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False}
    )
    _use_explicit_begin(engine, "BEGIN")
    return engine
