"""``python -m bench.aggregates``: the dashboard's time to match and the logic-model
report, summed up in SQL, at several sizes, against reading their rows out.

For each ``--needs`` size, synthetic view rows (one confirmed match and about five
logic-model facts per need, over three fiscal years and ten areas) are written straight
into the view tables of a fresh database: a temporary SQLite file, or a schema of its
own on PostgreSQL with ``--postgres-url`` (dropped afterwards). Then, best of
``--rounds``: the time to match (all, and one fiscal year and area) against the raw
read of the same matches (what the dashboard did before), and the fiscal year's
report (all areas, and one) against the raw read of that year's facts. Ratios below
1 mean the summary costs less than reading its rows; flat milliseconds across sizes
mean it stays so at scale.
"""

from __future__ import annotations

import argparse
import os
import random
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from application.oversight import DashboardFilter
from domain.calendar import JST
from infrastructure.views.dashboard import (
    SqlDashboard,
    dashboard_match_days,
    dashboard_matches,
    match_entries,
)
from infrastructure.views.logic_model import SqlLogicModel, lm_facts, lm_places, lm_states

AREAS = [f"a{i}" for i in range(10)]
YEAR = 2025


@contextmanager
def _engine(postgres_url: str | None, folder: str) -> Iterator[sa.Engine]:
    if not postgres_url:
        engine = sa.create_engine(f"sqlite:///{Path(folder) / 'aggregates.sqlite3'}")
        yield engine
        engine.dispose()
        return
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    url = postgres_url.replace("postgresql://", "postgresql+psycopg://", 1)
    admin = sa.create_engine(url)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    engine = sa.create_engine(url, connect_args={"options": f"-csearch_path={schema}"})
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


def _fill(engine: sa.Engine, needs: int) -> None:
    """The view rows of ``needs`` needs, each raised, proposed, matched and closed."""
    for table in (dashboard_matches, dashboard_match_days, lm_facts, lm_places, lm_states):
        table.to_metadata(sa.MetaData()).create(engine)  # with its indexes, as a generation
    rng = random.Random(needs)
    start = datetime(2024, 4, 1, tzinfo=UTC)
    matches: list[dict[str, Any]] = []
    days: Counter[tuple[Any, ...]] = Counter()
    facts: list[dict[str, Any]] = []
    places: list[dict[str, Any]] = []
    states: list[dict[str, Any]] = []
    position = 0
    for _ in range(max(needs // 50, 5)):  # organizations and the resources they run
        for kind in ("organization", "resource", "resource"):
            position += 1
            subject = uuid.uuid4()
            places.append(
                {"id": subject, "kind": kind, "area_codes": rng.sample(AREAS, 2), "tier": None}
            )
            state = "registered" if kind == "organization" else "active"
            states.append(
                {
                    "position": position,
                    "subject_id": subject,
                    "kind": kind,
                    "on": date(2024, 5, 1),
                    "state": state,
                }
            )

    def fact(metric: str, moment: datetime, area: str, subject: object, value: Any = None) -> None:
        nonlocal position
        position += 1
        day = moment.astimezone(JST).date()
        facts.append(
            {
                "position": position,
                "seq": 0,
                "fiscal_year": day.year if day.month >= 4 else day.year - 1,
                "area_code": area,
                "metric": metric,
                "subject": str(subject),
                "value": value,
                "value2": None if value is None or metric != "assessment" else value,
            }
        )

    coordinators = [uuid.uuid4() for _ in range(20)]
    for _ in range(needs):
        need, client, area = uuid.uuid4(), uuid.uuid4(), rng.choice(AREAS)
        raised = start + timedelta(seconds=rng.randint(0, 3 * 365 * 86400))
        matched = raised + timedelta(seconds=rng.randint(0, 100 * 86400))
        fact("raised", raised, area, client)
        fact("coordinator", raised, area, rng.choice(coordinators))
        fact("proposal", raised, area, need)
        fact("match_confirmed", matched, area, need, (matched - raised).total_seconds() / 86400)
        entry, keys = match_entries(position, need, f"c-{area}", area, raised, matched)
        matches.append(entry)
        days.update(tuple(k.items()) for k in keys)
        fact(rng.choice(["goal_achieved", "closed_other"]), matched, area, need)
        if rng.random() < 0.3:
            fact("assessment", matched, area, client, float(rng.randint(0, 7)))
    with engine.begin() as conn:
        for table, rows in (
            (dashboard_matches, matches),
            (dashboard_match_days, [{**dict(k), "count": n} for k, n in days.items()]),
            (lm_facts, facts),
            (lm_places, places),
            (lm_states, states),
        ):
            for first in range(0, len(rows), 5000):
                conn.execute(table.insert(), rows[first : first + 5000])


def _best(rounds: int, work: Callable[[], object]) -> float:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        work()
        times.append((time.perf_counter() - started) * 1000)
    return min(times)


def _rows(engine: sa.Engine, query: Any) -> Callable[[], object]:
    def read() -> object:
        with engine.connect() as conn:
            return conn.execute(query).all()

    return read


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.aggregates", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--needs", type=int, nargs="+", default=[5_000, 50_000])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--postgres-url", default=os.environ.get("BENCH_POSTGRES_URL"))
    args = parser.parse_args(argv)
    print(f"load: {os.getloadavg()[0]:.2f} (1 min)")
    for needs in args.needs:
        with tempfile.TemporaryDirectory() as folder, _engine(args.postgres_url, folder) as engine:
            print(f"{needs:,} needs: writing the view rows ...", flush=True)
            _fill(engine, needs)
            dashboard, report = SqlDashboard(engine), SqlLogicModel(engine)
            m, f = dashboard_matches.c, lm_facts.c
            chosen = DashboardFilter(area_code="a3", fiscal_year=YEAR)
            period = chosen.period()
            assert period is not None
            pairs = [
                (
                    "time to match, all",
                    partial(dashboard.match_time, DashboardFilter()),
                    _rows(engine, sa.select(m.raised_at, m.matched_at)),
                ),
                (
                    f"time to match, FY{YEAR} a3",
                    partial(dashboard.match_time, chosen),
                    _rows(
                        engine,
                        sa.select(m.raised_at, m.matched_at).where(
                            m.area_code == "a3", m.matched_at >= period[0], m.matched_at < period[1]
                        ),
                    ),
                ),
                (
                    f"logic model FY{YEAR}, all",
                    partial(report.report, YEAR, None),
                    _rows(engine, sa.select(lm_facts).where(f.fiscal_year == YEAR)),
                ),
                (
                    f"logic model FY{YEAR}, a3",
                    partial(report.report, YEAR, "a3"),
                    _rows(engine, sa.select(lm_facts).where(f.fiscal_year == YEAR)),
                ),
            ]
            for label, summary, raw in pairs:
                summed, read = _best(args.rounds, summary), _best(args.rounds, raw)
                print(
                    f"  {engine.dialect.name:10} {label:28} {summed:8.1f} ms"
                    f"  (reading its rows: {read:8.1f} ms, ratio {summed / read:.2f})",
                    flush=True,
                )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
