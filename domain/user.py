"""The User aggregate: a person who signs in, with roles.

Passwords arrive already hashed: hashing is infrastructure, the domain only
keeps the hash and its history.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

from eventsourcing.domain import event

from domain.base import TsunaguAggregate, require_text
from domain.errors import InvalidValueError, UserInactiveError, UserRoleError
from domain.values import Role, UserId, derived_id

USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")

LANGUAGES = ("ja", "en")
"""Languages a user may choose for the screens (ja is the default)."""


class User(TsunaguAggregate):
    """A user account. The id derives from the username, which never changes."""

    # Event classes, made by the @event decorators below (declared for type checkers).
    Created: ClassVar[type[Any]]
    PasswordChanged: ClassVar[type[Any]]
    PasswordReset: ClassVar[type[Any]]
    Deactivated: ClassVar[type[Any]]
    LanguageChosen: ClassVar[type[Any]]

    language: str | None = None
    """The screen language the user chose, or None (the browser decides)."""

    must_change_password: bool = False
    """An administrator reset the password: the user must choose a new one before
    anything else (the temporary password only lets them do that)."""

    @staticmethod
    def id_for(username: str) -> UserId:
        return UserId(derived_id("user", username))

    @event("Created")
    def __init__(
        self,
        id: UserId,
        username: str,
        display_name: str,
        center_code: str | None,
        password_hash: str,
        actor: UserId,
    ) -> None:
        self.username = username
        self.display_name = display_name
        self.center_code = center_code
        self.password_hash = password_hash
        self.roles: list[Role] = []
        self.active = True

    @classmethod
    def create(
        cls,
        username: str,
        password_hash: str,
        roles: list[Role],
        actor: UserId,
        center_code: str | None = None,
        display_name: str | None = None,
    ) -> User:
        """Create an account with its first roles (one event per role granted)."""
        if not USERNAME_PATTERN.fullmatch(username):
            raise InvalidValueError(
                "username",
                "use 2-64 lower-case letters, digits, '.', '_' or '-'",
                code="user.username_format",
            )
        if not roles:
            raise InvalidValueError(
                "role", "a user needs at least one role", code="user.roles_required"
            )
        if Role.CARE_MANAGER in roles and not center_code:
            raise InvalidValueError(
                "center_code",
                "a care manager belongs to a support center",
                code="user.center_required",
            )
        user = cls(
            id=cls.id_for(username),
            username=username,
            display_name=require_text("display_name", display_name or username, max_length=200),
            center_code=center_code,
            password_hash=password_hash,
            actor=actor,
        )
        for role in dict.fromkeys(roles):
            # Part of creating the account (the registration is the decision): no
            # reason of its own, unlike a later grant.
            user._role_granted(role=role, actor=actor, reason=None)
        return user

    def has_role(self, *roles: Role) -> bool:
        return self.active and any(role in self.roles for role in roles)

    def grant_role(self, role: Role, actor: UserId, reason: str) -> None:
        """Give the user another role, saying why (an auditor asks who got which rights)."""
        reason = require_text("reason", reason)
        self._require_active()
        if role in self.roles:
            raise UserRoleError(
                f"user {self.username!r} already has role {role.value!r}",
                code="user.role_already_granted",
                role=role.value,
            )
        if role is Role.CARE_MANAGER and not self.center_code:
            raise InvalidValueError(
                "center_code",
                "a care manager belongs to a support center",
                code="user.center_required",
            )
        self._role_granted(role=role, actor=actor, reason=reason)

    class RoleGranted(TsunaguAggregate.Event):
        # 2: the reason (None in events stored before, and for an account's first roles).
        class_version = 2
        role: Role
        actor: UserId
        reason: str | None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["reason"] = None

    @event(RoleGranted)
    def _role_granted(self, role: Role, actor: UserId, reason: str | None) -> None:
        self.roles.append(role)

    def revoke_role(self, role: Role, actor: UserId, reason: str) -> None:
        """Take a role away, saying why."""
        reason = require_text("reason", reason)
        self._require_active()
        if role not in self.roles:
            raise UserRoleError(
                f"user {self.username!r} does not have role {role.value!r}",
                code="user.role_not_held",
                role=role.value,
            )
        if len(self.roles) == 1:
            raise UserRoleError(
                "a user keeps at least one role; deactivate the user instead",
                code="user.last_role",
            )
        self._role_revoked(role=role, actor=actor, reason=reason)

    class RoleRevoked(TsunaguAggregate.Event):
        # 2: the reason (None in events stored before).
        class_version = 2
        role: Role
        actor: UserId
        reason: str | None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["reason"] = None

    @event(RoleRevoked)
    def _role_revoked(self, role: Role, actor: UserId, reason: str | None) -> None:
        self.roles.remove(role)

    def change_password(self, password_hash: str, actor: UserId) -> None:
        """The user chose a new password (which ends a forced change)."""
        self._require_active()
        self._password_changed(password_hash=password_hash, actor=actor)

    @event("PasswordChanged")
    def _password_changed(self, password_hash: str, actor: UserId) -> None:
        self.password_hash = password_hash
        self.must_change_password = False

    def reset_password(self, password_hash: str, actor: UserId) -> None:
        """An administrator set a temporary password; the user must change it at next sign-in."""
        self._require_active()
        self._password_reset(password_hash=password_hash, actor=actor)

    @event("PasswordReset")
    def _password_reset(self, password_hash: str, actor: UserId) -> None:
        self.password_hash = password_hash
        self.must_change_password = True

    def deactivate(self, reason: str, actor: UserId) -> None:
        self._require_active()
        self._deactivated(reason=require_text("reason", reason), actor=actor)

    @event("Deactivated")
    def _deactivated(self, reason: str, actor: UserId) -> None:
        self.active = False

    def choose_language(self, language: str, actor: UserId) -> bool:
        """Remember the screen language; returns whether anything changed."""
        self._require_active()
        if language not in LANGUAGES:
            raise InvalidValueError(
                "language", f"choose one of {', '.join(LANGUAGES)}", code="value.not_an_option"
            )
        if language == self.language:
            return False
        self._language_chosen(language=language, actor=actor)
        return True

    @event("LanguageChosen")
    def _language_chosen(self, language: str, actor: UserId) -> None:
        self.language = language

    def _require_active(self) -> None:
        if not self.active:
            raise UserInactiveError(self.username)
