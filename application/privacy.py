"""Personal data at rest: which stored fields are sealed with their client's key, and
the mapper step that seals and opens them.

A client's personal data (``PersonalData``) and the free text of the client's
needs (description, goal, follow-up notes, reasons) are written to the event
store encrypted with that client's own data key (AES-256-GCM), held by a
:class:`Keyring` outside the event store. The domain never sees any of it: the
events keep their fields; only their *stored* form changes, in
:class:`SealingMapper`. The sealed fields of one event (or snapshot) are stored
together in one envelope::

    {"...": ..., "_sealed_": {"subject": "<client id hex>",
                               "fields": ["description", "goal"],
                               "data": "<base64 of nonce + ciphertext>"}}

bound to the event it belongs to (its originator id and version are the
associated data), so a ciphertext cannot be moved into another event.

Events stored before sealing existed (release 0.1.0, the contract fixtures) carry
their fields in plain text and are read as they are: stored data is never
rewritten (the ledger hashes it as stored). When a client's key is destroyed
(``Client.PersonalDataErased``), its sealed fields read as erased: ``personal``
becomes None and free text :data:`~domain.values.ERASED`.

Sealed fields are merged back after the library's mapper has upcast the event:
an upcaster (``class_version``) of an event listed here must not read or
rename its sealed fields (they are not in the state yet) — change this mapper
with it.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Collection, Iterable, Sequence
from typing import Any, Protocol
from uuid import UUID

from eventsourcing.domain import DomainEventProtocol, Snapshot
from eventsourcing.persistence import Mapper, StoredEvent, Transcoder
from eventsourcing.utils import get_topic, resolve_topic

from application.errors import ConflictError
from domain.client import Client
from domain.need import Need
from domain.values import ERASED

SEALED_EVENT_FIELDS: dict[type[Any], tuple[str, ...]] = {
    Client.Registered: ("personal",),
    Client.ContactChanged: ("personal", "reason"),
    Client.CareLevelChanged: ("reason",),
    Need.Raised: ("description", "goal"),
    Need.FollowUpRecorded: ("note",),
    Need.Paused: ("reason",),
    Need.Resumed: ("reason",),
    Need.Closed: ("reason",),
    Need.Reopened: ("reason",),
    Need.MatchDeclined: ("reason",),
    Need.MatchProposed: ("reason",),
    Need.Reassigned: ("reason",),
    Need.GapRecorded: ("reason",),
    Need.DevelopmentUnlinked: ("reason",),
}
"""Event class → the fields sealed with its client's key."""

SEALED_SNAPSHOT_FIELDS: dict[type[Any], tuple[str, ...]] = {
    Client: ("personal",),
    Need: ("description", "goal"),
}
"""Aggregate class → the fields of its snapshots' state sealed with its client's key."""

ERASED_VALUES: dict[str, Any] = {"personal": None}
"""What a sealed field reads once its key is destroyed (free text: ERASED)."""

ENVELOPE = "_sealed_"


class ClientErasedError(ConflictError):
    """The client's personal data was erased: nothing more is written about it (409)."""

    code = "client.erased"

    def __init__(self, client_id: UUID) -> None:
        super().__init__(
            f"the personal data of client {client_id} was erased: "
            "nothing more can be recorded for it or its needs",
            client_id=str(client_id),
        )


class Keyring(Protocol):
    """Per-client data keys, wrapped by a master key, kept outside the event store."""

    def seal(self, client_id: UUID, plaintext: bytes, associated: bytes) -> bytes:
        """Encrypt with the client's key (made on first need).

        Raises :class:`ClientErasedError` when the client's key was destroyed."""

    def open(self, client_id: UUID, sealed: bytes, associated: bytes) -> bytes | None:
        """Decrypt; None when the client's key was destroyed (or never existed)."""

    def prefetch(self, client_ids: Collection[UUID]) -> None:
        """Have the keys of ``client_ids`` at hand for the ``open`` calls that follow
        (a batch of events read at once: one lookup instead of one per client)."""

    def link(self, subject_id: UUID, client_id: UUID, *, recorded: bool = False) -> None:
        """Record that ``subject_id`` (a need) is sealed with ``client_id``'s key;
        ``recorded``: the link's row is written with the need's events (by the event
        store's recorder), only remember it."""

    def client_of(self, subject_id: UUID) -> UUID | None:
        """The client whose key seals ``subject_id`` (a need), when linked."""

    def subjects(self, client_id: UUID) -> list[UUID]:
        """Every subject (need) linked to the client."""

    def is_destroyed(self, client_id: UUID) -> bool:
        """Whether the client's key was destroyed."""

    def destroy(self, client_id: UUID) -> None:
        """Destroy the client's key for good (its row is overwritten and deleted)."""


class PersonalTraces(Protocol):
    """Copies of a client's personal data outside the event store and the views
    (answers kept for Idempotency-Key retries), forgotten on erasure."""

    def forget(self, ids: Iterable[UUID]) -> int:
        """Delete every kept copy that names one of ``ids``; returns how many."""


