"""The logic-model report page, and importing and exporting the resource directory."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from application.resources import ResourceFilter
from application.security import SYSTEM_ACTOR
from interfaces.importing import PROBLEM_CODES, RowDefaults, read_resource_file
from interfaces.web.ui.import_messages import translate_problem
from tests.e2e.support import Api
from tests.national_list import AGENCIES, SERVICES, national_csv
from tests.ui.support import Browser, Page, signed_in

FIXTURES = Path(__file__).parent.parent / "fixtures" / "import"


@pytest.fixture
def uploads(ui: Api, tmp_path: Path) -> Iterator[Path]:
    """Uploaded files go to this test's own folder."""
    before = ui.app.config.get("TSUNAGU_UPLOAD_DIR")
    ui.app.config["TSUNAGU_UPLOAD_DIR"] = str(tmp_path)
    yield tmp_path
    ui.app.config["TSUNAGU_UPLOAD_DIR"] = before


@pytest.fixture
def fresh_uploads(fresh_ui: Api, tmp_path: Path) -> Path:
    fresh_ui.app.config["TSUNAGU_UPLOAD_DIR"] = str(tmp_path)
    return tmp_path


# -- the logic model ------------------------------------------------------------------------------


def test_the_logic_model_shows_four_stages_for_a_fiscal_year_and_area(ui: Api) -> None:
    boss = signed_in(ui.app, "supervisor")

    page = boss.get("/reports/logic-model", fiscal_year="2026", area="north")

    assert page.status == 200
    stages = re.findall(r'<section class="stage stage-(\w+)"', page.html)
    assert stages == ["inputs", "activities", "outputs", "outcomes"]
    assert "令和8年度（2026年度）" in page
    assert "令和8年4月1日〜令和9年3月31日" in page
    assert "北地区" in page
    assert "受付からマッチングまでの日数（中央値）" in page
    assert 'href="/reports/logic-model.csv?fiscal_year=2026&amp;area=north"' in page.html


def test_a_fiscal_year_out_of_range_is_a_message_not_an_error(ui: Api) -> None:
    page = signed_in(ui.app, "supervisor").get("/reports/logic-model", fiscal_year="1999")

    assert page.status == 422
    assert 'id="fiscal_year-error"' in page.html
    assert '<section class="stage stage-inputs"' in page.html  # the current year instead
    assert signed_in(ui.app, "supervisor").get("/reports/logic-model", area="x").status == 422
    assert signed_in(ui.app, "care_manager").get("/reports/logic-model").status == 403


def test_the_logic_model_downloads_as_csv_and_excel(ui: Api) -> None:
    boss = signed_in(ui.app, "auditor")

    response = boss.client.get("/reports/logic-model.csv?fiscal_year=2026")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert response.mimetype == "text/csv"
    assert rows[0] == ["年度", "日常生活圏域", "段階", "指標", "値", "キー"]
    assert rows[4][:4] == ["2026", "市町村全域", "投入", "協議体"]
    assert {r[5] for r in rows[1:]} >= {"outputs.matches_confirmed", "outcomes.needs_raised"}

    workbook = boss.client.get("/reports/logic-model.xlsx?fiscal_year=2026")
    assert workbook.headers["Content-Disposition"].endswith('logic-model-2026-all.xlsx"')
    sheet = load_workbook(io.BytesIO(workbook.get_data())).active
    assert sheet is not None
    assert sheet["A1"].value == "ロジックモデル 令和8年度（2026年度）"


def _sheet_rows(sheet: Any) -> dict[str, tuple[Any, ...]]:
    """Metric label -> (stage, value, unit, the value's number format)."""
    header = next(r for r in sheet.iter_rows() if r[1].value in ("指標", "Metric"))[0].row
    return {
        row[1].value: (row[0].value, row[2].value, row[3].value, row[2].number_format)
        for row in sheet.iter_rows(min_row=header + 1)
    }


