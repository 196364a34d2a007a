"""Matching inputs: what ranking reads, written in the transaction of the command that
saved the events (infrastructure.matching_inputs), so that a command never waits for
or applies the views to rank."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "matching_resources",
        sa.Column("resource_id", sa.Uuid, primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("service_type", sa.String(32), nullable=False),
        sa.Column("categories", sa.Text, nullable=False),
        sa.Column("area_codes", sa.Text, nullable=False),
        sa.Column("eligible_care_levels", sa.Text, nullable=False),
        sa.Column("weekdays", sa.Text, nullable=False),
        sa.Column("capacity", sa.Integer, nullable=True),
        sa.Column("places_taken", sa.Integer, nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
    )
    op.create_table(
        "matching_waiting",
        sa.Column("need_id", sa.Uuid, primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("resource_id", sa.Uuid, nullable=True),
    )
    op.create_index("ix_matching_waiting_resource_id", "matching_waiting", ["resource_id"])
    op.create_table(
        "matching_inputs_state",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("filled_to", sa.BigInteger, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("matching_inputs_state")
    op.drop_index("ix_matching_waiting_resource_id", "matching_waiting")
    op.drop_table("matching_waiting")
    op.drop_table("matching_resources")
