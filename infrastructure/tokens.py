"""Bearer tokens in SQL. Only a SHA-256 digest of each token is stored, so a
copy of the database does not let anyone sign in.

A token's kind (API token or browser session) and where it was issued are kept
in ``token_kinds``, beside the ``api_tokens`` table of the first release (whose
columns stay as they were). A token without a row there predates kinds: it is
an API token.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from application.accounts import TokenInfo, TokenKind
from domain.values import UserId
from infrastructure.views.schema import api_tokens, metadata

MAX_TOKEN_LENGTH = 200
HANDLE_LENGTH = 16
_HANDLE = re.compile(rf"^[0-9a-f]{{{HANDLE_LENGTH}}}$")

token_kinds = sa.Table(
    "token_kinds",
    metadata,
    sa.Column("digest", sa.String(64), primary_key=True),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("label", sa.String(200), nullable=False),
)


def _with_kinds() -> sa.Join:
    return api_tokens.outerjoin(token_kinds, token_kinds.c.digest == api_tokens.c.digest)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


class SqlTokenStore:
    """application.accounts.TokenStore on the ``api_tokens`` and ``token_kinds`` tables."""

    def __init__(self, reader: Engine, writer: Engine) -> None:
        self.reader = reader
        self.writer = writer

    def issue(
        self,
        user_id: UserId,
        kind: TokenKind,
        issued_at: datetime,
        expires_at: datetime,
        label: str,
    ) -> str:
        token = secrets.token_urlsafe(32)
        digest = _digest(token)
        with self.writer.begin() as conn:
            conn.execute(
                api_tokens.insert().values(
                    digest=digest,
                    user_id=user_id,
                    issued_at=issued_at,
                    expires_at=expires_at,
                    revoked=False,
                )
            )
            conn.execute(token_kinds.insert().values(digest=digest, kind=kind.value, label=label))
        return token

    def lookup(self, token: str, kind: TokenKind, now: datetime) -> UserId | None:
        if not token or len(token) > MAX_TOKEN_LENGTH:
            return None
        with self.reader.connect() as conn:
            row = conn.execute(
                sa.select(api_tokens.c.user_id, api_tokens.c.expires_at, token_kinds.c.kind)
                .select_from(_with_kinds())
                .where(api_tokens.c.digest == _digest(token), api_tokens.c.revoked.is_(False))
            ).first()
        if row is None or row.expires_at <= now:
            return None
        if (row.kind or TokenKind.API.value) != kind.value:
            return None
        return UserId(row.user_id)

    def revoke(self, token: str) -> bool:
        """Invalidate one token (signing out, or an API client giving its token up)."""
        if not token or len(token) > MAX_TOKEN_LENGTH:
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

    def active(self, user_id: UserId, now: datetime) -> list[TokenInfo]:
        with self.reader.connect() as conn:
            rows = conn.execute(
                sa.select(
                    api_tokens.c.digest,
                    api_tokens.c.issued_at,
                    api_tokens.c.expires_at,
                    token_kinds.c.kind,
                    token_kinds.c.label,
                )
                .select_from(_with_kinds())
                .where(
                    api_tokens.c.user_id == user_id,
                    api_tokens.c.revoked.is_(False),
                    api_tokens.c.expires_at > now,
                )
                .order_by(api_tokens.c.issued_at.desc(), api_tokens.c.digest)
            ).all()
        return [
            TokenInfo(
                id=row.digest[:HANDLE_LENGTH],
                kind=TokenKind(row.kind or TokenKind.API.value),
                issued_at=row.issued_at,
                expires_at=row.expires_at,
                label=row.label or "",
            )
            for row in rows
        ]

    def handle(self, token: str) -> str:
        # A prefix of the digest: it names the token, and a digest cannot be turned back
        # into the token it was made from.
        return _digest(token)[:HANDLE_LENGTH]

    def revoke_handle(self, user_id: UserId, handle: str) -> bool:
        if not _HANDLE.fullmatch(handle):
            return False
        with self.writer.begin() as conn:
            result = conn.execute(
                api_tokens.update()
                .where(
                    api_tokens.c.user_id == user_id,
                    api_tokens.c.digest.startswith(handle, autoescape=True),
                    api_tokens.c.revoked.is_(False),
                )
                .values(revoked=True)
            )
        return bool(result.rowcount)
