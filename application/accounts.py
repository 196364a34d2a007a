"""Accounts: users and their roles, passwords, sign-in tokens, browser sessions, and
the usernames other features show."""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from typing import Protocol
from uuid import UUID

from application.common import Clock
from application.errors import (
    AlreadyExistsError,
    AuthenticationError,
    NotFoundError,
    VersionConflictError,
)
from application.password_policy import PasswordStrength, check_new_password
from application.reference import References
from application.security import SYSTEM_ACTOR, Actor
from application.sign_in import SignInGuard, SignInRecord
from application.store import Aggregates
from domain.errors import InvalidValueError
from domain.user import USERNAME_PATTERN, User
from domain.values import Role, UserId

DEFAULT_TOKEN_TTL = timedelta(hours=12)
LABEL_LENGTH = 200
TEMPORARY_PASSWORD_BYTES = 12
"""A generated password: 16 URL-safe characters (96 random bits)."""


class TokenKind(Enum):
    """What a token was issued for; each works only there."""

    API = "api"
    """A bearer token of the JSON API (``POST /api/v1/auth/token``, the command line)."""
    SESSION = "session"
    """A browser session of the screens (the sign-in form); never a bearer token."""


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
class TokenInfo:
    """A token still valid, as its owner may see it (never the token itself)."""

    id: str
    """A handle that names the token (for revoking it) but cannot be used as one."""
    kind: TokenKind
    issued_at: datetime
    expires_at: datetime
    label: str
    """Where it was issued (the browser's or client's User-Agent, or the command line)."""


@dataclass(frozen=True)
class SessionDTO:
    """One of a user's valid tokens and browser sessions."""

    id: str
    kind: TokenKind
    issued_at: datetime
    expires_at: datetime
    label: str
    current: bool
    """Whether it is the token or session the request came with."""


@dataclass(frozen=True)
class PasswordResetDTO:
    """An administrator's reset: the user, and the temporary password (shown once)."""

    user: UserDTO
    temporary_password: str


class PasswordChangeRequiredError(AuthenticationError):
    """The password is right, but an administrator reset it: the user must choose a
    new one (``POST /api/v1/auth/password``, or the screen) before getting a token."""

    code = "auth.password_change_required"

    def __init__(self) -> None:
        super().__init__(
            "your password was reset by an administrator: choose a new one first "
            "(POST /api/v1/auth/password with the temporary password as current_password)"
        )


@dataclass(frozen=True)
class SessionUser:
    """Who is signed in to the screens."""

    actor: Actor
    display_name: str
    language: str | None


@dataclass(frozen=True)
class _TokenHolder:
    """What authenticating needs of a user, as of one stream version."""

    version: int
    active: bool
    actor: Actor
    display_name: str
    language: str | None

    @classmethod
    def of(cls, user: User) -> _TokenHolder:
        return cls(
            version=user.version,
            active=user.active,
            actor=Actor(
                user_id=UserId(user.id),
                username=user.username,
                roles=frozenset(user.roles),
                center_code=user.center_code,
            ),
            display_name=user.display_name,
            language=user.language,
        )

    def signed_in(self) -> Actor:
        if not self.active:
            raise AuthenticationError("this account is deactivated", code="auth.user_deactivated")
        return self.actor


class HolderCache:
    """Users as of their stream version, so that a request authenticates with one
    indexed read of the stream's newest version instead of a replay.

    Kept per process and bounded; an entry is used only while the stored stream
    is still at its version, so any new event of the user (a deactivation, a
    revoked role, written by any process) takes effect on the next request.
    """

    def __init__(self, size: int = 1024) -> None:
        self._size = size
        self._entries: OrderedDict[UUID, _TokenHolder] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, user_id: UUID, version: int) -> _TokenHolder | None:
        with self._lock:
            holder = self._entries.get(user_id)
            if holder is None or holder.version != version:
                return None
            self._entries.move_to_end(user_id)
            return holder

    def put(self, user_id: UUID, holder: _TokenHolder) -> None:
        with self._lock:
            self._entries[user_id] = holder
            self._entries.move_to_end(user_id)
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)


