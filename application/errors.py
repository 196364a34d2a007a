"""Errors the application raises besides the domain's own rules."""

from __future__ import annotations


class ApplicationError(Exception):
    """Base of the application's errors; the message is meant for people."""


class NotFoundError(ApplicationError):
    """No such aggregate, or the actor may not know it exists (HTTP 404)."""

    def __init__(self, kind: str, ident: object) -> None:
        self.kind = kind
        super().__init__(f"{kind} {ident} not found")


class VersionConflictError(ApplicationError):
    """Someone else changed the aggregate since the caller read it (HTTP 412)."""

    def __init__(self, kind: str, expected: int | None, current: int | None) -> None:
        self.kind = kind
        self.expected = expected
        self.current = current
        if expected is None:
            message = f"the {kind} was changed concurrently; reload it and try again"
        else:
            message = (
                f"the {kind} is at version {current}, not {expected}: it was changed "
                "since you read it; reload it and try again"
            )
        super().__init__(message)


class AlreadyExistsError(ApplicationError):
    """A unique natural key (code, username) is taken (HTTP 409)."""

    def __init__(self, kind: str, key: str) -> None:
        super().__init__(f"{kind} {key!r} already exists")


class PermissionDeniedError(ApplicationError):
    """The actor's roles do not allow the action (HTTP 403)."""

    def __init__(self, action: str) -> None:
        self.action = action
        super().__init__(f"your role does not allow: {action}")


class AuthenticationError(ApplicationError):
    """Unknown user, wrong password, expired or unknown token (HTTP 401)."""


class InvalidReferenceError(ApplicationError):
    """A field names something that does not exist or the actor cannot use (HTTP 422)."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(f"{field}: {message}")
