"""Reading whole files: encodings, .xlsx, the national layouts, and files that cannot be read."""

from __future__ import annotations

import io
import os
import tracemalloc
import zipfile
from pathlib import Path

import pytest

from application.importing import ResourceDraft
from domain.values import NeedCategory, ServiceType, Weekday
from interfaces.importing import FileFormatError, RowDefaults, read_resource_file
from interfaces.importing.export import to_csv, to_xlsx
from tests.hostile_files import compression_bomb, workbook_with_sheet

FIXTURES = Path(__file__).parent.parent / "fixtures" / "import"


def read(name: str, **kwargs: object) -> tuple[str | None, str, list[ResourceDraft]]:
    parsed = read_resource_file((FIXTURES / name).read_bytes(), name, **kwargs)  # type: ignore[arg-type]
    return parsed.encoding, parsed.layout.code, list(parsed.drafts)


@pytest.mark.parametrize(
    ("name", "encoding"),
    [
        ("good_utf8.csv", "UTF-8"),
        ("good_utf8_bom.csv", "UTF-8 (BOM)"),
        ("good_cp932.csv", "CP932 (Shift_JIS)"),
        ("good.xlsx", None),
    ],
)
def test_the_same_list_reads_the_same_in_every_encoding_and_xlsx(
    name: str, encoding: str | None
) -> None:
    used, layout, drafts = read(name)
    _, _, reference = read("good_utf8.csv")

    assert used == encoding
    assert layout == "generic"
    assert [d.name for d in drafts] == [
        "ふれあいサロン北",
        "買い物送迎バス",
        "配食みなみ",
        "ちょこっと困りごと隊",
    ]
    strip = [{**vars(d), "row": 0, "problems": ()} for d in drafts]
    assert strip == [{**vars(d), "row": 0, "problems": ()} for d in reference]


def test_rows_are_numbered_as_the_spreadsheet_shows_them_below_title_lines() -> None:
    _, _, drafts = read("good.xlsx")
    assert [d.row for d in drafts] == [4, 5, 6, 7]


def test_a_good_row_is_read_into_our_vocabulary() -> None:
    _, _, drafts = read("good_cp932.csv")
    salon = drafts[0]
    assert salon.service_type is ServiceType.GATHERING_PLACE
    assert salon.categories == (NeedCategory.SOCIAL_PARTICIPATION, NeedCategory.EXERCISE)
    assert salon.weekdays == (Weekday.TUE,)
    assert salon.capacity == 20
    assert salon.address == "つなぐ市北町1-2-3"
    assert salon.areas == ("北地区",)
    assert (salon.latitude, salon.longitude) == (35.6001, 139.7001)
    assert drafts[3].name == "ちょこっと困りごと隊"


def test_an_explicit_encoding_is_used_and_a_wrong_one_is_a_clear_error() -> None:
    data = (FIXTURES / "good_cp932.csv").read_bytes()
    assert read_resource_file(data, encoding="cp932").encoding == "CP932 (Shift_JIS)"
    with pytest.raises(FileFormatError, match="not valid utf-8"):
        read_resource_file(data, encoding="utf-8")


def test_bad_rows_carry_the_problems_found_while_reading() -> None:
    _, _, drafts = read("bad_utf8.csv")
    errors = {d.row: {p.field for p in d.problems if p.severity == "error"} for d in drafts}
    assert errors[4] == {"capacity"}
    assert errors[5] == set()  # 介護老人福祉施設: a professional agency now, noted
    assert errors[6] == {"longitude"}


def test_the_36_column_national_layout_is_recognised_and_mapped() -> None:
    _, layout, drafts = read(
        "care_services_standard_36.csv", defaults=RowDefaults(areas=("north",))
    )
    assert layout == "care-services-standard"
    home_help, day_service, nursing = drafts
    assert home_help.source_key == "jigyosho:9990000001:訪問介護"
    assert home_help.service_type is ServiceType.VISIT_STANDARD
    assert home_help.organization == "社会福祉法人つなぐ会"
    assert home_help.areas == ("north",)
    assert day_service.address == "架空県つなぐ市南町2-2 つなぐビル1階"
    assert day_service.capacity == 18
    assert nursing.service_type is ServiceType.AGENCY_REFERRAL
    assert nursing.service_name == "訪問看護"
    assert nursing.categories == (NeedCategory.OTHER,)
    assert [(p.code, p.params.get("cell")) for p in nursing.problems] == [
        ("service_type.care_benefit_agency", "訪問看護")
    ]


