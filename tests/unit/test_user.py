"""User: accounts, their roles, and deactivation."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from domain.errors import InvalidValueError, UserInactiveError, UserRoleError
from domain.user import User
from domain.values import Role, derived_id
from tests.unit.aggregates import ACTOR


def new_user(*roles: Role, username: str = "sato", center_code: str | None = None) -> User:
    return User.create(
        username, "argon2-hash", list(roles) or [Role.COORDINATOR], ACTOR, center_code=center_code
    )


def deactivated_user() -> User:
    user = new_user(Role.COORDINATOR, Role.SUPERVISOR)
    user.deactivate("left the office", ACTOR)
    user.collect_events()
    return user


def test_create_records_created_and_one_role_granted_per_role() -> None:
    user = new_user(Role.COORDINATOR, Role.SUPERVISOR)

    assert [type(e) for e in user.collect_events()] == [
        User.Created,
        User.RoleGranted,
        User.RoleGranted,
    ]
    assert user.roles == [Role.COORDINATOR, Role.SUPERVISOR]


def test_create_grants_a_repeated_role_once() -> None:
    user = new_user(Role.AUDITOR, Role.AUDITOR)

    assert [type(e) for e in user.collect_events()] == [User.Created, User.RoleGranted]


def test_create_derives_the_id_from_the_username() -> None:
    user = new_user(username="sato")

    assert user.id == User.id_for("sato") == derived_id("user", "sato")


def test_create_uses_the_username_as_display_name_when_none_is_given() -> None:
    user = new_user(username="sato")

    assert user.display_name == "sato"


def test_create_is_refused_without_a_role() -> None:
    with pytest.raises(InvalidValueError) as refused:
        User.create("sato", "argon2-hash", [], ACTOR)

    assert refused.value.field == "role"


def test_create_is_refused_when_a_care_manager_has_no_center() -> None:
    with pytest.raises(InvalidValueError) as refused:
        User.create("tanaka", "argon2-hash", [Role.CARE_MANAGER], ACTOR)

    assert refused.value.field == "center_code"


def test_create_makes_a_care_manager_of_a_center() -> None:
    user = new_user(Role.CARE_MANAGER, center_code="c-north")

    assert (user.roles, user.center_code) == ([Role.CARE_MANAGER], "c-north")


@pytest.mark.parametrize(
    "username",
    ["ab", "sato", "sato.k", "sato_k", "sato-k", "0sato", "a" * 64],
)
def test_create_accepts_a_username_matching_the_pattern(username: str) -> None:
    user = new_user(username=username)

    assert user.username == username


@pytest.mark.parametrize(
    "username",
    [
        pytest.param("", id="empty"),
        pytest.param("a", id="too-short"),
        pytest.param("a" * 65, id="too-long"),
        pytest.param("Sato", id="upper-case"),
        pytest.param(".sato", id="leading-dot"),
        pytest.param("-sato", id="leading-dash"),
        pytest.param("sa to", id="space"),
        pytest.param("佐藤", id="non-ascii"),
        pytest.param("sato@example", id="at-sign"),
        pytest.param("sato\n", id="trailing-newline"),
    ],
)
def test_create_is_refused_when_the_username_breaks_the_pattern(username: str) -> None:
    with pytest.raises(InvalidValueError) as refused:
        new_user(username=username)

    assert refused.value.field == "username"


def test_grant_role_adds_the_role() -> None:
    user = new_user(Role.COORDINATOR)
    user.collect_events()

    user.grant_role(Role.SUPERVISOR, ACTOR, "役割の見直し")

    assert [type(e) for e in user.collect_events()] == [User.RoleGranted]
    assert user.has_role(Role.SUPERVISOR)


def test_grant_role_is_refused_when_the_user_already_has_it() -> None:
    user = new_user(Role.COORDINATOR)

    with pytest.raises(UserRoleError, match="already has role 'coordinator'"):
        user.grant_role(Role.COORDINATOR, ACTOR, "役割の見直し")


def test_grant_role_is_refused_for_a_care_manager_without_a_center() -> None:
    user = new_user(Role.COORDINATOR)

    with pytest.raises(InvalidValueError) as refused:
        user.grant_role(Role.CARE_MANAGER, ACTOR, "役割の見直し")

    assert refused.value.field == "center_code"


def test_revoke_role_removes_the_role() -> None:
    user = new_user(Role.COORDINATOR, Role.SUPERVISOR)
    user.collect_events()

    user.revoke_role(Role.SUPERVISOR, ACTOR, "役割の見直し")

    assert [type(e) for e in user.collect_events()] == [User.RoleRevoked]
    assert user.roles == [Role.COORDINATOR]


def test_revoke_role_is_refused_for_the_last_role() -> None:
    user = new_user(Role.COORDINATOR)

    with pytest.raises(UserRoleError, match="at least one role"):
        user.revoke_role(Role.COORDINATOR, ACTOR, "役割の見直し")

    assert user.roles == [Role.COORDINATOR]


def test_revoke_role_is_refused_when_the_user_lacks_it() -> None:
    user = new_user(Role.COORDINATOR, Role.SUPERVISOR)

    with pytest.raises(UserRoleError, match="does not have role 'admin'"):
        user.revoke_role(Role.ADMIN, ACTOR, "役割の見直し")


def test_change_password_keeps_the_new_hash() -> None:
    user = new_user()
    user.collect_events()

    user.change_password("new-argon2-hash", ACTOR)

    assert [type(e) for e in user.collect_events()] == [User.PasswordChanged]
    assert user.password_hash == "new-argon2-hash"


def test_a_new_user_need_not_change_their_password() -> None:
    assert new_user().must_change_password is False


def test_reset_password_keeps_the_new_hash_and_requires_a_change() -> None:
    user = new_user()
    user.collect_events()

    user.reset_password("temporary-argon2-hash", ACTOR)

    assert [type(e) for e in user.collect_events()] == [User.PasswordReset]
    assert (user.password_hash, user.must_change_password) == ("temporary-argon2-hash", True)


def test_changing_the_password_after_a_reset_ends_the_requirement() -> None:
    user = new_user()
    user.reset_password("temporary-argon2-hash", ACTOR)

    user.change_password("chosen-argon2-hash", user.id)

    assert (user.password_hash, user.must_change_password) == ("chosen-argon2-hash", False)


def test_deactivate_leaves_the_user_without_effective_roles() -> None:
    user = new_user(Role.ADMIN)

    user.deactivate("left the office", ACTOR)

    assert (user.active, user.has_role(Role.ADMIN)) == (False, False)


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(
            lambda user: user.grant_role(Role.AUDITOR, ACTOR, "役割の見直し"), id="grant_role"
        ),
        pytest.param(
            lambda user: user.revoke_role(Role.SUPERVISOR, ACTOR, "役割の見直し"), id="revoke_role"
        ),
        pytest.param(lambda user: user.change_password("h", ACTOR), id="change_password"),
        pytest.param(lambda user: user.reset_password("h", ACTOR), id="reset_password"),
        pytest.param(lambda user: user.deactivate("again", ACTOR), id="deactivate"),
    ],
)
def test_deactivated_user_refuses_every_change(change: Callable[[User], None]) -> None:
    user = deactivated_user()

    with pytest.raises(UserInactiveError, match="'sato' is deactivated"):
        change(user)

    assert user.collect_events() == []