def test_the_logic_model_workbook_is_a_report_a_municipality_can_file(ui: Api) -> None:
    ui.app.extensions["tsunagu"].settings = replace(
        ui.app.extensions["tsunagu"].settings, municipality="つなぐ市"
    )
    boss = signed_in(ui.app, "supervisor")
    try:
        response = boss.client.get("/reports/logic-model.xlsx?fiscal_year=2026&area=north")
    finally:
        ui.app.extensions["tsunagu"].settings = replace(
            ui.app.extensions["tsunagu"].settings, municipality=""
        )

    book = load_workbook(io.BytesIO(response.get_data()))
    sheet = book.active
    assert sheet is not None
    assert sheet.title == "ロジックモデル 令和8年度"
    top = [sheet.cell(row=r, column=1).value for r in range(1, 6)]
    assert top[0] == "ロジックモデル 令和8年度（2026年度）"
    assert "市町村：つなぐ市" in top
    assert "対象地域：北地区" in top
    assert "期間：令和8年4月1日〜令和9年3月31日" in top
    assert any(str(line).startswith("発行日：令和") for line in top)
    rows = _sheet_rows(sheet)
    assert rows["活動したコーディネーター"][0] == "投入"
    assert rows["活動したコーディネーター"][2] == "人"
    median = rows["受付からマッチングまでの日数（中央値）"]
    assert median[2:] == ("日", "#,##0.0")
    share = rows["認定区分が維持・改善した割合"]
    assert share[2:] == ("%", "0.0%")
    assert not any("_" in str(label) for label in rows)  # no internal keys
    widths = {c: sheet.column_dimensions[c].width for c in "ABCD"}
    assert widths["B"] > 30
    assert all(width and width >= 6 for width in widths.values())


def test_the_logic_model_workbook_speaks_english_when_the_reader_does(ui: Api) -> None:
    boss = signed_in(ui.app, "supervisor", language="en")

    response = boss.client.get(
        "/reports/logic-model.xlsx?fiscal_year=2026", headers={"Accept-Language": "en"}
    )

    sheet = load_workbook(io.BytesIO(response.get_data())).active
    assert sheet is not None
    assert sheet.title == "Logic model FY2026"
    assert sheet["A1"].value == "Logic model FY2026"
    assert "Period: Apr 1, 2026 – Mar 31, 2027" in [c.value for c in sheet["A"][:5]]
    rows = _sheet_rows(sheet)
    assert rows["Coordinators active"][:1] == ("Inputs",)
    assert rows["Median days from raise to match"][2] == "days"


# -- import ---------------------------------------------------------------------------------------


def _upload(browser: Browser, name: str, *fields: tuple[str, str]) -> Page:
    browser.get("/resources/import")
    data = (FIXTURES / name).read_bytes()
    return browser.post(
        "/resources/import",
        [("step", "check"), ("file", (io.BytesIO(data), name)), *fields],
    )


def _apply(browser: Browser, page: Page, *fields: tuple[str, str]) -> Page:
    start = page.html.index('id="apply"')
    form = page.html[start : page.html.index("</form>", start)]
    hidden = re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', form)
    kept = [(k, v) for k, v in hidden if k != "csrf_token"]
    return browser.post("/resources/import", [*kept, *fields])


def _names(api: Api) -> set[str]:
    return {
        r.name
        for r in api.container.services.resources.list_resources(ResourceFilter(), SYSTEM_ACTOR)
    }


def test_a_dry_run_reports_rows_and_counts_and_writes_nothing(
    fresh_ui: Api, fresh_uploads: Path
) -> None:
    sc = signed_in(fresh_ui.app, "coordinator")
    before = _names(fresh_ui)

    page = _upload(sc, "mixed_utf8_bom.csv")

    assert page.status == 200
    assert "試行：まだ何も登録していません" in page
    assert re.search(r"新規になる</span> <span class=\"kpi-value\">\d+", page.html)
    assert "取り込み不可" in page
    assert "エラー" in page  # per-row problems, with the field and the reason
    assert 'lang="en"' not in page.html.split("<main")[1]  # every problem translated
    assert _names(fresh_ui) == before
    assert len(list(fresh_uploads.glob("*.upload"))) == 1


def test_applying_imports_the_valid_rows_and_forgets_the_file(
    fresh_ui: Api, fresh_uploads: Path
) -> None:
    sc = signed_in(fresh_ui.app, "coordinator")
    checked = _upload(sc, "good_utf8.csv")

    done = _apply(sc, checked)

    assert done.status == 200
    assert "取り込みました：新規 4 件" in done
    assert {"ふれあいサロン北", "買い物送迎バス"} <= _names(fresh_ui)
    assert not list(fresh_uploads.glob("*.upload"))
    again = _apply(sc, checked)  # the same form once more: the file is gone
    assert again.status == 422
    assert "確認したファイルはもう保管されていません" in again


