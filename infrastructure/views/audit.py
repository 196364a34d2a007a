"""The audit log view: every event in global order, with actor and reason, and
the one query that searches it."""

from __future__ import annotations

from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from application.oversight import AuditEntry, AuditQuery
from domain.client import Client
from domain.values import ERASED, SYSTEM_USER_ID
from infrastructure.views.schema import audit_log, dir_users
from infrastructure.views.view import Handler, View


class AuditLogView(View):
    """``audit_log``: one row per event, whatever its aggregate."""

    name = "audit_log"
    tables: ClassVar = (audit_log,)
    lookups = frozenset({"audit_log.aggregate_id"})  # an erasure blanks its reasons

    def handlers(self) -> dict[type, Handler]:
        return {}

    def topics(self) -> list[str] | None:
        return None

    def apply(self, conn: Connection, event: Any, position: int) -> None:
        aggregate_type, _, event_type = type(event).__qualname__.rpartition(".")
        self.insert_later(  # one executemany per batch
            self.t.audit_log,
            {
                "position": position,
                "aggregate_id": event.originator_id,
                "aggregate_type": aggregate_type,
                "version": event.originator_version,
                "event_type": event_type,
                "timestamp": event.timestamp,
                "actor_id": getattr(event, "actor", None),
                "reason": getattr(event, "reason", None),
            },
        )
        if isinstance(event, Client.PersonalDataErased):
            # The reasons given in the client's and its needs' events are its free
            # text: they go with its key (the erasure's own reason stays).
            c = self.t.audit_log.c
            self.flush(conn)  # the batch's earlier rows are in the table first
            conn.execute(
                self.t.audit_log.update()
                .where(
                    c.aggregate_id.in_([event.originator_id, *event.need_ids]),
                    c.position < position,
                    c.reason.is_not(None),
                )
                .values(reason=ERASED)
            )


def _where(query: AuditQuery) -> Any:
    c = audit_log.c
    conditions: list[Any] = []
    if query.after:
        conditions.append(c.position > query.after)
    if query.since is not None:
        conditions.append(c.timestamp >= query.since)
    if query.until is not None:
        conditions.append(c.timestamp < query.until)
    if query.actor_id is not None:
        conditions.append(c.actor_id == query.actor_id)
    if query.aggregate_id is not None:
        conditions.append(c.aggregate_id == query.aggregate_id)
    if query.event_type:
        aggregate_type, _, event_type = query.event_type.partition(".")
        conditions.append(c.aggregate_type == aggregate_type)
        if event_type:
            conditions.append(c.event_type == event_type)
    return sa.and_(sa.true(), *conditions)


class SqlAuditLog:
    """application.oversight.AuditLog on the ``audit_log`` table."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def search(
        self, query: AuditQuery, limit: int, offset: int, *, newest_first: bool, count: bool
    ) -> tuple[list[AuditEntry], int | None]:
        c = audit_log.c
        where = _where(query)
        account = dir_users.alias("account")
        select = (
            sa.select(audit_log, dir_users.c.username, account.c.username.label("account_name"))
            .select_from(
                audit_log.outerjoin(dir_users, dir_users.c.id == c.actor_id).outerjoin(
                    account, (c.aggregate_type == "User") & (account.c.id == c.aggregate_id)
                )
            )
            .where(where)
            .order_by(c.position.desc() if newest_first else c.position)
            .limit(limit)
            .offset(offset)
        )
        with self.engine.connect() as conn:
            total = None
            if count:
                counted = conn.execute(
                    sa.select(sa.func.count()).select_from(audit_log).where(where)
                )
                total = int(counted.scalar() or 0)
            rows = conn.execute(select).all()
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
                username=r.account_name,
            )
            for r in rows
        ], total

    def event_types(self) -> list[str]:
        c = audit_log.c
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(c.aggregate_type, c.event_type).distinct()).all()
        return sorted(f"{r[0]}.{r[1]}" for r in rows)
