"""Queries the coordination screens add on existing views (no tables of their own)."""

from __future__ import annotations

from collections.abc import Collection
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from application.dto import NeedRow
from infrastructure.views.needs import need_row
from infrastructure.views.schema import case_board, dir_users

MAX_IDS = 500
"""Ids per query (an initiative or a meeting names far fewer)."""


class SqlNeedRows:
    """application.oversight_ports.NeedRows on the ``case_board`` table."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def by_ids(self, need_ids: Collection[UUID]) -> list[NeedRow]:
        ids = sorted(set(need_ids))[:MAX_IDS]
        if not ids:
            return []
        c = case_board.c
        query = (
            sa.select(case_board, dir_users.c.username)
            .select_from(case_board.outerjoin(dir_users, dir_users.c.id == c.assignee_id))
            .where(c.need_id.in_(ids))
            .order_by(c.last_activity_at.desc(), c.need_id)
        )
        with self.engine.connect() as conn:
            return [need_row(r) for r in conn.execute(query).all()]
