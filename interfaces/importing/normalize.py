"""Cleaning the cells of messy municipal files: NFKC, trimming, numbers, weekdays.

Every parser here returns what it understood and, separately, what it could
not: ``Parsed(value, notes, error)``. ``notes`` are warnings for the report
(something was guessed or dropped); ``error`` means the cell cannot be used.
Both are findings of the kinds declared in ``interfaces.importing.problems``.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Generic, TypeVar

from application.import_rows import Finding
from domain.values import Weekday
from interfaces.importing.problems import (
    CAPACITY_IMPLAUSIBLE,
    CAPACITY_NOT_A_NUMBER,
    CAPACITY_RANGE,
    CAPACITY_READ_AS,
    CAPACITY_SEVERAL_NUMBERS,
    CAPACITY_UNITS_SUMMED,
    COORDINATE_MISSING,
    COORDINATE_NOT_A_DECIMAL,
    COORDINATES_SWAPPED,
    DATES_DROPPED,
    FREQUENCY_DROPPED,
    HOLIDAYS_DROPPED,
    LATITUDE_OUT_OF_RANGE,
    LEADING_ZERO_RESTORED,
    LONGITUDE_OUT_OF_RANGE,
    MONTHLY_PATTERN_DROPPED,
    TIME_OF_DAY_DROPPED,
    TIMES_DROPPED,
    WEEKDAYS_NONE_NAMED,
    WEEKDAYS_NOT_UNDERSTOOD,
)

T = TypeVar("T")

_SPACES = re.compile(r"\s+")
_LIST_SEPARATORS = re.compile(r"[,、;；/|\n]+")
_EMPTY_MARKS = frozenset({"-", "ー", "―", "—", "–", "－", "なし", "無し", "特になし", "n/a", "na"})


@dataclass(frozen=True)
class Parsed(Generic[T]):
    """The result of reading one cell."""

    value: T
    notes: tuple[Finding, ...] = field(default_factory=tuple)
    error: Finding | None = None


def clean(value: object) -> str | None:
    """A cell as text: NFKC (full-width letters, digits and spaces become ASCII),
    trimmed, inner runs of whitespace made one space; empty cells become None.

    Spreadsheet numbers come back without a spurious ``.0``; dates as ISO text.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return None
        text = str(int(value)) if value.is_integer() else repr(value)
    elif isinstance(value, datetime | date | time):
        text = value.isoformat()
    else:
        text = str(value)
    text = unicodedata.normalize("NFKC", text).replace("\x00", "")
    text = _SPACES.sub(" ", text).strip()
    if text[:1] == "'" and text[1:2] in ("=", "+", "-", "@"):
        text = text[1:]  # the guard our export puts before formula-like text
    return text or None


def is_blank_mark(text: str) -> bool:
    """Dashes and 「なし」 that stand for an empty cell."""
    return text.casefold() in _EMPTY_MARKS


def split_items(text: str) -> list[str]:
    """Items of a list cell separated by commas, 、, semicolons, slashes or new lines.

    「・」 is left alone: it also joins the words of one label (移動・外出支援).
    """
    return [item.strip() for item in _LIST_SEPARATORS.split(text) if item.strip()]


# -- numbers --------------------------------------------------------------------------------

_COUNT = re.compile(
    r"^(?:(?:登録|利用|入所|入居)?定員|最大|約|およそ|概ね|おおむね)?\s*(\d[\d,]*)\s*(?:名|人|席|組|世帯|床)?\s*(?:程度|まで|以内|位|くらい|ぐらい)?$"
)
_COUNT_RANGE = re.compile(r"^(\d+)\s*(?:名|人)?\s*[~〜\-－ー]\s*(\d+)\s*(?:名|人)?(?:程度)?$")
# Published lists write the places of each unit (ユニット, 事業所) in one cell:
# 「(1) 70名、(2) 15名」. Labels are bracketed numbers; anything else between is a separator.
_UNIT = re.compile(r"\(\s*(\d{1,2})\s*\)\s*(?:定員)?\s*(\d[\d,]*)\s*(?:名|人|床)?")
_UNIT_SEPARATORS = re.compile(r"[\s、,;/・]+")
_NUMBER = re.compile(r"\d+")
_UNLIMITED = frozenset({"定員なし", "制限なし", "無制限", "上限なし", "なし", "unlimited"})


