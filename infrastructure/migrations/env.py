"""Alembic's environment: runs the migrations on the connection ``upgrade`` passes."""

from __future__ import annotations

from alembic import context

from infrastructure import idempotency, sign_in, tokens  # noqa: F401 - their tables join ``metadata``
from infrastructure.views.schema import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=True,  # SQLite alters tables by copying them
)
with context.begin_transaction():
    context.run_migrations()
