"""Reference data (areas 日常生活圏域 and support centers 地域包括支援センター):
the use cases, their results, and the checks other features make against them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol
from uuid import UUID

from application.errors import (
    AlreadyExistsError,
    InvalidReferenceError,
    NotFoundError,
    VersionConflictError,
)
from application.security import Actor
from application.store import Aggregates
from domain.reference import Area, SupportCenter


@dataclass(frozen=True)
class AreaDTO:
    id: UUID
    version: int
    position: int | None
    code: str
    name: str


@dataclass(frozen=True)
class CenterDTO:
    id: UUID
    version: int
    position: int | None
    code: str
    name: str
    area_codes: tuple[str, ...]


class ReferenceDirectory(Protocol):
    """Areas and centers as a view lists them."""

    def areas(self) -> list[AreaDTO]:
        """All areas by code."""

    def centers(self) -> list[CenterDTO]:
        """All support centers by code."""


def area_dto(area: Area, position: int | None) -> AreaDTO:
    return AreaDTO(
        id=area.id, version=area.version, position=position, code=area.code, name=area.name
    )


def center_dto(center: SupportCenter, position: int | None) -> CenterDTO:
    return CenterDTO(
        id=center.id,
        version=center.version,
        position=position,
        code=center.code,
        name=center.name,
        area_codes=tuple(center.area_codes),
    )


class References:
    """Whether the areas and centers a command names exist (read from the event store,
    so a command never trusts a view that may lag)."""

    def __init__(self, aggregates: Aggregates) -> None:
        self._aggregates = aggregates

    def area_exists(self, code: str) -> bool:
        return self._aggregates.exists(Area, Area.id_for(code))

    def require_areas(self, field: str, area_codes: Sequence[str]) -> None:
        for code in area_codes:
            if not self.area_exists(code):
                raise InvalidReferenceError(field, f"no area with code {code!r}")

    def require_center(self, field: str, center_code: str) -> SupportCenter:
        center = self._aggregates.find(SupportCenter, SupportCenter.id_for(center_code))
        if center is None:
            raise InvalidReferenceError(field, f"no support center with code {center_code!r}")
        return center


class ReferenceCases:
    """Add and list areas and support centers (administrators)."""

    def __init__(
        self, aggregates: Aggregates, references: References, directory: ReferenceDirectory
    ) -> None:
        self._aggregates = aggregates
        self._references = references
        self._directory = directory

    def create_area(self, code: str, name: str, actor: Actor) -> AreaDTO:
        actor.require("area.create")
        area = Area.register(code, name, actor.user_id)
        if self._aggregates.exists(Area, area.id):
            raise AlreadyExistsError("area", code)
        try:
            position = self._aggregates.save(area, kind="area")
        except VersionConflictError:
            raise AlreadyExistsError("area", code) from None
        return area_dto(area, position)

    def list_areas(self, actor: Actor) -> list[AreaDTO]:
        actor.require("area.read")
        return self._directory.areas()

    def list_towns(self, code: str, towns: list[str], actor: Actor) -> tuple[str, ...]:
        """Set the towns (町・字) of an area; an import infers areas from addresses by them."""
        actor.require("area.create")
        area = self._aggregates.find(Area, Area.id_for(code))
        if area is None:
            raise InvalidReferenceError("code", f"no area with code {code!r}")
        area.list_towns(towns, actor.user_id)
        self._aggregates.save(area, kind="area")
        return tuple(area.towns)

    def create_center(self, code: str, name: str, area_codes: list[str], actor: Actor) -> CenterDTO:
        actor.require("center.create")
        center = SupportCenter.register(code, name, area_codes, actor.user_id)
        self._references.require_areas("area_codes", area_codes)
        if self._aggregates.exists(SupportCenter, center.id):
            raise AlreadyExistsError("support center", code)
        try:
            position = self._aggregates.save(center, kind="support center")
        except VersionConflictError:
            raise AlreadyExistsError("support center", code) from None
        return center_dto(center, position)

    def rename_area(
        self, code: str, name: str, expected_version: int | None, actor: Actor
    ) -> AreaDTO:
        """Rename an area (its code, which records and URLs use, stays)."""
        actor.require("area.change")
        area = self._load(Area, Area.id_for(code), "area", code, expected_version)
        if name.strip() != area.name:
            area.rename(name, actor.user_id)
        return area_dto(area, self._aggregates.save(area, kind="area"))

    def change_center(
        self,
        code: str,
        name: str,
        area_codes: list[str],
        expected_version: int | None,
        actor: Actor,
    ) -> CenterDTO:
        """Rename a support center and change the areas it serves (one event each,
        only for what changed; saved together)."""
        actor.require("center.change")
        center = self._load(
            SupportCenter, SupportCenter.id_for(code), "support center", code, expected_version
        )
        self._references.require_areas("area_codes", area_codes)
        if name.strip() != center.name:
            center.rename(name, actor.user_id)
        if list(dict.fromkeys(area_codes)) != list(center.area_codes):
            center.change_areas(area_codes, actor.user_id)
        return center_dto(center, self._aggregates.save(center, kind="support center"))

    def _load(
        self, cls: Any, ident: UUID, kind: str, code: str, expected_version: int | None
    ) -> Any:
        found = self._aggregates.find(cls, ident)
        if found is None:
            raise NotFoundError(kind, code)
        if expected_version is not None and found.version != expected_version:
            raise VersionConflictError(kind, expected_version, found.version)
        return found

    def list_centers(self, actor: Actor) -> list[CenterDTO]:
        actor.require("center.read")
        return self._directory.centers()
