"""Bearer tokens in SQL. Only a SHA-256 digest of each token is stored, so a
copy of the database does not let anyone sign in."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from domain.values import UserId
from infrastructure.views.schema import api_tokens


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class SqlTokenStore:
    """application.ports.TokenStore on the ``api_tokens`` table."""

    def __init__(self, reader: Engine, writer: Engine) -> None:
        self.reader = reader
        self.writer = writer

    def issue(self, user_id: UserId, issued_at: datetime, expires_at: datetime) -> str:
        token = secrets.token_urlsafe(32)
        with self.writer.begin() as conn:
            conn.execute(
                api_tokens.insert().values(
                    digest=_digest(token),
                    user_id=user_id,
                    issued_at=issued_at,
                    expires_at=expires_at,
                    revoked=False,
                )
            )
        return token

    def lookup(self, token: str, now: datetime) -> UserId | None:
        if not token or len(token) > 200:
            return None
        with self.reader.connect() as conn:
            row = conn.execute(
                sa.select(api_tokens.c.user_id, api_tokens.c.expires_at).where(
                    api_tokens.c.digest == _digest(token), api_tokens.c.revoked.is_(False)
                )
            ).first()
        if row is None or row.expires_at <= now:
            return None
        return UserId(row.user_id)

    def revoke(self, token: str) -> bool:
        """Invalidate one token (a browser session signing out)."""
        if not token or len(token) > 200:
            return False
        with self.writer.begin() as conn:
            result = conn.execute(
                api_tokens.update()
                .where(api_tokens.c.digest == _digest(token), api_tokens.c.revoked.is_(False))
                .values(revoked=True)
            )
        return bool(result.rowcount)

    def revoke_user(self, user_id: UserId) -> int:
        with self.writer.begin() as conn:
            result = conn.execute(
                api_tokens.update()
                .where(api_tokens.c.user_id == user_id, api_tokens.c.revoked.is_(False))
                .values(revoked=True)
            )
        return result.rowcount