class PasswordHasher(Protocol):
    """One-way password hashing."""

    def hash(self, password: str) -> str:
        """Return a salted hash that :meth:`verify` accepts for ``password``."""

    def verify(self, password_hash: str, password: str) -> bool:
        """Whether ``password`` matches ``password_hash``; never raises for a mismatch."""


class TokenStore(Protocol):
    """Bearer tokens (API and browser sessions). Only a digest of each token is kept."""

    def issue(
        self,
        user_id: UserId,
        kind: TokenKind,
        issued_at: datetime,
        expires_at: datetime,
        label: str,
    ) -> str:
        """Create and return a new random token of ``kind`` valid until ``expires_at``."""

    def lookup(self, token: str, kind: TokenKind, now: datetime) -> UserId | None:
        """The user a still-valid token of ``kind`` belongs to, or None (also for a
        valid token of another kind). Tokens issued before kinds existed are API tokens."""

    def revoke(self, token: str) -> bool:
        """Invalidate one token; returns whether it was valid until now."""

    def revoke_user(self, user_id: UserId) -> int:
        """Invalidate every token of a user; returns how many."""

    def active(self, user_id: UserId, now: datetime) -> list[TokenInfo]:
        """The user's tokens still valid at ``now``, newest first."""

    def handle(self, token: str) -> str:
        """The :attr:`TokenInfo.id` of ``token`` (whether or not it is valid)."""

    def revoke_handle(self, user_id: UserId, handle: str) -> bool:
        """Invalidate the user's token named ``handle``; returns whether there was one."""


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
    """Usernames for the ids events and views carry (what people read instead of ids).

    A user's id is derived from the username and a username is never changed, so
    the names found are kept for the process's life (most commands name their
    assignee): a known id costs no query.
    """

    MAX_KEPT = 10_000

    def __init__(self, aggregates: Aggregates, directory: UserDirectory) -> None:
        self._aggregates = aggregates
        self._directory = directory
        self._known: dict[UUID, str] = {SYSTEM_ACTOR.user_id: SYSTEM_ACTOR.username}

    def names(self, user_ids: Iterable[UUID | None]) -> dict[UUID, str]:
        ids = sorted({i for i in user_ids if isinstance(i, UUID)})
        if not ids:
            return {}
        known = self._known
        names: dict[UUID, str] = {SYSTEM_ACTOR.user_id: SYSTEM_ACTOR.username}
        names.update((i, known[i]) for i in ids if i in known)
        missing = [i for i in ids if i not in names]
        if not missing:
            return names
        names.update(self._directory.usernames(missing))
        for user_id in missing:
            if user_id not in names:  # the directory lags behind: read the user itself
                user = self._aggregates.find(User, user_id)
                if user is not None:
                    names[user_id] = user.username
        if len(known) < self.MAX_KEPT:
            known.update({i: names[i] for i in missing if i in names})
        return names

    def name(self, user_id: UUID | None) -> str:
        """The username of one id ("" for none; the id itself when unknown)."""
        if user_id is None:
            return ""
        return self.names([user_id]).get(user_id, str(user_id))


