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
    TownsListed: ClassVar[type[Any]]

    # 2: snapshots hold the area's towns.
    class_version = 2

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        state.setdefault("towns", [])

    @staticmethod
    def id_for(code: str) -> UUID:
        return derived_id("area", code)

    @event("Registered")
    def __init__(self, id: UUID, code: str, name: str, actor: UserId) -> None:
        self.code = code
        self.name = name
        # The towns (町・字) the area is made of, as addresses write them.
        self.towns: list[str] = []

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

    def list_towns(self, towns: list[str], actor: UserId) -> None:
        """Say which towns (町・字) the area is made of; replaces the list (empty: none).

        Recorded only when the list changes."""
        listed = list(dict.fromkeys(require_text("towns", t, max_length=100) for t in towns))
        if listed != self.towns:
            self._towns_listed(towns=listed, actor=actor)

    @event("TownsListed")
    def _towns_listed(self, towns: list[str], actor: UserId) -> None:
        self.towns = towns


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
