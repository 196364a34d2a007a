"""Reference data: daily-living areas and support centers.

Event-sourced like everything else, so that their history is auditable. Their
ids derive from their codes, which makes codes unique without a lookup table.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar
from uuid import UUID

from eventsourcing.domain import event

from domain.base import TsunaguAggregate, require_text
from domain.errors import InvalidValueError
from domain.values import UserId, derived_id

CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$")


def require_code(field: str, code: str) -> str:
    """Codes are short ASCII identifiers used in URLs, filters and files."""
    if not CODE_PATTERN.fullmatch(code):
        raise InvalidValueError(
            field,
            "use 1-32 letters, digits, '-' or '_', starting with a letter or digit",
            code="value.code_format",
        )
    return code


class Area(TsunaguAggregate):
    """A daily-living area (日常生活圏域)."""

    Registered: ClassVar[type[Any]]
    Renamed: ClassVar[type[Any]]

    @staticmethod
    def id_for(code: str) -> UUID:
        return derived_id("area", code)

    @event("Registered")
    def __init__(self, id: UUID, code: str, name: str, actor: UserId) -> None:
        self.code = code
        self.name = name

    @classmethod
    def register(cls, code: str, name: str, actor: UserId) -> Area:
        code = require_code("code", code)
        return cls(
            id=cls.id_for(code),
            code=code,
            name=require_text("name", name, max_length=200),
            actor=actor,
        )

    def rename(self, name: str, actor: UserId) -> None:
        self._renamed(name=require_text("name", name, max_length=200), actor=actor)

    @event("Renamed")
    def _renamed(self, name: str, actor: UserId) -> None:
        self.name = name


class SupportCenter(TsunaguAggregate):
    """A community general support center (地域包括支援センター)."""

    Registered: ClassVar[type[Any]]
    AreasChanged: ClassVar[type[Any]]
    Renamed: ClassVar[type[Any]]

    @staticmethod
    def id_for(code: str) -> UUID:
        return derived_id("center", code)

    @event("Registered")
    def __init__(
        self,
        id: UUID,
        code: str,
        name: str,
        area_codes: list[str],
        actor: UserId,
    ) -> None:
        self.code = code
        self.name = name
        self.area_codes = area_codes

    @classmethod
    def register(cls, code: str, name: str, area_codes: list[str], actor: UserId) -> SupportCenter:
        code = require_code("code", code)
        if not area_codes:
            raise InvalidValueError(
                "area_codes", "a center serves at least one area", code="value.empty"
            )
        return cls(
            id=cls.id_for(code),
            code=code,
            name=require_text("name", name, max_length=200),
            area_codes=list(dict.fromkeys(area_codes)),
            actor=actor,
        )

    def change_areas(self, area_codes: list[str], actor: UserId) -> None:
        if not area_codes:
            raise InvalidValueError(
                "area_codes", "a center serves at least one area", code="value.empty"
            )
        self._areas_changed(area_codes=list(dict.fromkeys(area_codes)), actor=actor)

    @event("AreasChanged")
    def _areas_changed(self, area_codes: list[str], actor: UserId) -> None:
        self.area_codes = area_codes

    def rename(self, name: str, actor: UserId) -> None:
        self._renamed(name=require_text("name", name, max_length=200), actor=actor)

    @event("Renamed")
    def _renamed(self, name: str, actor: UserId) -> None:
        self.name = name
