"""Safe defaults at the command line: ``--help`` builds nothing, ``serve`` never loads the
demo nor issues tokens, ``demo`` prints its accounts once, users get no token unasked,
and an administrator can reset a password from the console."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
import pytest
import sqlalchemy as sa
from click.testing import CliRunner, Result

import interfaces.cli
from domain.values import Role
from infrastructure.views.schema import api_tokens
from interfaces.bootstrap import Settings, bootstrap
from interfaces.cli import cli
from tests.builders import PASSWORD, make_town
from tests.fakes import refusal_of


def _commands(group: click.Group, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    yield path
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            yield from _commands(command, (*path, name))
        else:
            yield (*path, name)


COMMANDS = list(_commands(cli))


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """The environment of a CLI run on an SQLite file of this test's own."""
    return {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}",
        "TSUNAGU_SECRET_KEY": "test",
        "TSUNAGU_FAST_PASSWORDS": "1",
        "TSUNAGU_DEMO": "",
        "TSUNAGU_REDIS_URL": "",
    }


def tsunagu(env: dict[str, str], *args: str) -> Result:
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def _settings(env: dict[str, str]) -> Settings:
    return Settings(database_url=env["DATABASE_URL"], secret_key="test", fast_passwords=True)


def _with_town(env: dict[str, str]) -> None:
    built = bootstrap(_settings(env))
    try:
        make_town(built.services)
    finally:
        built.close()


def _token_count(env: dict[str, str]) -> int:
    built = bootstrap(_settings(env))
    try:
        with built.projections.reader.connect() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(api_tokens)).scalar())
    finally:
        built.close()


# -- --help touches nothing --------------------------------------------------------------------


@pytest.mark.parametrize("command", COMMANDS, ids=[" ".join(c) or "tsunagu" for c in COMMANDS])
def test_help_builds_no_app(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch, command: tuple[str, ...]
) -> None:
    built: list[Any] = []
    monkeypatch.setattr(interfaces.cli, "create_app", lambda *a, **k: built.append(a))

    result = tsunagu(env, *command, "--help")

    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output
    assert built == []


def test_help_creates_no_file(tmp_path: Path) -> None:
    database = tmp_path / "data" / "tsunagu.sqlite3"
    environment = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{database}",
        "TSUNAGU_SECRET_KEY": "test",
    }
    run = subprocess.run(
        [sys.executable, "-c", "from interfaces.cli import main; main()", "--help"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=environment,
        check=False,
    )

    assert run.returncode == 0, run.stderr
    assert list(tmp_path.iterdir()) == []


# -- serve ---------------------------------------------------------------------------------


@pytest.fixture
def no_server(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, ...]]:
    """``serve`` does everything but listen."""
    started: list[tuple[Any, ...]] = []
    monkeypatch.setattr(interfaces.cli, "_run_gunicorn", lambda *args: started.append(args))
    return started


def test_serve_never_loads_the_demo(env: dict[str, str], no_server: list[tuple[Any, ...]]) -> None:
    result = tsunagu({**env, "TSUNAGU_DEMO": "1"}, "serve")

    assert result.exit_code == 0, result.output
    assert no_server
    assert "tsunagu demo" in result.output
    built = bootstrap(_settings(env))
    try:
        assert built.services.oversight.head() == 0
    finally:
        built.close()


def test_serve_issues_no_token_however_often_it_starts(
    env: dict[str, str], no_server: list[tuple[Any, ...]]
) -> None:
    _with_town(env)

    outputs = [tsunagu(env, "serve").output for _ in range(3)]

    assert _token_count(env) == 0
    printed = [line for o in outputs for line in o.splitlines() if not line.startswith("database:")]
    assert not any("token" in line.lower() for line in printed)


