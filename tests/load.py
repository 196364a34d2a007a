"""People working at once, shared by the tests that load the system
(integration/test_chaos.py, integration/test_concurrent_users.py) and by
``bench.chaos``: need lifecycles driven from threads, and every row of every
view, to compare with a clean rebuild."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from interfaces.bootstrap import Container
from tests.e2e.support import Api, new_client, new_resource

STEPS = [
    ("assign", {"coordinator": "sc"}, "coordinator"),
    ("propose", {"reason": "近い"}, "coordinator"),
    ("confirm", {"start_date": "2026-12-01"}, "coordinator"),
    ("follow-up", {"note": "順調", "progress": "on_track"}, "care_manager"),
    ("close", {"outcome": "goal_achieved", "reason": "自立"}, "care_manager"),
]
REQUESTS_PER_LIFECYCLE = 1 + len(STEPS)


def lifecycle(api: Api, client_id: str, resource_id: str, statuses: list[int]) -> None:
    """Raise a need and take it to its close, as a care manager and a coordinator do;
    every answer's status goes to ``statuses``, and any but a success stops it."""
    browser = api.app.test_client()

    def send(path: str, body: Any, who: str, version: int | None = None) -> dict[str, Any]:
        response = api.post(path, body, who, if_match=version, client=browser)
        statuses.append(response.status_code)
        assert response.status_code < 300, response.get_data(as_text=True)
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
    for action, body, who in STEPS:
        if action == "propose":
            body = {**body, "resource_id": resource_id}
        need = send(f"/needs/{need['id']}/{action}", body, who, need["version"])


def work_at_once(
    api: Api, users: int, lifecycles: int, meanwhile: Callable[[], None] = lambda: None
) -> tuple[list[int], list[BaseException]]:
    """``users`` threads each take ``lifecycles`` needs of one client to their close
    while this thread runs ``meanwhile``; returns every status answered and the
    errors the threads met."""
    resource = new_resource(api, capacity=None, categories=["shopping"], area_codes=["north"])
    client = new_client(api, area_code="north", center_code="c-north")
    statuses: list[int] = []
    errors: list[BaseException] = []

    def user() -> None:
        try:
            for _ in range(lifecycles):
                lifecycle(api, client["id"], resource["id"], statuses)
        except BaseException as error:  # reported by the caller, with the others
            errors.append(error)

    threads = [threading.Thread(target=user) for _ in range(users)]
    for thread in threads:
        thread.start()
    try:
        meanwhile()
    finally:
        for thread in threads:
            thread.join()
    return statuses, errors


def views(container: Container) -> dict[str, list[list[tuple[Any, ...]]]]:
    """Every row of every serving view, by view and table, in a stable order."""
    projections = container.projections
    dump: dict[str, list[list[tuple[Any, ...]]]] = {}
    with projections.reader.connect() as conn:
        for name in projections.names:
            serving = projections.serving(name)
            assert serving is not None
            tables = projections.bound(name, serving.generation).physical_tables
            dump[name] = [
                sorted((tuple(row) for row in conn.execute(sa.select(table))), key=repr)
                for table in tables
            ]
    return dump
