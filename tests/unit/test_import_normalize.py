"""Cleaning the cells of municipal files: text, places, coordinates, weekdays."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from domain.values import Weekday
from interfaces.importing.normalize import (
    business_number,
    clean,
    parse_capacity,
    parse_coordinates,
    parse_weekdays,
    split_items,
)

MON, TUE, WED, THU, FRI, SAT, SUN = list(Weekday)


@pytest.mark.parametrize(
    ("cell", "text"),
    [
        ("　ふれあいサロン　", "ふれあいサロン"),
        ("ＡＢＣ１２３", "ABC123"),
        ("北町１－２－３", "北町1-2-3"),
        ("北町  1-2\n3階", "北町 1-2 3階"),
        ("ｻﾛﾝ", "サロン"),
        ("", None),
        ("　 ", None),
        (None, None),
        (55.0, "55"),
        (35.6895, "35.6895"),
        (7, "7"),
        (date(2026, 4, 1), "2026-04-01"),
        (float("nan"), None),
        ("北\x00町", "北町"),
        ("'=SUM(A1)", "=SUM(A1)"),
        ("'-", "-"),
        ("'quoted'", "'quoted'"),
    ],
)
def test_cells_are_nfkc_trimmed_and_empty_becomes_none(cell: Any, text: str | None) -> None:
    assert clean(cell) == text


@pytest.mark.parametrize(
    ("text", "items"),
    [
        ("買い物、通院", ["買い物", "通院"]),
        ("north, south", ["north", "south"]),
        ("北地区;南地区/東地区", ["北地区", "南地区", "東地区"]),
        ("移動・外出支援", ["移動・外出支援"]),
    ],
)
def test_list_cells_split_on_commas_but_not_on_nakaguro(text: str, items: list[str]) -> None:
    assert split_items(text) == items


@pytest.mark.parametrize(
    ("text", "places", "noted"),
    [
        ("20", 20, False),
        ("55名", 55, True),
        ("55人", 55, True),
        ("定員55名", 55, True),
        ("約30名", 30, True),
        ("30名程度", 30, True),
        ("1,200", 1200, True),
        ("10~15名", 15, True),
        ("定員なし", None, False),
        ("制限なし", None, False),
        ("-", None, False),
        (None, None, False),
    ],
)
def test_capacities_are_read_from_free_text(
    text: str | None, places: int | None, noted: bool
) -> None:
    parsed = parse_capacity(text)
    assert parsed.error is None
    assert parsed.value == places
    assert bool(parsed.notes) == noted


@pytest.mark.parametrize("text", ["たくさん", "要相談", "999999999", "20から"])
def test_capacities_that_are_not_numbers_are_errors(text: str) -> None:
    parsed = parse_capacity(text)
    assert parsed.value is None
    assert parsed.error is not None
    assert parsed.error.code in {"capacity.not_a_number", "capacity.implausible"}
    assert parsed.error.params == {"cell": text}


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("月・水・金", (MON, WED, FRI)),
        ("毎週火曜日", (TUE,)),
        ("火曜日、木曜日", (TUE, THU)),
        ("日曜日", (SUN,)),
        ("月~金", (MON, TUE, WED, THU, FRI)),
        ("月〜金", (MON, TUE, WED, THU, FRI)),
        ("月曜から水曜", (MON, TUE, WED)),
        ("金~月", (MON, FRI, SAT, SUN)),
        ("平日", (MON, TUE, WED, THU, FRI)),
        ("土日", (SAT, SUN)),
        ("毎日", (MON, TUE, WED, THU, FRI, SAT, SUN)),
        ("年中無休", (MON, TUE, WED, THU, FRI, SAT, SUN)),
        ("Mon, Wed", (MON, WED)),
        ("monday-friday", (MON, TUE, WED, THU, FRI)),
        ("tue", (TUE,)),
        ("", ()),
        (None, ()),
    ],
)
def test_weekdays_are_read_from_the_ways_files_write_them(
    text: str | None, days: tuple[Weekday, ...]
) -> None:
    parsed = parse_weekdays(text)
    assert parsed.value == days
    assert parsed.notes == ()


@pytest.mark.parametrize(
    ("text", "days", "dropped"),
    [
        ("第2・第4木曜日", (THU,), "weekdays.monthly_pattern_dropped"),
        ("毎週水曜日 10:00~11:30", (WED,), "weekdays.times_dropped"),
        ("土日祝", (SAT, SUN), "weekdays.holidays_dropped"),
        ("月2回 火曜日", (TUE,), "weekdays.frequency_dropped"),
        ("毎月10日", (), "weekdays.dates_dropped"),
    ],
)
def test_what_weekdays_cannot_hold_is_dropped_with_a_note(
    text: str, days: tuple[Weekday, ...], dropped: str
) -> None:
    parsed = parse_weekdays(text)
    assert parsed.value == days
    assert dropped in {note.code for note in parsed.notes}, parsed.notes


@pytest.mark.parametrize("text", ["不定期", "要相談", "随時"])
def test_schedules_naming_no_weekday_record_none_and_say_so(text: str) -> None:
    parsed = parse_weekdays(text)
    assert parsed.value == ()
    assert parsed.error is None
    assert [(n.code, n.params) for n in parsed.notes] == [("weekdays.none_named", {"cell": text})]


@pytest.mark.parametrize(
    ("lat", "lon", "expected"),
    [
        ("35.6895", "139.6917", (35.6895, 139.6917)),
        ("N35.6895", "E139.6917", (35.6895, 139.6917)),
        ("", "", (None, None)),
        ("139.6917", "35.6895", (35.6895, 139.6917)),
    ],
)
def test_coordinates_are_decimal_and_swapped_columns_are_put_back(
    lat: str, lon: str, expected: tuple[float | None, float | None]
) -> None:
    latitude, longitude = parse_coordinates(lat or None, lon or None)
    assert (latitude.value, longitude.value) == expected
    assert latitude.error is None
    assert longitude.error is None


@pytest.mark.parametrize(
    ("lat", "lon", "field"),
    [
        ("35.6", None, "longitude"),
        ("北緯35度", "139.7", "latitude"),
        ("95", "200", "latitude"),
        ("35.6", "181", "longitude"),
    ],
)
def test_unusable_coordinates_are_errors(lat: str | None, lon: str | None, field: str) -> None:
    latitude, longitude = parse_coordinates(lat, lon)
    failed = latitude if field == "latitude" else longitude
    assert failed.error is not None


@pytest.mark.parametrize(
    ("text", "number", "noted"),
    [
        ("1310110049", "1310110049", False),
        ("131011004", "0131011004", True),
        ("04A0700017", "04A0700017", False),
        (None, None, False),
    ],
)
def test_business_numbers_get_back_the_leading_zero_excel_drops(
    text: str | None, number: str | None, noted: bool
) -> None:
    parsed = business_number(text)
    assert parsed.value == number
    assert bool(parsed.notes) == noted
