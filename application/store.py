"""The event store, and the one way every use case loads, changes and saves aggregates.

:class:`EventStore` is tsunagu's only eventsourcing ``Application``: the
notification log, the transcoder for domain values, the aliases of retired
topics (``application/topics.py``), versioned snapshots. It holds no use case.
:class:`Aggregates` is what the features *use* (composition, not a base
class): load an aggregate at the version the caller read, change it, save it
atomically with whatever else changed, retry when only a co-saved aggregate
moved on, and tell the process managers and the views that the log grew.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from copy import deepcopy
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, Protocol, TypeVar
from uuid import UUID, uuid4

from eventsourcing.application import AggregateNotFoundError, Application, ProcessingEvent
from eventsourcing.domain import Aggregate, DomainEventProtocol, Snapshot
from eventsourcing.persistence import (
    ApplicationRecorder,
    InterfaceError,
    JSONTranscoder,
    Mapper,
    Notification,
    OperationalError,
    RecordConflictError,
    Recording,
    Tracking,
    Transcoder,
)
from eventsourcing.persistence import EventStore as StoredEvents
from eventsourcing.utils import Environment, EnvType, get_topic, resolve_topic

from application.errors import BusyError, NotFoundError, OutcomeUnknownError, VersionConflictError
from application.matching_inputs import MatchingRows, rows_of
from application.privacy import Keyring, SealingMapper
from application.security import Actor
from application.topics import install_aliases
from application.transcodings import register_domain_transcodings
from domain.need import Need
from domain.resource import Resource
from domain.user import User
from domain.values import derived_id

A = TypeVar("A", bound=Aggregate)
log = logging.getLogger(__name__)

SAVE_ATTEMPTS = 8
"""Tries of a command whose co-saved aggregate (a resource's places) moved on meanwhile."""
BACKOFF_CAP = 0.2
"""Seconds at most between two tries (jittered, growing)."""


CACHED_TYPES: frozenset[type[Aggregate]] = frozenset({Resource, User})
"""Aggregates kept in memory between loads (:meth:`EventStore.get`): those loaded by
everyday commands that hold no client's personal data. Never a Need or a Client:
an erased client's data must not outlive the erasure in any process's memory."""
AGGREGATE_CACHE_SIZE = 2_000
"""Aggregates kept at most per process (the least recently loaded go first)."""


def utc_now() -> datetime:
    return datetime.now(UTC)


def project_events(aggregate: A | None, events: Iterable[DomainEventProtocol[UUID]]) -> A | None:
    """Replay ``events`` onto ``aggregate``.

    The library's default projector asserts a protocol with ``isinstance`` per
    event, which dominates the cost of loading long streams.
    """
    for domain_event in events:
        aggregate = domain_event.mutate(aggregate)  # type: ignore[attr-defined]
    return aggregate


class VersionedSnapshots(StoredEvents[UUID]):
    """Snapshots that record their aggregate's ``class_version``, and are read only
    when today's class can read them.

    Every snapshot written records the version (even 1; the library writes it
    only above 1), and one without it (release 0.1.0) counts as version 1. A
    snapshot of an older version is brought up to date by the aggregate's
    ``upcast_vN_vN+1`` methods; one that cannot be (an upcaster is missing, or
    it was written by a newer release) is passed over, so the repository
    replays that aggregate from its events: a snapshot is never half-loaded.
    """

    def put(
        self, domain_events: Sequence[DomainEventProtocol[UUID]], **kwargs: Any
    ) -> list[Recording[UUID]]:
        return super().put([_versioned(snapshot) for snapshot in domain_events], **kwargs)

    def get(
        self,
        originator_id: UUID,
        *,
        gt: int | None = None,
        lte: int | None = None,
        desc: bool = False,
        limit: int | None = None,
    ) -> Iterator[DomainEventProtocol[UUID]]:
        for snapshot in super().get(originator_id, gt=gt, lte=lte, desc=desc, limit=limit):
            readable = _readable(snapshot)
            if readable is not None:
                yield readable


def _class_version(topic: str) -> int:
    return int(getattr(resolve_topic(topic), "class_version", 1))


def _versioned(snapshot: DomainEventProtocol[UUID]) -> DomainEventProtocol[UUID]:
    if not isinstance(snapshot, Snapshot):
        return snapshot
    state = {**snapshot.state, "class_version": _class_version(snapshot.topic)}
    return replace(snapshot, state=state)


def _readable(snapshot: DomainEventProtocol[UUID]) -> DomainEventProtocol[UUID] | None:
    """The snapshot as today's aggregate class reads it, or None when it cannot."""
    if not isinstance(snapshot, Snapshot):
        return snapshot
    cls = resolve_topic(snapshot.topic)
    state = dict(snapshot.state)
    stored = int(state.pop("class_version", 1))
    current = _class_version(snapshot.topic)
    upcasts: list[Callable[[dict[str, Any]], None]] = []
    for version in range(stored, current):
        upcast = getattr(cls, f"upcast_v{version}_v{version + 1}", None)
        if upcast is None:
            break
        upcasts.append(upcast)
    if stored > current or len(upcasts) < current - stored:
        log.info(
            "snapshot of %s %s at version %s has class version %s, the code reads %s: "
            "replaying its events instead",
            snapshot.topic,
            snapshot.originator_id,
            snapshot.originator_version,
            stored,
            current,
        )
        return None
    for upcast in upcasts:
        upcast(state)
    # The library's Snapshot.mutate upcasts from the version in the state: none is left.
    state["class_version"] = current
    return replace(snapshot, state=state)


class EventStore(Application[UUID]):
    """tsunagu's event log: every aggregate's events, in one global order."""

    name = "tsunagu"
    # Needs and resources both grow long histories (a busy resource gains two
    # events per match); both are loaded by most commands.
    snapshotting_intervals = {Need: 50, Resource: 50}  # noqa: RUF012 - the library's class API
    snapshotting_projectors = {Need: project_events, Resource: project_events}  # noqa: RUF012

    def __init__(self, env: EnvType | None = None, keyring: Keyring | None = None) -> None:
        # Before anything is read: rows stored under a retired topic must resolve.
        install_aliases()
        self._cache: OrderedDict[UUID, Aggregate] = OrderedDict()
        self._cache_lock = threading.Lock()
        self.keyring = keyring
        """Seals clients' personal data and free text (None: stored as plain text)."""
        super().__init__(env)
        if isinstance(self.mapper, SealingMapper):
            self.mapper.client_of_need = self._client_of_need

    def construct_mapper(self) -> Mapper[UUID]:
        if self.keyring is None:
            return super().construct_mapper()
        return SealingMapper(self.construct_transcoder(), self.keyring)

    def _client_of_need(self, need_id: UUID) -> UUID | None:
        """The client a need belongs to, from its first event (never sealed)."""
        first = self.recorder.select_events(need_id, lte=1)
        if not first:
            return None
        client_id = getattr(self.mapper.to_domain_event(first[0]), "client_id", None)
        return UUID(str(client_id)) if client_id is not None else None

    def construct_event_store(self) -> StoredEvents[UUID]:
        if isinstance(self.mapper, SealingMapper) and getattr(
            self.recorder, "writes_subject_links", False
        ):
            self.mapper.links_recorded = True
            return LinkingEvents(mapper=self.mapper, recorder=self.recorder)
        return super().construct_event_store()

    def construct_snapshot_store(self) -> StoredEvents[UUID]:
        recorder = self.factory.aggregate_recorder(purpose="snapshots")
        return VersionedSnapshots(mapper=self.mapper, recorder=recorder)

    def construct_recorder(self) -> ApplicationRecorder:
        """A process recorder: an application recorder that can also record
        tracking atomically with new events (process managers need it)."""
        return self.factory.process_recorder()

    def construct_transcoder(self) -> Transcoder:
        transcoder = super().construct_transcoder()
        if isinstance(transcoder, JSONTranscoder):
            register_domain_transcodings(transcoder)
        return transcoder

    def construct_env(self, name: str, env: EnvType | None = None) -> Environment:
        """Only the configuration tsunagu passes, never the process environment: a stray
        variable (``POSTGRES_ENABLE_DB_FUNCTIONS``, ``PERSISTENCE_MODULE``, …) would
        change how events are stored or ordered behind tsunagu's back."""
        settings = dict(type(self).env)
        if type(self).is_snapshotting_enabled or type(self).snapshotting_intervals:
            settings["IS_SNAPSHOTTING_ENABLED"] = "y"
        settings.update(env or {})
        return Environment(name, settings)

    def save_recognising(self, *aggregates: Aggregate) -> int | None:
        """Save atomically; returns the log position of the last event saved (None
        when nothing was new).

        When the database refuses the events as already stored, and what is
        stored is exactly these events (a retried insert whose first attempt had
        committed — its reply lost), they are recognised as this save's own (the
        position returned is then the log's head).
        Raises RecordConflictError when someone else's events are stored there.
        """
        saved = self.save_recorded(*aggregates)
        return None if saved is None else saved[0]

    def save_recorded(self, *aggregates: Aggregate) -> tuple[int, Sequence[Notification]] | None:
        """As :meth:`save_recognising`, with the notifications of the events saved
        (none for a save recognised as already stored): what the process managers
        need not read back from the log."""
        processing = ProcessingEvent[UUID]()
        processing.collect_events(*aggregates, **_matching(aggregates))
        if not processing.events:
            return None
        try:
            recordings = self._record(processing)
        except RecordConflictError:
            if not self._stored_already(processing.events):
                raise
            recordings = []
        self._take_snapshots(processing)
        if not recordings:
            return self.head(), ()
        notifications = [recording.notification for recording in recordings]
        return notifications[-1].id, notifications

    def _stored_already(self, events: Sequence[Any]) -> bool:
        for event in events:
            stored = self.recorder.select_events(
                event.originator_id,
                gt=event.originator_version - 1,
                lte=event.originator_version,
            )
            if not stored or stored[0].topic != get_topic(type(event)):
                return False
            # Compared as plain content: sealed fields are encrypted with a fresh nonce.
            if self._plain(self.mapper.to_domain_event(stored[0])) != self._plain(event):
                return False
        return True

    def _plain(self, event: Any) -> Any:
        """The event's content as stored without sealing, decoded (key order aside)."""
        if isinstance(self.mapper, SealingMapper):
            return self.mapper.transcoder.decode(self.mapper.plain_state(event))
        return self.mapper.transcoder.decode(self.mapper.to_stored_event(event).state)

    def head(self) -> int:
        """Position of the newest event in the log (0 when empty)."""
        return self.recorder.max_notification_id() or 0

    def get(self, aggregate_id: UUID, cls: type[Aggregate] | None = None) -> Aggregate | None:
        """The aggregate now, or None when no such id exists.

        ``cls``: the type the caller expects. Aggregates of :data:`CACHED_TYPES` are
        kept after loading and brought up to date from their newer events (one
        indexed read) instead of replayed: a busy resource's history is long.
        """
        if cls in CACHED_TYPES:
            return self._get_cached(aggregate_id, cls)
        try:
            aggregate: Aggregate = self.repository.get(
                aggregate_id,
                projector_func=project_events,  # type: ignore[arg-type]
            )
        except AggregateNotFoundError:
            return None
        return aggregate

    def _get_cached(self, aggregate_id: UUID, cls: type[Aggregate]) -> Aggregate | None:
        with self._cache_lock:
            kept = self._cache.get(aggregate_id)
            if kept is not None:
                self._cache.move_to_end(aggregate_id)
        if kept is None:
            aggregate = self.get(aggregate_id)
            newer = True
        else:  # the kept one is never changed: callers change their own copy
            events = list(self.events.get(aggregate_id, gt=kept.version))
            aggregate = project_events(deepcopy(kept), events)
            newer = bool(events)
        if newer and isinstance(aggregate, cls):
            with self._cache_lock:
                self._cache[aggregate_id] = deepcopy(aggregate)
                self._cache.move_to_end(aggregate_id)
                while len(self._cache) > AGGREGATE_CACHE_SIZE:
                    self._cache.popitem(last=False)
        return aggregate

    def stream(self, aggregate_id: UUID) -> list[Any]:
        """Every event of one aggregate, oldest first."""
        return list(self.events.get(aggregate_id))

    def stream_version(self, aggregate_id: UUID) -> int | None:
        """The version of the newest stored event of one stream (None when there is
        none): one indexed read, nothing decoded."""
        newest = self.recorder.select_events(aggregate_id, desc=True, limit=1)
        return newest[0].originator_version if newest else None

    def latest_event(self, aggregate_id: UUID) -> Any | None:
        latest = list(self.events.get(aggregate_id, desc=True, limit=1))
        return latest[0] if latest else None

    def save_tracked(self, tracking: Tracking, *aggregates: Aggregate) -> int | None:
        """Save a process manager's reaction together with the position it reacted to.

        Raises :class:`VersionConflictError` when the position was processed
        already (or an aggregate moved on): the caller decides which.
        """
        processing = ProcessingEvent[UUID](tracking=tracking)
        processing.collect_events(*aggregates, **_matching(aggregates))
        try:
            if processing.events:
                recordings = self._record(processing)
            else:
                self.recorder.insert_tracking(tracking)  # type: ignore[attr-defined]
                recordings = []
        except RecordConflictError:
            raise VersionConflictError("record", None, None) from None
        self._take_snapshots(processing)
        return recordings[-1].notification.id if recordings else None


class LinkingEvents(StoredEvents[UUID]):
    """The library's event store, passing its recorder the need → client links of
    the needs these events raise (``links``): the recorder writes them in the
    events' own transaction, so a new need costs one transaction, not two, and no
    link outlives a save that failed."""

    def put(self, domain_events: Sequence[Any], **kwargs: Any) -> list[Recording[UUID]]:
        links = [
            (UUID(str(e.originator_id)), e.client_id)
            for e in domain_events
            if isinstance(e, Need.Raised)
        ]
        if links:
            kwargs["links"] = links
        return super().put(domain_events, **kwargs)


def _matching(aggregates: Sequence[Aggregate]) -> dict[str, MatchingRows]:
    """The recorder's ``matching`` argument: the ranking inputs these aggregates'
    new state changes, written in the same transaction as their events."""
    rows = rows_of(aggregates)
    return {"matching": rows} if rows else {}


class Reaction(Protocol):
    """A process manager: follows the log and changes other aggregates in response."""

    name: str

    def catch_up(self, upto: int | None = None, saved: Sequence[Notification] = ()) -> int:
        """Handle what is new in the log (at least up to ``upto``, the position of a save
        just made, when given); returns how many notifications were handled.
        ``saved``: that save's own notifications (it need not read them back)."""


class ChangeListener(Protocol):
    """Told after every successful save (e.g. to update views in-process)."""

    def changed(self, position: int) -> None:
        """Events up to ``position`` are committed to the log."""


def react(
    reactions: Iterable[Reaction], upto: int | None = None, saved: Sequence[Notification] = ()
) -> int:
    """Let process managers react to what is new in the log (at least up to ``upto``);
    returns how many notifications they handled.

    The command that wrote the events has committed already: a failure here is
    logged and left to the next run (the next command, or the projection worker).
    """
    handled = 0
    for reaction in reactions:
        try:
            handled += reaction.catch_up(upto, saved)
        except Exception:
            log.exception("process manager %s failed; it will retry", reaction.name)
    return handled


Change = Callable[[A], Sequence[Aggregate]]
"""Changes an aggregate; returns the other aggregates to save with it atomically."""


class Aggregates:
    """Load at an expected version, change, save atomically, retry: for every feature."""

    def __init__(
        self,
        store: EventStore,
        *,
        reactions: Sequence[Reaction] = (),
        listener: ChangeListener | None = None,
    ) -> None:
        self.store = store
        self._reactions = tuple(reactions)
        self._listener = listener

    # -- loading ---------------------------------------------------------------------

    def load(
        self, cls: type[A], aggregate_id: UUID, kind: str, expected_version: int | None = None
    ) -> A:
        """The aggregate, at ``expected_version`` when given.

        Raises NotFoundError (``<kind>.not_found``) for an unknown id or one of
        another type, VersionConflictError when the version differs.
        """
        aggregate = self.store.get(aggregate_id, cls)
        if not isinstance(aggregate, cls):
            raise NotFoundError(kind, aggregate_id)
        if expected_version is not None and aggregate.version != expected_version:
            raise VersionConflictError(kind, expected_version, aggregate.version)
        return aggregate

    def find(self, cls: type[A], aggregate_id: UUID) -> A | None:
        """The aggregate, or None when there is no such one."""
        aggregate = self.store.get(aggregate_id, cls)
        return aggregate if isinstance(aggregate, cls) else None

    def version(self, aggregate_id: UUID) -> int | None:
        """The stored version of an aggregate (None for an unknown id), without a replay."""
        return self.store.stream_version(aggregate_id)

    def exists(self, cls: type[Aggregate], aggregate_id: UUID) -> bool:
        return self.find(cls, aggregate_id) is not None

    def head(self) -> int:
        return self.store.head()

    # -- saving ----------------------------------------------------------------------

    def save(self, *aggregates: Aggregate, kind: str = "record") -> int:
        """Save atomically; returns a log position at or after the last event written.

        Afterwards the process managers react and the views (when updated
        in-process) catch up; their failures are theirs, never the command's.
        A save whose outcome the database did not confirm raises
        OutcomeUnknownError (never a false "changed by someone else").
        """
        try:
            saved = self.store.save_recorded(*aggregates)
        except RecordConflictError:
            raise VersionConflictError(kind, None, None) from None
        except (OperationalError, InterfaceError) as error:
            log.warning("the outcome of a save is unknown: %s", error)
            raise OutcomeUnknownError() from error
        if saved is None:
            return self.store.head()
        position, notifications = saved
        self.react(position, notifications)
        if self._listener is not None:
            self._listener.changed(position)
        return position

    def create(self, aggregate: A, kind: str, load: Callable[[], A]) -> tuple[A, int]:
        """Save a new aggregate; a retry with the same (derived) id returns the first."""
        try:
            return aggregate, self.save(aggregate, kind=kind)
        except VersionConflictError:
            return load(), self.store.head()

    def change(
        self,
        load: Callable[[], A],
        change: Change[A],
        kind: str,
    ) -> tuple[A, int]:
        """Load, change, and save with whatever else changed, in one transaction.

        When the aggregate itself is unchanged but another one saved with it
        (a resource taking or giving back a place) moved on concurrently, the
        whole command runs again on fresh state.
        """
        for attempt in range(1, SAVE_ATTEMPTS + 1):
            aggregate = load()
            others = change(aggregate)
            try:
                return aggregate, self.save(aggregate, *others, kind=kind)
            except VersionConflictError:
                if not others:
                    raise
            # Another command took the co-saved aggregate (a place) first: wait a
            # little, differently for each contender, and do it all again on fresh
            # state (a changed main aggregate is then refused by ``load``).
            time.sleep(random.uniform(0, min(0.005 * 2**attempt, BACKOFF_CAP)))  # noqa: S311
        raise BusyError(kind)

    def react(self, upto: int | None = None, saved: Sequence[Notification] = ()) -> int:
        """Let the process managers react to what is new in the log, right now (at least
        up to ``upto``, a save's own position; ``saved``, its notifications)."""
        return react(self._reactions, upto, saved)

    @contextmanager
    def views_deferred(self) -> Iterator[None]:
        """Skip the in-process view update inside the block; the views catch up once
        at its end (bulk loads: imports, the demo)."""
        listener, self._listener = self._listener, None
        try:
            yield
        finally:
            self._listener = listener
            if listener is not None:
                listener.changed(self.store.head())

    @staticmethod
    def new_id(scope: str, actor: Actor, idempotency_key: str | None) -> UUID:
        """A fresh id, or the same id for every retry with the same Idempotency-Key."""
        if idempotency_key is None:
            return uuid4()
        return derived_id(f"{scope}:{actor.user_id}", idempotency_key)
