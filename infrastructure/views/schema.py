"""SQL tables of the read models (rebuildable from the event log) and of
sign-in tokens (not domain state)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa


class UtcDateTime(sa.TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite drops the zone)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


metadata = sa.MetaData()
"""Tables that are not views: created and migrated as they are."""

view_metadata = sa.MetaData()
"""The canonical tables of the views: readers query these names, which are SQL views
over the serving generation's tables (see ``projection.py``); never created as such."""

legacy_metadata = sa.MetaData()
"""Tables of earlier releases, only read when upgrading a database."""

# Every generation of every view: its version, state and position in the log. A
# generation's position moves in the same transaction as its rows: that is what
# makes every view exactly-once.
projection_builds = sa.Table(
    "projection_builds",
    metadata,
    sa.Column("view", sa.String(64), primary_key=True),
    sa.Column("generation", sa.Integer, primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("position", sa.BigInteger, nullable=False),
    sa.Column("tables", sa.JSON, nullable=False),
    sa.Column("started_at", UtcDateTime(), nullable=False),
    sa.Column("finished_at", UtcDateTime(), nullable=True),
)

# A view that failed on an event: it stops just before it (the other views go on),
# is retried with a growing delay, and is shown as failed until it recovers.
projection_failures = sa.Table(
    "projection_failures",
    metadata,
    sa.Column("view", sa.String(64), primary_key=True),
    sa.Column("generation", sa.Integer, primary_key=True),
    sa.Column("position", sa.BigInteger, nullable=False),
    sa.Column("topic", sa.String(255), nullable=False),
    sa.Column("error", sa.Text, nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("first_failed_at", UtcDateTime(), nullable=False),
    sa.Column("retry_at", UtcDateTime(), nullable=False),
)

# Events an operator decided a view must pass over (poison): who, when and why.
projection_skips = sa.Table(
    "projection_skips",
    metadata,
    sa.Column("view", sa.String(64), primary_key=True),
    sa.Column("position", sa.BigInteger, primary_key=True),
    sa.Column("topic", sa.String(255), nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("skipped_by", sa.String(64), nullable=False),
    sa.Column("skipped_at", UtcDateTime(), nullable=False),
)

# Release 0.1.0: each view's position (its tables had the canonical names).
projection_tracking = sa.Table(
    "projection_tracking",
    legacy_metadata,
    sa.Column("view", sa.String(64), primary_key=True),
    sa.Column("position", sa.BigInteger, nullable=False),
)

# Development builds between 0.1.0 and generations: the version of each view.
projection_versions = sa.Table(
    "projection_versions",
    legacy_metadata,
    sa.Column("view", sa.String(64), primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
)

RETIRED_VIEWS: dict[str, tuple[str, ...]] = {
    "statistics": ("stat_needs", "stat_monthly"),
}
"""Views of earlier releases that no longer exist, and their tables (dropped on start)."""

RETIRED_TABLES: tuple[str, ...] = ("dashboard_needs",)
"""Tables of earlier releases' versions of views that still exist (dropped on start)."""

LEGACY_TABLES: tuple[str, ...] = ("projection_tracking", "projection_versions")
"""Bookkeeping of earlier releases, dropped once its views are adopted."""

case_board = sa.Table(
    "case_board",
    view_metadata,
    sa.Column("need_id", sa.Uuid, primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("status", sa.String(32), nullable=False),
    sa.Column("paused", sa.Boolean, nullable=False),
    sa.Column("client_id", sa.Uuid, nullable=False, index=True),
    sa.Column("category", sa.String(32), nullable=False, index=True),
    sa.Column("urgency", sa.String(16), nullable=False, index=True),
    sa.Column("urgency_weight", sa.SmallInteger, nullable=False),  # high 2, normal 1, low 0
    sa.Column("center_code", sa.String(32), nullable=False),
    sa.Column("area_code", sa.String(32), nullable=False, index=True),
    sa.Column("assignee_id", sa.Uuid, nullable=True),
    sa.Column("resource_id", sa.Uuid, nullable=True, index=True),  # waiting lists (ranking)
    sa.Column("outcome", sa.String(32), nullable=True),
    sa.Column("raised_at", UtcDateTime(), nullable=False),
    sa.Column("last_activity_at", UtcDateTime(), nullable=False),
    sa.Column("matched_at", UtcDateTime(), nullable=True),
    sa.Column("closed_at", UtcDateTime(), nullable=True),
)
_BOARD_ORDERS = (
    sa.Index(None, case_board.c.last_activity_at, case_board.c.need_id),
    sa.Index(None, case_board.c.raised_at, case_board.c.need_id),
    sa.Index(
        None, case_board.c.urgency_weight, case_board.c.last_activity_at, case_board.c.need_id
    ),
    *(
        sa.Index(None, column, case_board.c.last_activity_at, case_board.c.need_id)
        for column in (case_board.c.status, case_board.c.center_code, case_board.c.assignee_id)
    ),
    sa.Index(
        None,
        case_board.c.paused,  # true in every entry: it names the index
        case_board.c.last_activity_at,
        case_board.c.need_id,
        sqlite_where=case_board.c.paused == sa.true(),
        postgresql_where=case_board.c.paused == sa.true(),
    ),
)
"""Every order of the board, need_id its tiebreaker, read along one index in either
direction: a page starts where the index says, never after a sort of the whole table
(see ``infrastructure/views/board.py``, ``_ORDERS``). The filters a board is most often
deep in (a status, a center, an assignee) lead an index of the default order, so their
deep pages are a range of an index too (and their other orders sort that filter's rows
only). The paused needs, few at any time, have a partial index of their own: a paused
filter with any other reads those rows only (the query names ``paused = true`` as a
literal, which is what lets SQLite use a partial index)."""
for _index in _BOARD_ORDERS:
    _index.name = None  # named per generation, when a generation's copy is made

audit_log = sa.Table(
    "audit_log",
    view_metadata,
    sa.Column("position", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("aggregate_id", sa.Uuid, nullable=False, index=True),
    sa.Column("aggregate_type", sa.String(64), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("event_type", sa.String(64), nullable=False, index=True),
    sa.Column("timestamp", UtcDateTime(), nullable=False, index=True),
    sa.Column("actor_id", sa.Uuid, nullable=True, index=True),
    sa.Column("reason", sa.Text, nullable=True),
)

dashboard_counts = sa.Table(
    "dashboard_counts",
    view_metadata,
    sa.Column("dimension", sa.String(16), primary_key=True),
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("status", sa.String(32), primary_key=True),
    sa.Column("count", sa.Integer, nullable=False),
)

dir_areas = sa.Table(
    "dir_areas",
    view_metadata,
    sa.Column("code", sa.String(32), primary_key=True),
    sa.Column("id", sa.Uuid, nullable=False, unique=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
)

dir_centers = sa.Table(
    "dir_centers",
    view_metadata,
    sa.Column("code", sa.String(32), primary_key=True),
    sa.Column("id", sa.Uuid, nullable=False, unique=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("area_codes", sa.JSON, nullable=False),
)

dir_users = sa.Table(
    "dir_users",
    view_metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("username", sa.String(64), nullable=False, unique=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("display_name", sa.String(200), nullable=False),
    sa.Column("roles", sa.JSON, nullable=False),
    sa.Column("center_code", sa.String(32), nullable=True),
    sa.Column("active", sa.Boolean, nullable=False),
)

dir_organizations = sa.Table(
    "dir_organizations",
    view_metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("name", sa.String(200), nullable=False, index=True),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("area_codes", sa.JSON, nullable=False),
    sa.Column("contact", sa.JSON, nullable=True),
)

resource_directory = sa.Table(
    "resource_directory",
    view_metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("name", sa.String(200), nullable=False, index=True),
    sa.Column("organization_id", sa.Uuid, nullable=True),
    sa.Column("service_type", sa.String(32), nullable=False),
    sa.Column("categories", sa.JSON, nullable=False),
    sa.Column("area_codes", sa.JSON, nullable=False),
    sa.Column("weekdays", sa.JSON, nullable=False),
    sa.Column("capacity", sa.Integer, nullable=True),
    sa.Column("places_taken", sa.Integer, nullable=False),
    sa.Column("eligible_care_levels", sa.JSON, nullable=False),
    sa.Column("fee", sa.String(200), nullable=True),
    sa.Column("contact", sa.JSON, nullable=True),
    sa.Column("status", sa.String(16), nullable=False, index=True),
)

# Where a resource is and which imported row it came from. A table of its own
# (not columns of resource_directory) so that databases made before it need no
# migration: create_all adds it, and resources registered before have no values.
# Which needs hold a place at which resource (a client with several needs there
# takes one place).
resource_enrolments = sa.Table(
    "resource_enrolments",
    view_metadata,
    sa.Column("resource_id", sa.Uuid, primary_key=True),
    sa.Column("need_id", sa.Uuid, primary_key=True),
    sa.Column("client_id", sa.Uuid, nullable=False),
)

resource_locations = sa.Table(
    "resource_locations",
    view_metadata,
    sa.Column("resource_id", sa.Uuid, primary_key=True),
    sa.Column("source_key", sa.String(200), nullable=True, index=True),
    sa.Column("latitude", sa.Float, nullable=True),
    sa.Column("longitude", sa.Float, nullable=True),
    # The service as the imported list worded it (ResourceDirectoryView version 2).
    sa.Column("service_name", sa.String(200), nullable=True),
)

# Filter tables: which categories and areas each resource serves.
resource_categories = sa.Table(
    "resource_categories",
    view_metadata,
    sa.Column("resource_id", sa.Uuid, primary_key=True),
    sa.Column("category", sa.String(32), primary_key=True, index=True),
)

resource_areas = sa.Table(
    "resource_areas",
    view_metadata,
    sa.Column("resource_id", sa.Uuid, primary_key=True),
    sa.Column("area_code", sa.String(32), primary_key=True, index=True),
)

api_tokens = sa.Table(
    "api_tokens",
    metadata,
    sa.Column("digest", sa.String(64), primary_key=True),
    sa.Column("user_id", sa.Uuid, nullable=False, index=True),
    sa.Column("issued_at", UtcDateTime(), nullable=False),
    sa.Column("expires_at", UtcDateTime(), nullable=False),
    sa.Column("revoked", sa.Boolean, nullable=False, default=False),
)


def serving_position(conn: Any, view: str) -> int:
    """Where the serving generation of ``view`` stands in the log (0: none yet)."""
    position = conn.execute(
        sa.select(projection_builds.c.position).where(
            projection_builds.c.view == view, projection_builds.c.state == "serving"
        )
    ).scalar()
    return int(position or 0)
