"""Answers to commands sent with an Idempotency-Key, replayed to retries."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from infrastructure.views.schema import UtcDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "idempotent_requests",
        sa.Column("user_id", sa.String(36), primary_key=True),
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("claimed_at", UtcDateTime(), nullable=False),
        sa.Column("status", sa.Integer, nullable=True),
        sa.Column("headers", sa.Text, nullable=True),
        sa.Column("body", sa.LargeBinary, nullable=True),
    )
    op.create_index("ix_idempotent_requests_claimed_at", "idempotent_requests", ["claimed_at"])


def downgrade() -> None:
    op.drop_index("ix_idempotent_requests_claimed_at", table_name="idempotent_requests")
    op.drop_table("idempotent_requests")
