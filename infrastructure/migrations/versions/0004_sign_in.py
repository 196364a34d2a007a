"""Sign-in hardening: the kind of each token (API or browser session), failed
sign-ins counted per account and address, and their log for administrators."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from infrastructure.views.schema import UtcDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "token_kinds",
        sa.Column("digest", sa.String(64), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("label", sa.String(200), nullable=False),
    )
    op.create_table(
        "sign_in_attempts",
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("failures", sa.Integer, nullable=False),
        sa.Column("last_failure", UtcDateTime(), nullable=False, index=True),
        sa.Column("locked_until", UtcDateTime(), nullable=True),
    )
    op.create_table(
        "sign_in_log",
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


def downgrade() -> None:
    op.drop_table("sign_in_log")
    op.drop_table("sign_in_attempts")
    op.drop_table("token_kinds")
