"""Signing in safely through AccountCases: throttling with exponential backoff, the
cost of unknown usernames, the password policy, changing and resetting passwords,
token kinds and the list of one's sessions; on the fakes of ``tests.fakes``."""

from __future__ import annotations

from datetime import timedelta

import pytest

from application.accounts import TokenKind
from application.security import SYSTEM_ACTOR
from application.sign_in import SignInEvent, SignInThrottledError, address_key
from domain.user import User
from domain.values import Role
from tests.builders import PASSWORD, Town
from tests.fakes import FakePasswords, Features, in_memory_features, refusal_of, settle_town

NEW_PASSWORD = "a fresh and longer secret"
OFFICE = "192.0.2.10"


class CountingPasswords(FakePasswords):
    """FakePasswords that count how many passwords were checked."""

    def __init__(self) -> None:
        self.verified = 0

    def verify(self, password_hash: str, password: str) -> bool:
        self.verified += 1
        return super().verify(password_hash, password)


@pytest.fixture
def passwords() -> CountingPasswords:
    return CountingPasswords()


@pytest.fixture
def app(passwords: CountingPasswords) -> Features:
    return in_memory_features(passwords=passwords)


@pytest.fixture
def town(app: Features) -> Town:
    return settle_town(app)


def _fail(app: Features, times: int, username: str = "sc", address: str = OFFICE) -> None:
    for _ in range(times):
        refused = refusal_of(lambda: app.accounts.issue_token(username, "wrong guess", address))
        assert refused.code == "auth.invalid_credentials"


def _throttled(app: Features, username: str = "sc", address: str = OFFICE) -> int:
    with pytest.raises(SignInThrottledError) as refused:
        app.accounts.issue_token(username, PASSWORD, address)
    assert refused.value.code == "auth.throttled"
    return refused.value.retry_after


# -- throttling ------------------------------------------------------------------------------


def test_five_failures_lock_the_account_even_for_the_right_password(
    app: Features, town: Town
) -> None:
    _fail(app, 5)

    assert _throttled(app) == 30


def test_four_failures_do_not_lock_the_account(app: Features, town: Town) -> None:
    _fail(app, 4)

    assert app.accounts.issue_token("sc", PASSWORD, OFFICE).username == "sc"


def test_a_locked_account_is_refused_without_checking_the_password(
    app: Features, town: Town, passwords: CountingPasswords
) -> None:
    _fail(app, 5)
    checked = passwords.verified

    _throttled(app)

    assert passwords.verified == checked
    assert app.attempts.keys["account:sc"].failures == 5


def test_the_lock_is_per_account_not_for_other_accounts(app: Features, town: Town) -> None:
    _fail(app, 5)

    assert app.accounts.issue_token("boss", PASSWORD, OFFICE).username == "boss"


def test_each_failure_after_the_lock_doubles_it(app: Features, town: Town) -> None:
    locks = []
    _fail(app, 5)
    for _ in range(4):
        locks.append(_throttled(app))
        app.clock.advance(timedelta(seconds=locks[-1]))
        _fail(app, 1)

    assert locks == [30, 60, 120, 240]


def test_the_lock_never_exceeds_fifteen_minutes(app: Features, town: Town) -> None:
    _fail(app, 5)
    for _ in range(12):
        app.clock.advance(timedelta(minutes=15))
        _fail(app, 1)

    assert _throttled(app) == 15 * 60


def test_the_right_password_after_the_lock_signs_in_and_forgets_the_failures(
    app: Features, town: Town
) -> None:
    _fail(app, 5)
    app.clock.advance(timedelta(seconds=30))

    app.accounts.issue_token("sc", PASSWORD, OFFICE)
    _fail(app, 4)

    assert app.accounts.issue_token("sc", PASSWORD, OFFICE).username == "sc"


def test_failures_are_forgotten_an_hour_after_the_last_one(app: Features, town: Town) -> None:
    _fail(app, 4)
    app.clock.advance(timedelta(hours=1, seconds=1))

    _fail(app, 4)

    assert app.accounts.issue_token("sc", PASSWORD, OFFICE).username == "sc"


def test_unknown_usernames_are_locked_like_known_ones(app: Features, town: Town) -> None:
    _fail(app, 5, username="nobody")

    assert _throttled(app, username="nobody") == 30


