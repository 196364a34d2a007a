"""Showing values on screens: enums by their label, ids by their name, dates in Japanese."""

from __future__ import annotations

import enum
import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any
from uuid import UUID

from flask import Flask
from flask_babel import lazy_gettext as _l

from application.dto import ResourceDTO, UserDTO
from application.oversight_ports import TimelineEntry
from domain.values import PersonalData, display_code
from interfaces.web.ui.i18n import _, format_day, format_moment, local
from interfaces.web.ui.labels import label

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
}

# Event fields that say nothing to people (ids of the stream itself, bookkeeping).
_HIDDEN_FIELDS = frozenset({"client_id", "center_code", "area_code", "need_id"})


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
    if isinstance(value, list | tuple):
        return "、".join(show(item, names) for item in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, default=str, sort_keys=True)
    return str(value)


def event_details(entry: TimelineEntry, names: Mapping[UUID, str]) -> list[tuple[str, str]]:
    """The fields of an event worth showing, with their values as text."""
    details = []
    for key, value in entry.data.items():
        if key in _HIDDEN_FIELDS:
            continue
        if key == "candidates":
            if value:
                details.append((key, _("%(count)d candidates", count=len(value))))
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


def user_options(users: Iterable[UserDTO]) -> list[tuple[str, str]]:
    return [(u.username, f"{u.display_name} ({u.username})") for u in users]


def resource_options(resources: Sequence[ResourceDTO], need: Any) -> list[tuple[str, str]]:
    options = []
    for r in resources:
        places = (
            _("unlimited places")
            if r.places_left is None
            else _("%(left)d of %(capacity)d places free", left=r.places_left, capacity=r.capacity)
        )
        where = "" if need.area_code in r.area_codes else " · " + _("outside the client's area")
        options.append((str(r.id), f"{r.name} ({places}){where}"))
    return options


def type_options(types: Iterable[str]) -> list[tuple[str, str]]:
    """Event types for a filter, each aggregate type first (it matches all its events)."""
    options: list[tuple[str, str]] = []
    seen: set[str] = set()
    for event_type in sorted(types):
        aggregate = event_type.split(".")[0]
        if aggregate not in seen:
            seen.add(aggregate)
            options.append((aggregate, _("%(kind)s: every event", kind=label(aggregate))))
        options.append((event_type, f"{label(aggregate)}: {label(event_type)}"))
    return options


def exact_moment(value: datetime) -> str:
    """An instant for a URL, to the microsecond, in Japan time."""
    return local(value).isoformat()


def client_code(client_id: UUID) -> str:
    return display_code("C", client_id)


def init_display(app: Flask) -> None:
    app.jinja_env.globals.update(
        action_label=action_label,
        show=show,
        event_details=event_details,
        user_options=user_options,
        resource_options=resource_options,
        client_code=client_code,
        type_options=type_options,
    )
    app.jinja_env.filters["input_moment_exact"] = exact_moment
