"""Clients (利用者): registering the elderly people needs belong to, their
assessments and availability, and finding them again.

Personal data (name, kana, birth date, address, phone) leaves this feature
only for roles with ``client.read_personal``.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Protocol
from uuid import UUID

from application.access import AccessRead, AccessRecorder
from application.common import Clock, require_not_future, state_at
from application.errors import (
    ConflictError,
    InvalidReferenceError,
    LikelyDuplicateClientError,
    NotFoundError,
    VersionConflictError,
)
from application.privacy import Keyring, PersonalTraces
from application.reference import References
from application.security import Actor
from application.store import Aggregates
from domain.client import Client, katakana_name
from domain.errors import DomainError
from domain.values import CareLevel, ClientId, NeedId, PersonalData, Weekday

SEARCH_LIMIT = 20
SEARCH_MAX_LENGTH = 100


@dataclass(frozen=True)
class ClientDTO:
    id: UUID
    version: int
    position: int | None
    display_code: str
    care_level: CareLevel
    frailty: bool
    area_code: str
    center_code: str
    assessed_on: date | None
    registered_at: datetime
    personal: PersonalData | None
    """None when the actor may not see personal data."""
    available_weekdays: tuple[Weekday, ...] | None = None
    """None: not known."""
    erased: bool = False
    """The client's personal data was erased (personal is then None for everyone)."""


@dataclass(frozen=True)
class ClientSummary:
    """A client as lists may show it: pseudonymous, no personal fields."""

    id: UUID
    display_code: str
    care_level: CareLevel
    frailty: bool
    area_code: str
    center_code: str
    registered_at: datetime
    assessed_on: date | None = None


@dataclass(frozen=True)
class ClientCard:
    """A client on a detail page: the summary and, for roles allowed, personal data."""

    summary: ClientSummary
    personal: PersonalData | None
    """None when the actor may not see personal data."""
    erased: bool = False
    """The client's personal data was erased (shown as 「消去済み」)."""


class ClientRecords(Protocol):
    """What erasure needs to know about a client's needs (from the case board)."""

    def needs_of(self, client_id: UUID) -> list[UUID]:
        """Every need of the client."""

    def expired(self, closed_before: datetime) -> list[UUID]:
        """Clients not erased yet, with needs, all of them closed before ``closed_before``."""


@dataclass(frozen=True)
class Privacy:
    """The ports erasure works with (None in unit tests: nothing is sealed)."""

    keyring: Keyring
    traces: PersonalTraces
    records: ClientRecords


@dataclass(frozen=True)
class ErasureReport:
    """What ``erase_expired`` found, and what it erased (nothing in a dry run)."""

    closed_before: datetime
    candidates: list[UUID] = field(default_factory=list)
    erased: list[UUID] = field(default_factory=list)
    failed: dict[UUID, str] = field(default_factory=dict)
    applied: bool = False


class ClientDirectory(Protocol):
    """Clients by display code or kana. Personal data leaves only through :meth:`card`."""

    def search(self, text: str, center_code: str | None, limit: int) -> list[ClientSummary]:
        """Clients whose display code starts with, or whose kana contains, ``text``
        (at ``center_code`` only, when given), newest first."""

    def card(self, client_id: UUID, with_personal: bool) -> ClientCard | None:
        """One client; personal data only when ``with_personal``. None if unknown."""

    def names(self, client_ids: Collection[UUID], center_code: str) -> dict[UUID, ClientName]:
        """Name and kana of those of ``client_ids`` registered at ``center_code``
        (unknown ids and other centers' clients are left out)."""

    def likely_duplicates(
        self, personal: PersonalData, center_code: str, scope: str | None
    ) -> list[ClientSummary]:
        """Clients who may be this person: the same kana (katakana, spaces ignored) and
        birth date (at ``scope`` only, when given), or the same name and phone at
        ``center_code``. Oldest first; at most a few."""


@dataclass(frozen=True)
class ClientName:
    """How a care manager recognises their client in a list."""

    name: str
    name_kana: str | None


def load_client(
    aggregates: Aggregates, client_id: UUID, actor: Actor, expected_version: int | None = None
) -> Client:
    """A client this actor may see (care managers: of their own center), or not found."""
    client = aggregates.load(Client, client_id, "client")
    if not actor.sees_center(client.center_code):
        raise NotFoundError("client", client_id)
    if expected_version is not None and client.version != expected_version:
        raise VersionConflictError("client", expected_version, client.version)
    return client


