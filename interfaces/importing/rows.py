"""From a table of cells to resource drafts, saying per row what could not be read."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from application.import_rows import (
    AREAS_MISSING,
    DRAFT_FIELDS,
    Finding,
    ResourceDraft,
    RowProblem,
)
from application.importing import name_key
from domain.values import NeedCategory, ServiceType
from interfaces.importing.columns import ADDRESS_PARTS, GENERIC, Layout, map_headers, recognise
from interfaces.importing.normalize import (
    business_number,
    clean,
    parse_capacity,
    parse_coordinates,
    parse_weekdays,
    split_items,
)
from interfaces.importing.problems import (
    ADDRESS_ASSEMBLED,
    ADDRESS_SHORTENED,
    CATEGORIES_EMPTY,
    CATEGORIES_INFERRED,
    CATEGORIES_NONE_KNOWN,
    FEE_SHORTENED,
    NO_AREA_COLUMN,
    SERVICE_TYPE_CARE_AGENCY,
    SERVICE_TYPE_DEFAULT_USED,
    SERVICE_TYPE_EMPTY,
)
from interfaces.importing.reader import Table
from interfaces.importing.vocabulary import (
    categories_in,
    parse_care_levels,
    parse_categories,
    parse_service_type,
)

# Fields of ResourceDraft each column field feeds (for ``ResourceDraft.provided``).
_PROVIDES = {
    "eligibility": "eligible_care_levels",
    "venue": "address",
    "address_building": "address",
    **{part: "address" for part in ADDRESS_PARTS},
}


@dataclass(frozen=True)
class RowDefaults:
    """What to assume for rows whose file says nothing about it."""

    areas: tuple[str, ...] = ()
    """Area codes or names for files without an area column (national lists have none)."""
    service_type: ServiceType | None = None
    skip_care_benefits: bool = False
    """Leave out the care-insurance services that would import as professional agencies."""


@dataclass(frozen=True)
class SkippedRow:
    """A row left out on purpose (not an error): a care-insurance service under
    ``skip_care_benefits``."""

    row: int
    name: str | None
    service: str


@dataclass(frozen=True)
class FileNotice:
    """Something about the whole file, said once at the top of the report.

    ``stands_for`` is the code of the row problem it explains, which a report
    for people leaves out of each row (programs still find it on every row)."""

    code: str
    message: str
    params: dict[str, str] = field(default_factory=dict)
    stands_for: str | None = None


@dataclass(frozen=True)
class ParsedFile:
    """A resource list read into drafts, with what was learnt about the file itself."""

    format: str
    encoding: str | None
    sheet: str | None
    layout: Layout
    header_row: int
    columns: tuple[tuple[str, str | None], ...]
    """Each header with the field it was read as (None: ignored)."""
    drafts: tuple[ResourceDraft, ...] = field(default_factory=tuple)
    skipped: tuple[SkippedRow, ...] = ()
    """Rows left out on purpose (``RowDefaults.skip_care_benefits``), never checked."""
    notices: tuple[FileNotice, ...] = ()

    @property
    def ignored_columns(self) -> tuple[str, ...]:
        return tuple(h for h, f in self.columns if f is None and h)


def parse_table(
    table: Table,
    defaults: RowDefaults | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ParsedFile:
    """Drafts for every data row of ``table``."""
    defaults = defaults or RowDefaults()
    layout = recognise(table.headers)
    fields = map_headers(table.headers)
    present = {f for f in fields if f}
    provided = frozenset(
        {_PROVIDES.get(f, f) for f in present} & DRAFT_FIELDS
        | ({"areas"} if defaults.areas else set())
        | ({"service_type"} if defaults.service_type or layout.default_service else set())
    )
    drafts = []
    skipped = []
    total = len(table.rows)
    for done, (number, cells) in enumerate(table.rows, start=1):
        values = {f: cells[i] for i, f in enumerate(fields) if f and i < len(cells)}
        draft = _draft(number, values, layout, defaults, provided)
        if defaults.skip_care_benefits and _is_care_agency(draft):
            skipped.append(SkippedRow(number, draft.name, draft.service_name or ""))
        else:
            drafts.append(draft)
        if progress is not None:
            progress(done, total)
    return ParsedFile(
        format=table.format,
        encoding=table.encoding,
        sheet=table.sheet,
        layout=layout,
        header_row=table.header_row,
        columns=tuple(zip(table.headers, fields, strict=True)),
        drafts=tuple(drafts),
        skipped=tuple(skipped),
        notices=_notices(present, defaults),
    )


def _notices(present: set[str], defaults: RowDefaults) -> tuple[FileNotice, ...]:
    notices = []
    if "areas" not in present and not defaults.areas:
        notice = NO_AREA_COLUMN.found()
        notices.append(
            FileNotice(notice.code, notice.message, dict(notice.params), AREAS_MISSING.code)
        )
    return tuple(notices)


def _is_care_agency(draft: ResourceDraft) -> bool:
    """Whether the row is a care-insurance service read as a professional agency."""
    return any(p.code == SERVICE_TYPE_CARE_AGENCY.code for p in draft.problems)


def _draft(
    row: int,
    raw: dict[str, Any],
    layout: Layout,
    defaults: RowDefaults,
    provided: frozenset[str],
) -> ResourceDraft:
    cell = {name: clean(value) for name, value in raw.items()}
    problems: list[RowProblem] = []

    def warn(field_name: str, *notes: Finding) -> None:
        problems.extend(note.at(row, field_name, "warning") for note in notes)

    def fail(field_name: str, error: Finding | None) -> None:
        if error is not None:
            problems.append(error.at(row, field_name))

    name = cell.get("name")
    number = business_number(cell.get("business_number"))
    warn("business_number", *number.notes)

    # Service type: the column, else the layout's subject, else the caller's default.
    service_text = cell.get("service_type")
    service_words = service_text or layout.default_service
    service_type: ServiceType | None = None
    implied: tuple[NeedCategory, ...] = ()
    care_agency = False
    if service_words:
        parsed_service = parse_service_type(service_words)
        warn("service_type", *parsed_service.notes)
        care_agency = any(n.code == SERVICE_TYPE_CARE_AGENCY.code for n in parsed_service.notes)
        if parsed_service.value is not None:
            service_type, implied = parsed_service.value
        elif defaults.service_type is not None:
            service_type = defaults.service_type
            warn(
                "service_type",
                SERVICE_TYPE_DEFAULT_USED.found(
                    cell=service_words, service_type=service_type.value
                ),
            )
        else:
            fail("service_type", parsed_service.error)
    elif defaults.service_type is not None:
        service_type = defaults.service_type
    else:
        fail("service_type", SERVICE_TYPE_EMPTY.found())

    # Categories: the column, else what the service type implies or its words describe.
    categories_text = cell.get("categories")
    parsed_categories = parse_categories(categories_text)
    warn("categories", *parsed_categories.notes)
    categories = parsed_categories.value
    if not categories:
        inferred = tuple(dict.fromkeys([*implied, *categories_in(service_words or "")]))
        if care_agency:
            # Which needs an agency meets is the coordinator's call (its note says so);
            # a word like 「リハビリ」 in 「訪問リハビリテーション」 is no such decision.
            categories = implied
        elif inferred:
            categories = inferred
            listed = ", ".join(c.value for c in inferred)
            warn("categories", CATEGORIES_INFERRED.found(cell=service_words, categories=listed))
        elif service_type is not None:
            fail(
                "categories",
                CATEGORIES_NONE_KNOWN.found(cell=categories_text)
                if categories_text
                else CATEGORIES_EMPTY.found(),
            )

    # Areas: the column, else the defaults given for the whole file; else the import
    # infers them from the address where the areas list their towns.
    areas: tuple[str, ...] = ()
    if cell.get("areas"):
        areas = tuple(split_items(cell["areas"] or ""))
    elif defaults.areas:
        areas = defaults.areas

    weekdays = parse_weekdays(cell.get("weekdays"))
    warn("weekdays", *weekdays.notes)
    capacity = parse_capacity(cell.get("capacity"))
    warn("capacity", *capacity.notes)
    fail("capacity", capacity.error)
    levels = parse_care_levels(cell.get("eligibility"))
    warn("eligibility", *levels.notes)
    latitude, longitude = parse_coordinates(cell.get("latitude"), cell.get("longitude"))
    warn("latitude", *latitude.notes)
    fail("latitude", latitude.error)
    fail("longitude", longitude.error)

    fee = cell.get("fee")
    if fee and len(fee) > 200:
        warn("fee", FEE_SHORTENED.found())
        fee = fee[:200]
    address, address_notes = _address(cell)
    warn("address", *address_notes)

    # The source key: given, else the 事業所番号 (one per service it runs), else name+address.
    if cell.get("source_key"):
        key: str | None = cell["source_key"]
    elif number.value:
        service_key = name_key(service_text) if service_text else ""
        key = f"jigyosho:{number.value}" + (f":{service_key}" if service_key else "")
    elif name:
        key = f"name:{name_key(name)}|{name_key(address or '')}"
    else:
        key = None

    return ResourceDraft(
        row=row,
        source_key=key,
        name=name,
        organization=cell.get("organization"),
        service_type=service_type,
        service_name=service_text if care_agency else None,
        categories=categories,
        areas=areas,
        weekdays=weekdays.value,
        capacity=capacity.value,
        eligible_care_levels=levels.value,
        fee=fee,
        phone=cell.get("phone"),
        email=cell.get("email"),
        address=address,
        latitude=latitude.value if not longitude.error else None,
        longitude=longitude.value if not latitude.error else None,
        provided=provided,
        problems=tuple(problems),
    )


def _address(cell: dict[str, str | None]) -> tuple[str | None, list[Finding]]:
    """One address line from whatever the file gives: a whole address, its parts,
    the building (方書) and the venue (会場)."""
    notes: list[Finding] = []
    address = cell.get("address")
    parts = [cell.get(p) for p in ADDRESS_PARTS if cell.get(p)]
    if not address and parts:
        address = "".join(p for p in parts if p)
        notes.append(ADDRESS_ASSEMBLED.found())
    building = cell.get("address_building")
    if building and address and building not in address:
        address = f"{address} {building}"
    elif building and not address:
        address = building
    venue = cell.get("venue")
    if venue and address and venue not in address:
        address = f"{venue} ({address})"
    elif venue and not address:
        address = venue
    if address and len(address) > 200:
        notes.append(ADDRESS_SHORTENED.found())
        address = address[:200]
    return address, notes


__all__ = ["GENERIC", "FileNotice", "ParsedFile", "RowDefaults", "SkippedRow", "parse_table"]
