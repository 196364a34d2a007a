"""Several people working at once on the default embedded database (SQLite, views
updated in each request) get answers, not server errors — and the views end up
exactly as a clean rebuild makes them (bounded: a few seconds).

Throughput and latency are measured by ``make bench`` / ``make chaos``, not here.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import BACKENDS
from tests.e2e.support import Api, new_resource, running_api

USERS = 8
LIFECYCLES = 3


@pytest.fixture(params=BACKENDS)
def api(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Api]:
    with running_api(request.param, tmp_path) as running:
        running.token("care_manager")
        running.token("coordinator")
        yield running


def _lifecycle(api: Api, client_id: str, resource_id: str, statuses: list[int]) -> None:
    """Raise a need and take it to its close, as a care manager and a coordinator do."""
    browser = api.app.test_client()

    def send(path: str, body: Any, who: str, version: int | None = None) -> dict[str, Any]:
        response = api.post(path, body, who, if_match=version, client=browser)
        statuses.append(response.status_code)
        assert response.status_code < 500, response.get_data(as_text=True)
        data: dict[str, Any] = response.get_json()
        return data

    need = send(
        "/needs",
        {
            "client_id": client_id,
            "category": "shopping",
            "description": "膝が痛く買い物に行けない",
            "goal": "自分で選んだ食材で料理する",
            "urgency": "normal",
        },
        "care_manager",
    )
    steps = [
        ("assign", {"coordinator": "sc"}, "coordinator"),
        ("propose", {"resource_id": resource_id, "reason": "近い"}, "coordinator"),
        ("confirm", {"start_date": "2026-12-01"}, "coordinator"),
        ("follow-up", {"note": "順調", "progress": "on_track"}, "care_manager"),
        ("close", {"outcome": "goal_achieved", "reason": "自立"}, "care_manager"),
    ]
    for action, body, who in steps:
        need = send(f"/needs/{need['id']}/{action}", body, who, need["version"])


def test_users_working_at_once_get_no_server_errors_and_consistent_views(api: Api) -> None:
    resource = new_resource(api, capacity=None, categories=["shopping"], area_codes=["north"])
    client = api.post(
        "/clients",
        {
            "name": "並行 花子",
            "name_kana": "ヘイコウ ハナコ",
            "birth_date": "1940-01-01",
            "care_level": "support_1",
            "area_code": "north",
            "center_code": "c-north",
        },
        "care_manager",
    ).get_json()
    statuses: list[int] = []
    errors: list[BaseException] = []

    def user() -> None:
        try:
            for _ in range(LIFECYCLES):
                _lifecycle(api, client["id"], resource["id"], statuses)
        except BaseException as error:  # reported below, with the others
            errors.append(error)

    threads = [threading.Thread(target=user) for _ in range(USERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert len(statuses) == USERS * LIFECYCLES * 6
    assert {s for s in statuses if s >= 300} == set()
    projections = api.container.projections
    assert {s.lag for s in projections.status()} == {0}
    board = api.get("/needs", "coordinator", {"per_page": 200}).get_json()
    for name in projections.names:
        projections.rebuild(name)
    assert api.get("/needs", "coordinator", {"per_page": 200}).get_json()["items"] == board["items"]
