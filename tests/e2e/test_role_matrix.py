"""The role matrix of the issue as one table: every endpoint x the five roles.

Allowed roles must get past authentication and the permission check (any
status but 401 and 403: the request may still be refused for its content or
the aggregate's state); every other role gets 403. The expected roles come
from the issue's endpoint table (``support.EXPECTED_ROLES``), not from the
application's own permission table.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from interfaces.web.api.framework import OPERATIONS
from tests.conftest import BACKENDS
from tests.e2e.support import (
    API,
    EXPECTED_ROLES,
    OPEN_ROUTES,
    ROLES,
    Api,
    aggregate_path,
    assert_problem,
    running_api,
    seed,
    template,
    url_for_template,
    valid_body,
)

# Queries that make list endpoints do real work (filters, paging, waiting).
QUERIES = {
    "/needs": {"status": "raised", "page": 1, "per_page": 5, "min_position": 1},
    "/resources": {"category": "exercise", "area": "north", "status": "active"},
    "/audit/events": {"after": 0, "limit": 5},
    "/dashboard": {"min_position": 1},
    "/reports/logic-model": {"fiscal_year": 2026},
}

CASES = [
    (method, path, role, role in allowed)
    for (method, path), allowed in EXPECTED_ROLES.items()
    for role in ROLES
]


class Seeded:
    def __init__(self, api: Api) -> None:
        self.api = api
        self.ids = seed(api)


@pytest.fixture(scope="module", params=BACKENDS)
def seeded(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Seeded]:
    """An app of this module's own, with one of each aggregate at c-north."""
    with running_api(request.param, tmp_path_factory.mktemp("e2e-matrix")) as api:
        yield Seeded(api)


@pytest.mark.parametrize(
    ("method", "path", "role", "allowed"),
    CASES,
    ids=[f"{m} {p} as {r}" for m, p, r, _ in CASES],
)
def test_role_may_call_endpoint_only_as_the_issue_says(
    seeded: Seeded, method: str, path: str, role: str, allowed: bool
) -> None:
    api, ids = seeded.api, seeded.ids
    url = url_for_template(path, ids)
    if not url.startswith(("/healthz", "/readyz")):
        url = API + url
    if method == "GET":
        response = api.client.get(url, headers=api.headers(role), query_string=QUERIES.get(path))
    else:
        target = aggregate_path(path, ids)
        version = api.etag(target) if target else None
        response = api.client.post(
            url, json=valid_body(method, path, ids), headers=api.headers(role, if_match=version)
        )
    if allowed:
        assert response.status_code not in (401, 403), response.get_data(as_text=True)
    else:
        assert_problem(response, 403)


def test_matrix_names_every_operation_and_nothing_else() -> None:
    operations = {(op.method, template(op.rule)) for op in OPERATIONS}
    assert operations | OPEN_ROUTES == set(EXPECTED_ROLES)


def test_open_routes_need_no_token(seeded: Seeded) -> None:
    api = seeded.api
    for method, path in sorted(OPEN_ROUTES):
        url = path if path.startswith(("/healthz", "/readyz")) else API + path
        response = api.client.open(url, method=method, json=valid_body(method, path, seeded.ids))
        assert response.status_code == 200, (path, response.get_data(as_text=True))
