"""``python -m bench.chaos``: a served tsunagu under load while things break.

Gunicorn (several workers) serves a fresh database; simulated staff drive need
lifecycles over HTTP as a well-behaved client does (an Idempotency-Key on every
command, a retry after ``Retry-After``). Meanwhile, on a fixed seeded schedule:
a web worker is killed (SIGKILL; gunicorn starts another), the projection worker
is killed and started again, and the database goes away for a few seconds (its
connections are cut and new ones refused, through a forwarder: the server other
work shares is never stopped). PostgreSQL only for the last two; on SQLite the
web workers update the views themselves.

Afterwards it checks: no 5xx outside the outage windows, every lifecycle ended
with exactly one close, and every view equals a clean rebuild. It prints the
figures (and writes them as JSON with ``--json FILE``); docs/reliability.md
records a run.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit
from uuid import UUID, uuid4

from interfaces.bootstrap import Settings, bootstrap
from tests.builders import PASSWORD, make_town
from tests.e2e.support import client_body, resource_body
from tests.load import views
from tests.netproxy import Proxy

DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"


@dataclass
class Record:
    """What the clients saw."""

    latencies: list[float] = field(default_factory=list)
    calm_latencies: list[float] = field(default_factory=list)
    """Outside the database outages (and the 5 s after each, while pools reconnect)."""
    statuses: dict[int, int] = field(default_factory=dict)
    problems: dict[str, int] = field(default_factory=dict)
    server_errors_outside_outages: list[str] = field(default_factory=list)
    lifecycles: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


@dataclass
class Outages:
    windows: list[tuple[float, float]] = field(default_factory=list)
    down_since: float | None = None

    def during(self, started: float, ended: float, grace: float = 5.0) -> bool:
        if self.down_since is not None and ended >= self.down_since:
            return True
        return any(start <= ended and started <= end + grace for start, end in self.windows)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Client:
    """One member of staff's HTTP client: retries as the API asks it to."""

    def __init__(self, port: int, record: Record, outages: Outages) -> None:
        self.port = port
        self.record = record
        self.outages = outages
        self.tokens: dict[str, str] = {}

    def call(
        self,
        method: str,
        path: str,
        who: str | None,
        body: Any = None,
        if_match: int | None = None,
        key: str | None = None,
    ) -> tuple[int, Any]:
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if who is not None:
            headers["Authorization"] = f"Bearer {self.token(who)}"
        if if_match is not None:
            headers["If-Match"] = f'"{if_match}"'
        if key is not None:
            headers["Idempotency-Key"] = key
        data = json.dumps(body).encode() if body is not None else None
        for _ in range(60):
            started = time.monotonic()
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                conn.request(method, f"/api/v1{path}", body=data, headers=headers)
                response = conn.getresponse()
                status, text = response.status, response.read()
                retry_after = response.getheader("Retry-After")
                conn.close()
            except (OSError, http.client.HTTPException):  # a web worker killed mid-request
                self._count(-1, started, time.monotonic(), path, "dropped")
                time.sleep(0.2)
                continue
            problem = ""
            if status >= 400 and text:
                problem = str(json.loads(text).get("type", "")).rsplit(":", 1)[-1]
            self._count(status, started, time.monotonic(), f"{path} {problem}".strip(), problem)
            if status == 503 or (status == 409 and retry_after):
                time.sleep(min(float(retry_after or 1), 2.0))
                continue
            return status, json.loads(text) if text else None
        raise RuntimeError(f"{method} {path}: no answer after 60 tries")

    def token(self, who: str) -> str:
        if who not in self.tokens:
            status, body = self.call(
                "POST", "/auth/token", None, {"username": who, "password": PASSWORD}
            )
            assert status == 200, body
            self.tokens[who] = body["token"]
        return self.tokens[who]

    def _count(self, status: int, started: float, ended: float, path: str, problem: str) -> None:
        with self.record.lock:
            self.record.statuses[status] = self.record.statuses.get(status, 0) + 1
            if problem:
                name = f"{status} {problem}"
                self.record.problems[name] = self.record.problems.get(name, 0) + 1
            calm = not self.outages.during(started, ended)
            if status > 0:
                self.record.latencies.append(ended - started)
                if calm:
                    self.record.calm_latencies.append(ended - started)
            if status >= 500 and calm and problem != "store.busy":
                self.record.server_errors_outside_outages.append(f"{status} {path}")


