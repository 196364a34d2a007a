"""The figures the dashboard and the logic model share: one median, one fiscal year."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from application.oversight import DashboardFilter, median_days
from domain.calendar import fiscal_months


@pytest.mark.parametrize(
    ("days", "expected"),
    [
        ((), None),
        ((3.0,), 3.0),
        ((10.0, 20.0, 120.0), 20.0),
        ((1.04, 2.0), 1.5),  # an even count: the mean of the middle two, one decimal
        ((17.06, 17.14), 17.1),
    ],
)
def test_the_median_of_days_to_match_has_one_decimal(
    days: tuple[float, ...], expected: float | None
) -> None:
    assert median_days(days) == expected


def test_a_fiscal_year_runs_from_april_to_march() -> None:
    months = fiscal_months(2025)

    assert months[0] == "2025-04"
    assert months[-1] == "2026-03"
    assert len(months) == 12


def test_a_fiscal_years_period_starts_at_midnight_in_japan() -> None:
    period = DashboardFilter(fiscal_year=2026).period()

    assert period is not None
    start, end = period
    assert start.astimezone(UTC) == datetime(2026, 3, 31, 15, 0, tzinfo=UTC)
    assert end.astimezone(UTC) == datetime(2027, 3, 31, 15, 0, tzinfo=UTC)
    assert DashboardFilter(area_code="north").period() is None
