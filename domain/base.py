"""The base every tsunagu aggregate derives from.

Events are timestamped by the library when they are triggered. Demo data and
tests need histories that span months, so the timestamp can be set for a block
of code with :func:`recorded_at`; production code never uses it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime

from eventsourcing.domain import Aggregate, datetime_now_with_tzinfo

from domain.errors import InvalidValueError

_recorded_at: ContextVar[datetime | None] = ContextVar("tsunagu_recorded_at", default=None)
_provenance: ContextVar[tuple[str, str | None] | None] = ContextVar(
    "tsunagu_provenance", default=None
)


@contextmanager
def recorded_at(moment: datetime) -> Iterator[None]:
    """Timestamp every event triggered inside the block with ``moment``.

    For loading historical (demo) data only: the event log's global order still
    follows the order in which events are saved.
    """
    if moment.tzinfo is None:
        raise ValueError("recorded_at needs a timezone-aware datetime")
    token = _recorded_at.set(moment)
    try:
        yield
    finally:
        _recorded_at.reset(token)


@contextmanager
def correlated(correlation_id: str, causation_id: str | None = None) -> Iterator[None]:
    """Stamp every event triggered inside the block with ``correlation_id`` (what one
    command or one reaction did together) and, for a reaction, ``causation_id``: the
    event that caused it, as ``<originator id>:<version>``.

    The stamps are an envelope like the timestamp: set when an event is triggered,
    stored with its fields, never set on replay; events stored before provenance
    existed, or triggered outside any block, have none (read them with
    :func:`provenance_of`).
    """
    token = _provenance.set((correlation_id, causation_id))
    try:
        yield
    finally:
        _provenance.reset(token)


def provenance_of(event: object) -> tuple[str | None, str | None]:
    """(correlation id, causation id) of a stored or new event (None when it has none)."""
    return getattr(event, "correlation_id", None), getattr(event, "causation_id", None)


def event_reference(event: object) -> str:
    """How a causation id names ``event``: ``<originator id>:<version>``."""
    return f"{getattr(event, 'originator_id', '')}:{getattr(event, 'originator_version', '')}"


class TsunaguAggregate(Aggregate):
    """Aggregate whose events honour :func:`recorded_at`.

    ``class_version`` is the version of the aggregate's attributes as a snapshot
    stores them: raise it (with a static ``upcast_vN_vN+1(state)``, or without
    one to have older snapshots ignored) when an attribute is added, removed or
    changes meaning. See docs/evolving-events.md.
    """

    class_version = 1

    class Event(Aggregate.Event):
        # The version of an event's fields; every stored event class inherits 1.
        # Raise it on the one class whose fields change, together with a static
        # ``upcast_vN_vN+1(state)`` (tests/fixtures/events.json holds the contract).
        class_version = 1

        @staticmethod
        def create_timestamp() -> datetime:
            return _recorded_at.get() or datetime_now_with_tzinfo()

        def __post_init__(self) -> None:
            super().__post_init__()
            # Only a new event runs this (the store decodes stored ones without
            # __init__), so replay never stamps today's context on old facts.
            stamp = _provenance.get()
            if stamp is not None:
                object.__setattr__(self, "correlation_id", stamp[0])
                if stamp[1] is not None:
                    object.__setattr__(self, "causation_id", stamp[1])


def require_text(field: str, value: str, *, max_length: int = 2000) -> str:
    """Return ``value`` stripped, refusing empty or overlong text."""
    text = value.strip()
    if "\x00" in text:
        raise InvalidValueError(
            field, "must not contain NUL characters", code="value.control_characters"
        )
    if not text:
        raise InvalidValueError(field, "must not be empty", code="value.empty")
    if len(text) > max_length:
        raise InvalidValueError(
            field,
            f"must be at most {max_length} characters",
            code="value.too_long",
            max_length=max_length,
        )
    return text
