"""The stores behind signing in, on each backend: the attempt store's contract (SQL on
SQLite and PostgreSQL, and Redis), the sign-in log, and token kinds in SQL."""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import uuid4

import pytest
import redis
import sqlalchemy as sa

from application.accounts import TokenKind
from application.errors import AuthenticationError
from application.sign_in import AttemptStore, SignInEvent, SignInRecord, SignInThrottledError
from domain.values import UserId
from infrastructure.sign_in import (
    RedisAttemptStore,
    SqlAttemptStore,
    SqlSignInLog,
    sign_in_attempts,
)
from infrastructure.tokens import SqlTokenStore
from infrastructure.views.schema import api_tokens
from interfaces.bootstrap import Container, Settings, bootstrap
from tests.conftest import BACKENDS, POSTGRES_URL, _drop_schema

REDIS_URL = os.environ.get("TSUNAGU_TEST_REDIS_URL", "").strip()
"""Set: the Redis tests run against it and fail when it does not answer. Unset: they
run against a local Redis on 127.0.0.1:6379 when there is one."""

NOW = datetime(2026, 11, 27, 1, 0, tzinfo=UTC)
HOUR_AGO = NOW - timedelta(hours=1)
USER = UserId(uuid4())


def _container(backend: str, directory: Path) -> tuple[Container, str | None]:
    if backend == "sqlite":
        url = f"sqlite:///{directory / 'tsunagu.sqlite3'}"
        return bootstrap(Settings(database_url=url, secret_key="test", fast_passwords=True)), None
    schema = f"test_{uuid4().hex[:16]}"
    settings = Settings(
        database_url=POSTGRES_URL, db_schema=schema, secret_key="test", fast_passwords=True
    )
    return bootstrap(settings), schema


@pytest.fixture
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Container]:
    container, schema = _container(request.param, tmp_path)
    try:
        yield container
    finally:
        container.close()
        if schema is not None:
            _drop_schema(schema)


def _redis() -> redis.Redis:
    client = redis.Redis.from_url(REDIS_URL or "redis://127.0.0.1:6379/0", socket_timeout=2)
    try:
        client.ping()
    except redis.ConnectionError:
        if REDIS_URL:
            raise
        pytest.skip("no Redis on 127.0.0.1:6379 (set TSUNAGU_TEST_REDIS_URL to require one)")
    return client


