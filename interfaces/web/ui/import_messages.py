"""The import's per-row problems in the screen's language.

The reader (``interfaces.importing``) and the import use case give every row
problem a stable code with params, besides the English message the CLI and the
API show. The upload page looks the code up in ``CATALOGUE`` and formats the
params into the catalogue's message. A code not in the catalogue is shown with
its English message, marked as English (``translate_problem`` says so); a test
checks that every code the import can produce (``PROBLEM_CODES``) is here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flask_babel import lazy_gettext as _l

from application.import_rows import RowProblem
from domain.values import NeedCategory, ResourceStatus, ServiceType
from interfaces.importing.rows import FileNotice
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

# What a schedule cell said that weekdays cannot hold, by the code of its note.
_DROPPED: dict[str, LazyString] = {
    "weekdays.monthly_pattern_dropped": _l("Monthly patterns"),
    "weekdays.times_dropped": _l("Times"),
    "weekdays.frequency_dropped": _l("Frequencies"),
    "weekdays.dates_dropped": _l("Dates"),
    "weekdays.holidays_dropped": _l("Public holidays"),
    "weekdays.time_of_day_dropped": _l("Times of day"),
}


def field_label(name: str) -> str:
    return str(FIELD_LABELS.get(name, name))


def layout_label(code: str) -> str:
    return str(LAYOUT_LABELS.get(code, code))


def _service(value: str) -> str:
    try:
        return str(label(ServiceType(value)))
    except ValueError:
        return value


def _status(value: str) -> str:
    try:
        return str(label(ResourceStatus(value)))
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


Wording = Callable[[Mapping[str, str]], str]
"""The message of one code in the screen's language, from the problem's params."""


def _dropped(code: str) -> Wording:
    return lambda p: _(
        "%(what)s are not recorded: %(items)s", what=str(_DROPPED[code]), items=p["items"]
    )


def _no_service_type(p: Mapping[str, str]) -> str:
    return _("No service type: say which kind of service or activity this is.")


def _no_category(p: Mapping[str, str]) -> str:
    return _("No need category: say which needs it serves (e.g. 買い物, 見守り).")


def _no_area(p: Mapping[str, str]) -> str:
    return _(
        "No area: give the daily-living area (code or name) in the file, or choose areas "
        "for the whole file above."
    )


def _shortened(p: Mapping[str, str]) -> str:
    return _("Longer than 200 characters; it was shortened.")


CATALOGUE: dict[str, Wording] = {
    # -- what the reader finds -----------------------------------------------------------
    "business_number.leading_zero_restored": lambda p: _(
        "The business number %(number)s had lost its leading zero; it was put back.",
        number=p["number"],
    ),
    "service_type.empty": _no_service_type,
    "service_type.no_counterpart": lambda p: _(
        "「%(cell)s」 has no clear counterpart among our service types; choose a default "
        "service type above, or write one of ours in the file.",
        cell=p["cell"],
    ),
    "service_type.no_day_d": lambda p: _(
        "「%(cell)s」: there is no 通所型D; did you mean 訪問型D?", cell=p["cell"]
    ),
    "service_type.care_benefit_mapped": lambda p: _(
        "「%(cell)s」 is a care benefit; it was read as %(target)s, which the same providers run.",
        cell=p["cell"],
        target=p["target"],
    ),
    "service_type.care_benefit_agency": lambda p: _(
        "「%(cell)s」 is a care-insurance service with no life-support counterpart: it was "
        "imported as a professional agency (関係機関); choose the needs it serves.",
        cell=p["cell"],
    ),
    "service_type.default_used": lambda p: _(
        "「%(cell)s」 could not be mapped; the default %(type)s was used.",
        cell=p["cell"],
        type=_service(p["service_type"]),
    ),
    "categories.empty": _no_category,
    "categories.not_known": lambda p: _(
        "「%(cell)s」 is not a need category we know; it was ignored.", cell=p["cell"]
    ),
    "categories.none_known": lambda p: _(
        "「%(cell)s」 names no need category we know.", cell=p["cell"]
    ),
    "categories.inferred": lambda p: _(
        "Categories inferred from 「%(cell)s」: %(categories)s",
        cell=p["cell"],
        categories=_categories(p["categories"]),
    ),
    "eligibility.not_a_care_level": lambda p: _(
        "「%(cell)s」: 「%(rest)s」 is not a care level; it was not recorded.",
        cell=p["cell"],
        rest=p["rest"],
    ),
    "fee.shortened": _shortened,
    "address.assembled": lambda p: _(
        "The address was assembled from its parts (所在地_都道府県, 所在地_市区町村, …)."
    ),
    "address.shortened": _shortened,
    "capacity.implausible": lambda p: _(
        "「%(cell)s」 is not a plausible number of places.", cell=p["cell"]
    ),
    "capacity.read_as": lambda p: _(
        "「%(cell)s」 was read as %(number)s.", cell=p["cell"], number=p["number"]
    ),
    "capacity.range_upper_bound": lambda p: _(
        "「%(cell)s」 is a range; its upper bound %(number)s was used.",
        cell=p["cell"],
        number=p["number"],
    ),
    "capacity.units_summed": lambda p: _(
        "「%(cell)s」 gives the places of each unit; their sum %(number)s was used.",
        cell=p["cell"],
        number=p["number"],
    ),
    "capacity.several_numbers": lambda p: _(
        "「%(cell)s」 names several numbers of places; write the one that counts (e.g. 29).",
        cell=p["cell"],
    ),
    "capacity.not_a_number": lambda p: _(
        "「%(cell)s」 is not a number of places (write e.g. 20, or 定員なし).", cell=p["cell"]
    ),
    "coordinates.not_a_decimal": lambda p: _(
        "「%(cell)s」 is not a decimal %(field)s.", cell=p["cell"], field=field_label(p["field"])
    ),
    "coordinates.one_missing": lambda p: _(
        "%(field)s is missing: give both coordinates or neither.", field=field_label(p["field"])
    ),
    "coordinates.swapped": lambda p: _("Latitude and longitude were swapped; they were put back."),
    "coordinates.latitude_out_of_range": lambda p: _(
        "%(value)s is not a latitude (-90 to 90).", value=p["value"]
    ),
    "coordinates.longitude_out_of_range": lambda p: _(
        "%(value)s is not a longitude (-180 to 180).", value=p["value"]
    ),
    **{code: _dropped(code) for code in _DROPPED},
    "weekdays.not_understood": lambda p: _(
        "「%(cell)s」: 「%(rest)s」 was not understood as a weekday.",
        cell=p["cell"],
        rest=p["rest"],
    ),
    "weekdays.none_named": lambda p: _(
        "「%(cell)s」 names no weekday; no schedule was recorded.", cell=p["cell"]
    ),
    # -- what the import use case finds --------------------------------------------------
    "row.no_key": lambda p: _(
        "No business number and no name: the row cannot be told apart from others."
    ),
    "row.duplicate_key": lambda p: _(
        "The same source key %(key)s as row %(row)s.", key=p["key"], row=p["other_row"]
    ),
    "name.missing": lambda p: _("No name: every resource needs one."),
    "service_type.missing": _no_service_type,
    "categories.missing": _no_category,
    "areas.missing": _no_area,
    "areas.inferred": lambda p: _(
        "No area given: the address names 「%(town)s」, a town of the area %(area)s.",
        town=p["town"],
        area=p["area"],
    ),
    "areas.ambiguous": lambda p: _(
        "%(area)s names several areas; use the area code.", area=p["area"]
    ),
    "areas.unknown": lambda p: _("No area has the code or name %(area)s.", area=p["area"]),
    "organization.not_in_directory": lambda p: _(
        "%(organization)s is not in the organization directory; the resource is not linked "
        "to it (register the organization first).",
        organization=p["organization"],
    ),
    # -- the domain's refusals (the field is shown beside the message) ------------------
    "value.empty": lambda p: _("Enter a value."),
    "value.too_long": lambda p: _("Use at most %(count)d characters.", count=int(p["max_length"])),
    "value.control_characters": lambda p: _("Remove the control characters."),
    "value.out_of_range": lambda p: _(
        "Enter a value from %(minimum)s to %(maximum)s.",
        minimum=p["minimum"],
        maximum=p["maximum"],
    ),
    "value.negative": lambda p: _("Enter %(minimum)d or more.", minimum=0),
    "resource.transition_not_allowed": lambda p: _(
        "The resource is %(state)s; an import cannot change it.", state=_status(p["state"])
    ),
    "resource.capacity_below_enrolment": lambda p: _(
        "The capacity %(capacity)s is below the %(enrolled)s clients enrolled; "
        "end their matches first.",
        capacity=p["capacity"],
        enrolled=p["enrolled"],
    ),
    "resource.version_conflict": lambda p: _(
        "Someone else changed this resource at the same time; check the file again."
    ),
}
"""The screen's message for every code the import can produce (see ``PROBLEM_CODES``)."""


NOTICES: dict[str, Wording] = {
    "file.no_area_column": lambda p: _(
        "The file has no area column and no area was chosen for it: each row's area is "
        "inferred from its address where the areas list their towns (町・字); the other rows "
        "cannot be imported until you choose areas below."
    ),
}
"""The screen's message for every notice about a whole file (see ``NOTICE_CODES``)."""


def translate_notice(notice: FileNotice) -> str:
    """A notice about the whole file in the screen's language (English if unknown)."""
    wording = NOTICES.get(notice.code)
    return notice.message if wording is None else wording(notice.params)


def translate_problem(problem: RowProblem) -> tuple[str, bool]:
    """The problem in the screen's language, and whether it could be translated.

    A code the catalogue does not know, or params that do not fit its message,
    leave the English message: better an English line than a page that fails.
    """
    wording = CATALOGUE.get(problem.code)
    if wording is None:
        return problem.message, False
    try:
        return wording(problem.params), True
    except (KeyError, ValueError):
        return problem.message, False