def test_row_problems_read_in_japanese_with_the_cells_they_are_about(
    ui: Api, uploads: Path
) -> None:
    sc = signed_in(ui.app, "coordinator")
    sc.get("/resources/import")
    rows = [
        "name,service_type,categories,areas,capacity,weekdays,organization",
        "サロン西,gathering_place,social_participation,西の果て,たくさん,不定期,",
        "サロン東,gathering_place,social_participation,north,約30名,毎週火曜 10:00~11:30,東町の会",
    ]
    data = "\n".join(rows).encode()

    page = sc.post(
        "/resources/import", [("step", "check"), ("file", (io.BytesIO(data), "list.csv"))]
    )

    assert page.status == 200
    assert "「たくさん」は定員の数ではありません（例：20、または 定員なし）。" in page
    assert "コードまたは名称が 西の果て の圏域はありません。" in page
    assert "「不定期」には曜日がないため、曜日は記録していません。" in page
    assert "「約30名」を 30 と読み取りました。" in page
    assert "時刻は記録していません：「10:00~11:30」" in page
    assert "東町の会 は主体の一覧にないため" in page
    assert 'lang="en"' not in page.html.split("<main")[1]


def test_all_or_nothing_imports_nothing_when_a_row_is_bad(
    fresh_ui: Api, fresh_uploads: Path
) -> None:
    sc = signed_in(fresh_ui.app, "coordinator")
    before = _names(fresh_ui)
    checked = _upload(sc, "mixed.xlsx")

    refused = _apply(sc, checked, ("all_or_nothing", "1"))

    assert refused.status == 409
    assert "何も取り込んでいません" in refused
    assert _names(fresh_ui) == before
    valid_only = _apply(sc, refused)  # the file is still kept: import the valid rows after all
    assert valid_only.status == 200
    assert len(_names(fresh_ui)) > len(before)


def test_national_lists_take_the_area_chosen_for_the_file(
    fresh_ui: Api, fresh_uploads: Path
) -> None:
    sc = signed_in(fresh_ui.app, "coordinator")

    without = _upload(sc, "care_services_standard_36.csv")
    with_area = _upload(sc, "care_services_standard_36.csv", ("areas", "north"))

    assert "自治体標準オープンデータセット「介護サービス事業所一覧」" in without
    # said once for the file, not on each of its rows
    assert without.html.count("ファイルに圏域の列がなく") == 1
    assert "圏域がありません" not in without
    assert 'id="apply"' not in without.html  # nothing to import: no button to do it
    assert "このままでは取り込める行がありません" in without
    assert "ファイルに圏域の列がなく" not in with_area
    assert 'name="areas" value="north"' in with_area.html  # carried to the import


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "CSV または Excel（.xlsx）のファイルを選んでください。"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest", "古い Excel（.xls）のファイルです"),
        (b"a,b\n1,2\n", "見出し行が見つかりません"),
    ],
)
def test_an_unreadable_file_comes_back_with_a_message(
    ui: Api, uploads: Path, content: bytes, message: str
) -> None:
    sc = signed_in(ui.app, "coordinator")
    sc.get("/resources/import")

    page = sc.post(
        "/resources/import", [("step", "check"), ("file", (io.BytesIO(content), "list.csv"))]
    )

    assert page.status == 422
    assert message in page
    assert 'id="file-error"' in page.html


def test_only_those_who_register_resources_may_import(ui: Api) -> None:
    for who in ("supervisor", "auditor", "care_manager"):
        assert signed_in(ui.app, who).get("/resources/import").status == 403
    assert "一覧を取り込む" not in signed_in(ui.app, "supervisor").get("/resources")


