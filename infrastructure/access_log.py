"""The read-access log in SQL: ``access_log``, append-only and hash-chained.

Appends are serialised so that the chain stays one line: on PostgreSQL by an
advisory lock held for the transaction, on SQLite by the writer's ``BEGIN
IMMEDIATE``; ``seq`` is the primary key, so two appends that still raced would
collide and the later one is retried on the new head. The migration (0008) adds
triggers that refuse UPDATE, DELETE (and on PostgreSQL TRUNCATE) of the table:
the application never changes an entry, and whoever disables the triggers to do
so is caught by the chain.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from application.access import GENESIS, AccessEntry, AccessQuery, AccessRead, canonical, entry_hash
from application.security import Actor
from infrastructure.views.schema import UtcDateTime, metadata

LOCK_ID = 0x74737561  # "tsua": the advisory lock of access-log appends (PostgreSQL)
ATTEMPTS = 5
STREAM_BATCH = 5000

access_log = sa.Table(
    "access_log",
    metadata,
    sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("at", UtcDateTime(), nullable=False, index=True),
    sa.Column("actor_id", sa.Uuid, nullable=False, index=True),
    sa.Column("actor", sa.String(64), nullable=False),
    sa.Column("client_id", sa.Uuid, nullable=False, index=True),
    sa.Column("need_id", sa.Uuid, nullable=True),
    sa.Column("what", sa.String(32), nullable=False),
    sa.Column("via", sa.String(100), nullable=False),
    sa.Column("purpose", sa.String(200), nullable=True),
    sa.Column("previous_hash", sa.String(64), nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
)


def _entry(row: Any) -> AccessEntry:
    return AccessEntry(
        seq=row.seq,
        at=row.at,
        actor_id=row.actor_id,
        actor=row.actor,
        client_id=row.client_id,
        need_id=row.need_id,
        what=row.what,
        via=row.via,
        purpose=row.purpose,
        previous_hash=row.previous_hash,
        hash=row.hash,
    )


class SqlAccessLog:
    """application.access.AccessLog on the ``access_log`` table."""

    def __init__(self, reader: Engine, writer: Engine) -> None:
        self.reader = reader
        self.writer = writer

    def append(self, actor: Actor, reads: list[AccessRead], at: datetime) -> None:
        for attempt in range(ATTEMPTS):
            try:
                self._append(actor, reads, at)
                return
            except IntegrityError:
                if attempt == ATTEMPTS - 1:
                    raise

    def _append(self, actor: Actor, reads: list[AccessRead], at: datetime) -> None:
        c = access_log.c
        at = at.astimezone(UTC)
        with self.writer.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(sa.text("SELECT pg_advisory_xact_lock(:id)"), {"id": LOCK_ID})
            last = conn.execute(sa.select(c.seq, c.hash).order_by(c.seq.desc()).limit(1)).first()
            seq, previous = (last.seq, last.hash) if last is not None else (0, GENESIS)
            rows = []
            via = (actor.via or "unknown")[:100]
            for read in reads:
                seq += 1
                content = canonical(
                    seq,
                    at,
                    actor.user_id,
                    actor.username,
                    read.client_id,
                    read.need_id,
                    read.what,
                    via,
                    actor.purpose,
                )
                digest = entry_hash(previous, content)
                rows.append(
                    {
                        "seq": seq,
                        "at": at,
                        "actor_id": actor.user_id,
                        "actor": actor.username,
                        "client_id": read.client_id,
                        "need_id": read.need_id,
                        "what": read.what,
                        "via": via,
                        "purpose": actor.purpose,
                        "previous_hash": previous,
                        "hash": digest,
                    }
                )
                previous = digest
            conn.execute(sa.insert(access_log), rows)

    def search(self, query: AccessQuery, limit: int) -> list[AccessEntry]:
        c = access_log.c
        conditions: list[Any] = [c.seq > query.after]
        if query.client_id is not None:
            conditions.append(c.client_id == query.client_id)
        if query.actor_id is not None:
            conditions.append(c.actor_id == query.actor_id)
        if query.since is not None:
            conditions.append(c.at >= query.since)
        if query.until is not None:
            conditions.append(c.at < query.until)
        select = sa.select(access_log).where(*conditions).order_by(c.seq).limit(limit)
        with self.reader.connect() as conn:
            return [_entry(r) for r in conn.execute(select)]

    def entries(self) -> Iterator[AccessEntry]:
        c = access_log.c
        after = 0
        while True:
            with self.reader.connect() as conn:
                rows = conn.execute(
                    sa.select(access_log).where(c.seq > after).order_by(c.seq).limit(STREAM_BATCH)
                ).all()
            for row in rows:
                yield _entry(row)
            if len(rows) < STREAM_BATCH:
                return
            after = rows[-1].seq
