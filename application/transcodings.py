"""How domain values are written into stored events.

Enums are stored as their string values (the identifiers of DOMAIN.md), so the
stored log stays readable and independent of Python names.
"""

from __future__ import annotations

import enum
from dataclasses import asdict
from datetime import date
from typing import Any

from eventsourcing.persistence import JSONTranscoder, Transcoding

from domain.values import ALL_ENUMS, Contact, PersonalData


class EnumAsValue(Transcoding):
    """One enum type, stored as its value string."""

    def __init__(self, enum_type: type[enum.Enum]) -> None:
        self.type = enum_type
        self.name = enum_type.__name__

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
    """A frozen value object stored as a plain object of its fields."""

    def __init__(self, value_type: type[Any], name: str) -> None:
        self.type = value_type
        self.name = name

    def encode(self, obj: Any) -> dict[str, Any]:
        return asdict(obj)

    def decode(self, data: dict[str, Any]) -> Any:
        return self.type(**data)


def register_domain_transcodings(transcoder: JSONTranscoder) -> None:
    """Register every domain value type that events carry."""
    for enum_type in ALL_ENUMS:
        transcoder.register(EnumAsValue(enum_type))
    transcoder.register(DateAsISO())
    transcoder.register(DataclassAsDict(PersonalData, "personal_data"))
    transcoder.register(DataclassAsDict(Contact, "contact"))
