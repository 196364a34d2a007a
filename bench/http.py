"""``python -m bench.http``: a served tsunagu under a municipality's load.

For each backend it serves a fresh database as production runs it: gunicorn
(``tsunagu serve``, several gthread workers) with views deferred
(``TSUNAGU_INLINE_PROJECTIONS=0``) and one projection worker process
(``tsunagu projections run``). Seed data: the test town (two areas, two
centers, six users) plus a small generated set of clients, resources and needs
in every stage of the lifecycle.

Three phases, in one run on the same database:

1. **in-process commands**: the need lifecycle (raise, assign, propose,
   confirm, follow-up, close) through the application services in this
   process, one command after another, as ``bench/workload.py`` does;
2. **HTTP commands**: the same six commands through ``/api/v1``, by one
   client (the HTTP path's own cost) and then by N concurrent clients (what
   the served instance sustains): bearer tokens, ``If-Match`` with the ETag
   each answer gave, a fresh ``Idempotency-Key`` on every command (after a
   few untimed seconds of reads and commands, so that every web worker has
   served its first requests);
3. **mixed load**: N clients doing 90 % reads (the case board with filters, a
   need's page, the dashboard) and 10 % commands (the next step of each
   client's own lifecycle).

It reports requests/s and p50/p95/p99 per endpoint, the statuses (any 5xx is a
failure), the ratio of the HTTP command rate (phase 2, N clients; and one
client) to the in-process rate (phase 1), and checks afterwards that no
acknowledged write was lost (every need's version is the last one a client
was answered) and that the projection worker caught up. Every file lives in a
temporary directory; every process it starts is stopped, also on Ctrl-C.
Exits 1 on any 5xx, dropped connection or lost write. Figures: docs/benchmarks.md, "HTTP load".
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from types import FrameType
from typing import Any
from urllib.parse import urlencode
from uuid import UUID, uuid4

from application.security import Actor
from application.services import Services
from bench.backends import POSTGRES_URL_VARIABLES, postgres_url_from_env
from bench.chaos import _drop_schema, _free_port
from domain.values import (
    CareLevel,
    NeedCategory,
    NeedStatus,
    Outcome,
    PersonalData,
    Progress,
    ServiceType,
    Urgency,
)
from interfaces.bootstrap import Container, Settings, bootstrap
from tests.builders import PASSWORD, Town, make_town

READ_SHARE = 0.9
COMMANDS = ("raise", "assign", "propose", "confirm", "follow-up", "close")
START_DATE = "2026-12-01"
SEED_CLIENTS = 24
SEED_RESOURCES = 6
SEED_NEEDS = 60


def progress(message: str) -> None:
    print(f"[bench.http {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# -- what the clients saw ----------------------------------------------------------------------


@dataclass
class Endpoint:
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)


@dataclass
class Record:
    """Every answer of one phase, by endpoint ("GET /needs/{id}")."""

    endpoints: dict[str, Endpoint] = field(default_factory=dict)
    server_errors: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    lag_samples: list[int] = field(default_factory=list)
    """The projection worker's backlog (events), once a second, when sampled."""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, name: str, status: int, seconds: float, detail: str) -> None:
        with self.lock:
            endpoint = self.endpoints.setdefault(name, Endpoint())
            endpoint.statuses[status] = endpoint.statuses.get(status, 0) + 1
            if status > 0:
                endpoint.latencies.append(seconds)
            if status >= 500:
                self.server_errors.append(f"{status} {name}: {detail[:300]}")
            elif status < 0:
                self.dropped.append(f"{name}: {detail[:300]}")

    def commands_ok(self) -> int:
        return sum(
            n
            for name, e in self.endpoints.items()
            if name.startswith("POST")
            for status, n in e.statuses.items()
            if 200 <= status < 300
        )

    def figures(self, seconds: float) -> dict[str, Any]:
        table = {}
        for name in sorted(self.endpoints):
            e = self.endpoints[name]
            table[name] = {
                "requests": sum(e.statuses.values()),
                "per_second": round(sum(e.statuses.values()) / seconds, 1),
                **_percentiles(e.latencies),
                "statuses": {str(k): v for k, v in sorted(e.statuses.items())},
            }
        total = sum(sum(e.statuses.values()) for e in self.endpoints.values())
        return {
            "seconds": round(seconds, 1),
            "requests": total,
            "requests_per_second": round(total / seconds, 1),
            "commands_per_second": round(self.commands_ok() / seconds, 1),
            "all_ms": _percentiles([x for e in self.endpoints.values() for x in e.latencies]),
            "server_errors": len(self.server_errors),
            "server_error_examples": self.server_errors[:10],
            "dropped_connections": len(self.dropped),
            "dropped_examples": self.dropped[:10],
            "views_behind_events": {
                "max": max(self.lag_samples, default=None),
                "median": sorted(self.lag_samples)[len(self.lag_samples) // 2]
                if self.lag_samples
                else None,
            },
            "endpoints": table,
        }


def _percentiles(latencies: list[float]) -> dict[str, float | None]:
    ordered = sorted(latencies)

    def at(share: float) -> float | None:
        if not ordered:
            return None
        return round(ordered[min(len(ordered) - 1, int(len(ordered) * share))] * 1000, 1)

    return {"p50_ms": at(0.50), "p95_ms": at(0.95), "p99_ms": at(0.99)}


# -- one HTTP client ---------------------------------------------------------------------------


class Client:
    """One member of staff's connection (kept alive, as a browser keeps it)."""

    def __init__(self, port: int, tokens: dict[str, str], record: Record) -> None:
        self.port, self.tokens, self.record = port, tokens, record
        self.conn: http.client.HTTPConnection | None = None

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def call(
        self,
        method: str,
        path: str,
        name: str,
        who: str,
        body: Any = None,
        if_match: int | None = None,
        query: dict[str, Any] | None = None,
    ) -> tuple[int, Any, dict[str, str]]:
        """Send one request; the answer's status (-1: no answer), JSON and headers."""
        headers = {"Accept": "application/json", "Authorization": f"Bearer {self.tokens[who]}"}
        data = None
        if body is not None:
            headers["Content-Type"] = "application/json"
            data = json.dumps(body).encode()
        if method == "POST":
            headers["Idempotency-Key"] = str(uuid4())
        if if_match is not None:
            headers["If-Match"] = f'"{if_match}"'
        url = f"/api/v1{path}" + (f"?{urlencode(query)}" if query else "")
        started = time.perf_counter()
        try:
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            self.conn.request(method, url, body=data, headers=headers)
            response = self.conn.getresponse()
            text = response.read()
            status = response.status
            answer_headers = {k.lower(): v for k, v in response.getheaders()}
        except (OSError, http.client.HTTPException) as error:
            self.close()
            self.record.add(f"{method} {name}", -1, time.perf_counter() - started, repr(error))
            time.sleep(0.1)  # counted as a failure; no point hammering a server that is gone
            return -1, None, {}
        if answer_headers.get("connection", "").lower() == "close":
            self.close()
        self.record.add(
            f"{method} {name}", status, time.perf_counter() - started, text.decode(errors="replace")
        )
        try:
            payload = json.loads(text) if text else None
        except ValueError:
            payload = None
        return status, payload, answer_headers


# -- the need lifecycle over HTTP --------------------------------------------------------------


@dataclass
class Lifecycle:
    """One client's need in progress: the next command and the version last answered."""

    client_id: str
    resource_id: str
    need_id: str | None = None
    version: int = 0
    step: int = 0


@dataclass
class Shared:
    """What every client thread reads and adds to: the needs there are to look at."""

    need_ids: list[str]
    acknowledged: dict[str, int] = field(default_factory=dict)
    """Every need a command was answered 2xx on, with the version that answer gave."""
    lock: threading.Lock = field(default_factory=threading.Lock)


def next_command(client: Client, life: Lifecycle, shared: Shared) -> bool:
    """Send the next command of ``life``; True when it was accepted."""
    if life.step == 0:
        body = {
            "client_id": life.client_id,
            "category": "shopping",
            "description": "買い物に行けない",
            "goal": "自分で食材を選ぶ",
            "urgency": "normal",
        }
        status, answer, _ = client.call("POST", "/needs", "/needs", "cm", body)
    else:
        action, who, body = {
            1: ("assign", "sc", {"coordinator": "sc"}),
            2: ("propose", "sc", {"resource_id": life.resource_id, "reason": "近い"}),
            3: ("confirm", "sc", {"start_date": START_DATE}),
            4: ("follow-up", "cm", {"note": "毎週通っている", "progress": "on_track"}),
            5: ("close", "cm", {"outcome": "goal_achieved", "reason": "自立"}),
        }[life.step]
        status, answer, _ = client.call(
            "POST",
            f"/needs/{life.need_id}/{action}",
            f"/needs/{{id}}/{action}",
            who,
            body,
            if_match=life.version,
        )
    if not 200 <= status < 300 or not isinstance(answer, dict):
        # Start again with a new need: whatever happened is counted by the record.
        life.step, life.need_id = 0, None
        return False
    life.need_id, life.version = str(answer["id"]), int(answer["version"])
    with shared.lock:
        if life.step == 0:
            shared.need_ids.append(life.need_id)
        shared.acknowledged[life.need_id] = life.version
    life.step = (life.step + 1) % len(COMMANDS)
    return True


BOARD_FILTERS: list[Callable[[random.Random], dict[str, Any]]] = [
    lambda r: {},
    lambda r: {"status": r.choice([s.value for s in NeedStatus])},
    lambda r: {"area": r.choice(["north", "south"])},
    lambda r: {"center": r.choice(["c-north", "c-south"])},
    lambda r: {"category": r.choice(["shopping", "social_participation", "exercise"])},
    lambda r: {"assignee": "sc", "status": "matching"},
    lambda r: {"urgency": r.choice(["low", "normal", "high"])},
    lambda r: {"status": "raised", "page": 2, "per_page": 20},
]


def read_something(client: Client, rng: random.Random, shared: Shared) -> None:
    """One of the reads staff do all day: the board (filtered), a need, the dashboard."""
    pick = rng.random()
    if pick < 0.5:
        query = {"per_page": 50, **rng.choice(BOARD_FILTERS)(rng)}
        client.call("GET", "/needs", "/needs", rng.choice(["sc", "cm"]), query=query)
    elif pick < 0.83:
        with shared.lock:
            need_id = rng.choice(shared.need_ids)
        client.call("GET", f"/needs/{need_id}", "/needs/{id}", rng.choice(["sc", "cm"]))
    else:
        query = rng.choice([{}, {"area": "north"}, {"center": "c-south"}])
        client.call("GET", "/dashboard", "/dashboard", "boss", query=query)


# -- the processes -----------------------------------------------------------------------------


class Served:
    """Gunicorn and the projection worker, as a process supervisor runs them."""

    def __init__(self, env: dict[str, str], directory: Path, workers: int, threads: int) -> None:
        self.env, self.directory = env, directory
        self.workers, self.threads = workers, threads
        self.port = _free_port()
        self.processes: dict[str, subprocess.Popen[bytes]] = {}

    def _start(self, name: str, *args: str) -> None:
        log = (self.directory / f"{name}.log").open("wb")
        # Timestamped log lines (INFO: the worker says when it moves past a gap).
        code = (
            "import logging; logging.basicConfig(level=logging.INFO, "
            "format='%(asctime)s %(name)s %(message)s'); "
            "from interfaces.cli import cli; cli()"
        )
        self.processes[name] = subprocess.Popen(  # noqa: S603 - our own CLI, fixed arguments
            [sys.executable, "-c", code, *args],
            cwd=self.directory,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
        log.close()

    def start_worker(self) -> None:
        self._start("worker", "projections", "run", "--poll", "0.1")

    def start_web(self) -> None:
        self._start(
            "web",
            "serve",
            "--port",
            str(self.port),
            "--workers",
            str(self.workers),
            "--threads",
            str(self.threads),
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.processes["web"].poll() is not None:
                raise RuntimeError(f"the web server exited: {self.log_tail('web')}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", "/readyz")
                ready = conn.getresponse().status == 200
                conn.close()
                if ready:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError("the web server did not become ready in 120 s")

    def log_tail(self, name: str, lines: int = 30) -> str:
        path = self.directory / f"{name}.log"
        if not path.exists():
            return ""
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.terminate()
        for process in self.processes.values():
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


# -- seed data and the in-process rate ---------------------------------------------------------


@dataclass(frozen=True)
class Seed:
    town: Town
    clients: tuple[UUID, ...]
    """North clients: the care manager ``cm`` may raise needs for them."""
    resources: tuple[UUID, ...]
    needs: tuple[UUID, ...]


def seed(app: Services) -> Seed:
    """The test town, clients in both areas, resources, needs at every stage."""
    town = make_town(app)
    clients: list[UUID] = []
    for i in range(SEED_CLIENTS):
        area, actor = ("north", town.care_manager) if i % 3 else ("south", town.other_care_manager)
        person = app.clients.register(
            PersonalData(
                f"負荷 太郎{i}",
                "フカ タロウ",
                date(1940, 1, 1 + i % 28),
                "北町1-2-3",
                "090-0000-0000",
            ),
            CareLevel.SUPPORT_1,
            True,
            area,
            f"c-{area}",
            actor,
            confirm_duplicate=True,
        )
        if area == "north":
            clients.append(person.id)
    resources = [
        app.resources.register(
            f"ふれあいサロン{i}",
            ServiceType.GATHERING_PLACE,
            [NeedCategory.SHOPPING, NeedCategory.SOCIAL_PARTICIPATION, NeedCategory.EXERCISE],
            ["north", "south"],
            town.coordinator,
            capacity=None,
        ).id
        for i in range(SEED_RESOURCES)
    ]
    needs: list[UUID] = []
    categories = [NeedCategory.SHOPPING, NeedCategory.SOCIAL_PARTICIPATION, NeedCategory.EXERCISE]
    for i in range(SEED_NEEDS):
        cm, sc = town.care_manager, town.coordinator
        need = app.needs.raise_need(
            clients[i % len(clients)],
            categories[i % 3],
            "外出の機会が減った",
            "週に一度は出かける",
            list(Urgency)[i % 3],
            cm,
        )
        stage = i % 6  # raised, matching, proposed, matched, followed up, closed
        if stage >= 1:
            need = app.needs.assign(need.id, "sc", need.version, sc)
        if stage >= 2:
            need = app.matching.propose(
                need.id, resources[i % len(resources)], "近い", need.version, sc
            )
        if stage >= 3:
            need = app.matching.confirm(need.id, date(2026, 12, 1), need.version, sc)
        if stage >= 4:
            need = app.needs.follow_up(need.id, "順調", Progress.ON_TRACK, need.version, cm)
        if stage >= 5:
            need = app.needs.close(need.id, Outcome.GOAL_ACHIEVED, "自立", need.version, cm)
        needs.append(need.id)
    return Seed(town, tuple(clients), tuple(resources), tuple(needs))


def in_process_rate(app: Services, data: Seed, seconds: float) -> dict[str, Any]:
    """The six commands through the services, one after another, for ``seconds``."""
    cm: Actor = data.town.care_manager
    sc: Actor = data.town.coordinator
    commands, started = 0, time.perf_counter()
    i = 0
    while time.perf_counter() - started < seconds or commands == 0:
        need = app.needs.raise_need(
            data.clients[i % len(data.clients)],
            NeedCategory.SHOPPING,
            "買い物に行けない",
            "自分で食材を選ぶ",
            Urgency.NORMAL,
            cm,
        )
        need = app.needs.assign(need.id, "sc", need.version, sc)
        resource = data.resources[i % len(data.resources)]
        need = app.matching.propose(need.id, resource, "近い", need.version, sc)
        need = app.matching.confirm(need.id, date(2026, 12, 1), need.version, sc)
        need = app.needs.follow_up(need.id, "毎週通っている", Progress.ON_TRACK, need.version, cm)
        app.needs.close(need.id, Outcome.GOAL_ACHIEVED, "自立", need.version, cm)
        commands += len(COMMANDS)
        i += 1
    elapsed = time.perf_counter() - started
    return {
        "seconds": round(elapsed, 1),
        "commands": commands,
        "commands_per_second": round(commands / elapsed, 1),
    }


# -- the phases over HTTP ----------------------------------------------------------------------


def drive(
    port: int,
    tokens: dict[str, str],
    data: Seed,
    shared: Shared,
    clients: int,
    seconds: float,
    read_share: float,
    seed_value: int,
    lag: Callable[[], int] | None = None,
) -> tuple[Record, float]:
    """``clients`` threads for ``seconds``; each request a read with ``read_share``.

    ``lag()``, when given, is sampled every second: the projection worker's
    backlog in events (the largest over the views); the record keeps the samples.
    """
    record = Record()
    stop = threading.Event()
    crashes: list[str] = []

    def staff(index: int) -> None:
        rng = random.Random(seed_value * 1000 + index)
        client = Client(port, tokens, record)
        life = Lifecycle(
            client_id=str(data.clients[index % len(data.clients)]),
            resource_id=str(data.resources[index % len(data.resources)]),
        )
        try:
            while not stop.is_set():
                if rng.random() < read_share:
                    read_something(client, rng, shared)
                else:
                    next_command(client, life, shared)
        except Exception as error:  # reported: a bench bug, not the server's
            crashes.append(repr(error))
        finally:
            client.close()

    threads = [threading.Thread(target=staff, args=(i,), daemon=True) for i in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    try:
        last_report = 0.0
        while (elapsed := time.perf_counter() - started) < seconds:
            time.sleep(min(1.0, max(0.05, seconds - elapsed)))
            if lag is not None:
                record.lag_samples.append(lag())
            elapsed = time.perf_counter() - started
            if elapsed - last_report >= 5 or elapsed >= seconds:
                last_report = elapsed
                done = sum(sum(e.statuses.values()) for e in record.endpoints.values())
                behind = f", views {record.lag_samples[-1]} events behind" if lag else ""
                progress(f"  {elapsed:5.1f} s, {done} requests{behind}")
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=90)
    if crashes:
        raise RuntimeError(f"client threads failed: {crashes[:3]}")
    return record, time.perf_counter() - started


def sign_in(port: int, users: list[str]) -> dict[str, str]:
    tokens = {}
    for user in users:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        body = json.dumps({"username": user, "password": PASSWORD})
        conn.request(
            "POST", "/api/v1/auth/token", body=body, headers={"Content-Type": "application/json"}
        )
        response = conn.getresponse()
        answer = response.read()
        conn.close()
        if response.status != 200:
            raise RuntimeError(f"sign-in of {user}: {response.status} {answer[:200]!r}")
        tokens[user] = json.loads(answer)["token"]
    return tokens


def lost_writes(container: Container, shared: Shared, town: Town) -> list[str]:
    """Needs whose stored version is not the last one a client was answered."""
    lost = []
    for need_id, version in shared.acknowledged.items():
        stored = container.services.needs.get(UUID(need_id), town.coordinator).version
        if stored != version:
            lost.append(f"need {need_id}: answered version {version}, stored {stored}")
    return lost


def wait_caught_up(container: Container, timeout: float = 120) -> float:
    started = time.monotonic()
    while any(s.lag for s in container.projections.status()):
        if time.monotonic() - started > timeout:
            raise RuntimeError(f"the projection worker did not catch up in {timeout:.0f} s")
        time.sleep(0.1)
    return time.monotonic() - started


@contextmanager
def _database(backend: str, directory: Path, postgres_url: str | None) -> Iterator[dict[str, Any]]:
    if backend == "sqlite":
        yield {"database_url": f"sqlite:///{directory / 'http.sqlite3'}", "db_schema": None}
        return
    assert postgres_url is not None
    schema = f"bench_http_{uuid4().hex[:12]}"
    try:
        yield {"database_url": postgres_url, "db_schema": schema}
    finally:
        _drop_schema(postgres_url, schema)


def run_backend(backend: str, args: argparse.Namespace) -> dict[str, Any]:
    with ExitStack() as stack:
        directory = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-http-")))
        where = stack.enter_context(_database(backend, directory, args.postgres_url))
        keys = {
            "secret_key": secrets.token_hex(32),
            "master_key": secrets.token_hex(32),
            "ledger_key": secrets.token_hex(32),
        }
        settings = Settings(
            **where,
            **keys,
            inline_projections=False,
            fast_passwords=True,
            instance_path=str(directory),
        )
        progress(f"{backend}: seeding a fresh database in {directory}")
        container = bootstrap(settings)
        stack.callback(container.close)
        data = seed(container.services)
        env = {
            **os.environ,
            "DATABASE_URL": settings.database_url,
            "TSUNAGU_DB_SCHEMA": settings.db_schema or "",
            "TSUNAGU_SECRET_KEY": keys["secret_key"],
            "TSUNAGU_MASTER_KEY": keys["master_key"],
            "TSUNAGU_LEDGER_KEY": keys["ledger_key"],
            "TSUNAGU_INLINE_PROJECTIONS": "0",
            "TSUNAGU_FAST_PASSWORDS": "1",
            "TSUNAGU_INSTANCE_PATH": str(directory),
        }
        env.pop("TSUNAGU_REDIS_URL", None)
        served = Served(env, directory, args.workers, args.threads)
        stack.callback(served.stop)
        served.start_worker()
        wait_caught_up(container)
        command_seconds = max(2.0, args.seconds / 4)
        progress(f"{backend}: in-process commands for {command_seconds:.0f} s")
        local = in_process_rate(container.services, data, command_seconds)
        progress(f"{backend}: starting gunicorn ({args.workers} workers) on port {served.port}")
        served.start_web()
        tokens = sign_in(served.port, ["cm", "sc", "boss"])
        shared = Shared(need_ids=[str(n) for n in data.needs])
        warm_up = min(3.0, command_seconds)
        progress(f"{backend}: warming up every web worker for {warm_up:.0f} s (not counted)")
        warm, _ = drive(
            served.port, tokens, data, shared, args.clients, warm_up, 0.5, args.seed - 1
        )
        progress(f"{backend}: HTTP commands, 1 client, {command_seconds:.0f} s")
        single, single_elapsed = drive(
            served.port, tokens, data, shared, 1, command_seconds, 0.0, args.seed + 2
        )
        progress(f"{backend}: HTTP commands, {args.clients} clients, {command_seconds:.0f} s")
        commands, commands_elapsed = drive(
            served.port, tokens, data, shared, args.clients, command_seconds, 0.0, args.seed
        )
        progress(f"{backend}: mixed load, {args.clients} clients, {args.seconds:.0f} s")
        mixed, mixed_elapsed = drive(
            served.port,
            tokens,
            data,
            shared,
            args.clients,
            args.seconds,
            READ_SHARE,
            args.seed + 1,
            lag=lambda: max(s.lag for s in container.projections.status()),
        )
        load = os.getloadavg()
        progress(f"{backend}: waiting for the projection worker, checking every write")
        catch_up = wait_caught_up(container)
        lost = lost_writes(container, shared, data.town)
        web_log = served.log_tail("web", 40)
        worker_log = served.log_tail("worker", 40)
        served.stop()
        http_commands = commands.figures(commands_elapsed)
        one_client = single.figures(single_elapsed)
        ratio = http_commands["commands_per_second"] / local["commands_per_second"]
        ratio_one = one_client["commands_per_second"] / local["commands_per_second"]
        figures = {
            "backend": backend,
            "clients": args.clients,
            "web_workers": args.workers,
            "threads_per_worker": args.threads,
            "load_average_1_5_15": [round(x, 2) for x in load],
            "in_process_commands": local,
            "warm_up_server_errors": warm.server_errors[:10],
            "http_commands": http_commands,
            "http_to_in_process_command_ratio": round(ratio, 2),
            "http_commands_one_client": one_client,
            "one_client_to_in_process_command_ratio": round(ratio_one, 2),
            "mixed": mixed.figures(mixed_elapsed),
            "worker_catch_up_seconds": round(catch_up, 1),
            "acknowledged_needs": len(shared.acknowledged),
            "lost_writes": lost[:10],
            "worker_log_tail": worker_log,
        }
        phases = (warm, single, commands, mixed)
        if any(phase.server_errors or phase.dropped for phase in phases):
            figures["web_log_tail"] = web_log
        return figures


# -- output ------------------------------------------------------------------------------------


def markdown(figures: dict[str, Any]) -> str:
    lines = [
        f"### {figures['backend']}: {figures['clients']} clients, "
        f"{figures['web_workers']} gunicorn workers x {figures['threads_per_worker']} threads, "
        f"load average {figures['load_average_1_5_15'][0]}",
        "",
        f"- in-process commands: {figures['in_process_commands']['commands_per_second']}/s; "
        f"HTTP commands: {figures['http_commands']['commands_per_second']}/s "
        f"(p50 {figures['http_commands']['all_ms']['p50_ms']} ms, "
        f"p95 {figures['http_commands']['all_ms']['p95_ms']} ms); "
        f"ratio **{figures['http_to_in_process_command_ratio']}** (goal >= 0.6); "
        f"one HTTP client alone: {figures['http_commands_one_client']['commands_per_second']}/s, "
        f"ratio {figures['one_client_to_in_process_command_ratio']}",
        f"- mixed load: {figures['mixed']['requests_per_second']} requests/s, "
        f"{figures['mixed']['commands_per_second']} commands/s; "
        f"5xx: {_server_errors(figures)}; "
        f"dropped: {sum(figures[phase]['dropped_connections'] for phase in PHASES)}; "
        f"lost writes: {len(figures['lost_writes'])}; "
        f"views behind by {figures['mixed']['views_behind_events']['median']} events at the "
        f"median, {figures['mixed']['views_behind_events']['max']} at most; "
        f"caught up {figures['worker_catch_up_seconds']} s after the load",
        "",
        "| mixed load: endpoint | requests | req/s | p50 ms | p95 ms | p99 ms | statuses |",
        "|:---|---:|---:|---:|---:|---:|:---|",
    ]
    for name, e in figures["mixed"]["endpoints"].items():
        statuses = ", ".join(f"{k}: {v}" for k, v in e["statuses"].items())
        lines.append(
            f"| `{name}` | {e['requests']} | {e['per_second']} | {e['p50_ms']} | "
            f"{e['p95_ms']} | {e['p99_ms']} | {statuses} |"
        )
    return "\n".join(lines)


PHASES = ("http_commands_one_client", "http_commands", "mixed")


def _server_errors(figures: dict[str, Any]) -> int:
    warm = len(figures["warm_up_server_errors"])
    return warm + sum(figures[phase]["server_errors"] for phase in PHASES)


def healthy(figures: dict[str, Any]) -> bool:
    phases = [figures[phase] for phase in PHASES]
    clean = not figures["lost_writes"] and not figures["warm_up_server_errors"]
    return clean and all(p["server_errors"] == 0 and p["dropped_connections"] == 0 for p in phases)


def _interrupted(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt  # unwinds the ExitStacks: every process stopped, schema dropped


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.http",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--backend", choices=["sqlite", "postgres", "all"], default="all")
    parser.add_argument("--clients", type=int, default=8, help="concurrent HTTP clients")
    parser.add_argument(
        "--seconds",
        type=float,
        default=30.0,
        help="length of the mixed load; each command phase runs a quarter of it",
    )
    parser.add_argument("--workers", type=int, default=3, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
    parser.add_argument("--seed", type=int, default=20261130)
    parser.add_argument(
        "--postgres-url",
        default=postgres_url_from_env(),
        help="PostgreSQL URL (default: " + ", then ".join(POSTGRES_URL_VARIABLES) + ")",
    )
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    if args.clients < 1 or args.workers < 1 or args.threads < 1 or args.seconds <= 0:
        parser.error("--clients, --workers, --threads and --seconds must be positive")
    backends = ["sqlite", "postgres"] if args.backend == "all" else [args.backend]
    if "postgres" in backends and not args.postgres_url:
        if args.backend == "postgres":
            parser.error("no PostgreSQL URL: give --postgres-url or set TSUNAGU_TEST_POSTGRES_URL")
        progress("PostgreSQL skipped: no URL (" + " or ".join(POSTGRES_URL_VARIABLES) + ")")
        backends.remove("postgres")
    signal.signal(signal.SIGTERM, _interrupted)
    signal.signal(signal.SIGINT, _interrupted)
    results = []
    try:
        for backend in backends:
            results.append(run_backend(backend, args))
            print(markdown(results[-1]) + "\n", flush=True)
    except KeyboardInterrupt:
        progress("interrupted: every process stopped, every temporary file removed")
        return 130
    if args.json is not None:
        text = json.dumps({"runs": results}, ensure_ascii=False, indent=2)
        args.json.write_text(text + "\n", encoding="utf-8")
    for figures in results:
        if not healthy(figures):
            progress(f"{figures['backend']}: FAILED (5xx, dropped connections or lost writes)")
            for phase in PHASES[:2]:
                for line in figures[phase]["server_error_examples"]:
                    progress(f"  {line}")
            for line in (
                figures["warm_up_server_errors"]
                + figures["mixed"]["server_error_examples"]
                + figures["lost_writes"]
            ):
                progress(f"  {line}")
    return 0 if all(healthy(f) for f in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
