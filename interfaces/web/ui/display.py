"""Showing values on screens: enums by their label, ids by their name, dates in Japanese."""

from __future__ import annotations

import enum
import json
import re
from collections.abc import Collection, Iterable, Mapping
from datetime import date, datetime
from typing import Any
from uuid import UUID

from flask import Flask
from flask_babel import lazy_gettext as _l

from application.accounts import UserDTO
from application.history import ChangeNote, TimelineEntry
from domain.values import DeclinedBy, Outcome, PersonalData, display_code, is_erased
from interfaces.web.ui.i18n import _, format_day, format_moment, local
from interfaces.web.ui.labels import label
from interfaces.web.ui.names import short_names

ACTION_LABELS: dict[str, Any] = {
    "assign": _l("Assign a coordinator"),
    "reassign": _l("Reassign"),
    "propose": _l("Propose a resource"),
    "decline": _l("Record a decline"),
    "confirm": _l("Confirm the match"),
    "record_gap": _l("Record a resource gap"),
    "follow_up": _l("Record a follow-up"),
    "pause": _l("Pause"),
    "resume": _l("Resume"),
    "close": _l("Close with an outcome"),
    "reopen": _l("Reopen"),
    "edit": _l("Edit the description, goal or urgency"),
}

# Event fields that say nothing to people (ids of the stream itself, bookkeeping).
_HIDDEN_FIELDS = frozenset({"client_id", "center_code", "area_code", "need_id"})


_SYSTEM_REASONS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^initiative abandoned: (?P<detail>.*)$", re.S), "abandoned"),
    (re.compile(r"^imported from (?P<detail>.*)$", re.S), "imported"),
    (re.compile(r"^need closed: (?P<detail>\w+)$"), "closed"),
    (re.compile(r"^declined by (?P<detail>\w+)$"), "declined"),
]


def _enum_label(cls: type[enum.Enum], value: str) -> str:
    try:
        return str(label(cls(value)))
    except ValueError:
        return value


def reason_text(reason: str | None) -> str:
    """A recorded reason as people read it; the reasons the system itself words in
    English (the development policy, file imports) are shown in the screen's language."""
    if not reason:
        return ""
    if is_erased(reason):
        return erased_label()
    for pattern, kind in _SYSTEM_REASONS:
        match = pattern.match(reason)
        if match:
            detail = match.group("detail")
            if kind == "abandoned":
                return _("The initiative was abandoned: %(detail)s", detail=detail)
            if kind == "closed":
                return _("The need was closed: %(outcome)s", outcome=_enum_label(Outcome, detail))
            if kind == "declined":
                return _("Proposal declined: %(who)s", who=_enum_label(DeclinedBy, detail))
            return _("imported from %(file)s", file=detail)
    return reason


def erased_label() -> str:
    """What a personal field shows once its client's personal data was erased."""
    return _("Erased")


def free_text(text: str | None) -> str:
    """A client's free text (a need's description, goal, note), or 「消去済み」."""
    if text is None:
        return ""
    return erased_label() if is_erased(text) else text


def changed_by(note: ChangeNote | None) -> str:
    """Who changed a record last, when and how ("" if unknown): the why of a 412."""
    if note is None:
        return ""
    return _(
        "It was changed by %(actor)s at %(time)s (%(what)s).",
        actor=note.actor or "—",
        time=format_moment(note.timestamp),
        what=label(note.event_type),
    )


def action_label(action: str) -> Any:
    return ACTION_LABELS.get(action, action)


def show(value: Any, names: Mapping[UUID, str] | None = None) -> str:
    """A value as people read it."""
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, enum.Enum):
        return str(label(value))
    if isinstance(value, datetime):
        return format_moment(value)
    if isinstance(value, date):
        return format_day(value)
    if isinstance(value, UUID):
        return (names or {}).get(value) or _("(id %(short)s)", short=str(value)[:8])
    if isinstance(value, PersonalData):
        return _("(personal data, not shown here)")
    if is_erased(value):
        return erased_label()
    if isinstance(value, list | tuple):
        return "、".join(show(item, names) for item in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, default=str, sort_keys=True)
    return str(value)


def event_details(
    entry: TimelineEntry, names: Mapping[UUID, str], keep: Collection[str] = ()
) -> list[tuple[str, str]]:
    """The fields of an event worth showing, with their values as text (ids named by
    ``names``; fields usually hidden, such as ``need_id``, shown when in ``keep``)."""
    details = []
    for key, value in entry.data.items():
        if key in _HIDDEN_FIELDS and key not in keep:
            continue
        if key == "candidates":
            if value:
                details.append((key, _candidates_shown(value, names)))
            continue
        if key == "personal":
            continue
        if key == "changes" and isinstance(value, dict):
            for field, change in value.items():
                details.append((field, show(change, names)))
            continue
        if value in (None, "", [], {}):
            continue
        details.append((key, show(value, names)))
    return details


def _candidates_shown(candidates: Any, names: Mapping[UUID, str]) -> str:
    """The ranking a proposal recorded: rank, resource and points of each candidate."""
    if not isinstance(candidates, list):
        return show(candidates, names)
    parts = []
    for item in candidates:
        if not isinstance(item, dict):
            continue
        try:
            resource = UUID(str(item.get("resource_id")))
        except ValueError:
            continue
        text = _(
            "%(rank)s. %(name)s: %(total)s points",
            rank=item.get("rank", "?"),
            name=names.get(resource) or _("(id %(short)s)", short=str(resource)[:8]),
            total=item.get("total", "?"),
        )
        if item.get("proposable") is False:
            text += " " + _("(could not be chosen)")
        parts.append(text)
    return "\n".join(parts) if parts else _("%(count)d candidates", count=len(candidates))


def user_options(users: Iterable[UserDTO]) -> list[tuple[str, str]]:
    return [(u.username, f"{u.display_name} ({u.username})") for u in users]


def type_groups(types: Iterable[str]) -> list[tuple[str, str, list[tuple[str, str]]]]:
    """Event types for a filter, grouped by record type: (record type, its label,
    [(event type, its label)]) — each event named once, by its own label."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for event_type in sorted(types):
        groups.setdefault(event_type.split(".")[0], []).append((event_type, str(label(event_type))))
    return [
        (aggregate, str(label(aggregate)), sorted(events, key=lambda item: item[1]))
        for aggregate, events in sorted(groups.items(), key=lambda item: str(label(item[0])))
    ]


def exact_moment(value: datetime) -> str:
    """An instant for a URL, to the microsecond, in Japan time."""
    return local(value).isoformat()


def client_code(client_id: UUID) -> str:
    return display_code("C", client_id)


def init_display(app: Flask) -> None:
    app.jinja_env.globals.update(
        action_label=action_label,
        reason_text=reason_text,
        free_text=free_text,
        changed_by=changed_by,
        show=show,
        event_details=event_details,
        user_options=user_options,
        client_code=client_code,
        type_groups=type_groups,
        short_names=short_names,
    )
    app.jinja_env.filters["input_moment_exact"] = exact_moment
