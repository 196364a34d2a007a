"""What the application refused, in the screen's language: one catalogue keyed by
the errors' stable codes.

Domain and application errors carry a ``code`` (``need.paused``,
``resource.full``, ``value.too_long``) and the ``params`` a message needs; the
screens never read the English message, so rewording it cannot break a page.
A code not listed here falls back to its family (``*.not_found``,
``*.version_conflict``, ``*.transition_not_allowed``, …), then to its class.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flask_babel import lazy_gettext as _l

from application.errors import ConflictError, InvalidReferenceError
from domain.errors import DomainError, InvalidTransitionError, InvalidValueError
from interfaces.web.ui.i18n import _

Message = Callable[[Mapping[str, Any]], str]


def _fixed(text: Any) -> Message:
    return lambda params: str(text)


BLOCKERS = {
    "capacity": _l("it is full"),
    "eligibility": _l("the client's care level is not eligible"),
    "status": _l("it is not active"),
}
"""Why the ranking marks a resource as not proposable (domain.matching.Criterion)."""

CATALOGUE: dict[str, Message] = {
    "permission.denied": _fixed(_l("Your role does not allow this.")),
    "need.unchanged": _fixed(_l("Nothing was changed: edit a field first.")),
    "client.unchanged": _fixed(_l("Nothing was changed: edit a field first.")),
    "client.kana_invalid": _fixed(
        _l("Write the name in kana only (katakana or hiragana; hiragana is stored as katakana).")
    ),
    "client.likely_duplicate": _fixed(
        _l("This person may be registered already. Check the clients below first.")
    ),
    # values
    "value.empty": _fixed(_l("Enter a value.")),
    "value.too_long": _fixed(_l("This is too long.")),
    "value.control_characters": _fixed(_l("Remove the control characters.")),
    "as_of.too_costly": _fixed(
        _l(
            "Rebuilding the screen as of that moment would take too long (the event log "
            "up to then is too large). Choose an earlier moment."
        )
    ),
    "value.code_format": _fixed(
        _l("Use 1 to 32 letters, digits, '-' or '_', starting with a letter or digit.")
    ),
    # accounts
    "user.username_format": _fixed(_l("Use 2 to 64 lower-case letters, digits, '.', '_' or '-'.")),
    "user.center_required": _fixed(_l("A support-center staff member needs a support center.")),
    "user.roles_required": _fixed(_l("Choose at least one role.")),
    "password.too_short": lambda p: _(
        "Use at least %(count)d characters.", count=int(p.get("minimum", 12))
    ),
    "password.contains_username": _fixed(_l("The password must not contain the username.")),
    "password.repetitive": _fixed(_l("The password must not be a few characters repeated.")),
    "password.too_common": _fixed(
        _l("This password is too common or too easy to guess; try a few unrelated words.")
    ),
    "password.unchanged": _fixed(_l("Choose a password other than your current one.")),
    "auth.password_change_required": _fixed(
        _l("An administrator has reset your password; choose a new one.")
    ),
    "user.self_deactivation": _fixed(_l("You cannot deactivate your own account.")),
    "user.inactive": _fixed(_l("This user is deactivated.")),
    "user.role_already_granted": _fixed(_l("The user already has this role.")),
    "user.role_not_held": _fixed(_l("The user does not have this role.")),
    "user.last_role": _fixed(_l("A user keeps at least one role; deactivate the user instead.")),
    "auth.user_deactivated": _fixed(_l("This account is deactivated. Ask your administrator.")),
    "auth.invalid_credentials": _fixed(_l("Unknown username or wrong password.")),
    # clients and needs
    "client.assessment_before_last": _fixed(_l("The date is before the last assessment.")),
    "client.center_not_yours": _fixed(_l("Choose your own support center.")),
    "client.already_erased": _fixed(_l("This client's personal data is erased already.")),
    "client.erased": _fixed(
        _l("This client's personal data was erased: nothing more can be recorded for it.")
    ),
    "need.already_closed": _fixed(_l("This need is closed; reopen it first.")),
    "need.paused": _fixed(_l("This need is paused; resume it first.")),
    "need.already_assigned_to_them": _fixed(
        _l("The need is already assigned to this coordinator.")
    ),
    # matching
    "match.resource_not_proposable": lambda p: _(
        "This resource cannot be proposed for this need now: %(why)s. Nothing was proposed.",
        why=_(", ").join(str(BLOCKERS.get(b, b)) for b in p.get("blockers", [])),
    ),
    "match.ranking_changed": _fixed(
        _l(
            "The candidates changed since you opened the page (a resource was "
            "changed, or places were taken). Nothing was proposed. Check the "
            "candidates below as they are now and choose again."
        )
    ),
    # resources
    "resource.full": _fixed(_l("Every place of this resource is taken.")),
    "resource.not_active": _fixed(_l("This resource is not active.")),
    "resource.capacity_below_enrolment": _fixed(
        _l("The capacity cannot be lower than the clients already enrolled.")
    ),
    "resource.has_enrolments": _fixed(
        _l("Clients are enrolled at this resource; end their matches first.")
    ),
    # development
    "initiative.category_mismatch": _fixed(
        _l("Only needs of the initiative's category can be linked.")
    ),
    "initiative.already_partner": _fixed(_l("This organization is already a partner.")),
    "initiative.need_not_linked": _fixed(_l("This need is not linked to the initiative.")),
    "initiative.need_already_linked": _fixed(_l("This need is already linked.")),
    "initiative.transition_not_allowed": _fixed(
        _l("The initiative has ended; it cannot change any more.")
    ),
    # network
    "council.already_member": _fixed(_l("This organization is already a member.")),
    "council.not_member": _fixed(_l("This organization is not a member.")),
    "council.attendee_not_member": _fixed(_l("Only members attend; admit the organization first.")),
    "council.area_required": _fixed(_l("A tier-2 council belongs to one area: choose it.")),
    "council.area_not_allowed": _fixed(
        _l("A tier-1 council covers the whole municipality: leave the area empty.")
    ),
    "value.empty:topics": _fixed(_l("Name at least one topic.")),
    "value.too_many:topics": lambda p: _(
        "Name at most %(count)d topics.", count=int(p.get("maximum", 0))
    ),
}
"""Error code (or ``code:field`` where the field changes the words) -> the message."""

FAMILIES: tuple[tuple[str, Message], ...] = (
    (
        ".version_conflict",
        _fixed(_l("Someone else changed this since you opened the page; reload and try again.")),
    ),
    (".not_found", _fixed(_l("This no longer exists, or you may not see it."))),
    (".already_exists", _fixed(_l("This already exists."))),
    (".transition_not_allowed", _fixed(_l("This is not possible in the current state."))),
)
"""Code suffix -> the message of a whole family of refusals."""

REFERENCES: dict[str, Any] = {
    "coordinator": _l("Choose an active coordinator."),
    "client_id": _l("Choose a client of your support center."),
    "center_code": _l("Choose your own support center."),
    "resource_id": _l("Choose an existing resource."),
    "organization_id": _l("Choose an existing organization."),
    "need_id": _l("Choose a need in resource gap."),
}
"""Field of an unknown reference -> what to choose instead."""


def refusal(error: Exception) -> str:
    """A translated message for an error raised by the application or the domain."""
    code = getattr(error, "code", None)
    params: Mapping[str, Any] = getattr(error, "params", {})
    if isinstance(code, str):
        field = getattr(error, "field", None)
        for key in (f"{code}:{field}", code):
            if key in CATALOGUE:
                return CATALOGUE[key](params)
        if code.startswith("auth."):
            return _("Please sign in again.")
        for suffix, message in FAMILIES:
            if code.endswith(suffix):
                return message(params)
    if isinstance(error, InvalidReferenceError):
        return str(REFERENCES.get(error.field, _l("Choose an existing entry.")))
    if isinstance(error, InvalidValueError):
        return _("This value is not accepted.")
    if isinstance(error, InvalidTransitionError):
        return _("This is not possible in the current state.")
    if isinstance(error, DomainError | ConflictError):
        return _("A business rule refused this.")
    return _("Something went wrong on our side.")