def test_the_22_column_recommended_layout_in_shift_jis_is_recognised() -> None:
    encoding, layout, drafts = read(
        "care_services_recommended_22.csv", defaults=RowDefaults(areas=("south",))
    )
    assert (encoding, layout) == ("CP932 (Shift_JIS)", "care-services-recommended")
    assert drafts[0].service_type is ServiceType.DAY_A
    assert drafts[0].source_key == "jigyosho:0999000004:通所型サービスa"
    assert drafts[0].weekdays == (Weekday.TUE, Weekday.THU)


@pytest.mark.parametrize("name", ["kayoi_no_ba.csv", "kayoi_no_ba.xlsx"])
def test_the_kayoi_no_ba_layout_makes_gathering_places(name: str) -> None:
    _, layout, drafts = read(name)
    assert layout == "kayoi-no-ba"
    assert {d.service_type for d in drafts} == {ServiceType.GATHERING_PLACE}
    exercise, salon, _ = drafts
    assert exercise.categories == (NeedCategory.SOCIAL_PARTICIPATION, NeedCategory.EXERCISE)
    assert exercise.address == "北町集会所 (つなぐ市北町9-9)"
    assert salon.weekdays == (Weekday.THU,)
    assert salon.categories == (NeedCategory.MEALS, NeedCategory.SOCIAL_PARTICIPATION)


def test_a_file_without_an_area_column_says_so_once_not_on_every_row() -> None:
    name = "care_services_standard_36.csv"
    parsed = read_resource_file((FIXTURES / name).read_bytes(), name)
    assert [(n.code, n.stands_for) for n in parsed.notices] == [
        ("file.no_area_column", "areas.missing")
    ]
    assert not any(p.field == "areas" for d in parsed.drafts for p in d.problems)


def test_a_file_without_an_area_column_but_with_areas_given_has_no_notice() -> None:
    name = "care_services_standard_36.csv"
    data = (FIXTURES / name).read_bytes()
    parsed = read_resource_file(data, name, defaults=RowDefaults(areas=("north",)))
    assert parsed.notices == ()


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"", "x.csv", "empty"),
        (b"   \n ", "x.csv", "empty"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest", "old.xls", ".xls"),
        (b"PK\x03\x04not really a zip", "x.xlsx", "cannot be read"),
        (b"hello,world\n1,2\n", "x.csv", "no header row"),
        ("名前だけ\nサロン\n".encode(), "x.csv", "no header row"),
        (b"\x81\xff\xfe\x00\x80" * 10, "x.csv", "neither UTF-8 nor Shift_JIS"),
        (b"not a workbook", "x.xlsx", "not an Excel workbook"),
    ],
)
def test_unreadable_files_are_refused_with_a_reason(data: bytes, name: str, message: str) -> None:
    with pytest.raises(FileFormatError, match=message):
        read_resource_file(data, name)


def test_an_exported_file_has_the_columns_the_import_reads_back() -> None:
    empty_csv = to_csv([], {})
    assert empty_csv.startswith(b"\xef\xbb\xbf")
    for data, name in ((empty_csv, "e.csv"), (to_xlsx([], {}), "e.xlsx")):
        parsed = read_resource_file(data, name)
        assert parsed.layout.code == "tsunagu"
        assert parsed.drafts == ()


def test_formula_like_text_is_guarded_in_the_export_and_read_back_as_it_was() -> None:
    from uuid import uuid4

    from application.resources import ResourceDTO
    from domain.values import ResourceStatus

    resource = ResourceDTO(
        id=uuid4(),
        version=1,
        position=None,
        name="=HYPERLINK(1)",
        organization_id=None,
        service_type=ServiceType.INFORMAL,
        categories=(NeedCategory.OTHER,),
        area_codes=("north",),
        weekdays=(),
        capacity=None,
        places_taken=0,
        eligible_care_levels=(),
        fee="+100円",
        contact=None,
        status=ResourceStatus.ACTIVE,
    )
    for data, name in ((to_csv([resource], {}), "r.csv"), (to_xlsx([resource], {}), "r.xlsx")):
        assert b"'=HYPERLINK" in data or name.endswith("xlsx")
        [draft] = read_resource_file(data, name).drafts
        assert (draft.name, draft.fee) == ("=HYPERLINK(1)", "+100円")


# -- limits: what a file may cost before it is read ---------------------------------------------

HEADER = "名称,住所,サービス種別\n"


def _refusal(data: bytes, name: str) -> tuple[str, int]:
    """The refusal's code and the peak memory (bytes) reading the file took: a file refused
    before it is unpacked or read costs little, whatever it would have become."""
    tracemalloc.start()
    try:
        with pytest.raises(FileFormatError) as refused:
            read_resource_file(data, name)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return refused.value.code, peak


