"""Named domain errors, each with a stable ``code``.

The message is meant for people and may be reworded at any time; the code is
the contract. The API's problem documents and the screens' message catalogue
key off the code (``need.transition_not_allowed``, ``resource.full``), never
off the message, and ``params`` carry the values a translated message needs.
Interfaces map each family (the class) to one HTTP status.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A business rule refused a command."""

    code = "rule.violated"

    def __init__(self, message: str, *, code: str | None = None, **params: Any) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code
        self.params: dict[str, Any] = params


class InvalidTransitionError(DomainError):
    """An action is not allowed in the aggregate's current state (HTTP 409)."""

    def __init__(
        self, subject: str, state: str, action: str, detail: str = "", *, code: str | None = None
    ) -> None:
        self.subject = subject
        self.state = state
        self.action = action
        message = f"cannot {action} a {subject} that is {state}"
        super().__init__(
            f"{message}: {detail}" if detail else message,
            code=code or f"{subject.split()[-1]}.transition_not_allowed",
            state=state,
            action=action,
        )


class NeedTransitionError(InvalidTransitionError):
    """The need's state does not allow the action."""

    def __init__(
        self, state: str, action: str, detail: str = "", *, code: str | None = None
    ) -> None:
        super().__init__("need", state, action, detail, code=code)


class NeedAlreadyClosedError(NeedTransitionError):
    """Only reopening is possible on a closed need."""

    def __init__(self, action: str) -> None:
        super().__init__("closed", action, "reopen it first", code="need.already_closed")


class NeedPausedError(NeedTransitionError):
    """A paused need accepts only resume, close and reassign."""

    def __init__(self, state: str, action: str) -> None:
        super().__init__(f"{state} (paused)", action, "resume it first", code="need.paused")


class ResourceTransitionError(InvalidTransitionError):
    """The resource's status does not allow the action."""

    def __init__(
        self, state: str, action: str, detail: str = "", *, code: str | None = None
    ) -> None:
        super().__init__("resource", state, action, detail, code=code)


class ResourceNotActiveError(ResourceTransitionError):
    """Only an active resource takes new clients."""

    def __init__(self, state: str, action: str, detail: str = "") -> None:
        super().__init__(state, action, detail, code="resource.not_active")


class ResourceFullError(DomainError):
    """Every place of the resource is taken."""

    code = "resource.full"

    def __init__(self, name: str, capacity: int) -> None:
        super().__init__(
            f"resource {name!r} is full ({capacity} of {capacity} places taken)",
            name=name,
            capacity=capacity,
        )


class ResourceCapacityBelowEnrolmentError(DomainError):
    """Capacity cannot drop below the clients already enrolled."""

    code = "resource.capacity_below_enrolment"

    def __init__(self, capacity: int, enrolled: int) -> None:
        super().__init__(
            f"capacity {capacity} is below the {enrolled} clients enrolled; "
            "end their matches first",
            capacity=capacity,
            enrolled=enrolled,
        )


class ResourceHasEnrolmentsError(DomainError):
    """A resource with enrolled clients cannot be closed."""

    code = "resource.has_enrolments"

    def __init__(self, enrolled: int) -> None:
        super().__init__(
            f"{enrolled} clients are enrolled at this resource; "
            "end or move their matches before closing it",
            enrolled=enrolled,
        )


class UserInactiveError(DomainError):
    """A deactivated user can do nothing and be given nothing."""

    code = "user.inactive"

    def __init__(self, username: str) -> None:
        super().__init__(f"user {username!r} is deactivated", username=username)


class UserRoleError(DomainError):
    """The user lacks (or already has) a role the action depends on.

    Codes: ``user.role_already_granted``, ``user.role_not_held``, ``user.last_role``.
    """

    code = "user.role_not_held"


class InvalidValueError(DomainError):
    """A value breaks a domain invariant (empty reason, negative capacity, ...).

    ``field`` names the input; the code says what is wrong with it
    (``value.empty``, ``value.too_long``, ``user.center_required``, ...).
    """

    code = "value.invalid"

    def __init__(self, field: str, message: str, *, code: str | None = None, **params: Any) -> None:
        self.field = field
        super().__init__(f"{field}: {message}", code=code, field=field, **params)

    @property
    def detail(self) -> str:
        """The message without the field name."""
        return str(self).split(": ", 1)[-1]
