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

from domain.calendar import JST
from interfaces.web.ui.i18n import _
from interfaces.web.ui.refusals import refusal

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


def options(items: Iterable[E]) -> list[E]:
    return list(items)