def client_dto(client: Client, position: int | None, actor: Actor) -> ClientDTO:
    return ClientDTO(
        id=client.id,
        version=client.version,
        position=position,
        display_code=client.display_code,
        care_level=client.care_level,
        frailty=client.frailty,
        area_code=client.area_code,
        center_code=client.center_code,
        assessed_on=client.assessed_on,
        registered_at=client.created_on,
        personal=client.personal if actor.can("client.read_personal") else None,
        available_weekdays=(
            tuple(client.available_weekdays) if client.available_weekdays is not None else None
        ),
        erased=client.erased,
    )


class ClientCases:
    """Register clients, record assessments and availability, find and show them."""

    def __init__(
        self,
        aggregates: Aggregates,
        references: References,
        directory: ClientDirectory,
        clock: Clock,
        access: AccessRecorder,
        privacy: Privacy | None = None,
    ) -> None:
        self._aggregates = aggregates
        self._references = references
        self._directory = directory
        self._clock = clock
        self._access = access
        self._privacy = privacy

    def register(
        self,
        personal: PersonalData,
        care_level: CareLevel,
        frailty: bool,
        area_code: str,
        center_code: str,
        actor: Actor,
        idempotency_key: str | None = None,
        available_weekdays: list[Weekday] | None = None,
        confirm_duplicate: bool = False,
    ) -> ClientDTO:
        """Register a client; refused with :class:`LikelyDuplicateClientError` when the
        person seems registered already, unless ``confirm_duplicate``."""
        actor.require("client.create")
        if not actor.sees_center(center_code):
            raise InvalidReferenceError(
                "center_code",
                "you can register clients only at your own support center",
                code="client.center_not_yours",
            )
        self._references.require_areas("area_code", [area_code])
        self._references.require_center("center_code", center_code)
        client_id = ClientId(self._aggregates.new_id("client", actor, idempotency_key))
        if not confirm_duplicate and not self._aggregates.exists(Client, client_id):
            kana = katakana_name(personal.name_kana) if personal.name_kana else None
            found = self._directory.likely_duplicates(
                replace(personal, name_kana=kana or None), center_code, actor.center_scope
            )
            if found:
                raise LikelyDuplicateClientError([(str(c.id), c.display_code) for c in found])
        client = Client.register(
            client_id,
            personal,
            care_level,
            frailty,
            area_code,
            center_code,
            actor.user_id,
            available_weekdays,
        )
        client, position = self._aggregates.create(
            client, "client", lambda: self._aggregates.load(Client, client_id, "client")
        )
        return client_dto(client, position, actor)

    def get(self, client_id: UUID, actor: Actor, as_of: datetime | None = None) -> ClientDTO:
        """The client now, or as it was at ``as_of`` (its events replayed up to then)."""
        actor.require("client.read")
        client = load_client(self._aggregates, client_id, actor)
        if as_of is not None:
            past = state_at(self._aggregates.store.stream(client_id), as_of)
            if not isinstance(past, Client):
                raise NotFoundError("client", f"{client_id} as of {as_of.isoformat()}")
            client = past
        dto = client_dto(client, self._aggregates.head() if as_of is None else None, actor)
        if dto.personal is not None:
            self._access.record(actor, [AccessRead(client.id, "client")])
        return dto

    def change_care_level(
        self,
        client_id: UUID,
        care_level: CareLevel,
        assessed_on: date,
        reason: str,
        expected_version: int | None,
        actor: Actor,
    ) -> ClientDTO:
        actor.require("client.assess")
        require_not_future("assessed_on", assessed_on, self._clock)
        client = load_client(self._aggregates, client_id, actor, expected_version)
        client.change_care_level(care_level, assessed_on, reason, actor.user_id)
        return client_dto(client, self._aggregates.save(client, kind="client"), actor)

    def change_contact(
        self,
        client_id: UUID,
        address: str | None,
        phone: str | None,
        reason: str,
        expected_version: int | None,
        actor: Actor,
    ) -> ClientDTO:
        """Correct a client's address and phone, with the reason (Client.ContactChanged)."""
        actor.require("client.change_contact")
        client = load_client(self._aggregates, client_id, actor, expected_version)
        client.change_contact(address, phone, reason, actor.user_id)
        return client_dto(client, self._aggregates.save(client, kind="client"), actor)

    def record_availability(
        self,
        client_id: UUID,
        weekdays: list[Weekday],
        expected_version: int | None,
        actor: Actor,
    ) -> ClientDTO:
        """The weekdays the client can take part; matching prefers resources on them."""
        actor.require("client.assess")
        client = load_client(self._aggregates, client_id, actor, expected_version)
        client.record_availability(weekdays, actor.user_id)
        return client_dto(client, self._aggregates.save(client, kind="client"), actor)

    def search(self, text: str, actor: Actor) -> list[ClientSummary]:
        """Clients by display code or kana, for raising a need (care managers: their center)."""
        actor.require("need.raise")
        text = text.strip()
        if not text or len(text) > SEARCH_MAX_LENGTH:
            return []
        found = self._directory.search(text, actor.center_scope, SEARCH_LIMIT)
        # A hit on a kana tells the searcher something personal about each client found.
        self._access.record(actor, [AccessRead(c.id, "client_search") for c in found])
        return found

    def card(self, client_id: UUID, actor: Actor) -> ClientCard:
        actor.require("client.read")
        card = self._directory.card(client_id, actor.can("client.read_personal"))
        if card is None or not actor.sees_center(card.summary.center_code):
            raise NotFoundError("client", client_id)
        if card.personal is not None:
            self._access.record(actor, [AccessRead(card.summary.id, "client")])
        return card

    def names(self, client_ids: Collection[UUID], actor: Actor) -> dict[UUID, ClientName]:
        """Names to show beside display codes in lists: only to roles with
        ``client.list_names``, only for clients of the actor's own support center."""
        center = actor.center_code
        if not actor.can("client.list_names") or center is None or not client_ids:
            return {}
        names = self._directory.names(set(client_ids), center)
        # a name beside a code in a list is a read of that client's personal data
        self._access.record(actor, [AccessRead(client_id, "client_names") for client_id in names])
        return names

    def card_of(self, client_id: UUID, actor: Actor) -> ClientCard | None:
        """The card shown on a need's page (None when the directory does not know it yet)."""
        card = self._directory.card(client_id, actor.can("client.read_personal"))
        if card is not None and card.personal is not None:
            self._access.record(actor, [AccessRead(card.summary.id, "client")])
        return card

    # -- erasure (crypto-shredding) --------------------------------------------------

    def erase(
        self, client_id: UUID, reason: str, expected_version: int | None, actor: Actor
    ) -> ClientDTO:
        """Erase the client's personal data and its needs' free text, for good.

        The client's key is destroyed first (a failure after it leaves nothing
        readable, and the erasure can be sent again), then ``PersonalDataErased``
        is recorded: the views forget the personal fields when they apply it.
        """
        actor.require("client.erase")
        client = load_client(self._aggregates, client_id, actor, expected_version)
        need_ids = self._needs_of(client_id)
        client.erase_personal_data(reason, [NeedId(n) for n in need_ids], actor.user_id)
        if self._privacy is not None:
            self._privacy.keyring.destroy(client_id)
        position = self._aggregates.save(client, kind="client")
        if self._privacy is not None:
            self._privacy.traces.forget([client_id, *need_ids])
        return client_dto(client, position, actor)

    def _needs_of(self, client_id: UUID) -> list[UUID]:
        if self._privacy is None:
            return []
        linked = set(self._privacy.keyring.subjects(client_id))
        linked.update(self._privacy.records.needs_of(client_id))
        return sorted(linked)

    def erase_expired(
        self,
        closed_before: datetime,
        reason: str,
        actor: Actor,
        *,
        apply: bool = False,
        progress: Callable[[int, int], None] | None = None,
    ) -> ErasureReport:
        """Erase every client whose needs were all closed before ``closed_before``
        (retention); a dry run (``apply=False``) only reports who would be."""
        actor.require("client.erase")
        if self._privacy is None:
            return ErasureReport(closed_before)
        candidates = self._privacy.records.expired(closed_before)
        report = ErasureReport(closed_before, candidates=candidates, applied=apply)
        if not apply:
            return report
        for done, client_id in enumerate(candidates, start=1):
            try:
                self.erase(client_id, reason, None, actor)
                report.erased.append(client_id)
            except (VersionConflictError, ConflictError, DomainError) as error:
                report.failed[client_id] = str(error)
            if progress is not None:
                progress(done, len(candidates))
        return report
