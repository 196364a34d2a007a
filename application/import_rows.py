"""The rows of a resource-list import: drafts in, row results and row problems out.

A driving adapter (``interfaces.importing``) turns each row of a file into a
:class:`ResourceDraft`; the import use case (``application.importing``) turns
each draft into a :class:`RowResult`. What either finds wrong with a row is a
:class:`RowProblem`.

A row problem has a stable ``code`` (``capacity.not_a_number``, ``areas.unknown``)
with ``params`` — the values its wording needs — and an English ``message`` for
the command line and the API. Programs and screens key off the code and the
params, never off the message, which may be reworded. Every kind of problem is
declared once, as a :class:`ProblemKind` in a :class:`ProblemKinds` catalogue,
with the English template its message is made from, so message and params
cannot disagree. A rule the domain enforces keeps the refusing error's own code
and params (:func:`refusal`).
"""

from __future__ import annotations

import dataclasses
import functools
import string
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Literal
from uuid import UUID

from application.errors import ApplicationError
from domain.errors import DomainError
from domain.values import CareLevel, NeedCategory, ServiceType, Weekday

Severity = Literal["error", "warning"]
Outcome = Literal["new", "updated", "unchanged", "invalid"]
OUTCOMES: tuple[Outcome, ...] = ("new", "updated", "unchanged", "invalid")

# Fields a draft may carry; ``ResourceDraft.provided`` names those the file had
# a column for, so that a re-import never blanks what the file does not know.
DRAFT_FIELDS = frozenset(
    {
        "name",
        "organization",
        "service_type",
        "service_name",
        "categories",
        "areas",
        "weekdays",
        "capacity",
        "eligible_care_levels",
        "fee",
        "phone",
        "email",
        "address",
        "latitude",
        "longitude",
    }
)


# -- problems ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowProblem:
    """Something about one field of one row: an error keeps the row out, a warning does not.

    ``code`` and ``params`` are the contract; ``message`` is the same problem in
    English, made from them. Make one with :meth:`ProblemKind.found` (or
    :func:`refusal`) and :meth:`Finding.at` rather than by hand.
    """

    row: int
    field: str
    code: str
    message: str
    severity: Severity = "error"
    # Excluded from the hash: a dict cannot be hashed, and code + message already
    # tell problems apart.
    params: dict[str, str] = dataclasses.field(default_factory=dict, hash=False)


@dataclass(frozen=True)
class Finding:
    """A problem found in a cell or a row, before it is placed at a row and a field."""

    code: str
    message: str
    params: Mapping[str, str] = dataclasses.field(default_factory=dict, hash=False)

    def at(self, row: int, field: str, severity: Severity = "error") -> RowProblem:
        """This finding as the problem of ``field`` in ``row``."""
        return RowProblem(row, field, self.code, self.message, severity, dict(self.params))


@dataclass(frozen=True)
class ProblemKind:
    """One kind of row problem: its stable code and the English template of its message.

    The template is a ``str.format`` string over the params (``「{cell}」 read as
    {number}``); :meth:`found` fills it in from exactly the params it names.
    """

    code: str
    template: str

    @functools.cached_property
    def param_names(self) -> frozenset[str]:
        """The params the message needs (each must be given, and no other)."""
        return frozenset(
            name for _, name, _, _ in string.Formatter().parse(self.template) if name is not None
        )

    def found(self, **params: object) -> Finding:
        """A problem of this kind with ``params`` (turned into text) in its message."""
        values = {name: str(value) for name, value in params.items()}
        if values.keys() != self.param_names:
            raise ValueError(
                f"{self.code} needs the params {sorted(self.param_names)}, not {sorted(values)}"
            )
        return Finding(self.code, self.template.format(**values), values)


class ProblemKinds:
    """The problem kinds one part of the import can report, each declared once here.

    Declaring a kind through its catalogue is what makes it known: the screens'
    translations are checked against ``codes``.
    """

    def __init__(self) -> None:
        self._kinds: dict[str, ProblemKind] = {}

    def declare(self, code: str, template: str) -> ProblemKind:
        if code in self._kinds:
            raise ValueError(f"row problem {code!r} is declared twice")
        kind = ProblemKind(code, template)
        self._kinds[code] = kind
        return kind

    def __iter__(self) -> Iterator[ProblemKind]:
        return iter(self._kinds.values())

    @property
    def codes(self) -> frozenset[str]:
        return frozenset(self._kinds)