def lifecycle(client: Client, client_id: str, resource_id: str) -> str:
    """Raise a need and take it to its close; each command with its own key."""
    status, need = client.call(
        "POST",
        "/needs",
        "cm",
        {
            "client_id": client_id,
            "category": "shopping",
            "description": "買い物に行けない",
            "goal": "自分で食材を選ぶ",
            "urgency": "normal",
        },
        key=str(uuid4()),
    )
    assert status == 201, need
    for action, body, who, target in [
        ("assign", {"coordinator": "sc"}, "sc", "matching"),
        ("propose", {"resource_id": resource_id, "reason": "近い"}, "sc", "proposed"),
        ("confirm", {"start_date": "2026-12-01"}, "sc", "matched"),
        ("close", {"outcome": "goal_achieved", "reason": "自立"}, "cm", "closed"),
    ]:
        path = f"/needs/{need['id']}/{action}"
        status, answer = client.call("POST", path, who, body, need["version"], str(uuid4()))
        if status == 412:  # an earlier attempt whose answer was lost did it: read it
            status, answer = client.call("GET", f"/needs/{need['id']}", who)
            assert answer["status"] == target, (action, answer)
        assert status == 200, (action, status, answer)
        need = answer
    return str(need["id"])


class Processes:
    """Gunicorn and the projection worker, as an operator's supervisor runs them."""

    def __init__(self, env: dict[str, str], directory: Path, port: int, workers: int) -> None:
        self.env, self.directory, self.port, self.workers = env, directory, port, workers
        self.web: subprocess.Popen[bytes] | None = None
        self.worker: subprocess.Popen[bytes] | None = None

    def _start(self, *args: str) -> subprocess.Popen[bytes]:
        code = "from interfaces.cli import cli; cli()"
        return subprocess.Popen(  # noqa: S603 - our own CLI
            [sys.executable, "-c", code, *args],
            cwd=self.directory,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def start_web(self) -> None:
        self.web = self._start(
            "serve", "--port", str(self.port), "--workers", str(self.workers), "--threads", "4"
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("the web server did not start")

    def start_worker(self) -> None:
        self.worker = self._start("projections", "run", "--poll", "0.1")

    def kill_web_worker(self, rng: random.Random) -> bool:
        assert self.web is not None
        pids = _children(self.web.pid)
        if not pids:
            return False
        os.kill(rng.choice(pids), signal.SIGKILL)
        return True

    def kill_worker(self) -> None:
        assert self.worker is not None
        self.worker.send_signal(signal.SIGKILL)
        self.worker.wait()

    def stop(self) -> None:
        for process in (self.worker, self.web):
            if process is not None and process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()


def _children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (gunicorn's workers)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def run(args: argparse.Namespace) -> dict[str, Any]:
    rng = random.Random(args.seed)
    record, outages = Record(), Outages()
    with ExitStack() as stack:
        directory = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="chaos-")))
        proxy: Proxy | None = None
        schema: str | None = None
        if args.backend == "postgres":
            url = urlsplit(args.postgres_url)
            proxy = Proxy((url.hostname or "127.0.0.1", url.port or 5432))
            stack.callback(proxy.close)
            user = f"{url.username}@" if url.username else ""
            database_url = urlunsplit(url._replace(netloc=f"{user}127.0.0.1:{proxy.port}"))
            schema = f"chaos_{uuid4().hex[:12]}"
        else:
            database_url = f"sqlite:///{directory / 'chaos.sqlite3'}"
        inline = args.backend == "sqlite"
        secret = secrets.token_hex(16)
        settings = Settings(
            database_url=database_url,
            db_schema=schema,
            secret_key=secret,
            fast_passwords=True,
            inline_projections=inline,
        )
        container = bootstrap(settings)
        stack.callback(container.close)
        if schema is not None:
            stack.callback(_drop_schema, args.postgres_url, schema)
        make_town(container.services)
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "TSUNAGU_DB_SCHEMA": schema or "",
            "TSUNAGU_SECRET_KEY": secret,
            "TSUNAGU_FAST_PASSWORDS": "1",
            "TSUNAGU_INLINE_PROJECTIONS": "1" if inline else "0",
        }
        workers = args.web_workers if args.backend == "postgres" else 1
        processes = Processes(env, directory, _free_port(), workers)
        stack.callback(processes.stop)
        processes.start_web()
        if not inline:
            processes.start_worker()
        setup = Client(processes.port, record, outages)
        body = resource_body(capacity=None, categories=["shopping"], area_codes=["north"])
        status, resource = setup.call("POST", "/resources", "sc", body, key=str(uuid4()))
        assert status == 201, resource
        body = client_body(area_code="north", center_code="c-north")
        status, person = setup.call("POST", "/clients", "cm", body, key=str(uuid4()))
        assert status == 201, person
        stop = threading.Event()
        failures: list[str] = []

        def staff() -> None:
            client = Client(processes.port, record, outages)
            while not stop.is_set():
                try:
                    need = lifecycle(client, person["id"], resource["id"])
                except Exception as error:  # the figures report it; the run goes on
                    failures.append(repr(error))
                    time.sleep(1)
                    continue
                with record.lock:
                    record.lifecycles.append(need)

        threads = [threading.Thread(target=staff, daemon=True) for _ in range(args.users)]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        events: dict[str, int] = {"web_worker_kills": 0, "worker_kills": 0, "database_outages": 0}
        while time.monotonic() - started < args.seconds:
            time.sleep(rng.uniform(2.0, 6.0))
            if args.calm:
                continue
            choice = rng.choice(["web", "worker", "database"] if proxy else ["web"])
            if choice == "web" and processes.kill_web_worker(rng):
                events["web_worker_kills"] += 1
            elif choice == "worker":
                processes.kill_worker()
                time.sleep(rng.uniform(0.2, 1.5))
                processes.start_worker()
                events["worker_kills"] += 1
            elif choice == "database" and proxy is not None:
                outages.down_since = time.monotonic()
                proxy.cut()
                time.sleep(rng.uniform(2.0, 5.0))
                proxy.restore()
                outages.windows.append((outages.down_since, time.monotonic()))
                outages.down_since = None
                events["database_outages"] += 1
        stop.set()
        for thread in threads:
            thread.join(timeout=120)
        elapsed = time.monotonic() - started
        container.projections.catch_up()  # what the killed worker left, if anything
        deadline = time.monotonic() + 120
        while any(s.lag for s in container.projections.status()):
            if time.monotonic() > deadline:
                break
            time.sleep(0.2)
        processes.stop()
        closes = {
            need: sum(
                type(e).__qualname__ == "Need.Closed" for e in container.store.stream(UUID(need))
            )
            for need in record.lifecycles
        }
        served = views(container)
        for name in container.projections.names:
            container.projections.rebuild(name)
        rebuilt = views(container)
        return {
            "backend": args.backend,
            "seconds": round(elapsed, 1),
            "users": args.users,
            "web_workers": workers,
            "calm": args.calm,
            "chaos": events,
            "lifecycles_completed": len(record.lifecycles),
            "lifecycles_failed": len(failures),
            "failures": failures[:10],
            "requests": sum(n for s, n in record.statuses.items() if s > 0),
            "dropped_connections": record.statuses.get(-1, 0),
            "statuses": {str(k): v for k, v in sorted(record.statuses.items())},
            "problems": dict(sorted(record.problems.items())),
            "server_errors_outside_outages": len(record.server_errors_outside_outages),
            "server_errors_examples": record.server_errors_outside_outages[:10],
            "all_requests_ms": _percentiles(record.latencies),
            "outside_outages_ms": _percentiles(record.calm_latencies),
            "needs_closed_twice": sum(1 for n in closes.values() if n != 1),
            "views_equal_rebuild": served == rebuilt,
        }


