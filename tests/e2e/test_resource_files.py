"""Importing and exporting the resource directory over HTTP and at the command line."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from openpyxl import load_workbook
from werkzeug.test import TestResponse

from application.resources import ResourceFilter
from application.security import SYSTEM_ACTOR
from interfaces.bootstrap import Settings, bootstrap
from interfaces.cli import cli
from tests.builders import make_town
from tests.e2e.support import API, Api, assert_ok, assert_problem
from tests.hostile_files import compression_bomb
from tests.national_list import AGENCIES, SERVICES, TOWNS, national_csv

FIXTURES = Path(__file__).parent.parent / "fixtures" / "import"


def upload(
    api: Api,
    data: bytes,
    filename: str = "list.csv",
    who: str = "coordinator",
    **form: Any,
) -> TestResponse:
    fields: dict[str, Any] = {"file": (io.BytesIO(data), filename)}
    fields.update({k: v for k, v in form.items()})
    return api.client.post(
        f"{API}/resources/import",
        data=fields,
        headers=api.headers(who),
        content_type="multipart/form-data",
    )


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def counts(body: dict[str, Any]) -> dict[str, int]:
    return {k: v for k, v in body["counts"].items() if k not in ("rows", "skipped")}


def test_a_dry_run_reports_every_row_and_writes_nothing(fresh_api: Api) -> None:
    head = fresh_api.head()

    body = assert_ok(upload(fresh_api, fixture("mixed_cp932.csv"), "mixed_cp932.csv"))

    assert body["dry_run"] is True
    assert body["applied"] is False
    assert body["file"]["encoding"] == "CP932 (Shift_JIS)"
    assert counts(body) == {"new": 4, "updated": 0, "unchanged": 0, "invalid": 2}
    invalid = [r for r in body["rows"] if r["outcome"] == "invalid"]
    assert [r["row"] for r in invalid] == [4, 5]
    assert invalid[1]["problems"][0] == {
        "row": 5,
        "field": "areas",
        "severity": "error",
        "message": "no area with code or name '西地区'",
        "code": "areas.unknown",
        "params": {"area": "西地区"},
    }
    assert [p["code"] for p in invalid[0]["problems"]] == ["row.no_key", "name.missing"]
    assert fresh_api.head() == head


def test_apply_imports_the_valid_rows_and_a_second_upload_changes_nothing(
    fresh_api: Api,
) -> None:
    first = assert_ok(upload(fresh_api, fixture("mixed.xlsx"), "mixed.xlsx", apply="true"))
    assert first["applied"] is True
    assert counts(first) == {"new": 4, "updated": 0, "unchanged": 0, "invalid": 2}
    listed = assert_ok(fresh_api.get("/resources", "care_manager"))["items"]
    assert sorted(r["name"] for r in listed) == [
        "ちょこっと困りごと隊",
        "ふれあいサロン北",
        "買い物送迎バス",
        "配食みなみ",
    ]
    head = fresh_api.head()

    again = assert_ok(upload(fresh_api, fixture("mixed.xlsx"), "mixed.xlsx", apply="true"))

    assert counts(again) == {"new": 0, "updated": 0, "unchanged": 4, "invalid": 2}
    assert fresh_api.head() == head


def test_all_or_nothing_aborts_when_one_row_is_bad(fresh_api: Api) -> None:
    head = fresh_api.head()

    body = assert_ok(
        upload(
            fresh_api,
            fixture("mixed_utf8_bom.csv"),
            apply="true",
            all_or_nothing="true",
        )
    )

    assert body["aborted"] is True
    assert body["applied"] is False
    assert fresh_api.head() == head


def test_the_national_layout_imports_with_the_area_given_for_the_file(fresh_api: Api) -> None:
    body = assert_ok(
        upload(
            fresh_api,
            fixture("care_services_standard_36.csv"),
            "care_services_standard_36.csv",
            apply="true",
            area="north",
        )
    )

    assert body["file"]["layout"] == "care-services-standard"
    assert counts(body) == {"new": 3, "updated": 0, "unchanged": 0, "invalid": 0}
    listed = assert_ok(fresh_api.get("/resources", "coordinator", {"area": "north"}))["items"]
    # 訪問看護 has no life-support counterpart: a professional agency to refer to.
    assert {r["service_type"] for r in listed} == {
        "visit_standard",
        "day_standard",
        "agency_referral",
    }


def test_an_exported_csv_imports_back_unchanged(fresh_api: Api) -> None:
    assert_ok(upload(fresh_api, fixture("good_utf8.csv"), apply="true"))
    exported = fresh_api.get("/resources/export", "auditor", {"format": "csv"})
    assert exported.status_code == 200
    assert exported.mimetype == "text/csv"
    assert exported.data.startswith(b"\xef\xbb\xbf")
    assert "resources.csv" in exported.headers["Content-Disposition"]

    body = assert_ok(upload(fresh_api, exported.data, "resources.csv", apply="true"))

    assert body["file"]["layout"] == "tsunagu"
    assert counts(body) == {"new": 0, "updated": 0, "unchanged": 4, "invalid": 0}


def test_the_export_as_xlsx_opens_in_a_spreadsheet(fresh_api: Api) -> None:
    assert_ok(upload(fresh_api, fixture("good_utf8.csv"), apply="true"))

    exported = fresh_api.get("/resources/export", "care_manager", {"format": "xlsx"})

    assert exported.status_code == 200
    sheet = load_workbook(io.BytesIO(exported.data), read_only=True).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("source_key", "name", "organization")
    assert len(rows) == 5


def test_the_hsds_export_has_services_locations_and_organizations(fresh_api: Api) -> None:
    assert_ok(upload(fresh_api, fixture("good_utf8.csv"), apply="true"))

    exported = fresh_api.get("/resources/export", "supervisor", {"format": "hsds"})

    assert exported.status_code == 200
    document = json.loads(exported.data)
    services = {s["name"]: s for s in document["services"]}
    salon = services["ふれあいサロン北"]
    assert salon["status"] == "active"
    assert salon["schedules"][0]["byday"] == "TU"
    assert salon["capacities"][0]["maximum"] == 20
    assert salon["service_areas"][0]["name"] == "北地区"
    location_ids = {link["location_id"] for link in document["service_at_locations"]}
    salon_location = next(loc for loc in document["locations"] if loc["name"] == "ふれあいサロン北")
    assert salon_location["id"] in location_ids
    assert salon_location["latitude"] == 35.6001
    assert {o["id"] for o in document["organizations"]} >= {
        s["organization_id"] for s in document["services"]
    }


def test_an_unreadable_file_is_a_422_problem(api: Api) -> None:
    head = api.head()

    response = upload(api, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1 old excel", "list.xls")

    body = assert_problem(response, 422)
    assert ".xls" in body["errors"]["file"][0]
    assert api.head() == head


def test_a_workbook_that_would_unpack_hundreds_of_times_is_refused_with_its_code(
    api: Api,
) -> None:
    head = api.head()

    response = upload(api, compression_bomb(), "list.xlsx", apply="true")

    body = assert_problem(response, 422)
    assert body["type"] == "urn:tsunagu:problem:file.compression_ratio"
    assert "file" in body["errors"]
    assert api.head() == head
    assert_ok(api.get("/resources", "coordinator"))  # and the server goes on serving


def test_an_upload_without_a_file_is_a_422_problem(api: Api) -> None:
    response = api.client.post(
        f"{API}/resources/import",
        data={"apply": "true"},
        headers=api.headers("coordinator"),
        content_type="multipart/form-data",
    )
    assert "file" in assert_problem(response, 422)["errors"]


def test_a_json_body_is_refused_with_415(api: Api) -> None:
    assert_problem(api.post("/resources/import", {"apply": True}, "coordinator"), 415)


def test_an_upload_over_the_limit_is_refused_with_413(api: Api) -> None:
    # Encoded by hand: werkzeug's test client spools a large form to a file it never closes.
    boundary = "tsunagu-test-boundary"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\n'
            "Content-Type: text/csv\r\n\r\n"
        ).encode()
        + b"x" * (10 * 1024 * 1024)
        + f"\r\n--{boundary}--\r\n".encode()
    )
    response = api.post_raw(
        "/resources/import",
        body,
        "coordinator",
        content_type=f"multipart/form-data; boundary={boundary}",
    )
    assert_problem(response, 413)


def test_bad_form_fields_are_a_422_problem(api: Api) -> None:
    body = assert_problem(
        upload(api, fixture("good_utf8.csv"), apply="maybe", encoding="latin-9"), 422
    )
    assert {"apply", "encoding"} <= body["errors"].keys()


def test_an_unknown_export_format_is_a_422_problem(api: Api) -> None:
    assert_problem(api.get("/resources/export", "coordinator", {"format": "pdf"}), 422)


def test_the_openapi_document_describes_the_upload_and_the_files(api: Api) -> None:
    document = assert_ok(api.client.get(f"{API}/openapi.json"))
    post = document["paths"][f"{API}/resources/import"]["post"]
    schema = post["requestBody"]["content"]["multipart/form-data"]["schema"]
    file = schema["properties"]["file"]
    assert (file["type"], file["format"]) == ("string", "binary")
    assert "10 MiB" in file["description"]  # and the other limits of an upload
    assert "file.compression_ratio" in file["description"]
    assert "file" in schema["required"]
    assert {"apply", "all_or_nothing", "area"} <= schema["properties"].keys()
    problem = document["components"]["schemas"]["ImportProblem"]
    assert {"row", "field", "severity", "message", "code", "params"} <= set(problem["required"])
    assert problem["properties"]["params"]["additionalProperties"] == {"type": "string"}
    get = document["paths"][f"{API}/resources/export"]["get"]
    assert {"text/csv", "application/json"} <= get["responses"]["200"]["content"].keys()


# -- the command line --------------------------------------------------------------------------


@pytest.fixture
def database(tmp_path: Path) -> dict[str, str]:
    """An SQLite file with the test town, and the environment that points the CLI at it."""
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    built = bootstrap(
        Settings(database_url=url, secret_key="test", demo=False, fast_passwords=True)
    )
    try:
        make_town(built.services)
    finally:
        built.close()
    return {
        "DATABASE_URL": url,
        "TSUNAGU_DEMO": "0",
        "TSUNAGU_SECRET_KEY": "test",
        "TSUNAGU_FAST_PASSWORDS": "1",
    }


def tsunagu(env: dict[str, str], *args: str) -> Result:
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def resource_count(env: dict[str, str]) -> int:
    built = bootstrap(Settings(database_url=env["DATABASE_URL"], secret_key="test", demo=False))
    try:
        return len(built.services.resources.list_resources(ResourceFilter(), SYSTEM_ACTOR))
    finally:
        built.close()


def test_the_cli_dry_run_prints_a_readable_report_and_writes_nothing(
    database: dict[str, str],
) -> None:
    result = tsunagu(database, "resources", "import", str(FIXTURES / "mixed_cp932.csv"))

    assert result.exit_code == 0, result.output
    assert "CSV, CP932 (Shift_JIS)" in result.output
    assert "INVALID    どこかのサロン" in result.output
    assert "areas: no area with code or name '西地区'" in result.output
    assert "new 4 · updated 0 · unchanged 0 · invalid 2" in result.output
    assert "dry run: nothing written" in result.output
    assert resource_count(database) == 0


def test_the_cli_json_report_gives_each_problem_its_code_and_params(
    database: dict[str, str],
) -> None:
    result = tsunagu(database, "resources", "import", str(FIXTURES / "mixed_cp932.csv"), "--json")

    problems = [p for row in json.loads(result.output)["rows"] for p in row["problems"]]
    assert {
        "row": 2,
        "field": "capacity",
        "severity": "warning",
        "message": "「20名」 read as 20",
        "code": "capacity.read_as",
        "params": {"cell": "20名", "number": "20"},
    } in problems
    assert all(p["code"] and isinstance(p["params"], dict) for p in problems)


def test_the_cli_applies_and_a_second_run_changes_nothing(database: dict[str, str]) -> None:
    path = str(FIXTURES / "good.xlsx")

    first = tsunagu(database, "resources", "import", path, "--apply")
    second = tsunagu(database, "resources", "import", path, "--apply", "--json")

    assert "written: 4 resources" in first.output
    report = json.loads(second.output)
    assert counts(report) == {"new": 0, "updated": 0, "unchanged": 4, "invalid": 0}
    assert resource_count(database) == 4


def test_the_cli_all_or_nothing_exits_non_zero_and_writes_nothing(
    database: dict[str, str],
) -> None:
    result = tsunagu(
        database,
        "resources",
        "import",
        str(FIXTURES / "mixed_utf8_bom.csv"),
        "--apply",
        "--all-or-nothing",
    )

    assert result.exit_code == 1
    assert "aborted" in result.output
    assert resource_count(database) == 0


def test_the_cli_takes_the_area_for_national_lists(database: dict[str, str]) -> None:
    result = tsunagu(
        database,
        "resources",
        "import",
        str(FIXTURES / "care_services_recommended_22.csv"),
        "--area",
        "南地区",
        "--apply",
    )

    assert "推奨データセット" in result.output
    assert "written: 2 resources" in result.output  # one of them a professional agency
    assert resource_count(database) == 2


def test_the_cli_refuses_an_unreadable_file_with_a_message(
    database: dict[str, str], tmp_path: Path
) -> None:
    bad = tmp_path / "list.csv"
    bad.write_bytes(b"hello,world\n1,2\n")

    result = CliRunner().invoke(cli, ["resources", "import", str(bad)], env=database)

    assert result.exit_code == 1
    assert "no header row" in result.output


def test_the_cli_shows_a_progress_bar_for_large_files(
    database: dict[str, str], tmp_path: Path
) -> None:
    big = tmp_path / "big.csv"
    lines = ["name,service_type,categories,areas"]
    lines += [f"サロン{n},gathering_place,social_participation,north" for n in range(250)]
    big.write_text("\n".join(lines), encoding="utf-8")

    result = tsunagu(database, "resources", "import", str(big))

    assert "checking rows" in result.stderr
    assert "new 250" in result.output


@pytest.mark.parametrize("fmt", ["csv", "hsds", "xlsx"])
def test_the_cli_exports_what_it_imported(
    database: dict[str, str], tmp_path: Path, fmt: str
) -> None:
    tsunagu(database, "resources", "import", str(FIXTURES / "good_utf8.csv"), "--apply")
    target = tmp_path / f"out.{fmt}"

    result = tsunagu(database, "resources", "export", "--format", fmt, "-o", str(target))

    assert result.exit_code == 0, result.output
    data = target.read_bytes()
    if fmt == "csv":
        assert data.startswith(b"\xef\xbb\xbf")
        assert data.decode("utf-8-sig").count("\r\n") == 5
    elif fmt == "hsds":
        assert len(json.loads(data)["services"]) == 4
    else:
        assert len(list(load_workbook(io.BytesIO(data)).worksheets[0].iter_rows())) == 5


def test_the_cli_writes_csv_to_standard_output(database: dict[str, str]) -> None:
    result = tsunagu(database, "resources", "export")
    assert result.stdout_bytes.startswith(b"\xef\xbb\xbfsource_key,name,")


def test_a_chunked_upload_without_content_length_is_refused_with_411(api: Api) -> None:
    response = api.client.post(
        f"{API}/resources/import",
        input_stream=io.BytesIO(b"--b\r\n"),
        headers={
            **api.headers("coordinator"),
            "Content-Type": "multipart/form-data; boundary=b",
            "Transfer-Encoding": "chunked",
        },
        environ_overrides={"wsgi.input_terminated": True},
    )
    assert_problem(response, 411)


# -- the national list whole ---------------------------------------------------------------


def _list_towns(api: Api) -> None:
    for code, towns in TOWNS.items():
        api.container.services.reference.list_towns(code, list(towns), SYSTEM_ACTOR)


def test_a_national_list_without_areas_says_so_once_and_takes_areas_from_towns(
    fresh_api: Api,
) -> None:
    _list_towns(fresh_api)
    data = national_csv()

    dry = assert_ok(upload(fresh_api, data, "care_services.csv"))
    applied = assert_ok(upload(fresh_api, data, "care_services.csv", apply="true"))
    head = fresh_api.head()
    again = assert_ok(upload(fresh_api, data, "care_services.csv", apply="true"))

    assert [n["code"] for n in dry["file"]["notices"]] == ["file.no_area_column"]
    assert dry["file"]["notices"][0]["stands_for"] == "areas.missing"
    expected = {"new": len(SERVICES), "updated": 0, "unchanged": 0, "invalid": 0}
    assert counts(dry) == counts(applied) == expected
    codes = [p["code"] for r in dry["rows"] for p in r["problems"]]
    assert codes.count("areas.inferred") == len(SERVICES)
    assert codes.count("service_type.care_benefit_agency") == len(AGENCIES)
    assert counts(again) == {"new": 0, "updated": 0, "unchanged": len(SERVICES), "invalid": 0}
    assert again["applied"] is False
    assert fresh_api.head() == head
    listed = assert_ok(fresh_api.get("/resources", "coordinator", {"area": "south"}))["items"]
    assert "agency_referral" in {r["service_type"] for r in listed}


def test_care_benefits_are_skipped_with_a_count_when_asked(fresh_api: Api) -> None:
    body = assert_ok(
        upload(
            fresh_api,
            national_csv(),
            "care_services.csv",
            area="north",
            skip_care_benefits="true",
        )
    )

    assert body["counts"]["skipped"] == len(AGENCIES)
    assert body["counts"]["rows"] == len(SERVICES)
    assert len(body["rows"]) == len(SERVICES) - len(AGENCIES)
    assert {s["reason"] for s in body["skipped"]} == {"care_benefit"}
    assert body["file"]["notices"] == []


def test_the_openapi_document_describes_skipping_care_benefits(api: Api) -> None:
    document = assert_ok(api.client.get(f"{API}/openapi.json"))
    form = document["paths"][f"{API}/resources/import"]["post"]["requestBody"]["content"]
    schema = form["multipart/form-data"]["schema"]

    assert "skip_care_benefits" in schema["properties"]
    report = document["components"]["schemas"]["ImportReport"]
    assert "skipped" in report["properties"]


def test_the_cli_lists_towns_and_infers_areas_from_addresses(
    database: dict[str, str], tmp_path: Path
) -> None:
    listed = tsunagu(database, "resources", "towns", "north", *TOWNS["north"])
    tsunagu(database, "resources", "towns", "south", *TOWNS["south"])
    path = tmp_path / "care_services.csv"
    path.write_bytes(national_csv())

    dry = tsunagu(database, "resources", "import", str(path))
    first = tsunagu(database, "resources", "import", str(path), "--apply")
    again = tsunagu(database, "resources", "import", str(path), "--apply")

    assert listed.output.strip() == "north: 北町、桜台"
    assert dry.output.count("no area column") == 1
    assert "no area: name" not in dry.output  # not repeated on every row
    assert "a town of area north" in dry.output
    assert f"new {len(SERVICES)} ·" in first.output
    assert "nothing to write" in again.output
    assert resource_count(database) == len(SERVICES)


def test_the_cli_skips_care_benefits_and_counts_them(
    database: dict[str, str], tmp_path: Path
) -> None:
    path = tmp_path / "care_services.csv"
    path.write_bytes(national_csv())

    result = tsunagu(
        database, "resources", "import", str(path), "--area", "north", "--skip-care-benefits"
    )

    assert f"skipped {len(AGENCIES)}" in result.output
    assert f"({len(SERVICES)} rows)" in result.output


def test_the_cli_refuses_towns_for_an_unknown_area(database: dict[str, str]) -> None:
    result = CliRunner().invoke(cli, ["resources", "towns", "nowhere", "北町"], env=database)

    assert result.exit_code != 0
    assert "no area with code 'nowhere'" in result.output


def test_an_imported_national_list_exports_and_imports_back_unchanged(fresh_api: Api) -> None:
    data = national_csv()
    assert_ok(upload(fresh_api, data, "care_services.csv", area="north", apply="true"))
    exported = fresh_api.get("/resources/export", "auditor", {"format": "csv"})

    back = assert_ok(upload(fresh_api, exported.data, "resources.csv", apply="true"))
    again = assert_ok(upload(fresh_api, data, "care_services.csv", area="north", apply="true"))

    assert counts(back) == {"new": 0, "updated": 0, "unchanged": len(SERVICES), "invalid": 0}
    assert counts(again) == {"new": 0, "updated": 0, "unchanged": len(SERVICES), "invalid": 0}


def test_an_agency_shows_the_service_as_the_list_worded_it_and_follows_a_new_wording(
    fresh_api: Api,
) -> None:
    def listed(service: str) -> bytes:
        return f"名称,実施サービス,住所,圏域\nつなぐ看護,{service},つなぐ市北町1-1,north\n".encode()

    first = assert_ok(upload(fresh_api, listed("訪問看護"), apply="true"))
    resource = f"/resources/{first['rows'][0]['resource_id']}"
    shown = assert_ok(fresh_api.get(resource, "coordinator"))
    again = assert_ok(upload(fresh_api, listed("介護予防訪問看護"), apply="true"))
    after = assert_ok(fresh_api.get(resource, "coordinator"))

    assert (shown["service_type"], shown["service_name"]) == ("agency_referral", "訪問看護")
    assert [(r["outcome"], r["changed"]) for r in again["rows"]] == [("updated", ["service_name"])]
    assert after["service_name"] == "介護予防訪問看護"
    directory = assert_ok(fresh_api.get("/resources", "coordinator", {"area": "north"}))["items"]
    assert [r["service_name"] for r in directory] == ["介護予防訪問看護"]  # the view follows
