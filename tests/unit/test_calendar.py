"""Japan's calendar: days in Japan time, fiscal years from April to March."""

from __future__ import annotations

from datetime import UTC, date, datetime

from domain.calendar import fiscal_bounds, fiscal_months, fiscal_year, jst_date


def test_a_fiscal_year_runs_from_april_to_march() -> None:
    assert fiscal_year(date(2026, 3, 31)) == 2025
    assert fiscal_year(date(2026, 4, 1)) == 2026
    assert fiscal_year(date(2026, 12, 31)) == 2026
    assert fiscal_bounds(2026) == (date(2026, 4, 1), date(2027, 3, 31))
    assert fiscal_months(2026)[0] == "2026-04"
    assert fiscal_months(2026)[-1] == "2027-03"


def test_the_day_of_a_moment_is_its_day_in_japan() -> None:
    late_in_utc = datetime(2026, 3, 31, 15, 0, tzinfo=UTC)  # 2026-04-01 00:00 in Japan

    assert jst_date(late_in_utc) == date(2026, 4, 1)
    assert fiscal_year(jst_date(late_in_utc)) == 2026
