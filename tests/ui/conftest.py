"""Fixtures of the screen tests: one app per backend with the builders' town."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import BACKENDS
from tests.e2e.support import Api, running_api


@pytest.fixture(scope="session", params=BACKENDS)
def ui(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    """The app shared by the screen tests of one backend (each test makes its own data)."""
    with running_api(request.param, tmp_path_factory.mktemp("ui-shared")) as running:
        yield running


@pytest.fixture
def fresh_ui(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Api]:
    """An app of this test's own, on SQLite (for tests that count everything)."""
    with running_api("sqlite", tmp_path_factory.mktemp("ui-fresh")) as running:
        yield running
