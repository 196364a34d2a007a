"""The logic-model report over HTTP and from the command line."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from click.testing import CliRunner
from openpyxl import load_workbook

from interfaces.cli import cli
from tests.e2e.support import Api, assert_ok, assert_problem, need_in


def test_the_logic_model_has_four_stages_as_json(api: Api) -> None:
    need_in(api, "matched")

    report = assert_ok(api.get("/reports/logic-model", "supervisor", {"fiscal_year": 2026}))

    assert (report["period_start"], report["period_end"]) == ("2026-04-01", "2027-03-31")
    assert report["outputs"]["matches_confirmed"] >= 1
    assert set(report) >= {"inputs", "activities", "outputs", "outcomes"}


def test_the_logic_model_as_csv_lists_stage_metric_value(api: Api) -> None:
    response = api.get(
        "/reports/logic-model", "auditor", {"fiscal_year": 2026, "area": "north", "format": "csv"}
    )

    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == ["stage", "metric", "value"]
    assert {r[0] for r in rows[1:]} == {"inputs", "activities", "outputs", "outcomes"}


def test_an_unknown_area_or_missing_year_is_422(api: Api) -> None:
    assert_problem(
        api.get("/reports/logic-model", "supervisor", {"fiscal_year": 2026, "area": "nowhere"}), 422
    )
    assert_problem(api.get("/reports/logic-model", "supervisor"), 422)


def test_the_cli_writes_the_logic_model_as_csv_and_xlsx(
    tmp_path: Path, monkeypatch: object
) -> None:
    env = {"DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3", "TSUNAGU_DEMO": "0"}
    runner = CliRunner()
    as_csv = runner.invoke(cli, ["report", "logic-model", "--fiscal-year", "2026"], env=env)
    target = tmp_path / "lm.xlsx"
    as_xlsx = runner.invoke(
        cli,
        ["report", "logic-model", "--fiscal-year", "2026", "--format", "xlsx", "-o", str(target)],
        env=env,
    )

    assert as_csv.exit_code == 0, as_csv.output
    assert as_csv.output.splitlines()[0] == "fiscal_year,area,stage,stage_ja,metric,value"
    assert as_xlsx.exit_code == 0, as_xlsx.output
    sheet = load_workbook(target).active
    assert sheet is not None
    assert sheet["A1"].value == "ロジックモデル 令和8年度（2026年度）"
    labels = [row[1].value for row in sheet.iter_rows()]
    assert "活動したコーディネーター" in labels
    assert "coordinators_active" not in labels


def test_the_cli_writes_the_workbook_in_english_when_asked(tmp_path: Path) -> None:
    env = {"DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3", "TSUNAGU_MUNICIPALITY": "Tsunagu"}
    target = tmp_path / "lm.xlsx"
    command = ["report", "logic-model", "--fiscal-year", "2026", "--format", "xlsx"]
    result = CliRunner().invoke(cli, [*command, "--lang", "en", "-o", str(target)], env=env)

    assert result.exit_code == 0, result.output
    sheet = load_workbook(target).active
    assert sheet is not None
    assert sheet.title == "Logic model FY2026"
    assert [sheet.cell(row=r, column=1).value for r in (2, 3)] == [
        "Municipality: Tsunagu",
        "Area: Whole municipality",
    ]


def test_the_cli_refuses_an_unknown_area_with_a_message(tmp_path: Path) -> None:
    env = {"DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3", "TSUNAGU_DEMO": "0"}
    result = CliRunner().invoke(
        cli, ["report", "logic-model", "--fiscal-year", "2026", "--area", "nowhere"], env=env
    )
    assert result.exit_code != 0
    assert "no area with code 'nowhere'" in result.output
