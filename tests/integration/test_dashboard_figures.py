"""Every filter of the dashboard, and the case board's totals and tabs, count what the
needs' own histories say.

A small generated municipality (every state, closes, reopens and matches over two
fiscal years) on both backends: for the whole municipality, each fiscal year, each
area, each center and an area within a year, the dashboard's status counts, open and
unmet needs per area and category, outcomes and time to match equal the figures
computed here from the Need aggregates and their events, read through the
repository — not from any view.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from application.board import NeedFilter
from application.common import JST
from application.oversight import (
    MATCH_BUCKETS,
    OPEN_STATUSES,
    UNMET_STATUSES,
    MatchTime,
    median_days,
)
from bench.scale import generate, rebuild_views
from domain.need import Need
from domain.values import NeedStatus
from interfaces.bootstrap import Container


@dataclass(frozen=True)
class _Need:
    center: str
    area: str
    category: str
    status: str
    outcome: str | None
    raised_at: datetime
    matched_at: tuple[datetime, ...]


def _fiscal_year(moment: datetime) -> int:
    day = moment.astimezone(JST)
    return day.year if day.month >= 4 else day.year - 1


def _generated(container: Container) -> list[_Need]:
    """A small town's history over two years, its views rebuilt; its needs."""
    generate(container, 150, years=2, batch_events=300, quiet=True)
    rebuild_views(container, quiet=True)
    return _needs(container)


def _needs(container: Container) -> list[_Need]:
    """Every need, from its aggregate and its events."""
    store = container.store
    ids: set[UUID] = set()
    position = 0
    while batch := store.recorder.select_notifications(start=position + 1, limit=500):
        ids.update(n.originator_id for n in batch if n.topic.endswith("Need.Raised"))
        position = batch[-1].id
    needs = []
    for need_id in ids:
        need = store.get(need_id)
        assert isinstance(need, Need)
        events = list(store.events.get(need_id))
        needs.append(
            _Need(
                center=need.center_code,
                area=need.area_code,
                category=need.category.value,
                status=need.status.value,
                outcome=need.outcome.value if need.outcome else None,
                raised_at=events[0].timestamp,
                matched_at=tuple(e.timestamp for e in events if isinstance(e, Need.MatchConfirmed)),
            )
        )
    return needs


def _expected(needs: list[_Need], where: dict[str, Any]) -> dict[str, Any]:
    def placed(n: _Need) -> bool:
        return where.get("center_code") in (None, n.center) and where.get("area_code") in (
            None,
            n.area,
        )

    year = where.get("fiscal_year")
    chosen = [n for n in needs if placed(n) and year in (None, _fiscal_year(n.raised_at))]
    days = sorted(
        (m - n.raised_at).total_seconds() / 86400
        for n in needs
        if placed(n)
        for m in n.matched_at
        if year in (None, _fiscal_year(m))
    )

    def cells(statuses: frozenset[str]) -> dict[tuple[str, str], int]:
        return dict(Counter((n.area, n.category) for n in chosen if n.status in statuses))

    return {
        "totals": dict(Counter(n.status for n in chosen)),
        "by_center": Counter(n.center for n in chosen),
        "unmet": cells(UNMET_STATUSES),
        "open": cells(OPEN_STATUSES),
        "outcomes": dict(Counter(n.outcome for n in chosen if n.status == "closed" and n.outcome)),
        "match_time": MatchTime(
            len(days),
            median_days(days),
            tuple(
                sum(1 for d in days if d >= low and (high is None or d < high))
                for low, high in MATCH_BUCKETS
            ),
        ),
    }


def test_every_filter_counts_what_the_needs_histories_say(container: Container) -> None:
    needs = _generated(container)
    services = container.services
    actor = services.accounts.actor_for_username("scale-supervisor")
    years = sorted({_fiscal_year(n.raised_at) for n in needs})
    area = Counter(n.area for n in needs).most_common(1)[0][0]
    filters: list[dict[str, Any]] = [
        {},
        *({"fiscal_year": y} for y in years),
        *({"area_code": a} for a in sorted({n.area for n in needs})),
        *({"center_code": c} for c in sorted({n.center for n in needs})),
        {"area_code": area, "fiscal_year": years[-1]},
    ]
    assert sum(1 for n in needs if n.matched_at) > 10  # the histories have matches to time
    assert any(n.outcome for n in needs)
    for where in filters:
        shown = services.oversight.dashboard(actor, **where)
        expected = _expected(needs, where)
        assert shown.totals == expected["totals"], where
        assert {c: sum(s.values()) for c, s in shown.by_center.items()} == expected["by_center"], (
            where
        )
        assert shown.unmet == expected["unmet"], where
        assert shown.by_area_category == expected["open"], where
        assert shown.outcomes == expected["outcomes"], where
        assert shown.match_time == expected["match_time"], where


def test_the_boards_totals_and_tabs_count_what_the_needs_histories_say(
    container: Container,
) -> None:
    """The whole board's counts are kept per status; filtered ones count rows: both
    agree with the needs."""
    needs = _generated(container)
    board = container.services.board
    coordinator = container.services.accounts.actor_for_username("scale-supervisor")
    by_status = Counter(n.status for n in needs)
    area = needs[0].area
    cases: list[tuple[NeedFilter, list[_Need]]] = [
        (NeedFilter(), needs),
        (NeedFilter(open_only=True), [n for n in needs if n.status != "closed"]),
        (NeedFilter(status=NeedStatus.MATCHED), [n for n in needs if n.status == "matched"]),
        (NeedFilter(area_code=area), [n for n in needs if n.area == area]),
    ]
    for filters, chosen in cases:
        shown = board.board(filters, coordinator, counts=True)
        assert shown.total == len(chosen), filters
        tabs = Counter(
            n.status for n in needs if filters.area_code in (None, n.area)
        )  # the tabs ignore the status part of the filter
        assert {s.value: c for s, c in shown.status_counts.items()} == dict(tabs), filters
    assert sum(by_status.values()) == len(needs)
