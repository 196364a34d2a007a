"""What the reader can find wrong with a cell or a row, each kind declared once.

Each kind has a stable code, ``<field or subject>.<problem>``, and the English
template of its message (the command line and the API show the message; the
upload screen translates the code with its params). ``PROBLEM_CODES`` is every
code a row problem of the import can carry: the reader's, the use case's and
the refusals of the domain rules a row can meet. See ``docs/importing.md``.
"""

from __future__ import annotations

from application.import_rows import IMPORT_PROBLEMS, REFUSAL_CODES, ProblemKinds

READER_PROBLEMS = ProblemKinds()
"""What reading a file can find wrong with a row (errors) or guess about it (notes)."""

_declare = READER_PROBLEMS.declare

# -- the source key and the 事業所番号 ------------------------------------------------------

LEADING_ZERO_RESTORED = _declare(
    "business_number.leading_zero_restored", "事業所番号 {number} had lost its leading zero"
)

# -- service type and need categories --------------------------------------------------------

SERVICE_TYPE_EMPTY = _declare(
    "service_type.empty", "empty: say which kind of service or activity this is"
)
SERVICE_TYPE_NO_COUNTERPART = _declare(
    "service_type.no_counterpart",
    "「{cell}」 has no clear counterpart among our service types; give one of: {choices}",
)
SERVICE_TYPE_NO_DAY_D = _declare(
    "service_type.no_day_d", "「{cell}」: there is no 通所型D; did you mean 訪問型D?"
)
SERVICE_TYPE_CARE_BENEFIT = _declare(
    "service_type.care_benefit_mapped",
    "「{cell}」 (a care benefit) mapped to {target}, which the same providers run",
)
SERVICE_TYPE_CARE_AGENCY = _declare(
    "service_type.care_benefit_agency",
    "「{cell}」 is a care-insurance service with no life-support counterpart: imported as a "
    "professional agency (agency_referral), its need categories left for the coordinator",
)
SERVICE_TYPE_DEFAULT_USED = _declare(
    "service_type.default_used", "「{cell}」 not mapped; the default {service_type} was used"
)
CATEGORIES_EMPTY = _declare(
    "categories.empty", "no need category: add a categories column (e.g. 買い物, 見守り)"
)
CATEGORY_NOT_KNOWN = _declare(
    "categories.not_known", "「{cell}」 is not a need category we know; ignored"
)
CATEGORIES_NONE_KNOWN = _declare(
    "categories.none_known", "「{cell}」 names no need category we know"
)
CATEGORIES_INFERRED = _declare("categories.inferred", "inferred from 「{cell}」: {categories}")

# -- areas, eligibility, fee, address ------------------------------------------------------

# -- the file as a whole (said once, at the top of the report) --------------------------

FILE_PROBLEMS = ProblemKinds()
"""What reading a file finds about the file as a whole (``ParsedFile.notices``)."""

NO_AREA_COLUMN = FILE_PROBLEMS.declare(
    "file.no_area_column",
    "the file has no area column and no area was given for it (--area): each row's area "
    "is inferred from its address where the areas list their towns (町・字); the other "
    "rows cannot be imported",
)
NOT_A_CARE_LEVEL = _declare(
    "eligibility.not_a_care_level", "「{cell}」: 「{rest}」 is not a care level; not recorded"
)
FEE_SHORTENED = _declare("fee.shortened", "longer than 200 characters; shortened")
ADDRESS_ASSEMBLED = _declare(
    "address.assembled",
    "address assembled from its parts (所在地_都道府県, 所在地_市区町村, ...)",
)
ADDRESS_SHORTENED = _declare("address.shortened", "address longer than 200 characters; shortened")

# -- capacity --------------------------------------------------------------------------------

CAPACITY_IMPLAUSIBLE = _declare(
    "capacity.implausible", "「{cell}」 is not a plausible number of places"
)
CAPACITY_READ_AS = _declare("capacity.read_as", "「{cell}」 read as {number}")
CAPACITY_RANGE = _declare(
    "capacity.range_upper_bound", "「{cell}」 is a range; the upper bound {number} was used"
)
CAPACITY_UNITS_SUMMED = _declare(
    "capacity.units_summed", "「{cell}」 gives the places of each unit; their sum {number} was used"
)
CAPACITY_SEVERAL_NUMBERS = _declare(
    "capacity.several_numbers",
    "「{cell}」 names several numbers of places; write the one that counts (e.g. 29)",
)
CAPACITY_NOT_A_NUMBER = _declare(
    "capacity.not_a_number", "「{cell}」 is not a number of places (write e.g. 20, or 定員なし)"
)

# -- coordinates -----------------------------------------------------------------------------

COORDINATE_NOT_A_DECIMAL = _declare(
    "coordinates.not_a_decimal", "「{cell}」 is not a decimal {field}"
)
COORDINATE_MISSING = _declare("coordinates.one_missing", "{field} is missing: give both or neither")
COORDINATES_SWAPPED = _declare(
    "coordinates.swapped", "latitude and longitude were swapped; put back"
)
LATITUDE_OUT_OF_RANGE = _declare(
    "coordinates.latitude_out_of_range", "{value} is not a latitude (-90 to 90)"
)
LONGITUDE_OUT_OF_RANGE = _declare(
    "coordinates.longitude_out_of_range", "{value} is not a longitude (-180 to 180)"
)

# -- weekdays --------------------------------------------------------------------------------

# What a schedule cell says that weekdays cannot hold; ``items`` lists the dropped
# text, each in 「」.
MONTHLY_PATTERN_DROPPED = _declare(
    "weekdays.monthly_pattern_dropped", "monthly pattern not recorded: {items}"
)
TIMES_DROPPED = _declare("weekdays.times_dropped", "times not recorded: {items}")
FREQUENCY_DROPPED = _declare("weekdays.frequency_dropped", "frequency not recorded: {items}")
DATES_DROPPED = _declare("weekdays.dates_dropped", "dates not recorded: {items}")
HOLIDAYS_DROPPED = _declare("weekdays.holidays_dropped", "public holidays not recorded: {items}")
TIME_OF_DAY_DROPPED = _declare("weekdays.time_of_day_dropped", "time of day not recorded: {items}")
WEEKDAYS_NOT_UNDERSTOOD = _declare(
    "weekdays.not_understood", "「{cell}」: 「{rest}」 not understood as a weekday"
)
WEEKDAYS_NONE_NAMED = _declare(
    "weekdays.none_named", "「{cell}」 names no weekday; no schedule recorded"
)

PROBLEM_CODES: frozenset[str] = READER_PROBLEMS.codes | IMPORT_PROBLEMS.codes | REFUSAL_CODES
NOTICE_CODES: frozenset[str] = FILE_PROBLEMS.codes
"""Every code a file notice can carry."""
"""Every code a row problem of the import can carry (a refusal the domain adds later
keeps its own code too; a screen that does not know it shows the English message)."""
