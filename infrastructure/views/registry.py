"""The bookkeeping of the views: generations and their positions, failures, skips.

Plain functions on a connection, used by the projection engine inside its
transactions (``projection.py``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from application.common import ViewStatus
from infrastructure.views.schema import projection_builds, projection_failures, projection_skips

BUILDING, SERVING, RETIRED = "building", "serving", "retired"

RETRY_FIRST = timedelta(seconds=1)
RETRY_MAX = timedelta(minutes=5)
ERROR_MAX = 2000
"""Characters of an error kept for the status (the log has the whole traceback)."""


@dataclass(frozen=True)
class Generation:
    """One generation of a view, as ``projection_builds`` records it."""

    view: str
    generation: int
    version: int
    state: str
    position: int
    tables: tuple[str, ...] = ()


@dataclass(frozen=True)
class Failure:
    """A view stopped just before the event at ``position``, which it could not apply."""

    view: str
    generation: int
    position: int
    topic: str
    error: str
    attempts: int
    first_failed_at: datetime
    retry_at: datetime

    def due(self, now: datetime) -> bool:
        return self.retry_at <= now


def now() -> datetime:
    return datetime.now(UTC)


def statuses(conn: Connection, names: Sequence[str], head: int) -> list[ViewStatus]:
    """Each view's serving and building generations and its failure, for ``status``."""
    rows = generations(conn, [SERVING, BUILDING])
    failures_now = failures(conn)
    served = {g.view: g for g in rows if g.state == SERVING}
    built = {g.view: g for g in rows if g.state == BUILDING}
    result = []
    for name in names:
        s, b = served.get(name), built.get(name)
        failed = next((f for (v, _), f in sorted(failures_now.items()) if v == name), None)
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


# -- generations ----------------------------------------------------------------------


# The statements run around every batch (after each command, on every backend) are
# built once: building one costs more than running it (see writes.by_key).
_B = projection_builds.c
_COLUMNS = (_B.view, _B.generation, _B.version, _B.state, _B.position, _B.tables)
"""What a :class:`Generation` holds (its times are for people: parsing them cost more
than the rest of the query)."""
_GENERATIONS = sa.select(*_COLUMNS).where(_B.state.in_(sa.bindparam("states", expanding=True)))
_SERVING_POSITIONS = (
    sa.select(_B.view, _B.generation, _B.position)
    .where(_B.view.in_(sa.bindparam("names", expanding=True)), _B.state == SERVING)
    .order_by(_B.view)
)
_POSITION = sa.select(_B.position).where(
    _B.view == sa.bindparam("v"), _B.generation == sa.bindparam("g")
)
_MOVE = (
    projection_builds.update()
    .where(_B.view == sa.bindparam("v"), _B.generation == sa.bindparam("g"))
    .values(position=sa.bindparam("p"))
)
_MOVE_TOGETHER = (
    projection_builds.update()
    .where(sa.tuple_(_B.view, _B.generation).in_(sa.bindparam("keys", expanding=True)))
    .values(position=sa.bindparam("p"))
)
"""Generations moved to one position in one statement (an executemany of an UPDATE is
one statement per row, each a round trip's work on PostgreSQL)."""
_SERVING = sa.select(*_COLUMNS).where(_B.view == sa.bindparam("v"), _B.state == SERVING)
_FAILURES = sa.select(projection_failures)
_SKIPS = sa.select(projection_skips.c.view, projection_skips.c.position)
_F = projection_failures.c
_STEPS = (
    sa.select(_B.view, _B.generation, _B.position, _F.retry_at)
    .select_from(
        projection_builds.outerjoin(
            projection_failures, (_F.view == _B.view) & (_F.generation == _B.generation)
        )
    )
    .where(_B.state == SERVING)
)
_SKIPS_AND_FAILING = sa.union_all(
    sa.select(sa.literal("skip").label("kind"), *_SKIPS.selected_columns),
    sa.select(sa.literal("fail").label("kind"), _F.view, sa.cast(_F.generation, sa.BigInteger)),
)


def _locking(conn: Connection, query: Any, locked_query: Any) -> Any:
    """``locked_query`` (its rows locked) on PostgreSQL; SQLite serialises writers with
    BEGIN IMMEDIATE and has no row locks."""
    return locked_query if conn.dialect.name == "postgresql" else query


_SERVING_POSITIONS_LOCKED = _SERVING_POSITIONS.with_for_update()
_POSITION_LOCKED = _POSITION.with_for_update()
_SERVING_LOCKED = _SERVING.with_for_update()


def generations(conn: Connection, states: Iterable[str]) -> list[Generation]:
    rows = conn.execute(_GENERATIONS, {"states": list(states)}).all()
    return [_generation(row) for row in rows]


def serving(conn: Connection, name: str, *, lock: bool = False) -> Generation | None:
    query = _locking(conn, _SERVING, _SERVING_LOCKED) if lock else _SERVING
    row = conn.execute(query, {"v": name}).first()
    return _generation(row) if row is not None else None


def latest(conn: Connection, name: str, state: str | None = None) -> int | None:
    query = sa.select(sa.func.max(projection_builds.c.generation)).where(
        projection_builds.c.view == name
    )
    if state is not None:
        query = query.where(projection_builds.c.state == state)
    value = conn.execute(query).scalar()
    return int(value) if value is not None else None


def serving_steps(conn: Connection) -> dict[tuple[str, int], tuple[int, datetime | None]]:
    """Every serving generation's position and, if it failed, when it may try again (one
    statement: it runs before every step after a command)."""
    return {
        (row.view, int(row.generation)): (int(row.position), row.retry_at)
        for row in conn.execute(_STEPS)
    }


