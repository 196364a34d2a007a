"""Reading HTML forms: every field checked, every message translated.

A :class:`Form` keeps what the person typed (to show it again) and the
messages per field (to show next to each field). Business rules stay in the
domain; what it refuses comes back through :func:`refusal` as a message
people can read.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Collection, Iterable, Mapping
from datetime import date, datetime
from typing import Any, TypeVar

from werkzeug.datastructures import MultiDict

from application.errors import (
    AlreadyExistsError,
    AuthenticationError,
    InvalidReferenceError,
    NotFoundError,
    PermissionDeniedError,
    VersionConflictError,
)
from domain.errors import (
    DomainError,
    InvalidTransitionError,
    InvalidValueError,
    NeedAlreadyClosedError,
    NeedPausedError,
    ResourceCapacityBelowEnrolmentError,
    ResourceFullError,
    ResourceHasEnrolmentsError,
    ResourceNotActiveError,
    UserInactiveError,
    UserRoleError,
)
from interfaces.web.ui.i18n import JST, _

E = TypeVar("E", bound=enum.Enum)

TEXT_MAX = 2000
NAME_MAX = 200
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?$")

FORM = "_form"
"""Key of messages about the whole form rather than one field."""


class Form:
    """One submitted form: cleaned values come out, messages collect per field."""

    def __init__(self, data: Mapping[str, Any] | None = None) -> None:
        # A copy: the screens may adjust it (e.g. the version after a conflict).
        self.data: MultiDict[str, str] = MultiDict(data or {})
        self.errors: dict[str, list[str]] = {}

    @property
    def ok(self) -> bool:
        return not self.errors

    def value(self, name: str, default: str = "") -> str:
        return self.data.get(name, default)

    def values(self, name: str) -> list[str]:
        return self.data.getlist(name)

    def error(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(message)

    def errors_for(self, name: str) -> list[str]:
        return self.errors.get(name, [])

    # -- fields ------------------------------------------------------------------

    def text(self, name: str, *, required: bool = True, max_length: int = TEXT_MAX) -> str | None:
        raw = self.data.get(name, "").strip()
        if not raw:
            if required:
                self.error(name, _("Enter a value."))
            return None
        if _CONTROL.search(raw):
            self.error(name, _("Remove the control characters."))
            return None
        if len(raw) > max_length:
            self.error(name, _("Use at most %(count)d characters.", count=max_length))
            return None
        return raw

    def choice(self, name: str, cls: type[E], *, required: bool = True) -> E | None:
        raw = self.data.get(name, "").strip()
        if not raw:
            if required:
                self.error(name, _("Choose one."))
            return None
        try:
            return cls(raw)
        except ValueError:
            self.error(name, _("Choose one of the options."))
            return None

    def choices(self, name: str, cls: type[E], *, required: bool = False) -> list[E]:
        chosen: list[E] = []
        for raw in self.data.getlist(name):
            try:
                chosen.append(cls(raw))
            except ValueError:
                self.error(name, _("Choose among the options."))
                return []
        if required and not chosen:
            self.error(name, _("Choose at least one."))
        return list(dict.fromkeys(chosen))

    def code(self, name: str, allowed: Collection[str], *, required: bool = True) -> str | None:
        raw = self.data.get(name, "").strip()
        if not raw:
            if required:
                self.error(name, _("Choose one."))
            return None
        if raw not in allowed:
            self.error(name, _("Choose one of the options."))
            return None
        return raw

    def codes(self, name: str, allowed: Collection[str], *, required: bool = False) -> list[str]:
        chosen = list(dict.fromkeys(v.strip() for v in self.data.getlist(name) if v.strip()))
        if any(code not in allowed for code in chosen):
            self.error(name, _("Choose among the options."))
            return []
        if required and not chosen:
            self.error(name, _("Choose at least one."))
        return chosen

    def integer(
        self,
        name: str,
        *,
        required: bool = True,
        minimum: int | None = None,
        maximum: int | None = None,
    ) -> int | None:
        raw = self.data.get(name, "").strip()
        if not raw:
            if required:
                self.error(name, _("Enter a number."))
            return None
        if not re.fullmatch(r"-?\d{1,9}", raw):
            self.error(name, _("Enter a whole number."))
            return None
        number = int(raw)
        if minimum is not None and number < minimum:
            self.error(name, _("Enter %(minimum)d or more.", minimum=minimum))
            return None
        if maximum is not None and number > maximum:
            self.error(name, _("Enter %(maximum)d or less.", maximum=maximum))
            return None
        return number

    def day(self, name: str, *, required: bool = True) -> date | None:
        raw = self.data.get(name, "").strip()
        if not raw:
            if required:
                self.error(name, _("Enter a date."))
            return None
        try:
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
                raise ValueError(raw)
            return date.fromisoformat(raw)
        except ValueError:
            self.error(name, _("Enter a date like 2026-11-27."))
            return None

    def moment(self, name: str, *, required: bool = True) -> datetime | None:
        """A ``datetime-local`` value, read as Japan time."""
        raw = self.data.get(name, "").strip()
        if not raw:
            if required:
                self.error(name, _("Enter a date and time."))
            return None
        try:
            if not _MOMENT.fullmatch(raw):
                raise ValueError(raw)
            return datetime.fromisoformat(raw).replace(tzinfo=JST)
        except ValueError:
            self.error(name, _("Enter a date and time like 2026-11-27T14:30."))
            return None

    def checkbox(self, name: str) -> bool:
        return self.data.get(name, "") in ("1", "on", "true", "yes")

    def version(self) -> int | None:
        """The version of the aggregate the form was shown with."""
        raw = self.data.get("version", "").strip()
        if not re.fullmatch(r"\d{1,9}", raw):
            self.error(FORM, _("The form is incomplete; reload the page and try again."))
            return None
        return int(raw)

    def refused(self, error: Exception) -> None:
        """Show what the application refused, next to the field it names if any."""
        field = getattr(error, "field", None)
        message = refusal(error)
        self.error(field if isinstance(field, str) and field in self.data else FORM, message)


def refusal(error: Exception) -> str:
    """A translated message for an error raised by the application or the domain."""
    if isinstance(error, VersionConflictError):
        return _("Someone else changed this since you opened the page; reload and try again.")
    if isinstance(error, PermissionDeniedError):
        return _("Your role does not allow this.")
    if isinstance(error, NotFoundError):
        return _("This no longer exists, or you may not see it.")
    if isinstance(error, AuthenticationError):
        return _("Please sign in again.")
    if isinstance(error, AlreadyExistsError):
        return _("This already exists.")
    if isinstance(error, InvalidReferenceError):
        return _reference_message(error.field)
    if isinstance(error, InvalidValueError):
        return _value_message(str(error).split(": ", 1)[-1])
    if isinstance(error, NeedAlreadyClosedError):
        return _("This need is closed; reopen it first.")
    if isinstance(error, NeedPausedError):
        return _("This need is paused; resume it first.")
    if isinstance(error, ResourceFullError):
        return _("Every place of this resource is taken.")
    if isinstance(error, ResourceNotActiveError):
        return _("This resource is not active.")
    if isinstance(error, ResourceCapacityBelowEnrolmentError):
        return _("The capacity cannot be lower than the clients already enrolled.")
    if isinstance(error, ResourceHasEnrolmentsError):
        return _("Clients are enrolled at this resource; end their matches first.")
    if isinstance(error, UserInactiveError):
        return _("This user is deactivated.")
    if isinstance(error, UserRoleError):
        text = str(error)
        if "already has" in text:
            return _("The user already has this role.")
        if "at least one role" in text:
            return _("A user keeps at least one role; deactivate the user instead.")
        return _("The user does not have this role.")
    if isinstance(error, InvalidTransitionError):
        if "already theirs" in str(error):
            return _("The need is already assigned to this coordinator.")
        return _("This is not possible in the current state.")
    if isinstance(error, DomainError):
        return _("A business rule refused this.")
    return _("Something went wrong on our side.")


def _reference_message(field: str) -> str:
    messages = {
        "coordinator": _("Choose an active coordinator."),
        "client_id": _("Choose a client of your support center."),
        "center_code": _("Choose your own support center."),
        "resource_id": _("Choose an existing resource."),
        "organization_id": _("Choose an existing organization."),
    }
    return messages.get(field, _("Choose an existing entry."))


def _value_message(text: str) -> str:
    if text == "must not be empty":
        return _("Enter a value.")
    if text.startswith("must be at most"):
        return _("This is too long.")
    if "control" in text or "NUL" in text:
        return _("Remove the control characters.")
    if text.startswith("use 2-64 lower-case"):
        return _("Use 2 to 64 lower-case letters, digits, '.', '_' or '-'.")
    if text.startswith("use 1-32 letters"):
        return _("Use 1 to 32 letters, digits, '-' or '_', starting with a letter or digit.")
    if "care manager belongs" in text:
        return _("A support-center staff member needs a support center.")
    if "at least one role" in text:
        return _("Choose at least one role.")
    if "at least" in text and "characters" in text:
        return _("The password is too short.")
    if "own account" in text:
        return _("You cannot deactivate your own account.")
    if "before the last assessment" in text:
        return _("The date is before the last assessment.")
    return _("This value is not accepted.")


def options(items: Iterable[E]) -> list[E]:
    return list(items)
