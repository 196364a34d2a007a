"""Fixtures shared by every test layer.

Tests that touch a database take the ``settings`` fixture, parametrized over
SQLite and, when ``TSUNAGU_TEST_POSTGRES_URL`` is set, PostgreSQL (each test
in a schema of its own, dropped afterwards). An unreachable PostgreSQL fails
those tests; it never skips them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any
from uuid import uuid4

import psycopg
import pytest

from interfaces.bootstrap import Container, Settings, bootstrap

POSTGRES_URL = os.environ.get("TSUNAGU_TEST_POSTGRES_URL", "").strip()
BACKENDS = ["sqlite", *(["postgres"] if POSTGRES_URL else [])]


def _drop_schema(schema: str) -> None:
    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture(autouse=True, scope="session")
def _instance_outside_the_source_tree(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Commands and apps built from the environment keep their instance folder (default
    database, generated keys) in a temporary folder, never in the project's instance/."""
    before = os.environ.get("TSUNAGU_INSTANCE_PATH")
    os.environ["TSUNAGU_INSTANCE_PATH"] = str(tmp_path_factory.mktemp("instance"))
    yield
    if before is None:
        os.environ.pop("TSUNAGU_INSTANCE_PATH", None)
    else:
        os.environ["TSUNAGU_INSTANCE_PATH"] = before


@pytest.fixture(params=BACKENDS)
def settings(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Settings]:
    """Settings for a fresh, empty database on each backend."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("db") / "tsunagu.sqlite3"
        yield Settings(
            database_url=f"sqlite:///{path}", secret_key="test", demo=False, fast_passwords=True
        )
        return
    schema = f"test_{uuid4().hex[:16]}"
    try:
        yield Settings(
            database_url=POSTGRES_URL,
            db_schema=schema,
            secret_key="test",
            demo=False,
            fast_passwords=True,
        )
    finally:
        _drop_schema(schema)


@pytest.fixture
def memory_settings() -> Settings:
    """Events in RAM, views in an in-memory SQLite: for application tests."""
    return Settings(database_url="memory://", secret_key="test", demo=False, fast_passwords=True)


@pytest.fixture
def container(settings: Settings) -> Iterator[Container]:
    built = bootstrap(settings)
    try:
        yield built
    finally:
        built.close()


@pytest.fixture
def memory_container(memory_settings: Settings) -> Iterator[Container]:
    built = bootstrap(memory_settings)
    try:
        yield built
    finally:
        built.close()


@contextmanager
def another_process(container: Container, **settings: Any) -> Iterator[Container]:
    """The same database opened by another process (or by this one restarted), its
    settings changed by ``settings``."""
    built = bootstrap(replace(container.settings, **settings))
    try:
        yield built
    finally:
        built.close()