def lock_serving(conn: Connection, names: Sequence[str]) -> dict[tuple[str, int], int]:
    """Every serving generation's position, its row locked (in one fixed order)."""
    query = _locking(conn, _SERVING_POSITIONS, _SERVING_POSITIONS_LOCKED)
    return {
        (row.view, int(row.generation)): int(row.position)
        for row in conn.execute(query, {"names": sorted(names)})
    }


def lock_generation(conn: Connection, name: str, generation: int) -> int:
    query = _locking(conn, _POSITION, _POSITION_LOCKED)
    position = conn.execute(query, {"v": name, "g": generation}).scalar()
    if position is None:
        raise LookupError(f"view {name!r} has no generation {generation}; run 'tsunagu init'")
    return int(position)


def position_of(conn: Connection, name: str, generation: int) -> int:
    value = conn.execute(_POSITION, {"v": name, "g": generation}).scalar()
    return int(value or 0)


def move(conn: Connection, name: str, generation: int, position: int) -> None:
    conn.execute(_MOVE, {"v": name, "g": generation, "p": position})


def move_many(conn: Connection, moves: Sequence[tuple[str, int, int]]) -> None:
    """Several (view, generation, position) moves: one statement per position reached
    (after a command every view reaches the same one)."""
    by_position: dict[int, list[tuple[str, int]]] = {}
    for view, generation, position in moves:
        by_position.setdefault(position, []).append((view, generation))
    for position, keys in by_position.items():
        conn.execute(_MOVE_TOGETHER, {"keys": keys, "p": position})


def record(
    conn: Connection,
    name: str,
    generation: int,
    version: int,
    state: str,
    position: int,
    tables: Sequence[str],
) -> None:
    at = now()
    conn.execute(
        projection_builds.insert().values(
            view=name,
            generation=generation,
            version=version,
            state=state,
            position=position,
            tables=list(tables),
            started_at=at,
            finished_at=at if state == SERVING else None,
        )
    )


def mark(conn: Connection, name: str, generation: int, state: str) -> None:
    conn.execute(
        projection_builds.update()
        .where(projection_builds.c.view == name, projection_builds.c.generation == generation)
        .values(state=state, finished_at=now())
    )


def _generation(row: Any) -> Generation:
    return Generation(
        row.view,
        int(row.generation),
        int(row.version),
        row.state,
        int(row.position),
        tuple(row.tables or ()),
    )


# -- failures and skips -----------------------------------------------------------------


def failures(conn: Connection) -> dict[tuple[str, int], Failure]:
    return {
        (row.view, int(row.generation)): Failure(
            row.view,
            int(row.generation),
            int(row.position),
            row.topic,
            row.error,
            int(row.attempts),
            row.first_failed_at,
            row.retry_at,
        )
        for row in conn.execute(_FAILURES)
    }


def fail(
    conn: Connection, name: str, generation: int, position: int, topic: str, error: str
) -> Failure:
    """Record that the view failed on the event at ``position`` (again); the next try
    waits twice as long as the last one, up to :data:`RETRY_MAX`."""
    where = (projection_failures.c.view == name) & (projection_failures.c.generation == generation)
    row = conn.execute(sa.select(projection_failures).where(where)).first()
    at = now()
    attempts = 1 if row is None or int(row.position) != position else int(row.attempts) + 1
    first = at if row is None or int(row.position) != position else row.first_failed_at
    retry_at = at + min(RETRY_FIRST * 2 ** (attempts - 1), RETRY_MAX)
    values = {
        "position": position,
        "topic": topic[:255],
        "error": error[:ERROR_MAX],
        "attempts": attempts,
        "first_failed_at": first,
        "retry_at": retry_at,
    }
    if row is None:
        conn.execute(
            projection_failures.insert().values(view=name, generation=generation, **values)
        )
    else:
        conn.execute(projection_failures.update().where(where).values(**values))
    return Failure(name, generation, position, topic, error, attempts, first, retry_at)


def clear_failure(conn: Connection, name: str, generation: int | None = None) -> bool:
    where = projection_failures.c.view == name
    if generation is not None:
        where = where & (projection_failures.c.generation == generation)
    return bool(conn.execute(projection_failures.delete().where(where)).rowcount)


def retry_now(conn: Connection, name: str) -> bool:
    """Make a failed view try again at once (returns whether it had failed)."""
    result = conn.execute(
        projection_failures.update()
        .where(projection_failures.c.view == name)
        .values(retry_at=now())
    )
    return bool(result.rowcount)


def skips(conn: Connection) -> set[tuple[str, int]]:
    rows = conn.execute(_SKIPS)
    return {(row.view, int(row.position)) for row in rows}


def skips_and_failing(conn: Connection) -> tuple[set[tuple[str, int]], set[tuple[str, int]]]:
    """The skips (view, position) and the failed generations (view, generation), read in
    one statement (under the step's locks, after every command)."""
    skipped: set[tuple[str, int]] = set()
    failing: set[tuple[str, int]] = set()
    rows: Any = conn.execute(_SKIPS_AND_FAILING)  # (kind, view, position | generation)
    for kind, view, number in rows:
        (skipped if kind == "skip" else failing).add((str(view), int(number)))
    return skipped, failing


def skip(
    conn: Connection, name: str, position: int, topic: str, reason: str, skipped_by: str
) -> None:
    conn.execute(
        projection_skips.insert().values(
            view=name,
            position=position,
            topic=topic[:255],
            reason=reason,
            skipped_by=skipped_by,
            skipped_at=now(),
        )
    )
