"""Several people working at once on the default embedded database (SQLite, views
updated in each request) get answers, not server errors — and the views end up
exactly as a clean rebuild makes them (bounded: a few seconds).

Throughput and latency are measured by ``make bench`` / ``make chaos``, not here.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import BACKENDS
from tests.e2e.support import Api, running_api
from tests.load import REQUESTS_PER_LIFECYCLE, work_at_once

USERS = 8
LIFECYCLES = 3


@pytest.fixture(params=BACKENDS)
def api(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Api]:
    with running_api(request.param, tmp_path) as running:
        running.token("care_manager")
        running.token("coordinator")
        yield running


def test_users_working_at_once_get_no_server_errors_and_consistent_views(api: Api) -> None:
    statuses, errors = work_at_once(api, USERS, LIFECYCLES)

    assert errors == []
    assert len(statuses) == USERS * LIFECYCLES * REQUESTS_PER_LIFECYCLE
    assert {s for s in statuses if s >= 300} == set()
    projections = api.container.projections
    assert {s.lag for s in projections.status()} == {0}
    board = api.get("/needs", "coordinator", {"per_page": 200}).get_json()
    for name in projections.names:
        projections.rebuild(name)
    assert api.get("/needs", "coordinator", {"per_page": 200}).get_json()["items"] == board["items"]