def parse_capacity(text: str | None) -> Parsed[int | None]:
    """「55名」「５５人」「約30名」→ a number of places; 「定員なし」 or empty → unlimited."""
    if text is None or is_blank_mark(text) or text.casefold() in _UNLIMITED:
        return Parsed(None)
    match = _COUNT.match(text)
    if match:
        number = int(match.group(1).replace(",", ""))
        notes: tuple[Finding, ...] = ()
        if number > 100_000:
            return Parsed(None, error=CAPACITY_IMPLAUSIBLE.found(cell=text))
        if not text.isdigit():
            notes = (CAPACITY_READ_AS.found(cell=text, number=number),)
        return Parsed(number, notes)
    match = _COUNT_RANGE.match(text)
    if match:
        upper = int(match.group(2))
        return Parsed(upper, (CAPACITY_RANGE.found(cell=text, number=upper),))
    units = [int(m.group(2).replace(",", "")) for m in _UNIT.finditer(text)]
    if units and not _UNIT_SEPARATORS.sub("", _UNIT.sub("", text)):
        total = sum(units)
        if total > 100_000:
            return Parsed(None, error=CAPACITY_IMPLAUSIBLE.found(cell=text))
        return Parsed(total, (CAPACITY_UNITS_SUMMED.found(cell=text, number=total),))
    if len(_NUMBER.findall(text)) >= 2:
        # 「通い15名、泊まり9名」: which one is the capacity is not ours to guess.
        return Parsed(None, error=CAPACITY_SEVERAL_NUMBERS.found(cell=text))
    return Parsed(None, error=CAPACITY_NOT_A_NUMBER.found(cell=text))


def parse_coordinate(text: str | None, field_name: str) -> Parsed[float | None]:
    """A decimal latitude or longitude (「35.6895」「N35.6895」)."""
    if text is None or is_blank_mark(text):
        return Parsed(None)
    stripped = text.strip().lstrip("NEne").rstrip("°度")
    try:
        number = float(stripped)
    except ValueError:
        return Parsed(None, error=COORDINATE_NOT_A_DECIMAL.found(cell=text, field=field_name))
    if not math.isfinite(number):
        return Parsed(None, error=COORDINATE_NOT_A_DECIMAL.found(cell=text, field=field_name))
    return Parsed(number)


def parse_coordinates(
    latitude: str | None, longitude: str | None
) -> tuple[Parsed[float | None], Parsed[float | None]]:
    """Both coordinates; swapped columns are put back when only that makes sense."""
    lat, lon = parse_coordinate(latitude, "latitude"), parse_coordinate(longitude, "longitude")
    if lat.error or lon.error:
        return lat, lon
    if (lat.value is None) != (lon.value is None):
        missing = "latitude" if lat.value is None else "longitude"
        return lat, Parsed(None, error=COORDINATE_MISSING.found(field=missing))
    if lat.value is None or lon.value is None:
        return lat, lon
    if abs(lat.value) > 90 and abs(lon.value) <= 90:
        return Parsed(lon.value, (COORDINATES_SWAPPED.found(),)), Parsed(lat.value)
    if abs(lat.value) > 90:
        return Parsed(None, error=LATITUDE_OUT_OF_RANGE.found(value=lat.value)), lon
    if abs(lon.value) > 180:
        return lat, Parsed(None, error=LONGITUDE_OUT_OF_RANGE.found(value=lon.value))
    return lat, lon


# -- weekdays -------------------------------------------------------------------------------