def test_an_unknown_username_costs_one_password_check_like_a_known_one(
    app: Features, town: Town, passwords: CountingPasswords
) -> None:
    refusal_of(lambda: app.accounts.issue_token("nobody", PASSWORD, OFFICE))
    unknown = passwords.verified
    refusal_of(lambda: app.accounts.issue_token("sc", "wrong guess", OFFICE))

    assert (unknown, passwords.verified) == (1, 2)


def test_an_address_is_locked_after_thirty_failures_on_any_accounts(
    app: Features, town: Town
) -> None:
    for n in range(30):
        _fail(app, 1, username=f"guess-{n}")

    assert _throttled(app, username="boss") == 30
    assert app.accounts.issue_token("boss", PASSWORD, "198.51.100.7").username == "boss"


def test_a_success_does_not_clear_the_failures_of_the_address(app: Features, town: Town) -> None:
    for n in range(29):
        _fail(app, 1, username=f"guess-{n}")
    app.accounts.issue_token("boss", PASSWORD, OFFICE)

    _fail(app, 1, username="guess-last")

    assert _throttled(app, username="audit") == 30


def test_changing_a_password_is_throttled_like_signing_in(app: Features, town: Town) -> None:
    _fail(app, 5)

    with pytest.raises(SignInThrottledError):
        app.accounts.change_password("sc", PASSWORD, NEW_PASSWORD, OFFICE)


@pytest.mark.parametrize(
    ("address", "key"),
    [
        ("192.0.2.10", "address:192.0.2.10"),
        ("2001:db8:1:2:aaaa::1", "address:2001:db8:1:2::/64"),
        ("2001:db8:1:2:bbbb::9", "address:2001:db8:1:2::/64"),
        ("::ffff:192.0.2.10", "address:192.0.2.10"),
        ("", None),
    ],
    ids=["ipv4", "ipv6", "same-ipv6-network", "ipv4-mapped", "none"],
)
def test_addresses_are_counted_per_ipv4_address_and_per_ipv6_network(
    address: str, key: str | None
) -> None:
    assert address_key(address) == key


# -- the sign-in log -----------------------------------------------------------------------


def test_failures_and_lockouts_are_recorded_for_administrators(app: Features, town: Town) -> None:
    _fail(app, 5)
    _fail(app, 1, username="nobody")

    records = app.accounts.sign_in_failures(town.admin)

    assert [(r.event, r.username, r.known_user, r.locked) for r in records[:3]] == [
        (SignInEvent.FAILED, "nobody", False, None),
        (SignInEvent.LOCKED, "sc", True, "account"),
        (SignInEvent.FAILED, "sc", True, None),
    ]
    assert records[1].locked_until == app.clock.now + timedelta(seconds=30)
    assert {r.address for r in records} == {OFFICE}
    assert len(records) == 7


@pytest.mark.parametrize("who", ["care_manager", "coordinator", "supervisor", "auditor"])
def test_the_sign_in_log_is_for_administrators_only(app: Features, town: Town, who: str) -> None:
    refused = refusal_of(lambda: app.accounts.sign_in_failures(getattr(town, who)))

    assert refused.code == "permission.denied"


# -- the password policy -------------------------------------------------------------------

WEAK_PASSWORDS = [
    ("eleven char", "password.too_short"),
    ("x" * 201, "value.too_long"),
    ("tanaka-is-my-name", "password.contains_username"),
    ("my TANAKA password", "password.contains_username"),
    ("aaaaaaaaaaaaaaaa", "password.repetitive"),
    ("abcabcabcabcabc", "password.repetitive"),
    ("112211221122", "password.repetitive"),
    ("password1234", "password.too_common"),
    ("123456789012", "password.too_common"),
]


@pytest.mark.parametrize(
    ("password", "code"),
    WEAK_PASSWORDS,
    ids=[
        "too-short",
        "too-long",
        "contains-username",
        "contains-username-in-capitals",
        "one-character",
        "repeated-unit",
        "few-characters",
        "common",
        "digits",
    ],
)
def test_a_new_user_is_refused_a_weak_password(
    app: Features, town: Town, password: str, code: str
) -> None:
    head = app.head()

    refused = refusal_of(
        lambda: app.accounts.create_user("tanaka", password, [Role.AUDITOR], town.admin)
    )

    assert (refused.code, refused.params["field"]) == (code, "password")
    assert app.head() == head


def test_a_password_of_twelve_characters_is_accepted(app: Features, town: Town) -> None:
    app.accounts.create_user("tanaka", "kawa-no-oto2", [Role.AUDITOR], town.admin)

    assert app.accounts.issue_token("tanaka", "kawa-no-oto2").username == "tanaka"


