"""The time to match summed up in SQL is the Python definition's, on every backend:
the same median (``application.oversight.median_days`` over every wait), the same
count and the same histogram, whatever the filter — odd and even counts, ties, waits
a microsecond either side of a bound, none at all."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
import sqlalchemy as sa

from application.oversight import MATCH_BUCKETS, DashboardFilter, MatchTime, median_days
from infrastructure.views.dashboard import (
    SqlDashboard,
    dashboard_match_days,
    dashboard_matches,
    match_entries,
)
from interfaces.bootstrap import Settings

PLACES = [("c-north", "north"), ("c-north", "east"), ("c-south", "south")]


@pytest.fixture
def engine(settings: Settings) -> Iterator[sa.Engine]:
    """The view's two tables of matches alone, as plain tables of those names."""
    if settings.db_schema:
        built = sa.create_engine(
            settings.database_url.replace("postgresql://", "postgresql+psycopg://", 1),
            connect_args={"options": f"-csearch_path={settings.db_schema}"},
        )
        with built.begin() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{settings.db_schema}"'))
    else:
        built = sa.create_engine(settings.database_url)
    plain = sa.MetaData()
    for table in (dashboard_matches, dashboard_match_days):
        table.to_metadata(plain)  # its indexes named as a copy
    plain.create_all(built)
    try:
        yield built
    finally:
        built.dispose()


def _waits(rng: random.Random, count: int) -> list[timedelta]:
    """Waits with ties, whole days, and a microsecond either side of each bound."""
    bounds = [low for low, _ in MATCH_BUCKETS] + [high for _, high in MATCH_BUCKETS if high]
    waits = []
    for _ in range(count):
        kind = rng.random()
        if kind < 0.3:
            day = timedelta(days=rng.choice(bounds))
            waits.append(day + timedelta(microseconds=rng.choice([-1, 0, 1])))
        elif kind < 0.5:
            waits.append(timedelta(days=rng.randint(0, 120)))
        else:
            waits.append(timedelta(microseconds=rng.randint(0, 120 * 86_400_000_000)))
    return [w if w >= timedelta(0) else timedelta(0) for w in waits]


def _store(engine: sa.Engine, rows: list[dict[str, object]]) -> None:
    """Write the matches as the view's handler writes them."""
    entries, days = [], Counter[tuple[object, ...]]()
    for r in rows:
        entry, keys = match_entries(**r)  # type: ignore[arg-type]
        entries.append(entry)
        days.update(tuple(k.values()) for k in keys)
    if entries:
        with engine.begin() as conn:
            conn.execute(dashboard_matches.insert(), entries)
            conn.execute(
                dashboard_match_days.insert(),
                [
                    {
                        **dict(
                            zip(("fiscal_year", "center_code", "area_code", "day"), k, strict=True)
                        ),
                        "count": n,
                    }
                    for k, n in days.items()
                ],
            )


def _python(rows: list[dict[str, object]], where: DashboardFilter) -> MatchTime:
    """The definition the dashboard had: every wait read out, reckoned in Python."""
    period = where.period()
    days = sorted(
        (r["matched_at"] - r["raised_at"]).total_seconds() / 86400  # type: ignore[operator]
        for r in rows
        if (where.center_code is None or r["center_code"] == where.center_code)
        and (where.area_code is None or r["area_code"] == where.area_code)
        and (period is None or period[0] <= r["matched_at"] < period[1])  # type: ignore[operator]
    )
    buckets = tuple(
        sum(1 for d in days if d >= low and (high is None or d < high))
        for low, high in MATCH_BUCKETS
    )
    return MatchTime(len(days), median_days(days), buckets)


FILTERS = [
    DashboardFilter(),
    DashboardFilter(center_code="c-north"),
    DashboardFilter(area_code="east"),
    DashboardFilter(area_code="south"),
    DashboardFilter(fiscal_year=2026),
    DashboardFilter(center_code="c-north", area_code="north", fiscal_year=2025),
    DashboardFilter(area_code="nowhere"),
]


@pytest.mark.parametrize("count", [0, 1, 2, 7, 8, 61, 200])
def test_the_median_count_and_histogram_are_the_python_definitions(
    engine: sa.Engine, count: int
) -> None:
    rng = random.Random(count)
    start = datetime(2025, 3, 1, tzinfo=UTC)
    rows = []
    for position, wait in enumerate(_waits(rng, count), start=1):
        raised = start + timedelta(microseconds=rng.randint(0, 700 * 86_400_000_000))
        center, area = rng.choice(PLACES)
        rows.append(
            {
                "position": position,
                "need_id": uuid4(),
                "center_code": center,
                "area_code": area,
                "raised_at": raised,
                "matched_at": raised + wait,
            }
        )
    _store(engine, rows)
    view = SqlDashboard(engine)
    for where in FILTERS:
        assert view.match_time(where) == _python(rows, where), where


def test_an_even_count_takes_the_mean_of_the_two_middle_waits(engine: sa.Engine) -> None:
    raised = datetime(2026, 5, 1, tzinfo=UTC)
    _store(
        engine,
        [
            {
                "position": i,
                "need_id": uuid4(),
                "center_code": "c",
                "area_code": "a",
                "raised_at": raised,
                "matched_at": raised + timedelta(days=days),
            }
            for i, days in enumerate([30, 1, 2, 40], start=1)
        ],
    )
    summary = SqlDashboard(engine).match_time(DashboardFilter())
    assert summary == MatchTime(4, 16.0, (2, 0, 0, 2, 0, 0))
