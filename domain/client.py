"""The Client aggregate: the elderly person a need belongs to (pseudonymous)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace
from datetime import date
from typing import Any, ClassVar

from eventsourcing.domain import event

from domain.base import TsunaguAggregate, require_text
from domain.errors import InvalidTransitionError, InvalidValueError
from domain.values import CareLevel, ClientId, NeedId, PersonalData, UserId, Weekday, display_code

_HIRAGANA = re.compile(r"[\u3041-\u3096\u309d\u309e]")
_KATAKANA_NAME = re.compile(r"[\u30a1-\u30fa\u30fc-\u30fe\u30fb ]+")


def katakana_name(text: str) -> str:
    """A name in kana as stored: full-width katakana, hiragana converted, spaces kept
    single (NFKC first, so half-width katakana and the ideographic space count too).
    Anything else (kanji, Latin letters, digits) is refused: the kana is how a
    person's name is read and searched, not a second copy of the name."""
    normal = unicodedata.normalize("NFKC", text)
    normal = _HIRAGANA.sub(lambda m: chr(ord(m.group(0)) + 0x60), normal)
    normal = " ".join(normal.split())
    if normal and not _KATAKANA_NAME.fullmatch(normal):
        raise InvalidValueError(
            "name_kana", "write the name in katakana or hiragana only", code="client.kana_invalid"
        )
    return normal


class Client(TsunaguAggregate):
    """A client (利用者). Case data is pseudonymous; who the person is lives
    only in :class:`~domain.values.PersonalData`."""

    # Event classes, made by the @event decorators below (declared for type checkers).
    Registered: ClassVar[type[Any]]
    CareLevelChanged: ClassVar[type[Any]]
    AvailabilityRecorded: ClassVar[type[Any]]
    PersonalDataErased: ClassVar[type[Any]]
    ContactChanged: ClassVar[type[Any]]

    @event("Registered")
    def __init__(
        self,
        id: ClientId,
        personal: PersonalData | None,
        care_level: CareLevel,
        frailty: bool,
        area_code: str,
        center_code: str,
        actor: UserId,
    ) -> None:
        # None when the personal data can no longer be read (erased: its key is gone).
        self.personal = personal
        self.erased = False
        self.care_level = care_level
        self.frailty = frailty
        self.area_code = area_code
        self.center_code = center_code
        self.assessed_on: date | None = None
        self.available_weekdays: list[Weekday] | None = None

    @classmethod
    def register(
        cls,
        client_id: ClientId,
        personal: PersonalData,
        care_level: CareLevel,
        frailty: bool,
        area_code: str,
        center_code: str,
        actor: UserId,
        available_weekdays: list[Weekday] | None = None,
    ) -> Client:
        require_text("name", personal.name, max_length=200)
        if personal.name_kana is not None:
            personal = replace(personal, name_kana=katakana_name(personal.name_kana) or None)
        client = cls(
            id=client_id,
            personal=personal,
            care_level=care_level,
            frailty=frailty,
            area_code=area_code,
            center_code=center_code,
            actor=actor,
        )
        if available_weekdays is not None:
            client.record_availability(available_weekdays, actor)
        return client

    @property
    def display_code(self) -> str:
        """Pseudonymous code shown on lists instead of the name."""
        return display_code("C", self.id)

    def change_care_level(
        self, care_level: CareLevel, assessed_on: date, reason: str, actor: UserId
    ) -> None:
        """Record a (re)assessment; the level may stay the same (an outcome signal)."""
        if self.assessed_on is not None and assessed_on < self.assessed_on:
            raise InvalidValueError(
                "assessed_on",
                f"must not be before the last assessment ({self.assessed_on})",
                code="client.assessment_before_last",
                last=self.assessed_on,
            )
        self._care_level_changed(
            care_level=care_level,
            previous=self.care_level,
            assessed_on=assessed_on,
            reason=require_text("reason", reason),
            actor=actor,
        )

    def erase_personal_data(self, reason: str, need_ids: list[NeedId], actor: UserId) -> None:
        """Erase who the client is (crypto-shredding: the client's key is destroyed
        with this event). ``need_ids`` are the client's needs, whose free text goes
        with it; the pseudonymous case data stays, so statistics do not change."""
        if self.erased:
            raise InvalidTransitionError(
                "client", "erased", "erase", "it is erased already", code="client.already_erased"
            )
        self._personal_data_erased(
            reason=require_text("reason", reason), need_ids=list(need_ids), actor=actor
        )

    @event("PersonalDataErased")
    def _personal_data_erased(self, reason: str, need_ids: list[NeedId], actor: UserId) -> None:
        self.personal = None
        self.erased = True

    def change_contact(
        self, address: str | None, phone: str | None, reason: str, actor: UserId
    ) -> None:
        """Correct the client's address and phone (moved house, new number), saying why.
        The event holds the whole personal data as it now is, so that it is kept (and
        erased) like the registration's."""
        if self.erased or self.personal is None:
            raise InvalidTransitionError(
                "client",
                "erased",
                "change_contact",
                "its personal data is erased",
                code="client.erased",
            )
        personal = replace(self.personal, address=address or None, phone=phone or None)
        if personal == self.personal:
            raise InvalidValueError("address", "nothing was changed", code="client.unchanged")
        self._contact_changed(personal=personal, reason=require_text("reason", reason), actor=actor)

    @event("ContactChanged")
    def _contact_changed(self, personal: PersonalData, reason: str, actor: UserId) -> None:
        self.personal = personal

    def record_availability(self, weekdays: list[Weekday], actor: UserId) -> None:
        """The weekdays the client can take part (matching prefers resources on them)."""
        self._availability_recorded(weekdays=[d for d in Weekday if d in weekdays], actor=actor)

    @event("AvailabilityRecorded")
    def _availability_recorded(self, weekdays: list[Weekday], actor: UserId) -> None:
        self.available_weekdays = weekdays

    @event("CareLevelChanged")
    def _care_level_changed(
        self,
        care_level: CareLevel,
        previous: CareLevel,
        assessed_on: date,
        reason: str,
        actor: UserId,
    ) -> None:
        self.care_level = care_level
        self.assessed_on = assessed_on
