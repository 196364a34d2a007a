"""Named domain errors. Interfaces map each family to one HTTP status."""

from __future__ import annotations


class DomainError(Exception):
    """A business rule refused a command. The message is meant for people."""


class InvalidTransitionError(DomainError):
    """An action is not allowed in the aggregate's current state (HTTP 409)."""

    def __init__(self, subject: str, state: str, action: str, detail: str = "") -> None:
        self.subject = subject
        self.state = state
        self.action = action
        message = f"cannot {action} a {subject} that is {state}"
        super().__init__(f"{message}: {detail}" if detail else message)


class NeedTransitionError(InvalidTransitionError):
    """The need's state does not allow the action."""

    def __init__(self, state: str, action: str, detail: str = "") -> None:
        super().__init__("need", state, action, detail)


class NeedAlreadyClosedError(NeedTransitionError):
    """Only reopening is possible on a closed need."""

    def __init__(self, action: str) -> None:
        super().__init__("closed", action, "reopen it first")


class NeedPausedError(NeedTransitionError):
    """A paused need accepts only resume, close and reassign."""

    def __init__(self, state: str, action: str) -> None:
        super().__init__(f"{state} (paused)", action, "resume it first")


class ResourceTransitionError(InvalidTransitionError):
    """The resource's status does not allow the action."""

    def __init__(self, state: str, action: str, detail: str = "") -> None:
        super().__init__("resource", state, action, detail)


class ResourceNotActiveError(ResourceTransitionError):
    """Only an active resource takes new clients."""


class ResourceFullError(DomainError):
    """Every place of the resource is taken."""

    def __init__(self, name: str, capacity: int) -> None:
        super().__init__(f"resource {name!r} is full ({capacity} of {capacity} places taken)")


class ResourceCapacityBelowEnrolmentError(DomainError):
    """Capacity cannot drop below the clients already enrolled."""

    def __init__(self, capacity: int, enrolled: int) -> None:
        super().__init__(
            f"capacity {capacity} is below the {enrolled} clients enrolled; end their matches first"
        )


class ResourceHasEnrolmentsError(DomainError):
    """A resource with enrolled clients cannot be closed."""

    def __init__(self, enrolled: int) -> None:
        super().__init__(
            f"{enrolled} clients are enrolled at this resource; "
            "end or move their matches before closing it"
        )


class UserInactiveError(DomainError):
    """A deactivated user can do nothing and be given nothing."""

    def __init__(self, username: str) -> None:
        super().__init__(f"user {username!r} is deactivated")


class UserRoleError(DomainError):
    """The user lacks (or already has) a role the action depends on."""


class InvalidValueError(DomainError):
    """A value breaks a domain invariant (empty reason, negative capacity, ...)."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(f"{field}: {message}")
