"""Errors the application raises besides the domain's own rules.

Like domain errors, each has a stable ``code`` (``client.not_found``,
``need.version_conflict``, ``permission.denied``) that interfaces key off;
the message is for people and may change.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def _slug(kind: str) -> str:
    """``support center`` -> ``support_center``; ``development initiative`` -> ``initiative``."""
    return "initiative" if kind == "development initiative" else kind.replace(" ", "_")


class ApplicationError(Exception):
    """Base of the application's errors; the message is meant for people."""

    code = "application.error"

    def __init__(self, message: str, *, code: str | None = None, **params: Any) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code
        self.params: dict[str, Any] = params


class NotFoundError(ApplicationError):
    """No such aggregate, or the actor may not know it exists (HTTP 404)."""

    def __init__(self, kind: str, ident: object) -> None:
        self.kind = kind
        super().__init__(f"{kind} {ident} not found", code=f"{_slug(kind)}.not_found")


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
        super().__init__(message, code=f"{_slug(kind)}.version_conflict")


class ConflictError(ApplicationError):
    """The request conflicts with the current state of what it names (HTTP 409)."""


class AlreadyExistsError(ConflictError):
    """A unique natural key (code, username) is taken (HTTP 409)."""

    def __init__(self, kind: str, key: str) -> None:
        super().__init__(f"{kind} {key!r} already exists", code=f"{_slug(kind)}.already_exists")


class PermissionDeniedError(ApplicationError):
    """The actor's roles do not allow the action (HTTP 403)."""

    code = "permission.denied"

    def __init__(self, action: str) -> None:
        self.action = action
        super().__init__(f"your role does not allow: {action}", permission=action)


class AuthenticationError(ApplicationError):
    """Unknown user, wrong password, expired or unknown token (HTTP 401).

    Codes: ``auth.invalid_credentials``, ``auth.user_deactivated``,
    ``auth.token_invalid``, ``auth.user_unknown``.
    """

    code = "auth.invalid_credentials"


class InvalidReferenceError(ApplicationError):
    """A field names something that does not exist or the actor cannot use (HTTP 422)."""

    code = "reference.unknown"

    def __init__(self, field: str, message: str, *, code: str | None = None) -> None:
        self.field = field
        super().__init__(f"{field}: {message}", code=code, field=field)

    @property
    def detail(self) -> str:
        """The message without the field name."""
        return str(self).split(": ", 1)[-1]


class RankingChangedError(ConflictError):
    """The candidates changed between showing them and choosing one (HTTP 409)."""

    code = "match.ranking_changed"

    def __init__(self) -> None:
        super().__init__(
            "the candidates changed since they were shown (a resource was changed, or "
            "places were taken); nothing was proposed: read the candidates again and choose"
        )


class ResourceNotProposableError(ConflictError):
    """The ranking marks the resource as not proposable for this need now (HTTP 409):
    full, the client not eligible, or not active. ``blockers`` names which."""

    code = "match.resource_not_proposable"

    def __init__(self, blockers: Sequence[str]) -> None:
        super().__init__(
            "this resource cannot be proposed for this need now: "
            + ", ".join(BLOCKER_WORDS.get(b, b) for b in blockers),
            blockers=list(blockers),
        )


BLOCKER_WORDS = {
    "capacity": "it is full",
    "eligibility": "the client's care level is not eligible",
    "status": "it is not active",
}


class LikelyDuplicateClientError(ConflictError):
    """A client with the same kana and birth date, or the same name and phone at the
    same support center, is registered already (HTTP 409): send again with
    ``confirm_duplicate`` to register this person anyway. ``candidates`` holds the
    ids and display codes of the likely duplicates."""

    code = "client.likely_duplicate"

    def __init__(self, candidates: Sequence[tuple[str, str]]) -> None:
        super().__init__(
            "this person may be registered already: "
            + ", ".join(code for _, code in candidates)
            + "; check them, and confirm to register a new client anyway",
            candidates=[{"id": ident, "display_code": code} for ident, code in candidates],
        )


class MatchPlanChangedError(ConflictError):
    """The plan the coordinator accepted is no longer the plan (HTTP 409)."""

    code = "match.plan_changed"

    def __init__(self) -> None:
        super().__init__(
            "the match plan has changed since it was shown (a need or a resource moved on); "
            "reload the plan and accept it again"
        )


class UnavailableError(ApplicationError):
    """The store cannot answer now; the same request may succeed later (HTTP 503)."""

    retry_after = 1
    """Seconds a client should wait before trying again."""


class BusyError(UnavailableError):
    """Others kept changing what the command saves with its aggregate (a resource's
    places); the command was tried several times and gave up (HTTP 503, retry)."""

    code = "store.busy"

    def __init__(self, kind: str) -> None:
        super().__init__(
            f"the {kind} could not be saved: what is saved with it kept changing; try again",
        )


class OutcomeUnknownError(UnavailableError):
    """The database went away while saving: the command may or may not have been saved
    (HTTP 503). Read the aggregate again before repeating it."""

    code = "store.outcome_unknown"

    def __init__(self) -> None:
        super().__init__(
            "the database did not confirm the save; it may or may not have happened: "
            "read the record again before repeating the command"
        )


class StoreUnavailableError(UnavailableError):
    """The database cannot be reached (HTTP 503): nothing was read or saved."""

    code = "store.unavailable"
    retry_after = 5

    def __init__(self) -> None:
        super().__init__("the database cannot be reached just now; try again in a few seconds")
