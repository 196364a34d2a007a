"""``python -m bench.http`` keeps working: a two-second run with two clients
serves every endpoint of the mix (the six commands in the commands-only phase,
the three reads in the mixed one) without a server error or a lost write.

The figures themselves are not checked (no timed assertions); they belong in
docs/benchmarks.md ("HTTP load").
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench import http as bench_http
from tests.conftest import BACKENDS, POSTGRES_URL

ENDPOINTS = {
    "GET /needs",
    "GET /needs/{id}",
    "GET /dashboard",
    "POST /needs",
    *(f"POST /needs/{{id}}/{action}" for action in bench_http.COMMANDS[1:]),
}


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_short_http_load_hits_every_endpoint_without_a_server_error(
    backend: str, tmp_path: Path
) -> None:
    figures_file = tmp_path / "http.json"
    argv = ["--backend", backend, "--clients", "2", "--seconds", "2", "--workers", "1"]
    argv += ["--json", str(figures_file)]
    if backend == "postgres":
        argv += ["--postgres-url", POSTGRES_URL]

    exit_code = bench_http.main(argv)

    (run,) = json.loads(figures_file.read_text(encoding="utf-8"))["runs"]
    assert run["backend"] == backend
    mixed = run["mixed"]
    assert mixed["server_error_examples"] == []
    assert run["http_commands"]["server_error_examples"] == []
    assert run["warm_up_server_errors"] == []
    assert mixed["dropped_connections"] == 0
    assert run["lost_writes"] == []
    answered = {
        name
        for phase in (run["http_commands"], mixed)
        for name, endpoint in phase["endpoints"].items()
        if any(200 <= int(status) < 300 for status in endpoint["statuses"])
    }
    assert answered >= ENDPOINTS
    assert {"GET /needs", "GET /needs/{id}", "GET /dashboard"} <= set(mixed["endpoints"])
    assert run["in_process_commands"]["commands"] > 0
    assert exit_code == 0