def test_a_password_set_before_the_policy_still_signs_in(app: Features, town: Town) -> None:
    old = User.create(
        "veteran", FakePasswords().hash("12345678"), [Role.AUDITOR], SYSTEM_ACTOR.user_id
    )
    app.store.save(old)

    assert app.accounts.issue_token("veteran", "12345678").username == "veteran"


# -- changing one's password ----------------------------------------------------------------


def test_change_password_replaces_the_password(app: Features, town: Town) -> None:
    app.accounts.change_password("sc", PASSWORD, NEW_PASSWORD)

    assert app.accounts.issue_token("sc", NEW_PASSWORD).username == "sc"
    assert refusal_of(lambda: app.accounts.issue_token("sc", PASSWORD)).code == (
        "auth.invalid_credentials"
    )


def test_change_password_records_password_changed_by_the_user(app: Features, town: Town) -> None:
    app.accounts.change_password("sc", PASSWORD, NEW_PASSWORD)

    event = app.store.stream(User.id_for("sc"))[-1]
    assert (type(event), event.actor) == (User.PasswordChanged, town.coordinator.user_id)


def test_change_password_ends_every_other_token_and_session(app: Features, town: Town) -> None:
    api = app.accounts.issue_token("sc", PASSWORD).token
    browser = app.accounts.sign_in("sc", PASSWORD).token

    new = app.accounts.change_password("sc", PASSWORD, NEW_PASSWORD, kind=TokenKind.SESSION)

    assert refusal_of(lambda: app.accounts.authenticate(api)).code == "auth.token_invalid"
    assert refusal_of(lambda: app.accounts.session_user(browser)).code == "auth.token_invalid"
    assert app.accounts.session_user(new.token).actor == town.coordinator


def test_change_password_leaves_other_users_signed_in(app: Features, town: Town) -> None:
    other = app.accounts.issue_token("boss", PASSWORD).token

    app.accounts.change_password("sc", PASSWORD, NEW_PASSWORD)

    assert app.accounts.authenticate(other) == town.supervisor


def test_change_password_is_refused_without_the_current_password(app: Features, town: Town) -> None:
    head = app.head()

    refused = refusal_of(lambda: app.accounts.change_password("sc", "not it", NEW_PASSWORD))

    assert refused.code == "auth.invalid_credentials"
    assert app.head() == head
    assert app.attempts.keys["account:sc"].failures == 1


@pytest.mark.parametrize(("password", "code"), WEAK_PASSWORDS[:2] + WEAK_PASSWORDS[-2:])
def test_change_password_applies_the_policy_to_the_new_password(
    app: Features, town: Town, password: str, code: str
) -> None:
    refused = refusal_of(lambda: app.accounts.change_password("sc", PASSWORD, password))

    assert (refused.code, refused.params["field"]) == (code, "new_password")


def test_change_password_refuses_the_username_in_the_new_password(
    app: Features, town: Town
) -> None:
    refused = refusal_of(lambda: app.accounts.change_password("sc", PASSWORD, "sc-and-more-words"))

    assert refused.code == "password.contains_username"


def test_change_password_refuses_the_current_password(app: Features, town: Town) -> None:
    refused = refusal_of(lambda: app.accounts.change_password("sc", PASSWORD, PASSWORD))

    assert (refused.code, refused.params["field"]) == ("password.unchanged", "new_password")


# -- an administrator's reset ---------------------------------------------------------------


def test_reset_password_gives_a_temporary_password_that_only_lets_the_user_change_it(
    app: Features, town: Town
) -> None:
    reset = app.accounts.reset_password("sc", None, town.admin)

    assert len(reset.temporary_password) >= 16
    refused = refusal_of(lambda: app.accounts.issue_token("sc", reset.temporary_password))
    assert refused.code == "auth.password_change_required"
    refused = refusal_of(lambda: app.accounts.sign_in("sc", reset.temporary_password))
    assert refused.code == "auth.password_change_required"


def test_reset_password_records_password_reset_by_the_administrator(
    app: Features, town: Town
) -> None:
    reset = app.accounts.reset_password("sc", None, town.admin)

    event = app.store.stream(User.id_for("sc"))[-1]
    assert (type(event), event.actor) == (User.PasswordReset, town.admin.user_id)
    assert reset.user.version == event.originator_version
    assert reset.temporary_password not in repr(event)


