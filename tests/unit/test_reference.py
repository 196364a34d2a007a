"""Reference data: areas and support centers, keyed by their codes."""

from __future__ import annotations

import pytest

from domain.errors import InvalidValueError
from domain.reference import Area, SupportCenter
from domain.values import derived_id
from tests.unit.aggregates import ACTOR

VALID_CODES = ["n", "north", "North-1", "c_north", "7", "a" * 32]

INVALID_CODES = [
    pytest.param("", id="empty"),
    pytest.param("a" * 33, id="too-long"),
    pytest.param("-north", id="leading-dash"),
    pytest.param("_north", id="leading-underscore"),
    pytest.param("no rth", id="space"),
    pytest.param("north/1", id="slash"),
    pytest.param("北", id="non-ascii"),
    pytest.param("north\n", id="trailing-newline"),
]


@pytest.mark.parametrize("code", VALID_CODES)
def test_area_register_accepts_a_valid_code(code: str) -> None:
    area = Area.register(code, "北地区", ACTOR)

    assert [type(e) for e in area.collect_events()] == [Area.Registered]
    assert area.code == code


@pytest.mark.parametrize("code", INVALID_CODES)
def test_area_register_is_refused_when_the_code_is_invalid(code: str) -> None:
    with pytest.raises(InvalidValueError) as refused:
        Area.register(code, "北地区", ACTOR)

    assert refused.value.field == "code"


@pytest.mark.parametrize("code", INVALID_CODES)
def test_center_register_is_refused_when_the_code_is_invalid(code: str) -> None:
    with pytest.raises(InvalidValueError) as refused:
        SupportCenter.register(code, "北センター", ["north"], ACTOR)

    assert refused.value.field == "code"


@pytest.mark.parametrize("name", ["", "  ", "x" * 201])
def test_area_register_is_refused_when_the_name_is_empty_or_overlong(name: str) -> None:
    with pytest.raises(InvalidValueError) as refused:
        Area.register("north", name, ACTOR)

    assert refused.value.field == "name"


def test_area_id_derives_from_its_code() -> None:
    area = Area.register("north", "北地区", ACTOR)

    assert area.id == Area.id_for("north") == derived_id("area", "north")


def test_center_id_derives_from_its_code() -> None:
    center = SupportCenter.register("c-north", "北センター", ["north"], ACTOR)

    assert center.id == SupportCenter.id_for("c-north") == derived_id("center", "c-north")


def test_area_and_center_with_the_same_code_have_different_ids() -> None:
    assert Area.id_for("north") != SupportCenter.id_for("north")


def test_area_rename_records_the_new_name() -> None:
    area = Area.register("north", "北地区", ACTOR)
    area.collect_events()

    area.rename(" 北部地区 ", ACTOR)

    assert [type(e) for e in area.collect_events()] == [Area.Renamed]
    assert area.name == "北部地区"


def test_center_register_keeps_each_area_once() -> None:
    center = SupportCenter.register("c-north", "北センター", ["north", "east", "north"], ACTOR)

    assert center.area_codes == ["north", "east"]


def test_center_register_is_refused_without_an_area() -> None:
    with pytest.raises(InvalidValueError) as refused:
        SupportCenter.register("c-north", "北センター", [], ACTOR)

    assert refused.value.field == "area_codes"


def test_center_change_areas_records_the_new_areas() -> None:
    center = SupportCenter.register("c-north", "北センター", ["north"], ACTOR)
    center.collect_events()

    center.change_areas(["north", "east"], ACTOR)

    assert [type(e) for e in center.collect_events()] == [SupportCenter.AreasChanged]
    assert center.area_codes == ["north", "east"]


def test_center_change_areas_is_refused_without_an_area() -> None:
    center = SupportCenter.register("c-north", "北センター", ["north"], ACTOR)

    with pytest.raises(InvalidValueError) as refused:
        center.change_areas([], ACTOR)

    assert refused.value.field == "area_codes"
