"""Japanese era dates, as municipal reports write them."""

from __future__ import annotations

from datetime import date

import pytest

from interfaces.eras import era_date, era_fiscal_year, era_year


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 11, 30), "令和8年11月30日"),
        (date(2019, 5, 1), "令和元年5月1日"),
        (date(2019, 4, 30), "平成31年4月30日"),
        (date(1989, 1, 8), "平成元年1月8日"),
        (date(1989, 1, 7), "昭和64年1月7日"),
        (date(1942, 5, 10), "昭和17年5月10日"),
        (date(1926, 12, 24), "大正15年12月24日"),
        (date(1912, 7, 29), "明治45年7月29日"),
    ],
)
def test_a_day_is_written_in_the_era_in_force_that_day(day: date, expected: str) -> None:
    assert era_date(day) == expected


@pytest.mark.parametrize(
    ("fiscal_year", "expected"),
    [
        (2026, "令和8年度"),
        (2020, "令和2年度"),
        (2019, "令和元年度"),
        (2018, "平成30年度"),
        (1989, "平成元年度"),
        (1988, "昭和63年度"),
    ],
)
def test_a_fiscal_year_takes_the_era_of_its_calendar_year(fiscal_year: int, expected: str) -> None:
    assert era_fiscal_year(fiscal_year) == expected


def test_a_day_before_the_modern_eras_is_refused() -> None:
    with pytest.raises(ValueError, match="before the Meiji era"):
        era_year(date(1868, 10, 22))