@pytest.mark.parametrize(
    "name",
    sorted(p.name for p in FIXTURES.iterdir() if p.suffix in (".csv", ".xlsx")),
)
def test_every_problem_the_sample_files_raise_reads_in_japanese(ui: Api, name: str) -> None:
    app = ui.container.services
    parsed = read_resource_file(
        (FIXTURES / name).read_bytes(), name, defaults=RowDefaults(areas=("nowhere",))
    )
    report = app.importing.import_resources(parsed.drafts, SYSTEM_ACTOR, apply=False)
    problems = [p for r in report.rows for p in r.problems]

    with ui.app.test_request_context(headers={"Accept-Language": "ja"}):
        untranslated = [p.code for p in problems if not translate_problem(p)[1]]

    assert {p.code for p in problems} <= PROBLEM_CODES  # the declaration knows them all
    assert not untranslated


def test_the_directory_exports_as_csv_excel_and_hsds(ui: Api) -> None:
    cm = signed_in(ui.app, "care_manager")
    page = cm.get("/resources")
    assert 'href="/resources/export.csv"' in page.html

    csv_file = cm.client.get("/resources/export.csv")
    assert csv_file.headers["Content-Type"].startswith("text/csv")
    assert csv_file.get_data().startswith(b"\xef\xbb\xbfsource_key,name")
    xlsx = cm.client.get("/resources/export.xlsx")
    assert xlsx.get_data()[:2] == b"PK"
    hsds = cm.client.get("/resources/export.json")
    assert "services" in json.loads(hsds.get_data())
    assert cm.client.get("/resources/export.pdf").status_code == 404


def _multipart(browser: Browser, content: bytes) -> Page:
    """A raw multipart upload (werkzeug's test client spools large forms to open files)."""
    browser.get("/resources/import")
    boundary = "tsunagu-ui-boundary"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n'
        f"{browser.token}\r\n",
        f'--{boundary}\r\nContent-Disposition: form-data; name="step"\r\n\r\ncheck\r\n',
    ]
    body = (
        "".join(parts).encode()
        + (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\n'
            "Content-Type: text/csv\r\n\r\n"
        ).encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    response = browser.client.post(
        "/resources/import",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
        headers=browser.headers,
    )
    return Page(response)


def test_a_list_larger_than_a_form_is_read_and_one_over_the_limit_is_refused(
    ui: Api, uploads: Path
) -> None:
    sc = signed_in(ui.app, "coordinator")

    read = _multipart(sc, b"a,b\n" + b"1,2\n" * (700 * 1024))  # 2.8 MB: above the 1 MB form limit
    too_large = _multipart(sc, b"x" * (10 * 1024 * 1024 + 1))

    assert read.status == 422  # read, and answered about its content
    assert "見出し行が見つかりません" in read
    assert too_large.status == 413
    assert "送信した内容が大きすぎます。" in too_large


def test_care_benefits_are_agencies_or_skipped_as_chosen_on_the_upload_screen(
    fresh_ui: Api, fresh_uploads: Path
) -> None:
    sc = signed_in(fresh_ui.app, "coordinator")
    sc.get("/resources/import")

    def check(*fields: tuple[str, str]) -> Page:
        file = (io.BytesIO(national_csv()), "care_services.csv")
        return sc.post(
            "/resources/import", [("step", "check"), ("file", file), ("areas", "north"), *fields]
        )

    agencies = check()
    skipping = check(("skip_care_benefits", "1"))
    done = _apply(sc, skipping)

    assert "関係機関として取り込みました" in agencies
    assert "除外（介護保険サービス）" not in agencies
    assert (
        "生活支援に相当する類型のない介護保険サービス（訪問看護、福祉用具貸与など）を除外する"
        in agencies
    )
    assert "除外（介護保険サービス）" in skipping
    assert "関係機関として取り込みました" not in skipping
    assert done.status == 200
    assert f"除外 {len(AGENCIES)} 件" in done
    assert len(_names(fresh_ui)) == len(SERVICES) - len(AGENCIES)


def test_a_professional_agency_shows_the_service_as_the_list_worded_it(
    fresh_ui: Api, fresh_uploads: Path
) -> None:
    parsed = read_resource_file(
        "名称,実施サービス,圏域\nつなぐ看護,訪問看護,north\n".encode(), "list.csv"
    )
    report = fresh_ui.container.services.importing.import_resources(
        parsed.drafts, SYSTEM_ACTOR, apply=True
    )
    sc = signed_in(fresh_ui.app, "coordinator")

    page = sc.get(f"/resources/{report.rows[0].resource_id}")

    assert "取り込んだ一覧での表記：訪問看護" in page