def _workbook(sheet_xml: bytes, *, extra: dict[str, bytes] | None = None) -> bytes:
    """A real .xlsx whose first sheet is ``sheet_xml``, with ``extra`` parts stored as they are."""
    data = workbook_with_sheet(sheet_xml)
    if not extra:
        return data
    out = io.BytesIO(data)
    with zipfile.ZipFile(out, "a") as archive:
        for filename, content in extra.items():
            archive.writestr(filename, content, compress_type=zipfile.ZIP_STORED)
    return out.getvalue()


def _sheet(rows: str, dimension: str | None = None) -> bytes:
    declared = f'<dimension ref="{dimension}"/>' if dimension else ""
    return (
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f"{declared}<sheetData>{rows}</sheetData></worksheet>"
    ).encode()


def _header_row() -> str:
    return (
        '<row r="1"><c r="A1" t="inlineStr"><is><t>名称</t></is></c>'
        '<c r="B1" t="inlineStr"><is><t>住所</t></is></c></row>'
    )


def test_a_workbook_that_unpacks_hundreds_of_times_its_size_is_refused_before_reading() -> None:
    data = compression_bomb(1_000_000)
    assert len(data) < 150_000  # a million cells in a small file

    code, peak = _refusal(data, "bomb.xlsx")

    assert code == "file.compression_ratio"
    assert peak < 2 * 1024 * 1024


def test_a_workbook_too_large_once_unpacked_is_refused() -> None:
    data = _workbook(
        _sheet(_header_row()), extra={"xl/media/big.bin": os.urandom(51 * 1024 * 1024)}
    )
    assert _refusal(data, "big.xlsx")[0] == "file.too_large_unpacked"


def test_a_sheet_declaring_more_cells_than_allowed_is_refused_before_its_cells_are_read() -> None:
    data = _workbook(_sheet(_header_row(), dimension="A1:AJ100000"))
    code, peak = _refusal(data, "declared.xlsx")
    assert code == "file.too_many_cells"
    assert peak < 2 * 1024 * 1024


def test_a_sheet_declaring_too_many_columns_is_refused() -> None:
    data = _workbook(_sheet(_header_row(), dimension="A1:ZZ10"))
    assert _refusal(data, "wide.xlsx")[0] == "file.too_many_columns"


def test_a_csv_with_too_many_columns_is_refused() -> None:
    data = (HEADER.rstrip("\n") + ",x" * 300 + "\nサロン,北町,通いの場\n").encode()
    assert _refusal(data, "wide.csv")[0] == "file.too_many_columns"


def test_empty_cells_far_to_the_right_are_not_columns() -> None:
    data = (HEADER.rstrip("\n") + "," * 300 + "\nサロン,北町1,通いの場" + "," * 300 + "\n").encode()
    [draft] = read_resource_file(data, "padded.csv").drafts
    assert draft.name == "サロン"


def test_a_csv_with_too_many_rows_is_refused() -> None:
    data = (HEADER + "サロン,北町1,通いの場\n" * 50_001).encode()
    assert _refusal(data, "long.csv")[0] == "file.too_many_rows"


def test_a_csv_with_too_many_cells_is_refused() -> None:
    data = (
        HEADER.rstrip("\n")
        + ",x" * 40
        + "\n"
        + ("サロン,北町1,通いの場" + ",x" * 40 + "\n") * 30_000
    ).encode()
    assert _refusal(data, "cells.csv")[0] == "file.too_many_cells"


def test_blank_lines_are_streamed_not_held() -> None:
    data = (HEADER + "\n" * 300_000 + "サロン,北町1,通いの場\n").encode()
    tracemalloc.start()
    try:
        drafts = read_resource_file(data, "blank.csv").drafts
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert [d.name for d in drafts] == ["サロン"]
    assert peak < 8 * 1024 * 1024  # the text itself, not a list per line


def test_a_csv_of_millions_of_blank_lines_is_refused_when_its_cells_run_out() -> None:
    data = (HEADER + "\n" * 6_000_000).encode()
    # (that the lines are streamed, not held, is test_blank_lines_are_streamed_not_held's)
    with pytest.raises(FileFormatError) as refused:
        read_resource_file(data, "blank.csv")
    assert refused.value.code == "file.too_many_cells"


def test_blank_lines_between_rows_keep_the_row_numbers() -> None:
    data = (HEADER + "\n\nサロン,北町1,通いの場\n").encode()
    [draft] = read_resource_file(data, "gaps.csv").drafts
    assert draft.row == 4
