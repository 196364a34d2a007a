"""``tsunagu privacy erase-expired``: retention, dry run by default, with a report."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from secrets import token_hex
from uuid import UUID

import pytest
from click.testing import CliRunner, Result

from application.common import today_in_japan
from application.security import SYSTEM_ACTOR
from application.store import utc_now
from domain.values import Outcome
from interfaces.bootstrap import Settings, bootstrap
from interfaces.cli import cli
from tests.builders import make_client, make_need, make_town

MASTER_KEY = token_hex(32)


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}",
        "TSUNAGU_SECRET_KEY": "test",
        "TSUNAGU_FAST_PASSWORDS": "1",
        "TSUNAGU_MASTER_KEY": MASTER_KEY,
        "TSUNAGU_REDIS_URL": "",
    }


def tsunagu(env: dict[str, str], *args: str) -> Result:
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def _settings(env: dict[str, str]) -> Settings:
    return Settings(
        database_url=env["DATABASE_URL"],
        secret_key="test",
        fast_passwords=True,
        master_key=MASTER_KEY,
    )


def _clients(env: dict[str, str]) -> tuple[list[UUID], UUID, UUID]:
    """Two clients whose needs are all closed, one with an open need, one without needs."""
    built = bootstrap(_settings(env))
    try:
        app = built.services
        town = make_town(app)
        closed = []
        for _ in range(2):
            client = make_client(app, town.care_manager)
            for _ in range(2):
                need = make_need(app, town, client)
                app.needs.close(
                    need.id, Outcome.MOVED_AWAY, "転居", need.version, town.care_manager
                )
            closed.append(client.id)
        still_open = make_client(app, town.care_manager)
        need = make_need(app, town, still_open)
        app.needs.close(need.id, Outcome.MOVED_AWAY, "転居", need.version, town.care_manager)
        make_need(app, town, still_open)
        without_needs = make_client(app, town.care_manager)
        return closed, still_open.id, without_needs.id
    finally:
        built.close()


def _erased(env: dict[str, str], client_id: UUID) -> bool:
    built = bootstrap(_settings(env))
    try:
        return built.services.clients.get(client_id, SYSTEM_ACTOR).erased
    finally:
        built.close()


def test_a_dry_run_reports_who_would_be_erased_and_erases_nobody(env: dict[str, str]) -> None:
    closed, still_open, without_needs = _clients(env)
    tomorrow = (today_in_japan(utc_now) + timedelta(days=1)).isoformat()

    result = tsunagu(env, "privacy", "erase-expired", "--closed-before", tomorrow)

    assert result.exit_code == 0, result.output
    assert "dry run: 2 clients" in result.output
    for client_id in closed:
        assert str(client_id) in result.output
    assert str(still_open) not in result.output
    assert str(without_needs) not in result.output
    assert not any(_erased(env, c) for c in closed)


def test_apply_erases_the_clients_past_retention_only(env: dict[str, str]) -> None:
    closed, still_open, without_needs = _clients(env)
    tomorrow = (today_in_japan(utc_now) + timedelta(days=1)).isoformat()

    early = tsunagu(env, "privacy", "erase-expired", "--closed-before", "2020-01-01", "--apply")
    assert "0 of 0 clients" in early.output
    result = tsunagu(env, "privacy", "erase-expired", "--closed-before", tomorrow, "--apply")

    assert result.exit_code == 0, result.output
    assert "2 of 2 clients whose needs were all closed before" in result.output
    assert all(_erased(env, c) for c in closed)
    assert not _erased(env, still_open)
    assert not _erased(env, without_needs)
    again = tsunagu(env, "privacy", "erase-expired", "--closed-before", tomorrow)
    assert "dry run: 0 clients" in again.output


def test_a_date_is_required_and_checked(env: dict[str, str]) -> None:
    assert tsunagu(env, "privacy", "erase-expired").exit_code == 2
    result = tsunagu(env, "privacy", "erase-expired", "--closed-before", "31/12/2020")
    assert result.exit_code == 2
    assert "YYYY-MM-DD" in result.output or "%Y-%m-%d" in result.output


def test_rotating_the_master_key_rewraps_every_data_key(
    env: dict[str, str], tmp_path: Path
) -> None:
    closed, still_open, _ = _clients(env)
    new_key = token_hex(32)
    key_file = tmp_path / "new_master_key"
    key_file.write_text(new_key, encoding="ascii")

    result = tsunagu(env, "privacy", "rotate-master-key", "--new-key-file", str(key_file))

    assert result.exit_code == 0, result.output
    assert "re-wrapped 4 data keys" in result.output
    rotated = Settings(**{**_settings(env).__dict__, "master_key": new_key})
    built = bootstrap(rotated)
    try:
        client = built.services.clients.get(still_open, SYSTEM_ACTOR)
        assert client.personal is not None
        assert client.personal.name == "山田 花子"
    finally:
        built.close()
    stale = bootstrap(_settings(env))
    try:
        with pytest.raises(ValueError, match="master key"):
            stale.services.clients.get(closed[0], SYSTEM_ACTOR)
    finally:
        stale.close()