# -- demo ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, str], Result, Result]:
    """``tsunagu demo`` twice on one empty database (loading it takes a few seconds)."""
    path = tmp_path_factory.mktemp("demo") / "demo.sqlite3"
    env = {
        "DATABASE_URL": f"sqlite:///{path}",
        "TSUNAGU_SECRET_KEY": "test",
        "TSUNAGU_FAST_PASSWORDS": "1",
        "TSUNAGU_REDIS_URL": "",
    }
    return env, tsunagu(env, "demo"), tsunagu(env, "demo")


def test_demo_prints_each_account_and_the_password_when_it_loads(
    demo_runs: tuple[dict[str, str], Result, Result],
) -> None:
    _, first, _ = demo_runs

    assert first.exit_code == 0, first.output
    assert "tsunagu-demo" in first.output
    for username in ("demo-cm", "demo-cm2", "demo-sc", "demo-boss", "demo-audit", "demo-admin"):
        assert username in first.output


def test_demo_prints_the_password_only_once(
    demo_runs: tuple[dict[str, str], Result, Result],
) -> None:
    _, _, second = demo_runs

    assert second.exit_code == 0, second.output
    assert "already loaded" in second.output
    assert "tsunagu-demo" not in second.output


def test_demo_issues_no_token(demo_runs: tuple[dict[str, str], Result, Result]) -> None:
    env, _, _ = demo_runs

    assert _token_count(env) == 0


def test_demo_accounts_sign_in_with_the_demo_password(
    demo_runs: tuple[dict[str, str], Result, Result],
) -> None:
    env, _, _ = demo_runs
    built = bootstrap(_settings(env))
    try:
        token = built.services.accounts.issue_token("demo-admin", "tsunagu-demo")
        assert built.services.accounts.authenticate(token.token).username == "demo-admin"
    finally:
        built.close()


def test_demo_refuses_a_database_with_other_data(env: dict[str, str]) -> None:
    _with_town(env)

    result = tsunagu(env, "demo")

    assert result.exit_code == 0, result.output
    assert "not loading the demo" in result.output
    assert "tsunagu-demo" not in result.output


# -- users ---------------------------------------------------------------------------------


def test_users_create_prints_a_generated_password_and_no_token(env: dict[str, str]) -> None:
    result = tsunagu(env, "users", "create", "sato", "--role", "coordinator")

    assert result.exit_code == 0, result.output
    password = result.output.split("password (shown once): ")[1].split()[0]
    assert "token" not in result.output
    assert _token_count(env) == 0
    built = bootstrap(_settings(env))
    try:
        assert built.services.accounts.issue_token("sato", password).username == "sato"
    finally:
        built.close()


def test_users_create_refuses_a_weak_password(env: dict[str, str]) -> None:
    result = CliRunner().invoke(
        cli, ["users", "create", "sato", "--role", "auditor", "--password", "12345678"], env=env
    )

    assert result.exit_code != 0
    assert "at least 12 characters" in result.output


def test_users_token_issues_a_token_on_request(env: dict[str, str]) -> None:
    _with_town(env)

    result = tsunagu(env, "users", "token", "sc")

    assert result.exit_code == 0, result.output
    assert _token_count(env) == 1


def test_users_reset_password_prints_a_temporary_password_to_change(env: dict[str, str]) -> None:
    _with_town(env)

    result = tsunagu(env, "users", "reset-password", "root")

    assert result.exit_code == 0, result.output
    temporary = result.output.split("(shown once): ")[1].split()[0]
    built = bootstrap(_settings(env))
    try:
        accounts = built.services.accounts
        refused = refusal_of(lambda: accounts.issue_token("root", temporary))
        assert refused.code == "auth.password_change_required"
        token = accounts.change_password("root", temporary, "a brand new secret phrase")
        assert accounts.authenticate(token.token).roles == frozenset({Role.ADMIN})
        assert refusal_of(lambda: accounts.issue_token("root", PASSWORD)).code == (
            "auth.invalid_credentials"
        )
    finally:
        built.close()