def refusal(error: DomainError | ApplicationError) -> Finding:
    """A rule's refusal of a row: the error's own code, params and message."""
    return Finding(error.code, str(error), {k: str(v) for k, v in error.params.items()})


IMPORT_PROBLEMS = ProblemKinds()
"""What the import use case itself finds wrong with a row (besides refusals)."""

NO_KEY = IMPORT_PROBLEMS.declare(
    "row.no_key", "no 事業所番号 and no name: the row cannot be told apart"
)
DUPLICATE_KEY = IMPORT_PROBLEMS.declare(
    "row.duplicate_key", "same source key {key!r} as row {other_row}"
)
NAME_MISSING = IMPORT_PROBLEMS.declare("name.missing", "empty: every resource needs a name")
SERVICE_TYPE_MISSING = IMPORT_PROBLEMS.declare(
    "service_type.missing", "missing: say which kind of service or activity this is"
)
CATEGORIES_MISSING = IMPORT_PROBLEMS.declare(
    "categories.missing", "no need category: say which needs it serves"
)
AREAS_MISSING = IMPORT_PROBLEMS.declare(
    "areas.missing", "no area: name the daily-living area(s) it covers (code or name)"
)
AREAS_INFERRED = IMPORT_PROBLEMS.declare(
    "areas.inferred", "no area given: the address names 「{town}」, a town of area {area}"
)
AREAS_AMBIGUOUS = IMPORT_PROBLEMS.declare(
    "areas.ambiguous", "{area!r} names several areas; use the area code"
)
AREAS_UNKNOWN = IMPORT_PROBLEMS.declare("areas.unknown", "no area with code or name {area!r}")
ORGANIZATION_UNKNOWN = IMPORT_PROBLEMS.declare(
    "organization.not_in_directory",
    "{organization!r} is not in the organization directory; "
    "the resource is not linked to it (register the organization first)",
)

REFUSAL_CODES = frozenset(
    {
        "value.empty",
        "value.too_long",
        "value.control_characters",
        "value.out_of_range",
        "value.negative",
        "resource.transition_not_allowed",
        "resource.capacity_below_enrolment",
        "resource.version_conflict",
    }
)
"""Codes of the domain's (and the store's) refusals that writing a row can meet: a
name or source key too long, a capacity below the places taken, a closed resource,
a resource changed by someone else meanwhile. Any other refusal still keeps its own
code; a screen that does not know it shows the English message."""


# -- rows ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ResourceDraft:
    """One row of a resource list, read into our vocabulary by a driving adapter.

    ``areas`` holds area codes or area names as written; the import resolves
    them. ``problems`` are what the adapter found while reading the row.
    """

    row: int
    source_key: str | None
    name: str | None = None
    organization: str | None = None
    service_type: ServiceType | None = None
    service_name: str | None = None
    """The service as the file words it, kept where our service type loses it
    (a care-insurance service imported as a professional agency)."""
    categories: tuple[NeedCategory, ...] = ()
    areas: tuple[str, ...] = ()
    weekdays: tuple[Weekday, ...] = ()
    capacity: int | None = None
    eligible_care_levels: tuple[CareLevel, ...] = ()
    fee: str | None = None
    phone: str | None = None
    email: str | None = None
    address: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    provided: frozenset[str] = DRAFT_FIELDS
    problems: tuple[RowProblem, ...] = ()


@dataclass(frozen=True)
class RowResult:
    """What the import made (or would make) of one row."""

    row: int
    source_key: str | None
    name: str | None
    outcome: Outcome
    resource_id: UUID | None
    changed: tuple[str, ...] = ()
    """Fields an update changes (empty for new, unchanged and invalid rows)."""
    problems: tuple[RowProblem, ...] = ()


@dataclass(frozen=True)
class ImportReport:
    """The per-row report and the counts of an import (dry run or applied)."""

    rows: tuple[RowResult, ...]
    dry_run: bool
    applied: bool
    """Whether anything was written (False for a dry run and for an aborted import)."""
    aborted: bool = False
    """All-or-nothing import refused because at least one row is invalid."""
    position: int | None = None
    """Log position of the last event written, when something was."""
    counts: dict[str, int] = dataclasses.field(default_factory=dict)

    @property
    def problems(self) -> tuple[RowProblem, ...]:
        return tuple(p for r in self.rows for p in r.problems)
