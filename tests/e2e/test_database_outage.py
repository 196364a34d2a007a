"""When PostgreSQL goes away, the API says so at once — 503 with Retry-After, not a
500 — and serves again as soon as it is back, without a restart.

The database is reached through a forwarder the test cuts and restores, so the
server other tests share is never stopped.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from urllib.parse import urlsplit, urlunsplit
from uuid import uuid4

import pytest

from interfaces.bootstrap import Settings, bootstrap
from interfaces.web import create_app
from tests.builders import make_town
from tests.conftest import POSTGRES_URL, _drop_schema
from tests.e2e.support import Api, assert_problem, need_body, new_client
from tests.netproxy import Proxy, proxy

pytestmark = pytest.mark.skipif(not POSTGRES_URL, reason="needs TSUNAGU_TEST_POSTGRES_URL")


@pytest.fixture
def database() -> Iterator[Proxy]:
    url = urlsplit(POSTGRES_URL)
    with proxy((url.hostname or "127.0.0.1", url.port or 5432)) as running:
        yield running


@pytest.fixture
def api(database: Proxy) -> Iterator[Api]:
    url = urlsplit(POSTGRES_URL)
    netloc = f"{url.username + '@' if url.username else ''}127.0.0.1:{database.port}"
    schema = f"outage_{uuid4().hex[:16]}"
    settings = Settings(
        database_url=urlunsplit(url._replace(netloc=netloc)),
        db_schema=schema,
        secret_key="test",
        fast_passwords=True,
    )
    container = bootstrap(settings)
    try:
        make_town(container.services)
        running = Api(create_app(container=container), container, "postgres")
        running.token("care_manager")
        running.token("coordinator")
        yield running
    finally:
        database.restore()
        container.close()
        _drop_schema(schema)


def test_reads_and_commands_answer_503_with_retry_after_while_the_database_is_down(
    api: Api, database: Proxy
) -> None:
    client = new_client(api)
    database.cut()

    for response in (
        api.get("/needs", "coordinator"),
        api.get(f"/clients/{client['id']}", "care_manager"),
        api.post("/needs", need_body(client["id"]), "care_manager"),
    ):
        body = assert_problem(response, 503)
        assert body["type"] == "urn:tsunagu:problem:store.unavailable"
        assert response.headers["Retry-After"].isdigit()


def test_the_answer_comes_from_one_try_not_after_the_pool_gives_up(
    api: Api, database: Proxy
) -> None:
    database.cut()

    response = api.get("/needs", "coordinator")

    assert_problem(response, 503)
    # The database was tried once or twice and the request answered: it did not
    # keep reconnecting until a pool's wait ran out.
    assert 1 <= database.refused <= 2, database.refused


def test_readyz_says_not_ready_while_the_database_is_down(api: Api, database: Proxy) -> None:
    database.cut()

    response = api.client.get("/readyz")

    assert assert_problem(response, 503)["type"].endswith("not-ready")


def test_readyz_answers_not_ready_while_a_check_hangs_instead_of_waiting_for_it(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    readiness = api.app.extensions["tsunagu.readiness"]
    released = threading.Event()
    monkeypatch.setattr(readiness, "_check", lambda: released.wait(10))
    try:
        response = api.client.get("/readyz")  # a request that waited would get 200
        again = api.client.get("/readyz")  # waits on the same check: no new thread
    finally:
        released.set()

    assert response.status_code == again.status_code == 503


def test_the_api_serves_again_once_the_database_is_back_without_a_restart(
    api: Api, database: Proxy
) -> None:
    client = new_client(api)
    database.cut()
    assert api.get("/needs", "coordinator").status_code == 503
    database.restore()

    deadline = time.monotonic() + 10
    while (status := api.get("/needs", "coordinator").status_code) != 200:
        assert time.monotonic() < deadline, f"still {status} 10 s after the database came back"
        time.sleep(0.2)
    created = api.post("/needs", need_body(client["id"]), "care_manager")

    assert created.status_code == 201, created.get_data(as_text=True)