@pytest.fixture(params=[*BACKENDS, "redis"])
def attempts(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[AttemptStore]:
    if request.param == "redis":
        client = _redis()
        prefix = f"tsunagu-test:{uuid4().hex}:"
        try:
            yield RedisAttemptStore(client, prefix)
        finally:
            for key in client.scan_iter(match=prefix + "*"):
                client.delete(key)
            client.close()
        return
    container, schema = _container(request.param, tmp_path)
    try:
        yield SqlAttemptStore(container.projections.writer)
    finally:
        container.close()
        if schema is not None:
            _drop_schema(schema)


# -- the attempt store's contract --------------------------------------------------------------


def test_failures_of_a_key_are_counted(attempts: AttemptStore) -> None:
    counts = [attempts.add_failure("account:sc", NOW, HOUR_AGO) for _ in range(3)]

    assert counts == [1, 2, 3]


def test_keys_are_counted_apart(attempts: AttemptStore) -> None:
    attempts.add_failure("account:sc", NOW, HOUR_AGO)

    assert attempts.add_failure("address:192.0.2.1", NOW, HOUR_AGO) == 1


def test_failures_older_than_forget_before_start_again_at_one(attempts: AttemptStore) -> None:
    attempts.add_failure("account:sc", NOW, HOUR_AGO)
    attempts.add_failure("account:sc", NOW, HOUR_AGO)
    later = NOW + timedelta(hours=2)

    assert attempts.add_failure("account:sc", later, later - timedelta(hours=1)) == 1


def test_a_key_without_a_lock_is_not_locked(attempts: AttemptStore) -> None:
    attempts.add_failure("account:sc", NOW, HOUR_AGO)

    assert attempts.locked_until(["account:sc", "address:192.0.2.1"], NOW) is None


def test_locked_until_gives_the_latest_lock_of_the_keys(attempts: AttemptStore) -> None:
    for key in ("account:sc", "address:192.0.2.1"):
        attempts.add_failure(key, NOW, HOUR_AGO)
    attempts.lock("account:sc", NOW + timedelta(seconds=30), NOW)
    attempts.lock("address:192.0.2.1", NOW + timedelta(seconds=90), NOW)

    until = attempts.locked_until(["account:sc", "address:192.0.2.1"], NOW)

    assert until == NOW + timedelta(seconds=90)


def test_a_lock_ends_when_its_time_has_passed(attempts: AttemptStore) -> None:
    attempts.add_failure("account:sc", NOW, HOUR_AGO)
    attempts.lock("account:sc", NOW + timedelta(seconds=30), NOW)

    assert attempts.locked_until(["account:sc"], NOW + timedelta(seconds=30)) is None


def test_a_shorter_lock_does_not_shorten_a_longer_one(attempts: AttemptStore) -> None:
    attempts.add_failure("account:sc", NOW, HOUR_AGO)
    attempts.lock("account:sc", NOW + timedelta(minutes=5), NOW)

    attempts.lock("account:sc", NOW + timedelta(seconds=30), NOW)

    assert attempts.locked_until(["account:sc"], NOW) == NOW + timedelta(minutes=5)


def test_clear_forgets_failures_and_lock(attempts: AttemptStore) -> None:
    attempts.add_failure("account:sc", NOW, HOUR_AGO)
    attempts.lock("account:sc", NOW + timedelta(minutes=5), NOW)

    attempts.clear("account:sc")

    assert attempts.locked_until(["account:sc"], NOW) is None
    assert attempts.add_failure("account:sc", NOW, HOUR_AGO) == 1


def test_concurrent_failures_are_all_counted(attempts: AttemptStore) -> None:
    def fail() -> None:
        for _ in range(5):
            attempts.add_failure("account:sc", NOW, HOUR_AGO)

    threads = [threading.Thread(target=fail) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert attempts.add_failure("account:sc", NOW, HOUR_AGO) == 21


# -- the sign-in log -----------------------------------------------------------------------


@pytest.mark.parametrize("database", BACKENDS, indirect=True)
def test_the_sign_in_log_gives_the_newest_records_first(database: Container) -> None:
    log = SqlSignInLog(database.projections.writer)
    failed = SignInRecord(NOW, SignInEvent.FAILED, "sc", "192.0.2.1", True)
    locked = SignInRecord(
        NOW,
        SignInEvent.LOCKED,
        "sc",
        "192.0.2.1",
        True,
        locked_until=NOW + timedelta(seconds=30),
        locked="account",
    )
    log.record(failed)
    log.record(locked)

    assert log.recent(10) == [locked, failed]
    assert log.recent(1) == [locked]


@pytest.mark.parametrize("database", BACKENDS, indirect=True)
def test_the_sign_in_log_drops_records_older_than_ninety_days(database: Container) -> None:
    log = SqlSignInLog(database.projections.writer)
    log.record(SignInRecord(NOW, SignInEvent.FAILED, "old", "192.0.2.1", True))

    later = SignInRecord(NOW + timedelta(days=91), SignInEvent.FAILED, "new", "192.0.2.1", False)
    log.record(later)

    assert log.recent(10) == [later]


# -- token kinds ---------------------------------------------------------------------------


@pytest.fixture
def tokens(database: Container) -> SqlTokenStore:
    return SqlTokenStore(database.projections.reader, database.projections.writer)


def _issue(tokens: SqlTokenStore, kind: TokenKind, label: str = "") -> str:
    return tokens.issue(USER, kind, NOW, NOW + timedelta(hours=1), label)


@pytest.mark.parametrize("database", BACKENDS, indirect=True)
@pytest.mark.parametrize("kind", list(TokenKind))
def test_a_token_is_found_only_as_its_own_kind(tokens: SqlTokenStore, kind: TokenKind) -> None:
    token = _issue(tokens, kind)
    other = next(k for k in TokenKind if k is not kind)

    assert (tokens.lookup(token, kind, NOW), tokens.lookup(token, other, NOW)) == (USER, None)


@pytest.mark.parametrize("database", BACKENDS, indirect=True)
def test_a_token_issued_before_kinds_existed_is_an_api_token(
    tokens: SqlTokenStore, database: Container
) -> None:
    legacy = "a-token-of-release-0.1.0"
    with database.projections.writer.begin() as conn:
        conn.execute(
            api_tokens.insert().values(
                digest=hashlib.sha256(legacy.encode()).hexdigest(),
                user_id=USER,
                issued_at=NOW,
                expires_at=NOW + timedelta(hours=1),
                revoked=False,
            )
        )

    assert tokens.lookup(legacy, TokenKind.API, NOW) == USER
    assert tokens.lookup(legacy, TokenKind.SESSION, NOW) is None
    assert [(t.kind, t.label) for t in tokens.active(USER, NOW)] == [(TokenKind.API, "")]


@pytest.mark.parametrize("database", BACKENDS, indirect=True)
def test_active_lists_valid_tokens_with_their_handles(tokens: SqlTokenStore) -> None:
    api = _issue(tokens, TokenKind.API, "curl/8.5")
    session = _issue(tokens, TokenKind.SESSION, "Firefox")
    tokens.revoke(_issue(tokens, TokenKind.API))

    listed = {(t.id, t.kind, t.label) for t in tokens.active(USER, NOW)}

    assert listed == {
        (tokens.handle(api), TokenKind.API, "curl/8.5"),
        (tokens.handle(session), TokenKind.SESSION, "Firefox"),
    }
    assert tokens.active(USER, NOW + timedelta(hours=1)) == []


@pytest.mark.parametrize("database", BACKENDS, indirect=True)
def test_revoke_handle_revokes_only_that_users_token(tokens: SqlTokenStore) -> None:
    token = _issue(tokens, TokenKind.API)
    handle = tokens.handle(token)

    assert tokens.revoke_handle(UserId(uuid4()), handle) is False
    assert tokens.revoke_handle(USER, "%" * 16) is False
    assert tokens.revoke_handle(USER, handle) is True
    assert tokens.lookup(token, TokenKind.API, NOW) is None


def test_sign_in_and_token_kinds_add_new_tables_and_leave_api_tokens_as_it_was() -> None:
    from infrastructure import sign_in, tokens

    added = {sign_in.sign_in_attempts.name, sign_in.sign_in_log.name, tokens.token_kinds.name}

    assert added == {"sign_in_attempts", "sign_in_log", "token_kinds"}
    assert sa.inspect(api_tokens).columns.keys() == [
        "digest",
        "user_id",
        "issued_at",
        "expires_at",
        "revoked",
    ]


# -- wiring ----------------------------------------------------------------------------------


def test_with_tsunagu_redis_url_sign_in_failures_are_counted_in_redis(tmp_path: Path) -> None:
    client = _redis()
    url = REDIS_URL or "redis://127.0.0.1:6379/0"
    settings = Settings.from_env(
        {
            "DATABASE_URL": f"sqlite:///{tmp_path / 'tsunagu.sqlite3'}",
            "TSUNAGU_SECRET_KEY": "test",
            "TSUNAGU_FAST_PASSWORDS": "1",
            "TSUNAGU_REDIS_URL": url,
        },
        instance_path=str(tmp_path),
    )
    container = bootstrap(settings)
    username = f"nobody-{uuid4().hex[:12]}"
    key = f"tsunagu:sign-in:account:{username}"
    try:
        for _ in range(5):
            with pytest.raises(AuthenticationError):
                container.services.accounts.issue_token(username, "guess")
        with pytest.raises(SignInThrottledError):
            container.services.accounts.issue_token(username, "guess")

        assert int(client.hget(key, "failures") or 0) == 5
        with container.projections.reader.connect() as conn:
            rows = conn.execute(sa.select(sa.func.count()).select_from(sign_in_attempts))
            assert rows.scalar() == 0
    finally:
        client.delete(key)
        client.close()
        container.close()
