"""Accounts: users and their roles, sign-in tokens, browser sessions, and the
usernames other features show."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol
from uuid import UUID

from application.common import Clock
from application.errors import AlreadyExistsError, AuthenticationError, VersionConflictError
from application.reference import References
from application.security import SYSTEM_ACTOR, Actor
from application.store import Aggregates
from domain.errors import InvalidValueError
from domain.user import User
from domain.values import Role, UserId

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 200
DEFAULT_TOKEN_TTL = timedelta(hours=12)


@dataclass(frozen=True)
class UserDTO:
    id: UUID
    version: int
    position: int | None
    username: str
    display_name: str
    roles: tuple[Role, ...]
    center_code: str | None
    active: bool


@dataclass(frozen=True)
class TokenDTO:
    token: str
    expires_at: datetime
    username: str


@dataclass(frozen=True)
class SessionUser:
    """Who is signed in to the screens."""

    actor: Actor
    display_name: str
    language: str | None


class PasswordHasher(Protocol):
    """One-way password hashing."""

    def hash(self, password: str) -> str:
        """Return a salted hash that :meth:`verify` accepts for ``password``."""

    def verify(self, password_hash: str, password: str) -> bool:
        """Whether ``password`` matches ``password_hash``; never raises for a mismatch."""


class TokenStore(Protocol):
    """Bearer tokens (API and browser sessions). Only a digest of each token is kept."""

    def issue(self, user_id: UserId, issued_at: datetime, expires_at: datetime) -> str:
        """Create and return a new random token valid until ``expires_at``."""

    def lookup(self, token: str, now: datetime) -> UserId | None:
        """The user a still-valid token belongs to, or None."""

    def revoke(self, token: str) -> bool:
        """Invalidate one token; returns whether it was valid until now."""

    def revoke_user(self, user_id: UserId) -> int:
        """Invalidate every token of a user; returns how many."""


class UserDirectory(Protocol):
    """Users as a view lists them."""

    def users(self) -> list[UserDTO]:
        """All users by username."""

    def usernames(self, user_ids: Sequence[UUID]) -> dict[UUID, str]:
        """Usernames of the given ids (unknown ids are left out)."""


def user_dto(user: User, position: int | None) -> UserDTO:
    return UserDTO(
        id=user.id,
        version=user.version,
        position=position,
        username=user.username,
        display_name=user.display_name,
        roles=tuple(user.roles),
        center_code=user.center_code,
        active=user.active,
    )


def actor_of(user: User) -> Actor:
    """The actor an active user signs in as."""
    if not user.active:
        raise AuthenticationError("this account is deactivated", code="auth.user_deactivated")
    return Actor(
        user_id=UserId(user.id),
        username=user.username,
        roles=frozenset(user.roles),
        center_code=user.center_code,
    )


class UserNames:
    """Usernames for the ids events and views carry (what people read instead of ids)."""

    def __init__(self, aggregates: Aggregates, directory: UserDirectory) -> None:
        self._aggregates = aggregates
        self._directory = directory

    def names(self, user_ids: Iterable[UUID | None]) -> dict[UUID, str]:
        ids = sorted({i for i in user_ids if isinstance(i, UUID)})
        if not ids:
            return {}
        names: dict[UUID, str] = {SYSTEM_ACTOR.user_id: SYSTEM_ACTOR.username}
        names.update(self._directory.usernames(ids))
        for user_id in ids:
            if user_id not in names:  # the directory lags behind: read the user itself
                user = self._aggregates.find(User, user_id)
                if user is not None:
                    names[user_id] = user.username
        return names

    def name(self, user_id: UUID | None) -> str:
        """The username of one id ("" for none; the id itself when unknown)."""
        if user_id is None:
            return ""
        return self.names([user_id]).get(user_id, str(user_id))


class AccountCases:
    """Users, roles, passwords, tokens and browser sessions."""

    def __init__(
        self,
        aggregates: Aggregates,
        references: References,
        directory: UserDirectory,
        passwords: PasswordHasher,
        tokens: TokenStore,
        clock: Clock,
        token_ttl: timedelta = DEFAULT_TOKEN_TTL,
    ) -> None:
        self._aggregates = aggregates
        self._references = references
        self._directory = directory
        self._passwords = passwords
        self._tokens = tokens
        self._clock = clock
        self._token_ttl = token_ttl

    # -- users -----------------------------------------------------------------------

    def create_user(
        self,
        username: str,
        password: str,
        roles: list[Role],
        actor: Actor,
        center_code: str | None = None,
        display_name: str | None = None,
    ) -> UserDTO:
        actor.require("user.create")
        _require_password(password)
        if center_code is not None:
            self._references.require_center("center_code", center_code)
        # Validate everything cheap before paying for the password hash.
        User.create(username, "-", roles, actor.user_id, center_code, display_name)
        if self._aggregates.exists(User, User.id_for(username)):
            raise AlreadyExistsError("user", username)
        user = User.create(
            username,
            self._passwords.hash(password),
            roles,
            actor.user_id,
            center_code,
            display_name,
        )
        try:
            position = self._aggregates.save(user, kind="user")
        except VersionConflictError:
            raise AlreadyExistsError("user", username) from None
        return user_dto(user, position)

    def list_users(self, actor: Actor) -> list[UserDTO]:
        actor.require("user.read")
        return self._directory.users()

    def get_user(self, username: str, actor: Actor) -> UserDTO:
        actor.require("user.read")
        return user_dto(self._user(username), None)

    def coordinators(self, actor: Actor) -> list[UserDTO]:
        """Active coordinators (to assign needs to, and to filter the board by)."""
        actor.require("need.read")
        return [u for u in self._directory.users() if u.active and Role.COORDINATOR in u.roles]

    # Changing accounts is administrators' work, like creating them.

    def grant_role(
        self, username: str, role: Role, expected_version: int | None, actor: Actor
    ) -> UserDTO:
        actor.require("user.create")
        user = self._user(username, expected_version)
        user.grant_role(role, actor.user_id)
        return user_dto(user, self._aggregates.save(user, kind="user"))

    def revoke_role(
        self, username: str, role: Role, expected_version: int | None, actor: Actor
    ) -> UserDTO:
        actor.require("user.create")
        user = self._user(username, expected_version)
        user.revoke_role(role, actor.user_id)
        return user_dto(user, self._aggregates.save(user, kind="user"))

    def deactivate_user(
        self, username: str, reason: str, expected_version: int | None, actor: Actor
    ) -> UserDTO:
        """Deactivate an account; its tokens and browser sessions stop working."""
        actor.require("user.create")
        if username == actor.username:
            raise InvalidValueError(
                "username", "you cannot deactivate your own account", code="user.self_deactivation"
            )
        user = self._user(username, expected_version)
        user.deactivate(reason, actor.user_id)
        position = self._aggregates.save(user, kind="user")
        self._tokens.revoke_user(UserId(user.id))
        return user_dto(user, position)

    def choose_language(self, language: str, actor: Actor) -> None:
        """Remember the signed-in user's screen language."""
        user = self._aggregates.load(User, actor.user_id, "user")
        if user.choose_language(language, actor.user_id):
            self._aggregates.save(user, kind="user")

    # -- signing in ------------------------------------------------------------------

    def issue_token(self, username: str, password: str) -> TokenDTO:
        """Exchange a username and password for a bearer token (API and browser alike)."""
        user = self._aggregates.find(User, User.id_for(username))
        if user is None or not self._passwords.verify(user.password_hash, password):
            raise AuthenticationError("unknown username or wrong password")
        return self._issue(user, self._token_ttl)

    def issue_token_for(self, username: str, ttl: timedelta | None = None) -> TokenDTO:
        """A token without a password: for administrators at the command line."""
        return self._issue(self._user(username), ttl or self._token_ttl)

    def authenticate(self, token: str) -> Actor:
        """The actor a bearer token stands for."""
        return actor_of(self._token_user(token))

    def session_user(self, token: str) -> SessionUser:
        """The signed-in user a session's token stands for (deactivation and expiry apply)."""
        user = self._token_user(token)
        return SessionUser(actor_of(user), user.display_name, user.language)

    def revoke_token(self, token: str) -> None:
        """End one session or token at once (signing out)."""
        self._tokens.revoke(token)

    def actor_for_username(self, username: str) -> Actor:
        """The actor of an existing, active user (for the command line and tests)."""
        return actor_of(self._user(username))

    # -- helpers ---------------------------------------------------------------------

    def _user(self, username: str, expected_version: int | None = None) -> User:
        return self._aggregates.load(User, User.id_for(username), "user", expected_version)

    def _issue(self, user: User, ttl: timedelta) -> TokenDTO:
        actor_of(user)  # a deactivated account gets no token
        now = self._clock()
        token = self._tokens.issue(UserId(user.id), now, now + ttl)
        return TokenDTO(token=token, expires_at=now + ttl, username=user.username)

    def _token_user(self, token: str) -> User:
        user_id = self._tokens.lookup(token, self._clock())
        if user_id is None:
            raise AuthenticationError(
                "the token is unknown or has expired", code="auth.token_invalid"
            )
        user = self._aggregates.find(User, user_id)
        if user is None:
            raise AuthenticationError(
                "the token's user no longer exists", code="auth.token_invalid"
            )
        return user


def _require_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidValueError(
            "password",
            f"must be at least {MIN_PASSWORD_LENGTH} characters",
            code="password.too_short",
            minimum=MIN_PASSWORD_LENGTH,
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise InvalidValueError(
            "password",
            f"must be at most {MAX_PASSWORD_LENGTH} characters",
            code="value.too_long",
            max_length=MAX_PASSWORD_LENGTH,
        )