class AccountCases:
    """Users, roles, passwords, tokens and browser sessions.

    Every password check goes through the :class:`~application.sign_in.SignInGuard`
    (throttling), and costs the same whether or not the username exists.
    """

    def __init__(
        self,
        aggregates: Aggregates,
        references: References,
        directory: UserDirectory,
        passwords: PasswordHasher,
        tokens: TokenStore,
        clock: Clock,
        token_ttl: timedelta,
        guard: SignInGuard,
        strength: PasswordStrength,
    ) -> None:
        self._aggregates = aggregates
        self._references = references
        self._directory = directory
        self._passwords = passwords
        self._tokens = tokens
        self._clock = clock
        self._token_ttl = token_ttl
        self._guard = guard
        self._strength = strength
        self._dummy_hash: str | None = None
        self._holders = HolderCache()

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
        if center_code is not None:
            self._references.require_center("center_code", center_code)
        # Validate everything cheap before paying for the password hash.
        User.create(username, "-", roles, actor.user_id, center_code, display_name)
        check_new_password(password, username, self._strength)
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
        self, username: str, role: Role, expected_version: int | None, actor: Actor, reason: str
    ) -> UserDTO:
        """Give a user another role; the reason is required (who got which rights, why)."""
        actor.require("user.create")
        user = self._user(username, expected_version)
        user.grant_role(role, actor.user_id, reason)
        return user_dto(user, self._aggregates.save(user, kind="user"))

    def revoke_role(
        self, username: str, role: Role, expected_version: int | None, actor: Actor, reason: str
    ) -> UserDTO:
        """Take a role away from a user; the reason is required."""
        actor.require("user.create")
        user = self._user(username, expected_version)
        user.revoke_role(role, actor.user_id, reason)
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

    def reset_password(
        self, username: str, expected_version: int | None, actor: Actor
    ) -> PasswordResetDTO:
        """Give the user a generated temporary password that they must change at their
        next sign-in; their tokens and sessions end, and a lock on the account is lifted."""
        actor.require("user.create")
        user = self._user(username, expected_version)
        temporary = secrets.token_urlsafe(TEMPORARY_PASSWORD_BYTES)
        while not self._acceptable(temporary, user.username):  # it may contain the username
            temporary = secrets.token_urlsafe(TEMPORARY_PASSWORD_BYTES)
        user.reset_password(self._passwords.hash(temporary), actor.user_id)
        position = self._aggregates.save(user, kind="user")
        self._tokens.revoke_user(UserId(user.id))
        self._guard.release(user.username)
        return PasswordResetDTO(user_dto(user, position), temporary)

    def choose_language(self, language: str, actor: Actor) -> None:
        """Remember the signed-in user's screen language."""
        user = self._aggregates.load(User, actor.user_id, "user")
        if user.choose_language(language, actor.user_id):
            self._aggregates.save(user, kind="user")

    def sign_in_failures(self, actor: Actor, limit: int = 200) -> list[SignInRecord]:
        """The newest failed sign-ins and lockouts (administrators)."""
        actor.require("user.read")
        return self._guard.recent(max(1, min(limit, 1000)))

    # -- signing in ------------------------------------------------------------------

    def issue_token(
        self, username: str, password: str, address: str | None = None, label: str = ""
    ) -> TokenDTO:
        """Exchange a username and password for an API bearer token (throttled)."""
        user = self._verified(username, password, address)
        if user.must_change_password:
            raise PasswordChangeRequiredError
        return self._issue(user, TokenKind.API, self._token_ttl, label)

    def sign_in(
        self, username: str, password: str, address: str | None = None, label: str = ""
    ) -> TokenDTO:
        """Exchange a username and password for a browser session's token (throttled).
        Refused with ``auth.password_change_required`` after an administrator's reset."""
        user = self._verified(username, password, address)
        if user.must_change_password:
            raise PasswordChangeRequiredError
        return self._issue(user, TokenKind.SESSION, self._token_ttl, label)

    def change_password(
        self,
        username: str,
        current_password: str,
        new_password: str,
        address: str | None = None,
        kind: TokenKind = TokenKind.API,
        label: str = "",
    ) -> TokenDTO:
        """Change one's own password, proving the current one (throttled like a sign-in).

        Every token and session of the user ends; the answer is a new token of
        ``kind`` (the caller's way to go on). Also the way out of a forced change.
        """
        user = self._verified(username, current_password, address)
        check_new_password(new_password, user.username, self._strength, field="new_password")
        if self._passwords.verify(user.password_hash, new_password):
            raise InvalidValueError(
                "new_password", "choose a password you do not use now", code="password.unchanged"
            )
        user.change_password(self._passwords.hash(new_password), UserId(user.id))
        self._aggregates.save(user, kind="user")
        self._tokens.revoke_user(UserId(user.id))
        return self._issue(user, kind, self._token_ttl, label)

    def issue_token_for(self, username: str, ttl: timedelta | None = None) -> TokenDTO:
        """An API token without a password: for administrators at the command line."""
        return self._issue(self._user(username), TokenKind.API, ttl or self._token_ttl, "tsunagu")

    def authenticate(self, token: str) -> Actor:
        """The actor an API bearer token stands for (a browser session's token is refused)."""
        return self._token_holder(token, TokenKind.API).signed_in()

    def session_user(self, token: str) -> SessionUser:
        """The signed-in user a session's token stands for (deactivation and expiry apply;
        an API token is refused)."""
        holder = self._token_holder(token, TokenKind.SESSION)
        return SessionUser(holder.signed_in(), holder.display_name, holder.language)

    def revoke_token(self, token: str) -> None:
        """End one session or token at once (signing out)."""
        self._tokens.revoke(token)

    def sessions(self, actor: Actor, current_token: str | None = None) -> list[SessionDTO]:
        """The actor's valid API tokens and browser sessions, newest first."""
        current = self._tokens.handle(current_token) if current_token else None
        return [
            SessionDTO(t.id, t.kind, t.issued_at, t.expires_at, t.label, t.id == current)
            for t in self._tokens.active(actor.user_id, self._clock())
        ]

    def end_session(self, session_id: str, actor: Actor) -> None:
        """End one of the actor's own tokens or sessions, named by its id."""
        if not self._tokens.revoke_handle(actor.user_id, session_id):
            raise NotFoundError("session", session_id)

    def actor_for_username(self, username: str) -> Actor:
        """The actor of an existing, active user (for the command line and tests)."""
        return actor_of(self._user(username))

    # -- helpers ---------------------------------------------------------------------

    def _user(self, username: str, expected_version: int | None = None) -> User:
        return self._aggregates.load(User, User.id_for(username), "user", expected_version)

    def _verified(self, username: str, password: str, address: str | None) -> User:
        """The active user whose password this is; throttled, and as costly for an
        unknown username as for a known one (a dummy hash is checked instead)."""
        self._guard.check(username, address)
        user = (
            self._aggregates.find(User, User.id_for(username))
            if USERNAME_PATTERN.fullmatch(username)
            else None
        )
        matches = self._passwords.verify(
            user.password_hash if user is not None else self._dummy(), password
        )
        if user is None or not matches:
            self._guard.failed(username, address, known_user=user is not None)
            raise AuthenticationError("unknown username or wrong password")
        self._guard.succeeded(username)
        actor_of(user)  # a deactivated account gets nothing, even with the right password
        return user

    def _dummy(self) -> str:
        if self._dummy_hash is None:
            self._dummy_hash = self._passwords.hash(secrets.token_urlsafe(16))
        return self._dummy_hash

    def _acceptable(self, password: str, username: str) -> bool:
        try:
            check_new_password(password, username, self._strength)
        except InvalidValueError:
            return False
        return True

    def _issue(self, user: User, kind: TokenKind, ttl: timedelta, label: str) -> TokenDTO:
        actor_of(user)  # a deactivated account gets no token
        now = self._clock()
        shown = "".join(c for c in label if c.isprintable())[:LABEL_LENGTH]
        token = self._tokens.issue(UserId(user.id), kind, now, now + ttl, shown)
        return TokenDTO(token=token, expires_at=now + ttl, username=user.username)

    def _token_holder(self, token: str, kind: TokenKind) -> _TokenHolder:
        """The token's user, replayed only when its stream has changed since the
        last request of this process (else one read of the stream's version)."""
        user_id = self._tokens.lookup(token, kind, self._clock())
        if user_id is None:
            raise AuthenticationError(
                "the token is unknown or has expired", code="auth.token_invalid"
            )
        version = self._aggregates.version(user_id)
        holder = self._holders.get(user_id, version) if version is not None else None
        if holder is not None:
            return holder
        user = self._aggregates.find(User, user_id)
        if user is None:
            raise AuthenticationError(
                "the token's user no longer exists", code="auth.token_invalid"
            )
        holder = _TokenHolder.of(user)
        self._holders.put(user_id, holder)
        return holder
