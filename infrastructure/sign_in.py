"""Where sign-in throttling keeps its counts: SQL tables in the application's
database (the default), or Redis (``TSUNAGU_REDIS_URL``); and the sign-in log
administrators read, always in SQL.

Both stores are shared by every worker and server that use the same database
(or Redis), and every change is one atomic statement (or one Lua script), so
concurrent failures are all counted.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine

from application.sign_in import SignInEvent, SignInRecord
from infrastructure.views.schema import UtcDateTime, metadata

if TYPE_CHECKING:
    from redis import Redis

KEEP_COUNTS = timedelta(days=1)
"""A key whose last failure is this old and that is not locked is dropped (the
rule forgets failures sooner than that)."""

KEEP_LOG = timedelta(days=90)

sign_in_attempts = sa.Table(
    "sign_in_attempts",
    metadata,
    sa.Column("key", sa.String(200), primary_key=True),
    sa.Column("failures", sa.Integer, nullable=False),
    sa.Column("last_failure", UtcDateTime(), nullable=False, index=True),
    sa.Column("locked_until", UtcDateTime(), nullable=True),
)

sign_in_log = sa.Table(
    "sign_in_log",
    metadata,
    sa.Column(
        "id",
        sa.BigInteger().with_variant(sa.Integer, "sqlite"),
        primary_key=True,
        autoincrement=True,
    ),
    sa.Column("at", UtcDateTime(), nullable=False, index=True),
    sa.Column("event", sa.String(16), nullable=False),
    sa.Column("username", sa.String(64), nullable=False),
    sa.Column("address", sa.String(64), nullable=False),
    sa.Column("known_user", sa.Boolean, nullable=False),
    sa.Column("locked_until", UtcDateTime(), nullable=True),
    sa.Column("locked", sa.String(16), nullable=True),
)


class SqlAttemptStore:
    """application.sign_in.AttemptStore on the ``sign_in_attempts`` table."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def locked_until(self, keys: Sequence[str], now: datetime) -> datetime | None:
        t = sign_in_attempts
        with self.engine.connect() as conn:
            until: datetime | None = conn.execute(
                sa.select(sa.func.max(t.c.locked_until)).where(
                    t.c.key.in_(list(keys)), t.c.locked_until > now
                )
            ).scalar()
        if until is None:
            return None
        # max() loses the column's type on some backends: read it back as UTC.
        return UtcDateTime().process_result_value(_as_datetime(until), None)

    def add_failure(self, key: str, now: datetime, forget_before: datetime) -> int:
        t = sign_in_attempts
        insert: Any = (
            postgresql.insert(t) if self.engine.dialect.name == "postgresql" else sqlite.insert(t)
        )
        statement = (
            insert.values(key=key, failures=1, last_failure=now, locked_until=None)
            .on_conflict_do_update(
                index_elements=[t.c.key],
                set_={
                    "failures": sa.case(
                        (t.c.last_failure < forget_before, 1), else_=t.c.failures + 1
                    ),
                    "last_failure": now,
                },
            )
            .returning(t.c.failures)
        )
        with self.engine.begin() as conn:
            failures = int(conn.execute(statement).scalar_one())
            conn.execute(
                t.delete().where(
                    t.c.last_failure < now - KEEP_COUNTS,
                    sa.or_(t.c.locked_until.is_(None), t.c.locked_until < now),
                )
            )
        return failures

    def lock(self, key: str, until: datetime, now: datetime) -> None:
        t = sign_in_attempts
        with self.engine.begin() as conn:
            conn.execute(
                t.update()
                .where(
                    t.c.key == key,
                    sa.or_(t.c.locked_until.is_(None), t.c.locked_until < until),
                )
                .values(locked_until=until)
            )

    def clear(self, key: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(sign_in_attempts.delete().where(sign_in_attempts.c.key == key))


def _as_datetime(value: datetime | str) -> datetime:
    return datetime.fromisoformat(value) if isinstance(value, str) else value


class SqlSignInLog:
    """application.sign_in.SignInLog on the ``sign_in_log`` table (kept 90 days)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def record(self, record: SignInRecord) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                sign_in_log.insert().values(
                    at=record.at,
                    event=record.event.value,
                    username=record.username,
                    address=record.address,
                    known_user=record.known_user,
                    locked_until=record.locked_until,
                    locked=record.locked,
                )
            )
            conn.execute(sign_in_log.delete().where(sign_in_log.c.at < record.at - KEEP_LOG))

    def recent(self, limit: int) -> list[SignInRecord]:
        t = sign_in_log
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(t).order_by(t.c.id.desc()).limit(limit)).all()
        return [
            SignInRecord(
                at=row.at,
                event=SignInEvent(row.event),
                username=row.username,
                address=row.address,
                known_user=row.known_user,
                locked_until=row.locked_until,
                locked=row.locked,
            )
            for row in rows
        ]


# -- Redis ----------------------------------------------------------------------------------

_ADD_FAILURE = """
local last = tonumber(redis.call('HGET', KEYS[1], 'last'))
local failures = tonumber(redis.call('HGET', KEYS[1], 'failures')) or 0
if last == nil or last < tonumber(ARGV[2]) then failures = 0 end
failures = failures + 1
redis.call('HSET', KEYS[1], 'failures', failures, 'last', ARGV[1])
if redis.call('TTL', KEYS[1]) < tonumber(ARGV[3]) then
  redis.call('EXPIRE', KEYS[1], ARGV[3])
end
return failures
"""

_LOCK = """
local current = tonumber(redis.call('HGET', KEYS[1], 'locked')) or 0
if tonumber(ARGV[1]) > current then redis.call('HSET', KEYS[1], 'locked', ARGV[1]) end
if redis.call('TTL', KEYS[1]) < tonumber(ARGV[2]) then
  redis.call('EXPIRE', KEYS[1], ARGV[2])
end
return 1
"""


class RedisAttemptStore:
    """application.sign_in.AttemptStore in Redis: one hash per key (failures, time of
    the last failure, end of the lock), changed by Lua scripts so that each change is
    atomic; keys expire a day after their last change."""

    def __init__(self, client: Redis, prefix: str = "tsunagu:sign-in:") -> None:
        self.client = client
        self.prefix = prefix
        self._add_failure = client.register_script(_ADD_FAILURE)
        self._lock = client.register_script(_LOCK)

    @classmethod
    def from_url(cls, url: str, prefix: str = "tsunagu:sign-in:") -> RedisAttemptStore:
        # Imported here: only servers configured with Redis pay for the import.
        from redis import Redis

        return cls(Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5), prefix)

    def locked_until(self, keys: Sequence[str], now: datetime) -> datetime | None:
        pipeline = self.client.pipeline(transaction=False)
        for key in keys:
            pipeline.hget(self.prefix + key, "locked")
        ends = [float(value) for value in pipeline.execute() if value is not None]
        latest = max(ends, default=None)
        if latest is None or latest <= now.timestamp():
            return None
        return datetime.fromtimestamp(latest, UTC)

    def add_failure(self, key: str, now: datetime, forget_before: datetime) -> int:
        keep = int(KEEP_COUNTS.total_seconds())
        failures = self._add_failure(
            keys=[self.prefix + key],
            args=[repr(now.timestamp()), repr(forget_before.timestamp()), keep],
        )
        return int(failures)

    def lock(self, key: str, until: datetime, now: datetime) -> None:
        keep = math.ceil((until - now + KEEP_COUNTS).total_seconds())
        self._lock(keys=[self.prefix + key], args=[repr(until.timestamp()), keep])

    def clear(self, key: str) -> None:
        self.client.delete(self.prefix + key)
