"""Several processes booting at once on one PostgreSQL database all boot.

``tsunagu serve --workers N`` builds the app in every gunicorn worker at the
same moment. The event-store library recreates its function every time
(``CREATE OR REPLACE FUNCTION``), which PostgreSQL refuses to run concurrently
("tuple concurrently updated"): one worker failed to boot and gunicorn stopped
the whole server (found by ``python -m bench.http``).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from secrets import token_hex
from uuid import uuid4

import pytest

from interfaces.bootstrap import Settings, bootstrap
from tests.conftest import POSTGRES_URL, _drop_schema

PROCESSES = 4
ROUNDS = 4

BOOT = """
import sys, time
from pathlib import Path
from interfaces.bootstrap import Settings, bootstrap
url, schema, key, ready, go = sys.argv[1:6]
Path(ready).touch()
while not Path(go).exists():  # every process has imported: they boot together
    time.sleep(0.001)
bootstrap(Settings(database_url=url, db_schema=schema, secret_key="x", master_key=key)).close()
"""


@pytest.fixture
def schema() -> Iterator[str]:
    if not POSTGRES_URL:
        pytest.skip("PostgreSQL only: set TSUNAGU_TEST_POSTGRES_URL")
    name = f"boot_{uuid4().hex[:16]}"
    try:
        yield name
    finally:
        _drop_schema(name)


@pytest.mark.postgres
def test_processes_booting_at_once_on_postgresql_all_boot(schema: str, tmp_path: Path) -> None:
    key = token_hex(32)
    settings = Settings(database_url=POSTGRES_URL, db_schema=schema, master_key=key)
    bootstrap(settings).close()  # the tables exist, as when gunicorn starts on a live database
    env = {**os.environ, "TSUNAGU_INSTANCE_PATH": str(tmp_path)}
    failures = []
    for round_ in range(ROUNDS):
        go = tmp_path / f"go-{round_}"
        ready = [tmp_path / f"ready-{round_}-{i}" for i in range(PROCESSES)]
        boots = [
            subprocess.Popen(  # noqa: S603 - our own code, fixed arguments
                [sys.executable, "-c", BOOT, POSTGRES_URL, schema, key, str(flag), str(go)],
                cwd=tmp_path,
                env=env,
                stderr=subprocess.PIPE,
            )
            for flag in ready
        ]
        deadline = time.monotonic() + 120
        while not all(flag.exists() for flag in ready) and time.monotonic() < deadline:
            time.sleep(0.01)
        go.touch()
        for boot in boots:
            _, err = boot.communicate(timeout=120)
            if boot.returncode != 0:
                failures.append(err.decode(errors="replace").strip().splitlines()[-1])

    assert failures == []