def _percentiles(latencies: list[float]) -> dict[str, float | None]:
    ordered = sorted(latencies)

    def at(share: float) -> float | None:
        if not ordered:
            return None
        return round(ordered[min(len(ordered) - 1, int(len(ordered) * share))] * 1000, 1)

    return {"p50": at(0.50), "p95": at(0.95), "p99": at(0.99)}


def _drop_schema(url: str, schema: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.chaos", description=__doc__)
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="postgres")
    parser.add_argument("--seconds", type=float, default=90.0, help="length of the chaos")
    parser.add_argument("--users", type=int, default=8, help="concurrent staff")
    parser.add_argument("--web-workers", type=int, default=3, help="gunicorn workers (PostgreSQL)")
    parser.add_argument("--seed", type=int, default=20261130)
    parser.add_argument(
        "--calm", action="store_true", help="the same load without breaking anything (a baseline)"
    )
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("TSUNAGU_BENCH_POSTGRES_URL", DEFAULT_POSTGRES),
    )
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    print(f"chaos on {args.backend} for {args.seconds:.0f} s ...", file=sys.stderr)
    figures = run(args)
    text = json.dumps(figures, ensure_ascii=False, indent=2)
    print(text)
    if args.json is not None:
        args.json.write_text(text + "\n", encoding="utf-8")
    healthy = (
        figures["server_errors_outside_outages"] == 0
        and figures["needs_closed_twice"] == 0
        and figures["views_equal_rebuild"]
        and figures["lifecycles_failed"] == 0
    )
    return 0 if healthy else 1


if __name__ == "__main__":
    raise SystemExit(main())
