"""Japan's calendar as the work reckons it: days and months in Japan time, fiscal
years from April to March (the municipalities' budget and reporting year)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

JST = timezone(timedelta(hours=9), "JST")
"""The municipality's clock for calendar days and months (Japan has no daylight saving time)."""


def jst_date(moment: datetime) -> date:
    """The day ``moment`` falls on in Japan."""
    return moment.astimezone(JST).date()


def fiscal_year(day: date) -> int:
    """Japanese fiscal year: April to March; FY2026 starts 2026-04-01."""
    return day.year if day.month >= 4 else day.year - 1


def fiscal_bounds(year: int) -> tuple[date, date]:
    """The first and last day of fiscal year ``year``."""
    return date(year, 4, 1), date(year + 1, 3, 31)


def fiscal_months(year: int) -> list[str]:
    """``YYYY-MM`` of the twelve months of fiscal year ``year``, April to March."""
    return [f"{year + (m < 4):04d}-{m:02d}" for m in (*range(4, 13), 1, 2, 3)]
