"""Read paths over a generated municipality, through the whole HTTP stack.

The Flask app of ``interfaces/web`` with its test client (no network): the API
with a bearer token per role, the screens with a signed-in session. Each
request is repeated; p50 and p95 of the wall time per endpoint.
"""

from __future__ import annotations

import re
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from bench.scale.generator import PASSWORD
from interfaces.bootstrap import Container
from interfaces.web import create_app

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')

TARGETS_MS = {
    "board": 30.0,
    "dashboard": 50.0,
    "statistics": 50.0,
    "logic-model": 300.0,
    "need page": 30.0,
}
"""The issue's p95 targets by group (the first word(s) of an endpoint's label)."""


@dataclass(frozen=True)
class Timing:
    label: str
    group: str
    p50_ms: float
    p95_ms: float
    requests: int

    @property
    def target_ms(self) -> float | None:
        return TARGETS_MS.get(self.group)

    @property
    def verdict(self) -> str:
        if self.target_ms is None:
            return ""
        return "ok" if self.p95_ms <= self.target_ms else "MISSED"


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[index]


def _fiscal_year(now: datetime) -> int:
    return now.year if now.month >= 4 else now.year - 1


class Session:
    """A signed-in screen session (cookie jar and CSRF token)."""

    def __init__(self, app: Any, username: str) -> None:
        self.client = app.test_client()
        page = self.client.get("/sign-in").get_data(as_text=True)
        token = CSRF.search(page)
        data = {"username": username, "password": PASSWORD}
        if token:
            data["csrf_token"] = token.group(1)
        response = self.client.post("/sign-in", data=data)
        if response.status_code not in (302, 303):
            raise RuntimeError(f"sign-in as {username} answered {response.status_code}")


def measure(
    built: Container,
    ids: dict[str, list[UUID]],
    repeats: int,
    say: Callable[[str], None],
) -> list[Timing]:
    """Every read path ``repeats`` times (after one untimed warm-up each)."""
    app = create_app(container=built)
    api = app.test_client()

    def token(username: str) -> dict[str, str]:
        answer = api.post("/api/v1/auth/token", json={"username": username, "password": PASSWORD})
        if answer.status_code != 200:
            raise RuntimeError(f"token for {username}: {answer.status_code}")
        return {"Authorization": f"Bearer {answer.get_json()['token']}"}

    coordinator = token("sc-1")
    supervisor = token("scale-supervisor")
    screens = Session(app, "sc-1")
    year = _fiscal_year(datetime.now(UTC))
    first = api.get("/api/v1/needs", headers=coordinator, query_string={"per_page": 50})
    total = first.get_json()["total"]
    deep = max(1, -(-total // 50))
    resources = api.get("/api/v1/resources", headers=coordinator).get_json()["total"]
    if ids.get("need") and ids.get("client"):
        need_id, client_id = (
            ids["need"][len(ids["need"]) // 2],
            ids["client"][len(ids["client"]) // 2],
        )
    else:  # a database generated earlier: a need from the board, and its client
        need_id = UUID(first.get_json()["items"][0]["id"])
        need = api.get(f"/api/v1/needs/{need_id}", headers=coordinator).get_json()
        client_id = UUID(need["client_id"])

    def get(headers: dict[str, str], path: str, **query: Any) -> Callable[[], int]:
        return lambda: api.get(path, headers=headers, query_string=query or None).status_code

    def screen(path: str, **query: Any) -> Callable[[], int]:
        return lambda: screens.client.get(path, query_string=query).status_code

    # The last page reached as a client pages through the board: by the cursor of the
    # page before it (its `next` link), which reads a range of the order's index.
    before_last = api.get(
        "/api/v1/needs", headers=coordinator, query_string={"page": max(1, deep - 1)}
    ).get_json()
    last_by_cursor = before_last.get("next") or "/api/v1/needs"

    co, su = coordinator, supervisor
    paths: list[tuple[str, str, Callable[[], int]]] = [
        # The floor of an authenticated API request (token, routing, JSON), same run.
        ("baseline", "baseline: GET /api/v1/areas", get(co, "/api/v1/areas")),
        ("board", "board: first page", get(co, "/api/v1/needs")),
        ("board", f"board: deep page ({deep})", get(co, "/api/v1/needs", page=deep)),
        ("board", f"board: deep page ({deep}) by cursor", get(co, last_by_cursor)),
        ("board", "board: status=matching", get(co, "/api/v1/needs", status="matching")),
        ("board", "board: area+category", get(co, "/api/v1/needs", area="a01", category="meals")),
        ("board", "board: assignee=sc-2", get(co, "/api/v1/needs", assignee="sc-2")),
        (
            "board",
            "board: urgency=high, paused",
            get(co, "/api/v1/needs", urgency="high", paused="true"),
        ),
        (
            "board",
            "board: center, deep page",
            get(co, "/api/v1/needs", center="c01", page=max(1, deep // 8)),
        ),
        ("board", "board screen /needs", screen("/needs")),
        ("dashboard", "dashboard: all", get(su, "/api/v1/dashboard")),
        ("dashboard", "dashboard: center=c01", get(su, "/api/v1/dashboard", center="c01")),
        ("dashboard", "dashboard: area=a01", get(su, "/api/v1/dashboard", area="a01")),
        (
            "statistics",
            f"statistics: fiscal_year={year}",
            get(su, "/api/v1/dashboard", fiscal_year=year),
        ),
        ("statistics", "statistics screen /dashboard", screen("/dashboard")),
        (
            "logic-model",
            f"logic-model: {year}",
            get(su, "/api/v1/reports/logic-model", fiscal_year=year),
        ),
        (
            "logic-model",
            f"logic-model: {year - 2}, area",
            get(su, "/api/v1/reports/logic-model", fiscal_year=year - 2, area="a01"),
        ),
        ("logic-model", "logic-model screen", screen("/reports/logic-model")),
        ("need page", "need page: API", get(co, f"/api/v1/needs/{need_id}")),
        ("need page", "need page: screen", screen(f"/needs/{need_id}")),
        ("resources", "resources: first page", get(co, "/api/v1/resources")),
        (
            "resources",
            "resources: last page",
            get(co, "/api/v1/resources", page=max(1, -(-resources // 50))),
        ),
        ("client page", "client page: API", get(co, f"/api/v1/clients/{client_id}")),
        ("client page", "client page: screen", screen(f"/clients/{client_id}")),
    ]
    timings = []
    for group, label, call in paths:
        status = call()  # warm-up; also proves the path answers
        if status != 200:
            say(f"  {label}: HTTP {status}, not timed")
            continue
        laps = []
        for _ in range(repeats):
            started = time.perf_counter()
            call()
            laps.append((time.perf_counter() - started) * 1000)
        timing = Timing(label, group, statistics.median(laps), _percentile(laps, 0.95), len(laps))
        say(f"  {label}: p50 {timing.p50_ms:.1f} ms, p95 {timing.p95_ms:.1f} ms {timing.verdict}")
        timings.append(timing)
    return timings
