"""Japanese era dates (和暦) for what people in a municipality read: 令和8年11月30日,
令和8年度.

Babel formats the Gregorian calendar only, and no Japanese-era package in our
package lists is both widely used and maintained, so the five modern eras are
written here: each begins on the day its emperor acceded (Reiwa on 2019-05-01,
Heisei on 1989-01-08). The first year of an era is written 元年.
"""

from __future__ import annotations

from datetime import date

ERAS: tuple[tuple[date, str, str], ...] = (
    (date(2019, 5, 1), "令和", "Reiwa"),
    (date(1989, 1, 8), "平成", "Heisei"),
    (date(1926, 12, 25), "昭和", "Showa"),
    (date(1912, 7, 30), "大正", "Taisho"),
    (date(1868, 10, 23), "明治", "Meiji"),
)
"""Era names from the newest, with their first day."""


def era_year(day: date) -> tuple[str, int]:
    """The era in force on ``day`` and the year within it (1 for the first)."""
    for start, name, _latin in ERAS:
        if day >= start:
            return name, day.year - start.year + 1
    raise ValueError(f"{day} is before the Meiji era")


def _year(number: int) -> str:
    return "元" if number == 1 else str(number)


def era_date(day: date) -> str:
    """``令和8年11月30日``."""
    name, year = era_year(day)
    return f"{name}{_year(year)}年{day.month}月{day.day}日"


def era_fiscal_year(fiscal_year: int) -> str:
    """``令和8年度`` for fiscal year 2026 (April 2026 to March 2027).

    A fiscal year takes the era its calendar year ends in, as municipalities write
    it: fiscal year 2019 began under Heisei (April) but is 令和元年度, and fiscal
    year 1988 is 昭和63年度 although it ended under Heisei.
    """
    name, year = era_year(date(fiscal_year, 12, 31))
    return f"{name}{_year(year)}年度"
