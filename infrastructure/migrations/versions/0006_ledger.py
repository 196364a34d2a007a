"""The ledger: per-leaf hashes, signed checkpoints and verification results
(application.ledger; docs/audit.md)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from infrastructure.views.schema import UtcDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ledger_leaves",
        sa.Column("leaf_index", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("position", sa.BigInteger, nullable=False, unique=True),
        sa.Column("leaf_hash", sa.LargeBinary(32), nullable=False),
        sa.Column("event_digest", sa.LargeBinary(32), nullable=False),
    )
    op.create_index("ix_ledger_leaves_event_digest", "ledger_leaves", ["event_digest"])
    op.create_table(
        "ledger_checkpoints",
        sa.Column("tree_size", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("root_hash", sa.LargeBinary(32), nullable=False),
        sa.Column("last_position", sa.BigInteger, nullable=False),
        sa.Column("signed_at", UtcDateTime(), nullable=False),
        sa.Column("key_id", sa.String(32), nullable=False),
        sa.Column("signature", sa.LargeBinary(64), nullable=False),
        sa.Column("compact", sa.LargeBinary, nullable=False),
    )
    op.create_table(
        "ledger_verifications",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("ok", sa.Boolean, nullable=False),
        sa.Column("events", sa.BigInteger, nullable=False),
        sa.Column("tree_size", sa.BigInteger, nullable=False),
        sa.Column("root_hash", sa.String(64), nullable=False),
        sa.Column("checkpoints", sa.Integer, nullable=False),
        sa.Column("position", sa.BigInteger, nullable=True),
        sa.Column("kind", sa.String(20), nullable=True),
        sa.Column("detail", sa.Text, nullable=False),
        sa.Column("started_at", UtcDateTime(), nullable=True),
        sa.Column("finished_at", UtcDateTime(), nullable=True),
        sa.Column("actor", sa.String(200), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("ledger_verifications")
    op.drop_table("ledger_checkpoints")
    op.drop_index("ix_ledger_leaves_event_digest", table_name="ledger_leaves")
    op.drop_table("ledger_leaves")
