"""What happened to an aggregate, as people read it: the one timeline, the one
replay "as of" an instant, and who changed something last.

Every event is named ``Aggregate.Event`` (``Need.Closed``) — in the API's
history, on the screens and in the audit log alike.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from application.accounts import UserNames
from application.resources import ResourceDirectory
from application.security import Actor
from application.store import EventStore

_ENVELOPE = frozenset(
    {
        "originator_id",
        "originator_version",
        "originator_topic",
        "timestamp",
        "correlation_id",
        "causation_id",
    }
)
_SECRET_FIELDS = frozenset({"password_hash"})


def event_name(event: object) -> str:
    """``Need.Closed``: the aggregate and the event, as stored and as shown."""
    return type(event).__qualname__


@dataclass(frozen=True)
class TimelineEntry:
    """One event of an aggregate as people read it: when, who, what, why."""

    version: int
    type: str
    """``Aggregate.Event``, e.g. ``Need.Closed``."""
    timestamp: datetime
    actor: str
    reason: str | None
    data: dict[str, Any]
    correlation_id: str | None = None
    """What one command (one request) or one reaction did together; None before
    provenance was recorded."""
    causation_id: str | None = None
    """The event that caused this one (``<originator id>:<version>``), for the
    process managers' reactions; None for people's decisions."""

    @property
    def caused_by(self) -> tuple[UUID, int] | None:
        """The causing event as (aggregate id, version)."""
        if not self.causation_id:
            return None
        ident, _, version = self.causation_id.rpartition(":")
        try:
            return UUID(ident), int(version)
        except ValueError:
            return None


@dataclass(frozen=True)
class ChangeNote:
    """Who changed an aggregate last, and how (for "changed by X at T")."""

    actor: str
    timestamp: datetime
    event_type: str
    version: int


@dataclass(frozen=True)
class Replayed:
    """An aggregate as it was at an instant, with the event behind each field."""

    aggregate: Any | None
    """None when it did not exist yet."""
    provenance: dict[str, TimelineEntry]
    """Field name -> the last event at or before the instant that set it."""


class Timeline:
    """Turns stored events into what people read, with names instead of ids."""

    def __init__(self, users: UserNames, resources: ResourceDirectory) -> None:
        self._users = users
        self._resources = resources

    def entries(self, events: Sequence[Any]) -> list[TimelineEntry]:
        """Every event, oldest first, secrets left out."""
        names = self._users.names(getattr(e, "actor", None) for e in events)
        entries = []
        for e in events:
            data = {k: v for k, v in vars(e).items() if k not in _ENVELOPE}
            actor_id = data.pop("actor", None)
            reason = data.pop("reason", None)
            for secret in _SECRET_FIELDS & data.keys():
                data[secret] = "(hidden)"
            entries.append(
                TimelineEntry(
                    version=e.originator_version,
                    type=event_name(e),
                    timestamp=e.timestamp,
                    actor=names.get(actor_id, str(actor_id)) if actor_id else "",
                    reason=reason,
                    data=data,
                    correlation_id=getattr(e, "correlation_id", None),
                    causation_id=getattr(e, "causation_id", None),
                )
            )
        return entries

    def names(self, timeline: Sequence[TimelineEntry]) -> dict[UUID, str]:
        """Usernames and resource names of the ids a timeline mentions."""
        users = [e.data.get("coordinator") for e in timeline]
        resources: list[Any] = [e.data.get("resource_id") for e in timeline]
        for entry in timeline:  # the ranking a proposal recorded names its candidates
            for candidate in entry.data.get("candidates") or ():
                if isinstance(candidate, dict):
                    resources.append(_as_uuid(candidate.get("resource_id")))
        names = dict(self._users.names(u for u in users if isinstance(u, UUID)))
        wanted = {r for r in resources if isinstance(r, UUID)}
        if wanted:
            names.update(self._resources.names(wanted))
        return names

    def resource_name(self, resource_id: UUID | None) -> str | None:
        if resource_id is None:
            return None
        return self._resources.names([resource_id]).get(resource_id)


def replay(
    events: Iterable[Any], timeline: Sequence[TimelineEntry], as_of: datetime, fields: Sequence[str]
) -> Replayed:
    """The aggregate as it was at ``as_of``, and which event last set each of ``fields``."""
    aggregate: Any = None
    provenance: dict[str, TimelineEntry] = {}
    before: dict[str, Any] = {}
    for event, entry in zip(events, timeline, strict=True):
        if entry.timestamp > as_of:
            break
        aggregate = event.mutate(aggregate)
        after = {name: getattr(aggregate, name, None) for name in fields}
        for name, value in after.items():
            if name not in before or before[name] != value:
                provenance[name] = entry
        before = after
    return Replayed(aggregate, provenance)


class HistoryCases:
    """Who changed what last (the screens' "changed by X at T")."""

    def __init__(self, store: EventStore, users: UserNames) -> None:
        self._store = store
        self._users = users

    def last_change(self, aggregate_id: UUID, actor: Actor) -> ChangeNote | None:
        actor.require("need.read")
        event = self._store.latest_event(aggregate_id)
        if event is None:
            return None
        return ChangeNote(
            actor=self._users.name(getattr(event, "actor", None)),
            timestamp=event.timestamp,
            event_type=event_name(event),
            version=event.originator_version,
        )


def _as_uuid(value: Any) -> UUID | None:
    try:
        return value if isinstance(value, UUID) else UUID(str(value))
    except ValueError:
        return None
