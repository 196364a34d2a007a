"""The read-access log: who read which client's personal data, append-only and
hash-chained (see infrastructure.access_log)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from infrastructure.views.schema import UtcDateTime

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

REFUSE = "access_log is append-only"


def upgrade() -> None:
    op.create_table(
        "access_log",
        sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.Column("actor_id", sa.Uuid, nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("client_id", sa.Uuid, nullable=False),
        sa.Column("need_id", sa.Uuid, nullable=True),
        sa.Column("what", sa.String(32), nullable=False),
        sa.Column("via", sa.String(100), nullable=False),
        sa.Column("purpose", sa.String(200), nullable=True),
        sa.Column("previous_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.create_index("ix_access_log_at", "access_log", ["at"])
    op.create_index("ix_access_log_actor_id", "access_log", ["actor_id"])
    op.create_index("ix_access_log_client_id", "access_log", ["client_id"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION access_log_append_only() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN RAISE EXCEPTION '{REFUSE}'; END $$"
        )
        op.execute(
            "CREATE TRIGGER access_log_append_only BEFORE UPDATE OR DELETE ON access_log "
            "FOR EACH ROW EXECUTE FUNCTION access_log_append_only()"
        )
        op.execute(
            "CREATE TRIGGER access_log_no_truncate BEFORE TRUNCATE ON access_log "
            "FOR EACH STATEMENT EXECUTE FUNCTION access_log_append_only()"
        )
    else:
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER access_log_no_{action.lower()} BEFORE {action} ON access_log "
                f"BEGIN SELECT RAISE(ABORT, '{REFUSE}'); END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS access_log_no_truncate ON access_log")
        op.execute("DROP TRIGGER IF EXISTS access_log_append_only ON access_log")
        op.execute("DROP FUNCTION IF EXISTS access_log_append_only()")
    op.drop_table("access_log")
