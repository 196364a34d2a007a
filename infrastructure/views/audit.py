"""The audit log view: every event in global order, with actor and reason."""

from __future__ import annotations

from typing import Any, ClassVar
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from application.dto import AuditEntry
from domain.values import SYSTEM_USER_ID
from infrastructure.views.projection import Handler, View
from infrastructure.views.schema import audit_log, dir_users


class AuditLogView(View):
    """``audit_log``: one row per event, whatever its aggregate."""

    name = "audit_log"
    tables: ClassVar = (audit_log,)

    def handlers(self) -> dict[type, Handler]:
        return {}

    def topics(self) -> list[str] | None:
        return None

    def apply(self, conn: Connection, event: Any, position: int) -> None:
        aggregate_type, _, event_type = type(event).__qualname__.rpartition(".")
        conn.execute(
            audit_log.insert().values(
                position=position,
                aggregate_id=event.originator_id,
                aggregate_type=aggregate_type,
                version=event.originator_version,
                event_type=event_type,
                timestamp=event.timestamp,
                actor_id=getattr(event, "actor", None),
                reason=getattr(event, "reason", None),
            )
        )


class SqlAuditLog:
    """application.ports.AuditLog on the ``audit_log`` table."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def entries(
        self,
        after: int,
        limit: int,
        aggregate_id: UUID | None = None,
        actor_id: UUID | None = None,
    ) -> list[AuditEntry]:
        c = audit_log.c
        query = (
            sa.select(audit_log, dir_users.c.username)
            .select_from(audit_log.outerjoin(dir_users, dir_users.c.id == c.actor_id))
            .where(c.position > after)
            .order_by(c.position)
            .limit(limit)
        )
        if aggregate_id is not None:
            query = query.where(c.aggregate_id == aggregate_id)
        if actor_id is not None:
            query = query.where(c.actor_id == actor_id)
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return [
            AuditEntry(
                position=r.position,
                aggregate_id=r.aggregate_id,
                aggregate_type=r.aggregate_type,
                version=r.version,
                type=r.event_type,
                timestamp=r.timestamp,
                actor_id=r.actor_id,
                actor=r.username or ("system" if r.actor_id == SYSTEM_USER_ID else None),
                reason=r.reason,
            )
            for r in rows
        ]
