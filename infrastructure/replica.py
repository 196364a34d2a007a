"""List and report reads served by a PostgreSQL streaming replica (``DATABASE_READ_URL``).

The replica is a physical copy of the primary: the view tables *and* the table of
view positions (``projection_builds``) arrive together, one committed transaction
at a time, so a view's position read on the replica says exactly which events the
replica's rows of that view include.

Read-your-writes keeps the ``min_position`` contract of every list (see
:func:`application.common.wait_for_view`): a read that must see position P waits,
bounded by the same :data:`~application.common.VIEW_WAIT_SECONDS`, until the
*replica's* position of the view reaches P, then answers from the replica. On
timeout it answers from the replica and says ``stale: true`` -- what a list does
today when the projection worker lags, whichever of the two is behind.

Everything else stays on the primary: commands (and the views they bring up
themselves), the event store, authentication, idempotency, the access log's
writes and the projection worker.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from sqlalchemy.engine import Engine

from application.common import ViewMonitor, ViewStatus
from infrastructure.persistence import Database, DatabaseUrlError
from infrastructure.views import registry


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
