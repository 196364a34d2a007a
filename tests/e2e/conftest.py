"""Fixtures of the end-to-end tests: a running app per backend and tokens per role.

Bootstrapping an app and its town costs about a second on PostgreSQL, so most
tests share one app per backend (``api``, session-scoped). They never depend
on what other tests wrote: each makes its own clients, needs and resources,
and tests that count or filter work in a district of their own
(``support.new_district``). Tests that must start from an empty log or that
may leave the app unusable take ``fresh_api``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import BACKENDS
from tests.e2e.support import ROLES, Api, running_api


@pytest.fixture(scope="session", params=BACKENDS)
def api(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    """The app shared by the tests of one backend."""
    with running_api(request.param, tmp_path_factory.mktemp("e2e-shared")) as running:
        yield running


@pytest.fixture(params=BACKENDS)
def fresh_api(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Api]:
    """An app of this test's own."""
    with running_api(request.param, tmp_path_factory.mktemp("e2e-fresh")) as running:
        yield running


@pytest.fixture
def tokens(api: Api) -> dict[str, str]:
    """A bearer token per role, from ``POST /api/v1/auth/token``."""
    return {role: api.token(role) for role in ROLES}
