"""Per-client data keys (wrapped by the master key) and the needs each one seals."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from infrastructure.views.schema import UtcDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "personal_keys",
        sa.Column("client_id", sa.Uuid, primary_key=True),
        sa.Column("wrapped", sa.LargeBinary, nullable=True),
        sa.Column("master_key_id", sa.String(32), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("destroyed_at", UtcDateTime(), nullable=True),
    )
    op.create_table(
        "personal_key_subjects",
        sa.Column("subject_id", sa.Uuid, primary_key=True),
        sa.Column("client_id", sa.Uuid, nullable=False),
    )
    op.create_index("ix_personal_key_subjects_client_id", "personal_key_subjects", ["client_id"])


def downgrade() -> None:
    op.drop_index("ix_personal_key_subjects_client_id", table_name="personal_key_subjects")
    op.drop_table("personal_key_subjects")
    op.drop_table("personal_keys")
