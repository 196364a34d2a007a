"""Views that fail on an event stop alone: their failures, and the events an
operator decided they pass over."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from infrastructure.views.schema import UtcDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "projection_failures",
        sa.Column("view", sa.String(64), primary_key=True),
        sa.Column("generation", sa.Integer, primary_key=True),
        sa.Column("position", sa.BigInteger, nullable=False),
        sa.Column("topic", sa.String(255), nullable=False),
        sa.Column("error", sa.Text, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("first_failed_at", UtcDateTime(), nullable=False),
        sa.Column("retry_at", UtcDateTime(), nullable=False),
    )
    op.create_table(
        "projection_skips",
        sa.Column("view", sa.String(64), primary_key=True),
        sa.Column("position", sa.BigInteger, primary_key=True),
        sa.Column("topic", sa.String(255), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("skipped_by", sa.String(64), nullable=False),
        sa.Column("skipped_at", UtcDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("projection_skips")
    op.drop_table("projection_failures")
