"""Rows written past the application, as an earlier release would have left them.

Each helper encodes a state given as plain data (a value may be spelt out in
its stored form, e.g. ``{"_type_": "CareLevel", "_data_": "care_1"}``) and
inserts it with the event store's own recorders: the same bytes on SQLite and
PostgreSQL, and no code of today's domain involved in writing them.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent

from application.store import EventStore

SNAPSHOT_TOPIC = "eventsourcing.domain:Snapshot"
"""The topic the library gives every snapshot (the aggregate's is inside the state)."""

WRITTEN_AT = datetime(2026, 4, 1, 9, 0, tzinfo=UTC)


def write_event(
    store: EventStore, originator_id: UUID, version: int, topic: str, state: dict[str, Any]
) -> int:
    """Store one event; returns its position in the log."""
    row = StoredEvent(originator_id, version, topic, _encoded(store, state))
    positions = store.recorder.insert_events([row])
    assert positions, "the application recorder gives every event a position"
    return positions[0]


def write_snapshot(
    store: EventStore,
    originator_id: UUID,
    version: int,
    aggregate_topic: str,
    state: dict[str, Any],
) -> None:
    """Store one snapshot of the aggregate at ``version``."""
    assert store.snapshots is not None
    document = {"timestamp": WRITTEN_AT, "topic": aggregate_topic, "state": state}
    row = StoredEvent(originator_id, version, SNAPSHOT_TOPIC, _encoded(store, document))
    store.snapshots.recorder.insert_events([row])


def stored_snapshot_states(store: EventStore, originator_id: UUID) -> list[dict[str, Any]]:
    """The JSON state of each stored snapshot of one aggregate, oldest first."""
    assert store.snapshots is not None
    rows = store.snapshots.recorder.select_events(originator_id)
    return [json.loads(row.state)["state"] for row in rows]


def _encoded(store: EventStore, state: dict[str, Any]) -> bytes:
    mapper = store.mapper
    assert mapper.cipher is None, "rows are written as plain JSON"
    assert mapper.compressor is None, "rows are written as plain JSON"
    return mapper.transcoder.encode(state)