_KANJI_DAYS = {
    "月": Weekday.MON,
    "火": Weekday.TUE,
    "水": Weekday.WED,
    "木": Weekday.THU,
    "金": Weekday.FRI,
    "土": Weekday.SAT,
    "日": Weekday.SUN,
}
_ENGLISH_DAYS = {
    "mon": Weekday.MON,
    "tue": Weekday.TUE,
    "wed": Weekday.WED,
    "thu": Weekday.THU,
    "fri": Weekday.FRI,
    "sat": Weekday.SAT,
    "sun": Weekday.SUN,
}
_ORDER = list(Weekday)
_DASH = r"[~〜\-－ー−–—]|から"
_KANJI_RANGE = re.compile(
    rf"([月火水木金土日])(?:曜日?)?\s*(?:{_DASH})\s*([月火水木金土日])(?:曜日?)?"
)
_ENGLISH_RANGE = re.compile(
    r"\b(mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?\s*(?:-|~|to)\s*(mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?"
)
_ENGLISH_DAY = re.compile(r"\b(mon|tue|wed|thu|fri|sat|sun)(?:day|s|sday|nesday|rsday|urday)?\b\.?")
_ALL_WEEK = re.compile(r"毎日|全日|年中無休|無休|daily|every ?day|7days")
_WEEKDAYS_WORD = re.compile(r"平日|weekdays")
_WEEKEND_WORD = re.compile(r"週末|weekends?")
# Things a schedule cell says that have no place among weekdays; dropped with a note.
_DROPPED = [
    (
        re.compile(r"第\s*\d(?:\s*[・、,及びと]\s*(?:第\s*)?\d)*\s*(?=[月火水木金土日])"),
        MONTHLY_PATTERN_DROPPED,
    ),
    (
        re.compile(
            r"\d{1,2}\s*[:時]\s*\d{0,2}\s*分?(?:\s*(?:~|〜|-|から)\s*\d{1,2}\s*[:時]\s*\d{0,2}\s*分?)?"
        ),
        TIMES_DROPPED,
    ),
    (re.compile(r"(?:毎月|月)\s*\d+\s*回|週\s*\d+\s*回|隔週|毎月"), FREQUENCY_DROPPED),
    (re.compile(r"\d+\s*月\s*\d*\s*日?|\d+\s*日"), DATES_DROPPED),
    (re.compile(r"祝日?|祭日"), HOLIDAYS_DROPPED),
    (re.compile(r"午前|午後|AM|PM", re.IGNORECASE), TIME_OF_DAY_DROPPED),
]
_FILLER = re.compile(
    r"曜日|曜|毎週|週|及び|および|と|の|又は|または|・|、|,|/|\s|\(|\)|（|）|and|&|\.",
    re.IGNORECASE,
)


def parse_weekdays(text: str | None) -> Parsed[tuple[Weekday, ...]]:
    """Weekdays from 「月・水・金」「毎週火曜日」「月～金」「平日」「Mon, Wed」 and the like.

    Monthly patterns (第2・第4木曜日), times, dates and holidays are dropped
    with a note; words that are not understood are reported and no weekday
    is taken from them.
    """
    if text is None or is_blank_mark(text):
        return Parsed(())
    rest = text.casefold()
    found: list[Weekday] = []
    notes: list[Finding] = []
    if _ALL_WEEK.search(rest):
        found += _ORDER
        rest = _ALL_WEEK.sub(" ", rest)
    if _WEEKDAYS_WORD.search(rest):
        found += _ORDER[:5]
        rest = _WEEKDAYS_WORD.sub(" ", rest)
    if _WEEKEND_WORD.search(rest):
        found += _ORDER[5:]
        rest = _WEEKEND_WORD.sub(" ", rest)
    for pattern, kind in _DROPPED:
        dropped = [m.group(0).strip() for m in pattern.finditer(rest)]
        if dropped:
            notes.append(kind.found(items="".join(f"「{item}」" for item in dropped)))
            rest = pattern.sub(" ", rest)
    for pattern, names in ((_KANJI_RANGE, _KANJI_DAYS), (_ENGLISH_RANGE, _ENGLISH_DAYS)):
        for match in pattern.finditer(rest):
            start = _ORDER.index(names[match.group(1)])
            end = _ORDER.index(names[match.group(2)])
            span = range(start, end + 1) if start <= end else [*range(start, 7), *range(end + 1)]
            found += [_ORDER[i] for i in span]
        rest = pattern.sub(" ", rest)
    for match in _ENGLISH_DAY.finditer(rest):
        found.append(_ENGLISH_DAYS[match.group(1)])
    rest = _ENGLISH_DAY.sub(" ", rest)
    rest = re.sub(r"曜日|曜", " ", rest)  # or the 日 of 火曜日 would read as Sunday
    for char in rest:
        if char in _KANJI_DAYS:
            found.append(_KANJI_DAYS[char])
    rest = "".join(" " if c in _KANJI_DAYS else c for c in rest)
    leftover = _FILLER.sub("", rest)
    if leftover:
        notes.append(WEEKDAYS_NOT_UNDERSTOOD.found(cell=text, rest=leftover))
    days = tuple(day for day in _ORDER if day in found)
    if not days and leftover:
        return Parsed((), (WEEKDAYS_NONE_NAMED.found(cell=text),))
    return Parsed(days, tuple(notes))


def business_number(text: str | None) -> Parsed[str | None]:
    """A 介護保険事業所番号 (10 characters); a leading zero lost by Excel is put back."""
    if text is None or is_blank_mark(text):
        return Parsed(None)
    compact = text.replace(" ", "").replace("-", "")
    if compact.isdigit() and len(compact) == 9:
        return Parsed("0" + compact, (LEADING_ZERO_RESTORED.found(number=compact),))
    return Parsed(compact)