def test_after_a_reset_changing_the_password_signs_in_again(app: Features, town: Town) -> None:
    reset = app.accounts.reset_password("sc", None, town.admin)

    new = app.accounts.change_password("sc", reset.temporary_password, NEW_PASSWORD)

    assert app.accounts.authenticate(new.token) == town.coordinator
    assert app.accounts.issue_token("sc", NEW_PASSWORD).username == "sc"


def test_reset_password_ends_the_users_tokens_and_sessions(app: Features, town: Town) -> None:
    token = app.accounts.issue_token("sc", PASSWORD).token

    app.accounts.reset_password("sc", None, town.admin)

    assert refusal_of(lambda: app.accounts.authenticate(token)).code == "auth.token_invalid"


def test_reset_password_lifts_the_lock_of_the_account(app: Features, town: Town) -> None:
    _fail(app, 5)

    reset = app.accounts.reset_password("sc", None, town.admin)

    token = app.accounts.change_password("sc", reset.temporary_password, NEW_PASSWORD, OFFICE)
    assert token.username == "sc"


def test_reset_password_is_refused_when_the_user_changed_since_it_was_read(
    app: Features, town: Town
) -> None:
    read = app.accounts.get_user("sc", town.admin)
    app.accounts.grant_role("sc", Role.AUDITOR, read.version, town.admin, "役割の見直し")

    refused = refusal_of(lambda: app.accounts.reset_password("sc", read.version, town.admin))

    assert refused.code == "user.version_conflict"


@pytest.mark.parametrize("who", ["care_manager", "coordinator", "supervisor", "auditor"])
def test_reset_password_is_for_administrators_only(app: Features, town: Town, who: str) -> None:
    refused = refusal_of(lambda: app.accounts.reset_password("boss", None, getattr(town, who)))

    assert refused.code == "permission.denied"


# -- token kinds and sessions ---------------------------------------------------------------


def test_a_browser_sessions_token_is_not_an_api_token(app: Features, town: Town) -> None:
    session = app.accounts.sign_in("sc", PASSWORD).token

    assert refusal_of(lambda: app.accounts.authenticate(session)).code == "auth.token_invalid"


def test_an_api_token_is_not_a_browser_session(app: Features, town: Town) -> None:
    token = app.accounts.issue_token("sc", PASSWORD).token

    assert refusal_of(lambda: app.accounts.session_user(token)).code == "auth.token_invalid"


def test_sessions_lists_the_users_valid_tokens_and_sessions_newest_first(
    app: Features, town: Town
) -> None:
    app.accounts.issue_token("sc", PASSWORD, label="curl/8.5")
    app.clock.advance(timedelta(minutes=1))
    browser = app.accounts.sign_in("sc", PASSWORD, label="Firefox").token
    app.accounts.issue_token("boss", PASSWORD)

    sessions = app.accounts.sessions(town.coordinator, current_token=browser)

    assert [(s.kind, s.label, s.current) for s in sessions] == [
        (TokenKind.SESSION, "Firefox", True),
        (TokenKind.API, "curl/8.5", False),
    ]


def test_sessions_leaves_out_expired_and_revoked_tokens(app: Features, town: Town) -> None:
    ended = app.accounts.issue_token("sc", PASSWORD).token
    app.accounts.revoke_token(ended)
    app.accounts.issue_token_for("sc", ttl=timedelta(minutes=1))
    app.clock.advance(timedelta(minutes=2))

    assert app.accounts.sessions(town.coordinator) == []


def test_end_session_ends_that_token_only(app: Features, town: Town) -> None:
    ended = app.accounts.issue_token("sc", PASSWORD).token
    kept = app.accounts.issue_token("sc", PASSWORD).token
    handle = next(s.id for s in app.accounts.sessions(town.coordinator, ended) if s.current)

    app.accounts.end_session(handle, town.coordinator)

    assert refusal_of(lambda: app.accounts.authenticate(ended)).code == "auth.token_invalid"
    assert app.accounts.authenticate(kept) == town.coordinator


def test_end_session_cannot_end_another_users_session(app: Features, town: Town) -> None:
    token = app.accounts.issue_token("boss", PASSWORD).token
    handle = app.accounts.sessions(town.supervisor)[0].id

    refused = refusal_of(lambda: app.accounts.end_session(handle, town.coordinator))

    assert refused.code == "session.not_found"
    assert app.accounts.authenticate(token) == town.supervisor
