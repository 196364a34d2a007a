"""Accounts through AccountCases: users and roles, passwords, tokens and sessions;
on the in-memory event store and the fakes of ``tests.fakes``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from application.security import Actor
from domain.values import Role
from tests.builders import PASSWORD, Town
from tests.fakes import START, Features, in_memory_features, refusal_of, settle_town

TTL = timedelta(hours=12)


@pytest.fixture
def app() -> Features:
    return in_memory_features(token_ttl=TTL)


@pytest.fixture
def town(app: Features) -> Town:
    return settle_town(app)


def _refusal_to_authenticate(app: Features, token: str) -> str:
    return refusal_of(lambda: app.accounts.authenticate(token)).code


# -- users ---------------------------------------------------------------------------------------


def test_create_user_records_an_active_user_with_the_roles_given(app: Features, town: Town) -> None:
    user = app.accounts.create_user(
        "tanaka",
        "a long secret",
        [Role.CARE_MANAGER, Role.COORDINATOR],
        town.admin,
        center_code="c-south",
        display_name="田中 一郎",
    )

    assert (user.username, user.display_name, user.center_code) == (
        "tanaka",
        "田中 一郎",
        "c-south",
    )
    assert (user.roles, user.active, user.position) == (
        (Role.CARE_MANAGER, Role.COORDINATOR),
        True,
        app.head(),
    )


def test_create_user_keeps_only_a_hash_of_the_password(app: Features, town: Town) -> None:
    user = app.accounts.create_user("tanaka", "a long secret", [Role.AUDITOR], town.admin)

    events = app.store.stream(user.id)

    assert "a long secret" not in repr(events)
    assert app.accounts.issue_token("tanaka", "a long secret").username == "tanaka"


def test_create_user_is_refused_when_the_username_is_taken(app: Features, town: Town) -> None:
    head = app.head()

    refused = refusal_of(
        lambda: app.accounts.create_user("sc", "a long secret", [Role.COORDINATOR], town.admin)
    )

    assert refused.code == "user.already_exists"
    assert app.head() == head


INVALID_USERS = [
    ("Has Space", "a long secret", [Role.COORDINATOR], None, "user.username_format", "username"),
    ("short-pw", "short", [Role.COORDINATOR], None, "password.too_short", "password"),
    ("long-pw", "x" * 201, [Role.COORDINATOR], None, "value.too_long", "password"),
    ("no-role", "a long secret", [], None, "user.roles_required", "role"),
    (
        "no-center",
        "a long secret",
        [Role.CARE_MANAGER],
        None,
        "user.center_required",
        "center_code",
    ),
    (
        "bad-center",
        "a long secret",
        [Role.COORDINATOR],
        "atlantis",
        "reference.unknown",
        "center_code",
    ),
]


@pytest.mark.parametrize(
    ("username", "password", "roles", "center", "code", "field"),
    INVALID_USERS,
    ids=[
        "bad-username",
        "short-password",
        "long-password",
        "no-role",
        "care-manager-without-center",
        "unknown-center",
    ],
)
def test_create_user_is_refused_when_a_field_is_invalid(
    app: Features,
    town: Town,
    username: str,
    password: str,
    roles: list[Role],
    center: str | None,
    code: str,
    field: str,
) -> None:
    head = app.head()

    refused = refusal_of(
        lambda: app.accounts.create_user(username, password, roles, town.admin, center_code=center)
    )

    assert (refused.code, refused.params["field"]) == (code, field)
    assert app.head() == head


ADMINISTRATION: dict[str, Callable[[Features, Actor], object]] = {
    "create": lambda app, who: app.accounts.create_user("x1", PASSWORD, [Role.AUDITOR], who),
    "list": lambda app, who: app.accounts.list_users(who),
    "grant": lambda app, who: app.accounts.grant_role(
        "boss", Role.AUDITOR, None, who, "役割の見直し"
    ),
    "revoke": lambda app, who: app.accounts.revoke_role(
        "boss", Role.SUPERVISOR, None, who, "役割の見直し"
    ),
    "deactivate": lambda app, who: app.accounts.deactivate_user("boss", "退職", None, who),
}


@pytest.mark.parametrize("use", ADMINISTRATION)
@pytest.mark.parametrize("who", ["care_manager", "coordinator", "supervisor", "auditor"])
def test_user_administration_is_refused_to_everyone_but_admins(
    app: Features, town: Town, who: str, use: str
) -> None:
    refused = refusal_of(lambda: ADMINISTRATION[use](app, getattr(town, who)))

    assert refused.code == "permission.denied"


def test_list_users_gives_every_user_by_username(app: Features, town: Town) -> None:
    users = app.accounts.list_users(town.admin)

    assert [u.username for u in users] == ["audit", "boss", "cm", "cm-south", "root", "sc"]


def test_coordinators_are_the_active_users_with_the_coordinator_role(
    app: Features, town: Town
) -> None:
    app.accounts.create_user("sc2", PASSWORD, [Role.COORDINATOR, Role.SUPERVISOR], town.admin)
    app.accounts.create_user("gone", PASSWORD, [Role.COORDINATOR], town.admin)
    app.accounts.deactivate_user("gone", "退職", None, town.admin)

    coordinators = app.accounts.coordinators(town.care_manager)

    assert [u.username for u in coordinators] == ["sc", "sc2"]


# -- roles ---------------------------------------------------------------------------------------


def test_grant_role_adds_the_role(app: Features, town: Town) -> None:
    user = app.accounts.grant_role("boss", Role.AUDITOR, None, town.admin, "役割の見直し")

    assert user.roles == (Role.SUPERVISOR, Role.AUDITOR)
    assert app.accounts.actor_for_username("boss").can("audit.read")


def test_revoke_role_removes_the_role(app: Features, town: Town) -> None:
    app.accounts.grant_role("boss", Role.AUDITOR, None, town.admin, "役割の見直し")

    user = app.accounts.revoke_role("boss", Role.SUPERVISOR, None, town.admin, "役割の見直し")

    assert user.roles == (Role.AUDITOR,)


def test_revoke_role_is_refused_for_the_last_role(app: Features, town: Town) -> None:
    refused = refusal_of(
        lambda: app.accounts.revoke_role("boss", Role.SUPERVISOR, None, town.admin, "役割の見直し")
    )

    assert refused.code == "user.last_role"


def test_grant_role_is_refused_when_the_user_changed_since_it_was_read(
    app: Features, town: Town
) -> None:
    read = app.accounts.get_user("boss", town.admin)
    app.accounts.grant_role("boss", Role.AUDITOR, read.version, town.admin, "役割の見直し")

    refused = refusal_of(
        lambda: app.accounts.grant_role(
            "boss", Role.COORDINATOR, read.version, town.admin, "役割の見直し"
        )
    )

    assert refused.code == "user.version_conflict"


def test_unknown_user_is_not_found(app: Features, town: Town) -> None:
    refused = refusal_of(lambda: app.accounts.get_user("nobody", town.admin))

    assert refused.code == "user.not_found"


# -- deactivation --------------------------------------------------------------------------------


def test_deactivate_user_ends_every_token_and_session_of_the_user(
    app: Features, town: Town
) -> None:
    tokens = [app.accounts.issue_token("sc", PASSWORD).token for _ in range(2)]

    app.accounts.deactivate_user("sc", "退職", None, town.admin)

    assert {_refusal_to_authenticate(app, t) for t in tokens} == {"auth.token_invalid"}


def test_deactivate_user_leaves_the_tokens_of_other_users_alone(app: Features, town: Town) -> None:
    token = app.accounts.issue_token("boss", PASSWORD).token

    app.accounts.deactivate_user("sc", "退職", None, town.admin)

    assert app.accounts.authenticate(token).username == "boss"


def test_deactivated_user_gets_no_token(app: Features, town: Town) -> None:
    app.accounts.deactivate_user("sc", "退職", None, town.admin)

    refused = refusal_of(lambda: app.accounts.issue_token("sc", PASSWORD))

    assert refused.code == "auth.user_deactivated"


def test_deactivating_your_own_account_is_refused(app: Features, town: Town) -> None:
    refused = refusal_of(lambda: app.accounts.deactivate_user("root", "退職", None, town.admin))

    assert (refused.code, refused.params["field"]) == ("user.self_deactivation", "username")


def test_deactivated_user_cannot_be_changed_again(app: Features, town: Town) -> None:
    app.accounts.deactivate_user("sc", "退職", None, town.admin)

    refused = refusal_of(
        lambda: app.accounts.grant_role("sc", Role.AUDITOR, None, town.admin, "役割の見直し")
    )

    assert refused.code == "user.inactive"


# -- tokens and sessions -------------------------------------------------------------------------


def test_issue_token_gives_a_token_valid_for_the_configured_time(app: Features, town: Town) -> None:
    issued = app.accounts.issue_token("sc", PASSWORD)

    assert (issued.username, issued.expires_at) == ("sc", START + TTL)
    assert app.accounts.authenticate(issued.token) == town.coordinator


@pytest.mark.parametrize(
    ("username", "password"),
    [("sc", "wrong password"), ("nobody", PASSWORD), ("sc", "")],
    ids=["wrong-password", "unknown-user", "empty-password"],
)
def test_issue_token_is_refused_for_wrong_credentials(
    app: Features, town: Town, username: str, password: str
) -> None:
    refused = refusal_of(lambda: app.accounts.issue_token(username, password))

    assert refused.code == "auth.invalid_credentials"


def test_token_authenticates_until_it_expires(app: Features, town: Town) -> None:
    token = app.accounts.issue_token("sc", PASSWORD).token
    app.clock.advance(TTL - timedelta(seconds=1))

    assert app.accounts.authenticate(token) == town.coordinator


@pytest.mark.parametrize(
    "after", [TTL + timedelta(seconds=1), TTL + timedelta(days=30)], ids=["just", "long"]
)
def test_expired_token_does_not_authenticate(app: Features, town: Town, after: timedelta) -> None:
    token = app.accounts.issue_token("sc", PASSWORD).token
    app.clock.advance(after)

    refused = refusal_of(lambda: app.accounts.authenticate(token))

    assert refused.code == "auth.token_invalid"


def test_revoke_token_signs_out_that_session_only(app: Features, town: Town) -> None:
    ended, kept = (app.accounts.sign_in("sc", PASSWORD).token for _ in range(2))

    app.accounts.revoke_token(ended)

    assert refusal_of(lambda: app.accounts.session_user(ended)).code == "auth.token_invalid"
    assert app.accounts.session_user(kept).actor == town.coordinator


def test_issue_token_for_an_administrator_needs_no_password(app: Features, town: Town) -> None:
    issued = app.accounts.issue_token_for("boss", ttl=timedelta(minutes=5))

    assert issued.expires_at == START + timedelta(minutes=5)
    assert app.accounts.authenticate(issued.token) == town.supervisor


def test_session_user_carries_the_display_name_and_chosen_language(
    app: Features, town: Town
) -> None:
    app.accounts.choose_language("en", town.coordinator)
    token = app.accounts.sign_in("sc", PASSWORD).token

    session = app.accounts.session_user(token)

    assert (session.actor, session.display_name, session.language) == (town.coordinator, "sc", "en")


def test_choose_language_is_refused_for_a_language_not_offered(app: Features, town: Town) -> None:
    refused = refusal_of(lambda: app.accounts.choose_language("fr", town.coordinator))

    assert (refused.code, refused.params["field"]) == ("value.not_an_option", "language")


def test_choosing_the_language_already_chosen_records_nothing(app: Features, town: Town) -> None:
    app.accounts.choose_language("ja", town.coordinator)
    head = app.head()

    app.accounts.choose_language("ja", town.coordinator)

    assert app.head() == head