class SealingMapper(Mapper[UUID]):
    """The library's mapper, with a client's sensitive fields sealed on the way in
    and opened on the way out."""

    def __init__(self, transcoder: Transcoder, keyring: Keyring) -> None:
        super().__init__(transcoder=transcoder)
        self.keyring = keyring
        self.client_of_need: Callable[[UUID], UUID | None] = lambda _need_id: None
        """Fallback for a need stored before sealing (no link): set by the event store."""
        self.links_recorded = False
        """The event store's recorder writes each raised need's link with its events
        (set by the event store): the keyring only remembers it."""

    # -- writing ---------------------------------------------------------------------

    def to_stored_event(self, domain_event: DomainEventProtocol[UUID]) -> StoredEvent:
        if isinstance(domain_event, Snapshot):
            return self._sealed_snapshot(domain_event)
        names = SEALED_EVENT_FIELDS.get(type(domain_event))
        if not names:
            return super().to_stored_event(domain_event)
        state = dict(vars(domain_event))
        subject = self._subject_of_event(domain_event)
        inner = {name: state.pop(name) for name in names if name in state}
        return self._stored(domain_event, state, inner, subject)

    def _sealed_snapshot(self, snapshot: Snapshot) -> StoredEvent:
        cls = resolve_topic(snapshot.topic)
        names = SEALED_SNAPSHOT_FIELDS.get(cls)
        if not names:
            return super().to_stored_event(snapshot)
        aggregate_state = dict(snapshot.state)
        subject = snapshot.originator_id if cls is Client else aggregate_state["client_id"]
        inner = {name: aggregate_state.pop(name) for name in names if name in aggregate_state}
        state = dict(vars(snapshot))
        state["state"] = aggregate_state
        return self._stored(snapshot, state, inner, subject)

    def _subject_of_event(self, domain_event: Any) -> UUID:
        if isinstance(domain_event, Client.Event):
            return UUID(str(domain_event.originator_id))
        if isinstance(domain_event, Need.Raised):
            self.keyring.link(
                domain_event.originator_id, domain_event.client_id, recorded=self.links_recorded
            )
            return UUID(str(domain_event.client_id))
        need_id = domain_event.originator_id
        client_id = self.keyring.client_of(need_id) or self.client_of_need(need_id)
        if client_id is None:
            raise LookupError(f"need {need_id} has no Raised event to name its client")
        self.keyring.link(need_id, client_id)
        return client_id

    def _stored(
        self, domain_event: Any, state: dict[str, Any], inner: dict[str, Any], subject: UUID
    ) -> StoredEvent:
        originator_id = state.pop("originator_id")
        originator_version = state.pop("originator_version")
        class_version = getattr(type(domain_event), "class_version", 1)
        if class_version > 1:
            state["class_version"] = class_version
        sealed = self.keyring.seal(
            subject,
            self.transcoder.encode(inner),
            _associated(originator_id, originator_version),
        )
        state[ENVELOPE] = {
            "subject": subject.hex,
            "fields": list(inner),
            "data": base64.b64encode(sealed).decode("ascii"),
        }
        return StoredEvent(
            originator_id=originator_id,
            originator_version=originator_version,
            topic=get_topic(type(domain_event)),
            state=self.transcoder.encode(state),
        )

    # -- reading ---------------------------------------------------------------------

    def to_domain_event(self, stored_event: StoredEvent) -> DomainEventProtocol[UUID]:
        return self._opened(super().to_domain_event(stored_event), stored_event)

    def to_domain_events(
        self, stored_events: Sequence[StoredEvent]
    ) -> list[DomainEventProtocol[UUID]]:
        """Several events decoded at once: the keys of every client they name are looked
        up together before any is opened."""
        decoded = [Mapper.to_domain_event(self, stored) for stored in stored_events]
        self.keyring.prefetch(
            {
                UUID(envelope["subject"])
                for event in decoded
                if (envelope := vars(event).get(ENVELOPE)) is not None
            }
        )
        return [
            self._opened(event, stored)
            for event, stored in zip(decoded, stored_events, strict=True)
        ]

    def _opened(
        self, domain_event: DomainEventProtocol[UUID], stored_event: StoredEvent
    ) -> DomainEventProtocol[UUID]:
        """``domain_event`` (decoded from ``stored_event``) with its sealed fields opened."""
        state = vars(domain_event)
        envelope = state.pop(ENVELOPE, None)
        if envelope is None:
            return domain_event
        # A snapshot's sealed fields belong to the aggregate state it holds.
        target = state["state"] if isinstance(domain_event, Snapshot) else state
        opened = self.keyring.open(
            UUID(envelope["subject"]),
            base64.b64decode(envelope["data"]),
            _associated(stored_event.originator_id, stored_event.originator_version),
        )
        if opened is None:
            target.update({name: ERASED_VALUES.get(name, ERASED) for name in envelope["fields"]})
        else:
            target.update(self.transcoder.decode(opened))
        return domain_event

    def plain_state(self, domain_event: DomainEventProtocol[UUID]) -> bytes:
        """The event's state encoded without sealing (to compare two events' content)."""
        return super().to_stored_event(domain_event).state


def _associated(originator_id: object, originator_version: int) -> bytes:
    return f"{originator_id}:{originator_version}".encode("ascii")
