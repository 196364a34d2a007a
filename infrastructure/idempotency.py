"""Answers to commands sent with an Idempotency-Key, in SQL, so that a retry on any
web server gets the original answer.

A key is claimed before its command runs (one row per user and key); the row
holds a fingerprint of the request, and once the command succeeded, its status,
headers and body. A claim whose command never finished (the process died) is
taken over after ``PENDING_FOR``; answers are kept for ``KEEP_FOR``.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from application.replies import Answer, Claim
from infrastructure.views.schema import UtcDateTime, metadata

KEEP_FOR = timedelta(hours=24)
"""How long an answer is replayed; afterwards the key may be used again."""
PENDING_FOR = timedelta(seconds=10)
"""How long a claim without an answer blocks the key (a request still running). A
command takes well under a second; a claim older than this belongs to a request
that died with its process or lost its database, and is taken over."""

idempotent_requests = sa.Table(
    "idempotent_requests",
    metadata,
    sa.Column("user_id", sa.String(36), primary_key=True),
    sa.Column("key", sa.String(200), primary_key=True),
    sa.Column("fingerprint", sa.String(64), nullable=False),
    sa.Column("claimed_at", UtcDateTime(), nullable=False, index=True),
    sa.Column("status", sa.Integer, nullable=True),
    sa.Column("headers", sa.Text, nullable=True),
    sa.Column("body", sa.LargeBinary, nullable=True),
)


class SqlIdempotentRequests:
    """application.replies.IdempotentRequests on the ``idempotent_requests`` table."""

    def __init__(self, writer: Engine) -> None:
        self.writer = writer

    def claim(self, user_id: str, key: str, fingerprint: str, now: datetime) -> Claim:
        row = {"user_id": user_id, "key": key, "fingerprint": fingerprint, "claimed_at": now}
        where = (idempotent_requests.c.user_id == user_id) & (idempotent_requests.c.key == key)
        try:
            with self.writer.begin() as conn:
                conn.execute(sa.insert(idempotent_requests).values(row))
            return Claim(claimed=True)
        except IntegrityError:
            pass
        with self.writer.begin() as conn:
            first = conn.execute(sa.select(idempotent_requests).where(where)).first()
            if first is None or self._expired(first, now):
                # Gone meanwhile, forgotten, or a claim whose process died: take it.
                conn.execute(sa.delete(idempotent_requests).where(where))
                conn.execute(sa.insert(idempotent_requests).values(row))
                return Claim(claimed=True)
        if first.fingerprint != fingerprint:
            return Claim(mismatch=True)
        if first.status is None:
            return Claim(pending=True)
        return Claim(answer=Answer(first.status, json.loads(first.headers), bytes(first.body)))

    def answer(self, user_id: str, key: str, answer: Answer, now: datetime) -> None:
        """Keep the command's answer for replays; forget answers past ``KEEP_FOR``."""
        with self.writer.begin() as conn:
            conn.execute(
                sa.update(idempotent_requests)
                .where(
                    (idempotent_requests.c.user_id == user_id) & (idempotent_requests.c.key == key)
                )
                .values(status=answer.status, headers=json.dumps(answer.headers), body=answer.body)
            )
            self._forget_old(conn, now)

    def release(self, user_id: str, key: str) -> None:
        """The command failed without a change: the key may be used again at once."""
        with self.writer.begin() as conn:
            conn.execute(
                sa.delete(idempotent_requests).where(
                    (idempotent_requests.c.user_id == user_id)
                    & (idempotent_requests.c.key == key)
                    & idempotent_requests.c.status.is_(None)
                )
            )

    @staticmethod
    def _expired(row: sa.Row[tuple[object, ...]], now: datetime) -> bool:
        age: timedelta = now - row.claimed_at
        return age > (PENDING_FOR if row.status is None else KEEP_FOR)

    @staticmethod
    def _forget_old(conn: Connection, now: datetime) -> None:
        conn.execute(
            sa.delete(idempotent_requests).where(idempotent_requests.c.claimed_at < now - KEEP_FOR)
        )
