"""The import's per-row problems in the screen's language.

The reader (``interfaces.importing``) and the import use case word their
problems in English for the CLI and the API. The upload page shows them
translated: each known wording is recognised here and its values are carried
into a catalogue message. A wording not known here is shown as it is, marked
as English (``translate_problem`` says so), and a test runs the sample files
through every known wording so that new ones are noticed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from flask_babel import lazy_gettext as _l

from domain.values import NeedCategory, ServiceType
from interfaces.web.ui.i18n import _
from interfaces.web.ui.labels import label

LazyString = Any

FIELD_LABELS: dict[str, LazyString] = {
    "row": _l("Row"),
    "source_key": _l("Source key"),
    "business_number": _l("Business number (事業所番号)"),
    "name": _l("Name"),
    "organization": _l("Organization"),
    "service_type": _l("Service type"),
    "categories": _l("Categories"),
    "areas": _l("Areas"),
    "area_codes": _l("Areas"),
    "weekdays": _l("Weekdays"),
    "capacity": _l("Capacity"),
    "eligibility": _l("Eligible care levels"),
    "eligible_care_levels": _l("Eligible care levels"),
    "fee": _l("Fee"),
    "phone": _l("Phone"),
    "email": _l("Email"),
    "address": _l("Address"),
    "latitude": _l("Latitude"),
    "longitude": _l("Longitude"),
}

LAYOUT_LABELS: dict[str, LazyString] = {
    "tsunagu": _l("tsunagu's own resource export"),
    "care-services-standard": _l(
        "Standard open data set 「介護サービス事業所一覧」 (current, 36 columns)"
    ),
    "care-services-recommended": _l(
        "Recommended data set 「介護サービス事業所一覧」 (2017–2020, 22 columns)"
    ),
    "care-services-mhlw": _l("MHLW care service information open data"),
    "kayoi-no-ba": _l("List of gathering places (通いの場)"),
    "generic": _l("Columns matched by their header names"),
}

_DROPPED: dict[str, LazyString] = {
    "monthly pattern": _l("Monthly patterns"),
    "times": _l("Times"),
    "frequency": _l("Frequencies"),
    "dates": _l("Dates"),
    "public holidays": _l("Public holidays"),
    "time of day": _l("Times of day"),
}


def field_label(name: str) -> str:
    return str(FIELD_LABELS.get(name, name))


def layout_label(code: str) -> str:
    return str(LAYOUT_LABELS.get(code, code))


def _coordinate(name: str) -> str:
    return field_label(name)


def _service(value: str) -> str:
    try:
        return str(label(ServiceType(value)))
    except ValueError:
        return value


def _categories(values: str) -> str:
    names = []
    for value in values.split(","):
        try:
            names.append(str(label(NeedCategory(value.strip()))))
        except ValueError:
            names.append(value.strip())
    return _(", ").join(names)


def _unquote(text: str) -> str:
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    return text


Wording = Callable[[dict[str, str]], str]

_TEXT = r"「(?P<text>.*)」"
WORDINGS: list[tuple[re.Pattern[str], Wording]] = [
    (
        re.compile(rf"^{_TEXT} is not a plausible number of places$"),
        lambda g: _("「%(cell)s」 is not a plausible number of places.", cell=g["text"]),
    ),
    (
        re.compile(rf"^{_TEXT} read as (?P<number>\d+)$"),
        lambda g: _("「%(cell)s」 was read as %(number)s.", cell=g["text"], number=g["number"]),
    ),
    (
        re.compile(rf"^{_TEXT} is a range; the upper bound (?P<number>\d+) was used$"),
        lambda g: _(
            "「%(cell)s」 is a range; its upper bound %(number)s was used.",
            cell=g["text"],
            number=g["number"],
        ),
    ),
    (
        re.compile(rf"^{_TEXT} is not a number of places \(write e\.g\. 20, or 定員なし\)$"),
        lambda g: _(
            "「%(cell)s」 is not a number of places (write e.g. 20, or 定員なし).",
            cell=g["text"],
        ),
    ),
    (
        re.compile(rf"^{_TEXT} is not a decimal (?P<field>latitude|longitude)$"),
        lambda g: _(
            "「%(cell)s」 is not a decimal %(field)s.",
            cell=g["text"],
            field=_coordinate(g["field"]),
        ),
    ),
    (
        re.compile(r"^(?P<field>latitude|longitude) is missing: give both or neither$"),
        lambda g: _(
            "%(field)s is missing: give both coordinates or neither.",
            field=_coordinate(g["field"]),
        ),
    ),
    (
        re.compile(r"^latitude and longitude were swapped; put back$"),
        lambda g: _("Latitude and longitude were swapped; they were put back."),
    ),
    (
        re.compile(r"^(?P<value>\S+) is not a latitude \(-90 to 90\)$"),
        lambda g: _("%(value)s is not a latitude (-90 to 90).", value=g["value"]),
    ),
    (
        re.compile(r"^(?P<value>\S+) is not a longitude \(-180 to 180\)$"),
        lambda g: _("%(value)s is not a longitude (-180 to 180).", value=g["value"]),
    ),
    (
        re.compile(
            r"^(?P<what>monthly pattern|times|frequency|dates|public holidays|time of day) "
            r"not recorded: (?P<items>.*)$"
        ),
        lambda g: _(
            "%(what)s are not recorded: %(items)s",
            what=str(_DROPPED[g["what"]]),
            items=g["items"],
        ),
    ),
    (
        re.compile(rf"^{_TEXT}: 「(?P<rest>.*)」 not understood as a weekday$"),
        lambda g: _(
            "「%(cell)s」: 「%(rest)s」 was not understood as a weekday.",
            cell=g["text"],
            rest=g["rest"],
        ),
    ),
    (
        re.compile(rf"^{_TEXT} names no weekday; no schedule recorded$"),
        lambda g: _("「%(cell)s」 names no weekday; no schedule was recorded.", cell=g["text"]),
    ),
    (
        re.compile(r"^事業所番号 (?P<number>\d+) had lost its leading zero$"),
        lambda g: _(
            "The business number %(number)s had lost its leading zero; it was put back.",
            number=g["number"],
        ),
    ),
    (
        re.compile(rf"^{_TEXT} is not a need category we know; ignored$"),
        lambda g: _("「%(cell)s」 is not a need category we know; it was ignored.", cell=g["text"]),
    ),
    (
        re.compile(rf"^{_TEXT}: there is no 通所型D; did you mean 訪問型D\?$"),
        lambda g: _("「%(cell)s」: there is no 通所型D; did you mean 訪問型D?", cell=g["text"]),
    ),
    (
        re.compile(rf"^{_TEXT} has no clear counterpart among our service types; give one of: .*$"),
        lambda g: _(
            "「%(cell)s」 has no clear counterpart among our service types; choose a default "
            "service type above, or write one of ours in the file.",
            cell=g["text"],
        ),
    ),
    (
        re.compile(rf"^{_TEXT}: 「(?P<rest>.*)」 is not a care level; not recorded$"),
        lambda g: _(
            "「%(cell)s」: 「%(rest)s」 is not a care level; it was not recorded.",
            cell=g["text"],
            rest=g["rest"],
        ),
    ),
    (
        re.compile(
            rf"^{_TEXT} \(a care benefit\) mapped to (?P<target>\S+), which the same providers run$"
        ),
        lambda g: _(
            "「%(cell)s」 is a care benefit; it was read as %(target)s, which the same "
            "providers run.",
            cell=g["text"],
            target=g["target"],
        ),
    ),
    (
        re.compile(rf"^{_TEXT} not mapped; the default (?P<type>[a-z_]+) was used$"),
        lambda g: _(
            "「%(cell)s」 could not be mapped; the default %(type)s was used.",
            cell=g["text"],
            type=_service(g["type"]),
        ),
    ),
    (
        re.compile(r"^(empty|missing): say which kind of service or activity this is$"),
        lambda g: _("No service type: say which kind of service or activity this is."),
    ),
    (
        re.compile(rf"^inferred from {_TEXT}: (?P<categories>.*)$"),
        lambda g: _(
            "Categories inferred from 「%(cell)s」: %(categories)s",
            cell=g["text"],
            categories=_categories(g["categories"]),
        ),
    ),
    (
        re.compile(rf"^{_TEXT} names no need category we know$"),
        lambda g: _("「%(cell)s」 names no need category we know.", cell=g["text"]),
    ),
    (
        re.compile(r"^no need category: (add a categories column .*|say which needs it serves)$"),
        lambda g: _("No need category: say which needs it serves (e.g. 買い物, 見守り)."),
    ),
    (
        re.compile(r"^no area: .*$"),
        lambda g: _(
            "No area: give the daily-living area (code or name) in the file, or choose areas "
            "for the whole file above."
        ),
    ),
    (
        re.compile(r"^(address )?longer than 200 characters; shortened$"),
        lambda g: _("Longer than 200 characters; it was shortened."),
    ),
    (
        re.compile(r"^address assembled from its parts .*$"),
        lambda g: _(
            "The address was assembled from its parts (所在地_都道府県, 所在地_市区町村, …)."
        ),
    ),
    (
        re.compile(r"^no 事業所番号 and no name: the row cannot be told apart$"),
        lambda g: _("No business number and no name: the row cannot be told apart from others."),
    ),
    (
        re.compile(r"^same source key (?P<key>.+) as row (?P<row>\d+)$"),
        lambda g: _(
            "The same source key %(key)s as row %(row)s.", key=_unquote(g["key"]), row=g["row"]
        ),
    ),
    (
        re.compile(r"^empty: every resource needs a name$"),
        lambda g: _("No name: every resource needs one."),
    ),
    (
        re.compile(
            r"^(?P<org>.+) is not in the organization directory; the resource is not linked to "
            r"it \(register the organization first\)$"
        ),
        lambda g: _(
            "%(organization)s is not in the organization directory; the resource is not linked "
            "to it (register the organization first).",
            organization=_unquote(g["org"]),
        ),
    ),
    (
        re.compile(r"^(?P<area>.+) names several areas; use the area code$"),
        lambda g: _("%(area)s names several areas; use the area code.", area=_unquote(g["area"])),
    ),
    (
        re.compile(r"^no area with code or name (?P<area>.+)$"),
        lambda g: _("No area has the code or name %(area)s.", area=_unquote(g["area"])),
    ),
]


def translate_problem(message: str) -> tuple[str, bool]:
    """The problem in the screen's language, and whether it could be translated."""
    for pattern, wording in WORDINGS:
        match = pattern.match(message)
        if match:
            return wording(match.groupdict()), True
    return message, False
