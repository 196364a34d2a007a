"""``python -m bench.read_paths``: authenticated requests with and without the
User replay, through the Flask test client, in one run.

On a fresh database (a temporary SQLite file, or a schema of its own on
PostgreSQL with ``--postgres-url``): the test town, one care manager whose User
stream has ``--user-events`` extra events (role grants and revocations, as an
account collects over the years), then ``--requests`` authenticated
``GET /api/v1/areas`` with the replay on every request (how tokens were
resolved before) and with the (user id, stream version) check, alternating
``--rounds`` times. Prints requests/s of each and their ratio. With
``--resources N``: N resources, then the first and last page of
``GET /api/v1/resources`` against reading the whole list (the former response).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from uuid import uuid4

import psycopg

from application.resources import ResourceFilter
from application.security import SYSTEM_ACTOR
from domain.values import NeedCategory, Role, ServiceType
from interfaces.bootstrap import Container, Settings, bootstrap
from interfaces.web import create_app

PASSWORD = "correct horse battery"  # noqa: S105 - a throwaway bench account


@contextmanager
def _container(postgres_url: str | None) -> Iterator[Container]:
    with tempfile.TemporaryDirectory() as folder:
        schema = f"bench_{uuid4().hex[:12]}" if postgres_url else None
        settings = Settings(
            database_url=postgres_url or f"sqlite:///{Path(folder) / 'read.sqlite3'}",
            db_schema=schema,
            secret_key="bench",  # noqa: S106
            demo=False,
            fast_passwords=True,
        )
        built = bootstrap(settings)
        try:
            yield built
        finally:
            built.close()
            if schema is not None and postgres_url:
                with psycopg.connect(postgres_url, autocommit=True) as conn:
                    conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def _rate(client: Any, headers: dict[str, str], requests: int) -> float:
    started = time.perf_counter()
    for _ in range(requests):
        response = client.get("/api/v1/areas", headers=headers)
        assert response.status_code == 200, response.get_data(as_text=True)
    return requests / (time.perf_counter() - started)


def _auth_rate(accounts: Any, token: str, requests: int) -> float:
    started = time.perf_counter()
    for _ in range(requests):
        accounts.authenticate(token)
    return requests / (time.perf_counter() - started)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.read_paths", description=__doc__)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--user-events", type=int, default=0)
    parser.add_argument("--resources", type=int, default=0)
    parser.add_argument("--postgres-url", default=os.environ.get("BENCH_POSTGRES_URL"))
    args = parser.parse_args(argv)
    with _container(args.postgres_url) as built:
        services = built.services
        services.reference.create_area("north", "北地区", SYSTEM_ACTOR)
        services.reference.create_center("c-north", "北センター", ["north"], SYSTEM_ACTOR)
        services.accounts.create_user("root", PASSWORD, [Role.ADMIN], SYSTEM_ACTOR)
        services.accounts.create_user(
            "cm", PASSWORD, [Role.CARE_MANAGER], SYSTEM_ACTOR, center_code="c-north"
        )
        admin = services.accounts.actor_for_username("root")
        for i in range(args.user_events // 2):
            services.accounts.grant_role("cm", Role.COORDINATOR, None, admin, f"cover {i}")
            services.accounts.revoke_role("cm", Role.COORDINATOR, None, admin, f"back {i}")
        client = create_app(container=built).test_client()
        token = client.post("/api/v1/auth/token", json={"username": "cm", "password": PASSWORD})
        headers = {"Authorization": f"Bearer {token.get_json()['token']}"}
        accounts: Any = services.accounts
        versions = accounts._aggregates  # the one switch: no version, always a replay
        _rate(client, headers, 20)  # warm-up
        bearer = token.get_json()["token"]
        replay: list[float] = []
        checked: list[float] = []
        auth_replay: list[float] = []
        auth_checked: list[float] = []
        for _ in range(args.rounds):
            original = versions.version
            versions.version = lambda _user_id: None
            try:
                replay.append(_rate(client, headers, args.requests))
                auth_replay.append(_auth_rate(accounts, bearer, args.requests))
            finally:
                versions.version = original
            checked.append(_rate(client, headers, args.requests))
            auth_checked.append(_auth_rate(accounts, bearer, args.requests))
        backend = "postgres" if args.postgres_url else "sqlite"
        best_replay, best_checked = max(replay), max(checked)
        print(
            f"{backend}: authenticated GET /api/v1/areas, user stream of "
            f"{args.user_events + 1} events, {args.rounds}×{args.requests} requests each"
        )
        print(f"  replay every request:  {', '.join(f'{r:.0f}' for r in replay)} req/s")
        print(f"  stream version check:  {', '.join(f'{r:.0f}' for r in checked)} req/s")
        print(f"  ratio (best/best): {best_checked / best_replay:.2f}×")
        print(
            f"  authenticate() alone: replay {max(auth_replay):.0f}/s, "
            f"version check {max(auth_checked):.0f}/s "
            f"({max(auth_checked) / max(auth_replay):.2f}×)"
        )
        if args.resources:
            _resource_list(built, client, headers, args.resources, args.rounds)
    return 0


def _resource_list(
    built: Container, client: Any, headers: dict[str, str], count: int, rounds: int
) -> None:
    """The first page of GET /api/v1/resources against reading the whole list."""
    services = built.services
    for i in range(count):
        services.resources.register(
            f"資源{i:06d}",
            ServiceType.GATHERING_PLACE,
            [NeedCategory.SOCIAL_PARTICIPATION],
            ["north"],
            SYSTEM_ACTOR,
        )
    actor = services.accounts.actor_for_username("cm")

    def timed(call: Any, repeats: int = 20) -> float:
        best = float("inf")
        for _ in range(rounds):
            started = time.perf_counter()
            for _ in range(repeats):
                call()
            best = min(best, (time.perf_counter() - started) / repeats)
        return best * 1000

    def first_page() -> None:
        response = client.get("/api/v1/resources", headers=headers)
        assert response.status_code == 200
        assert len(response.get_json()["items"]) == min(count, 50)

    def last_page() -> None:
        response = client.get(
            "/api/v1/resources", headers=headers, query_string={"page": -(-count // 50)}
        )
        assert response.status_code == 200

    page_ms = timed(first_page)
    last_ms = timed(last_page)
    whole_ms = timed(lambda: services.resources.list_resources(ResourceFilter(), actor), 5)
    print(f"  resources: {count} registered, best of {rounds}")
    print(f"    GET /api/v1/resources (first page of 50, HTTP): {page_ms:.1f} ms")
    print(f"    GET /api/v1/resources (last page, HTTP):       {last_ms:.1f} ms")
    print(f"    the whole list read (application call only, no HTTP, no JSON): {whole_ms:.1f} ms")


if __name__ == "__main__":
    raise SystemExit(main())
