"""How domain values are written into stored events.

Every value type is stored under an explicit tag (``"_type_": "care_level"``)
that does not follow Python names: renaming a class changes nothing stored.
Tags are a contract like topics: a tag once written is decoded forever
(:data:`EARLIER_TAGS`; ``tests/fixtures/events.json`` lists them all).

Enums are stored as their string values (the identifiers of DOMAIN.md), so the
stored log stays readable and independent of Python names.
"""

from __future__ import annotations

import enum
from dataclasses import MISSING, asdict, fields
from datetime import date
from typing import Any

from eventsourcing.persistence import JSONTranscoder, Transcoding

from domain.values import (
    CareLevel,
    Contact,
    CouncilTier,
    DeclinedBy,
    InitiativeStatus,
    Milestone,
    NeedCategory,
    NeedStatus,
    OrganizationKind,
    Outcome,
    PersonalData,
    Progress,
    ResourceStatus,
    Role,
    ServiceType,
    Urgency,
    Weekday,
)

ENUM_TAGS: dict[type[enum.Enum], str] = {
    Role: "role",
    CareLevel: "care_level",
    NeedCategory: "need_category",
    ServiceType: "service_type",
    OrganizationKind: "organization_kind",
    Outcome: "outcome",
    NeedStatus: "need_status",
    Urgency: "urgency",
    Progress: "progress",
    DeclinedBy: "declined_by",
    ResourceStatus: "resource_status",
    Weekday: "weekday",
    InitiativeStatus: "initiative_status",
    Milestone: "milestone",
    CouncilTier: "council_tier",
}
"""The tag each enum is written with."""

EARLIER_TAGS: dict[str, str] = {
    # Release 0.1.0 tagged enums with their Python class names.
    "Role": "role",
    "CareLevel": "care_level",
    "NeedCategory": "need_category",
    "ServiceType": "service_type",
    "OrganizationKind": "organization_kind",
    "Outcome": "outcome",
    "NeedStatus": "need_status",
    "Urgency": "urgency",
    "Progress": "progress",
    "DeclinedBy": "declined_by",
    "ResourceStatus": "resource_status",
    "Weekday": "weekday",
    "InitiativeStatus": "initiative_status",
    "Milestone": "milestone",
    "CouncilTier": "council_tier",
}
"""Tags written by earlier releases → the tag that decodes them today (never remove one)."""


class EnumAsValue(Transcoding):
    """One enum type, stored as its value string."""

    def __init__(self, enum_type: type[enum.Enum], tag: str) -> None:
        self.type = enum_type
        self.name = tag

    def encode(self, obj: enum.Enum) -> str:
        return str(obj.value)

    def decode(self, data: str) -> enum.Enum:
        value: enum.Enum = self.type(data)
        return value


class DateAsISO(Transcoding):
    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


class DataclassAsDict(Transcoding):
    """A frozen value object stored as a plain object of its fields.

    Decoding tolerates change: a field missing from the stored object takes
    its default (a field added since the object was written; a field without a
    default cannot be added this way and fails loudly), and a stored field
    the class no longer has is ignored. Ignoring is safe because stored events
    are never rewritten: the value stays in the log, only today's object does
    not carry it, and a release that knows the field reads it again. (A
    snapshot taken meanwhile drops it, but snapshots are derived from the
    events and replaced as the aggregate moves on.) What ignoring would get
    wrong is a *renamed* field, read as one removed and one added: declare
    renames in ``renamed`` (stored name → field name).
    """

    def __init__(
        self, value_type: type[Any], tag: str, renamed: dict[str, str] | None = None
    ) -> None:
        self.type = value_type
        self.name = tag
        self._renamed = dict(renamed or {})
        self._fields = {f.name for f in fields(value_type) if f.init}
        self._required = {
            f.name
            for f in fields(value_type)
            if f.init and f.default is MISSING and f.default_factory is MISSING
        }

    def encode(self, obj: Any) -> dict[str, Any]:
        return asdict(obj)

    def decode(self, data: dict[str, Any]) -> Any:
        values = {self._renamed.get(key, key): value for key, value in data.items()}
        missing = self._required - values.keys()
        if missing:
            raise ValueError(
                f"stored {self.name!r} lacks {', '.join(sorted(missing))}, which "
                f"{self.type.__name__} requires: give the new field a default"
            )
        return self.type(**{key: value for key, value in values.items() if key in self._fields})


class Alias(Transcoding):
    """An earlier tag, decoded like the current one (never used to encode)."""

    def __init__(self, tag: str, current: Transcoding) -> None:
        self.type = current.type
        self.name = tag
        self._current = current

    def encode(self, obj: Any) -> Any:
        return self._current.encode(obj)

    def decode(self, data: Any) -> Any:
        return self._current.decode(data)


def domain_transcodings() -> list[Transcoding]:
    """The transcoding of every domain value type that events carry, by current tag."""
    return [
        *(EnumAsValue(enum_type, tag) for enum_type, tag in ENUM_TAGS.items()),
        DateAsISO(),
        DataclassAsDict(PersonalData, "personal_data"),
        DataclassAsDict(Contact, "contact"),
    ]


def register_domain_transcodings(transcoder: JSONTranscoder) -> None:
    """Register every domain value type that events carry, and every earlier tag."""
    current = {transcoding.name: transcoding for transcoding in domain_transcodings()}
    # The transcoder encodes with the transcoding registered last for a type, so the
    # aliases go first and the current tags overwrite them for encoding.
    for earlier, tag in EARLIER_TAGS.items():
        transcoder.register(Alias(earlier, current[tag]))
    for transcoding in current.values():
        transcoder.register(transcoding)
