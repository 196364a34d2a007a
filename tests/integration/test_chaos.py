"""Chaos, bounded: people work while the projection worker is killed and started
again, several times. Afterwards every view equals a clean rebuild of the log
(nothing lost, nothing applied twice) and no request got a server error.

The longer version (database restarts, web worker kills, minutes of load) is
``make chaos``; its figures are in docs/reliability.md.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from secrets import token_hex
from typing import Any
from uuid import uuid4

import pytest

from interfaces.bootstrap import Container, Settings, bootstrap
from interfaces.web import create_app
from tests.builders import make_town
from tests.conftest import BACKENDS, POSTGRES_URL, _drop_schema
from tests.e2e.support import Api
from tests.load import REQUESTS_PER_LIFECYCLE, views, work_at_once

USERS = 4
LIFECYCLES = 2
KILLS = 3


@pytest.fixture(params=BACKENDS)
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Settings]:
    common: dict[str, Any] = {
        "secret_key": "test",
        "fast_passwords": True,
        "inline_projections": False,  # the worker alone keeps the views
        # the worker process must open what this one seals, and sign with the same key
        "master_key": token_hex(32),
        "ledger_key": token_hex(32),
    }
    if request.param == "sqlite":
        yield Settings(database_url=f"sqlite:///{tmp_path / 'chaos.sqlite3'}", **common)
        return
    schema = f"chaos_{uuid4().hex[:16]}"
    try:
        yield Settings(database_url=POSTGRES_URL, db_schema=schema, **common)
    finally:
        _drop_schema(schema)


class Worker:
    """``tsunagu projections run`` in a process of its own, killed without warning."""

    def __init__(self, settings: Settings, directory: Path) -> None:
        self.env = {
            **os.environ,
            "DATABASE_URL": settings.database_url,
            "TSUNAGU_DB_SCHEMA": settings.db_schema or "",
            "TSUNAGU_SECRET_KEY": "test",
            "TSUNAGU_INLINE_PROJECTIONS": "0",
            "TSUNAGU_MASTER_KEY": settings.master_key or "",
            "TSUNAGU_LEDGER_KEY": settings.ledger_key or "",
        }
        self.directory = directory  # its instance/ folder, never the source tree
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self) -> None:
        code = "from interfaces.cli import cli; cli()"
        self.process = subprocess.Popen(  # noqa: S603 - our own CLI, fixed arguments
            [sys.executable, "-c", code, "projections", "run", "--poll", "0.05"],
            cwd=self.directory,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.starts += 1

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)


def _caught_up(container: Container, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while any(s.lag for s in container.projections.status()):
        assert time.monotonic() < deadline, container.projections.status()
        time.sleep(0.1)


def test_views_equal_a_rebuild_after_the_worker_is_killed_under_load(
    settings: Settings, tmp_path: Path
) -> None:
    container = bootstrap(settings)
    worker = Worker(settings, tmp_path)
    try:
        make_town(container.services)
        api = Api(create_app(container=container), container, "chaos")
        api.token("care_manager")
        api.token("coordinator")
        worker.start()
        _caught_up(container)
        chaos = random.Random(20261130)  # a fixed, replayable schedule

        def kill_the_worker_now_and_then() -> None:
            for _ in range(KILLS):
                time.sleep(chaos.uniform(0.3, 1.0))
                worker.kill()
                time.sleep(chaos.uniform(0.0, 0.3))
                worker.start()

        statuses, errors = work_at_once(api, USERS, LIFECYCLES, kill_the_worker_now_and_then)
        _caught_up(container)
        worker.stop()

        assert errors == []
        assert worker.starts == KILLS + 1
        assert len(statuses) == USERS * LIFECYCLES * REQUESTS_PER_LIFECYCLE
        assert {s for s in statuses if s >= 500} == set()
        served = views(container)
        for name in container.projections.names:
            container.projections.rebuild(name)
        assert views(container) == served
    finally:
        worker.stop()
        container.close()
