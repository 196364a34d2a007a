"""The supervisors' dashboard: filters in the URL, one definition of each figure shared
with the logic model, readable charts whose heat-map cells lead to the case board."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from domain.base import recorded_at
from tests.e2e.support import (
    Api,
    District,
    need_in,
    new_client,
    new_district,
    new_need,
    new_resource,
    step,
    unique,
)
from tests.ui.support import signed_in

JST_NOON = timedelta(hours=3)  # 12:00 in Japan is 03:00 UTC


def _matched(api: Api, district: District, raised: datetime, matched: datetime) -> dict[str, Any]:
    """A need raised and first matched at the given moments."""
    with recorded_at(raised):
        need = new_need(api, new_client(api, "coordinator", district), "coordinator")
    with recorded_at(matched):
        need = step(api, need, "assign", {"coordinator": "sc"}, "coordinator")
        resource = new_resource(api, area_codes=[district.area])
        body = {"resource_id": resource["id"], "reason": "近くで、曜日も合う"}
        need = step(api, need, "propose", body, "coordinator")
        return step(api, need, "confirm", {"start_date": "2026-12-01"}, "coordinator")


def _day(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, tzinfo=UTC) + JST_NOON


def test_the_median_days_to_match_is_the_logic_models_for_the_same_year_and_area(
    ui: Api,
) -> None:
    here, there = new_district(ui), new_district(ui)
    _matched(ui, here, _day(2025, 6, 1), _day(2025, 6, 11))  # 10 days
    _matched(ui, here, _day(2025, 7, 1), _day(2025, 7, 21))  # 20 days
    _matched(ui, here, _day(2025, 1, 10), _day(2025, 5, 10))  # 120 days, matched in FY2025
    _matched(ui, here, _day(2024, 6, 1), _day(2024, 6, 2))  # FY2024: not counted
    _matched(ui, there, _day(2025, 6, 1), _day(2025, 6, 4))  # another area
    boss = signed_in(ui.app, "supervisor")

    dashboard = boss.get("/dashboard", area=here.area, fiscal_year="2025")
    report = boss.get("/reports/logic-model", area=here.area, fiscal_year="2025")

    assert dashboard.status == 200
    kpi = re.search(r'id="kpi-median">([^<]*)<', dashboard.html)
    assert kpi is not None
    assert kpi.group(1) == "20.0 日"  # with its unit
    assert re.search(
        r'data-metric="median_days_raise_to_match"><dt>[^<]*</dt><dd>20.0 日</dd>', report.html
    )
    other = boss.get("/dashboard", area=there.area, fiscal_year="2025")
    assert 'id="kpi-median">3.0 日<' in other.html


def test_the_filters_stay_in_the_url_and_in_every_csv_link(ui: Api) -> None:
    here = new_district(ui)
    _matched(ui, here, _day(2025, 6, 1), _day(2025, 6, 11))
    boss = signed_in(ui.app, "supervisor")

    page = boss.get("/dashboard", area=here.area, center=here.center, fiscal_year="2025")

    query = f"area={here.area}&amp;center={here.center}&amp;fiscal_year=2025"
    for name in ("pipeline", "monthly", "match_time", "unmet", "area_category", "outcomes"):
        assert f'href="/dashboard/{name}.csv?{query}"' in page.html
    assert f'<option value="{here.area}" selected>' in page.html
    assert '<option value="2025" selected>令和7年度（2025年度）</option>' in page.html
    assert "令和7年度（2025年度）" in page.text  # the period shown


def test_a_filtered_csv_counts_only_the_chosen_area_and_year(ui: Api) -> None:
    here = new_district(ui)
    _matched(ui, here, _day(2025, 6, 1), _day(2025, 6, 11))
    _matched(ui, here, _day(2024, 6, 1), _day(2024, 6, 11))
    boss = signed_in(ui.app, "supervisor")

    def rows(name: str, **query: str) -> list[list[str]]:
        response = boss.client.get(
            f"/dashboard/{name}.csv", query_string=query, headers=boss.headers
        )
        text = response.get_data().decode("utf-8").lstrip("\ufeff")
        return list(csv.reader(io.StringIO(text)))

    pipeline = dict((r[0], r[1]) for r in rows("pipeline", area=here.area, fiscal_year="2025")[1:])
    assert pipeline["マッチング成立"] == "1"
    everything = dict((r[0], r[1]) for r in rows("pipeline", area=here.area)[1:])
    assert everything["マッチング成立"] == "2"
    monthly = rows("monthly", area=here.area, fiscal_year="2025")
    assert [r[0] for r in monthly[1:]][:3] == ["2025年4月", "2025年5月", "2025年6月"]
    assert monthly[3][1:] == ["1", "1", "0"]  # June 2025: raised, matched, closed


def test_an_unknown_filter_is_a_message_not_an_error(ui: Api) -> None:
    page = signed_in(ui.app, "supervisor").get("/dashboard", area="nowhere", fiscal_year="1990")

    assert page.status == 422
    assert 'id="area-error"' in page.html
    assert 'id="fiscal_year-error"' in page.html
    assert '<svg class="chart" id="chart-pipeline"' in page.html  # everything, unfiltered


def test_month_axes_say_the_year_and_month(ui: Api) -> None:
    page = signed_in(ui.app, "supervisor").get("/dashboard", fiscal_year="2025")
    english = signed_in(ui.app, "supervisor", language="en").get("/dashboard", fiscal_year="2025")

    chart = re.search(r'<svg class="chart" id="chart-monthly".*?</svg>', page.html, re.S)
    assert chart is not None
    assert "<title>2025年12月</title>" in chart.group(0)
    assert "25-12" not in chart.group(0)
    chart_en = re.search(r'<svg class="chart" id="chart-monthly".*?</svg>', english.html, re.S)
    assert chart_en is not None
    assert "<title>Dec 2025</title>" in chart_en.group(0)


def test_heat_map_cells_lead_to_the_case_board_of_their_area_and_category(ui: Api) -> None:
    here = new_district(ui)
    with recorded_at(datetime.now(UTC)):
        new_need(ui, new_client(ui, "coordinator", here), "coordinator", category="shopping")
    boss = signed_in(ui.app, "supervisor")

    page = boss.get("/dashboard", area=here.area)

    chart = re.search(r'<svg class="chart" id="chart-area-category".*?</svg>', page.html, re.S)
    assert chart is not None
    link = f'href="/needs?area={here.area}&amp;category=shopping"'
    assert link in chart.group(0)
    board = boss.get("/needs", area=here.area, category="shopping")
    assert board.status == 200


def test_chart_text_has_one_size_and_long_labels_keep_their_full_text(ui: Api) -> None:
    page = signed_in(ui.app, "supervisor", language="en").get("/dashboard")

    charts = re.findall(r'<svg class="chart".*?</svg>', page.html, re.S)
    assert len(charts) == 6
    for chart in charts:
        assert re.search(r'font-size="(?!13")', chart) is None
        assert 'width="100%"' not in chart  # drawn at its own size, not scaled
    heat = next(c for c in charts if 'id="chart-area-category"' in c)
    long_name = "Gathering places and social participation"
    assert f"<title>{long_name}</title>" in heat
    for shown in re.findall(r"</title>([^<]*…)</text>", heat):
        assert len(shown) < len(long_name)


def test_tables_leave_out_the_suffix_every_area_name_repeats(ui: Api) -> None:
    suffix = unique("（試験市・架空") + "）"
    # stems of this test's own: the shared database may hold other tests' 東地区
    # (a note is kept when leaving it out would make two names read alike)
    token = suffix[1:-1][-6:]
    east, west = f"東{token}地区", f"西{token}地区"
    for code, name in (("east", east), ("west", west)):
        body = {"code": f"{code}-{suffix[1:-1][-6:]}", "name": name + suffix}
        assert ui.post("/areas", body, "admin").status_code == 201
    area = f"east-{suffix[1:-1][-6:]}"
    center = unique("c")
    ui.post("/centers", {"code": center, "name": "試験センター", "area_codes": [area]}, "admin")
    district = District(area, center)
    new_need(ui, new_client(ui, "coordinator", district), "coordinator")
    boss = signed_in(ui.app, "supervisor")

    board = boss.get("/needs", area=area)
    dashboard = boss.get("/dashboard")

    rows = re.search(r"<tbody>.*?</tbody>", board.html, re.S)
    assert rows is not None
    assert f'<td title="{east}{suffix}">{east}</td>' in rows.group(0)
    assert suffix not in re.sub(r'title="[^"]*"', "", rows.group(0))  # shown only on hover
    table = re.search(r'id="area_category".*?</table>', dashboard.html, re.S)
    assert table is not None
    assert f'<th scope="row">{east}</th>' in table.group(0)


def test_every_month_axis_says_the_year_and_month(ui: Api) -> None:
    need_in(ui, "resource_gap")
    boss = signed_in(ui.app, "supervisor")
    this_month = datetime.now(UTC) + timedelta(hours=9)
    label = f"{this_month.year}年{this_month.month}月"

    for path, chart in (("/gaps", "chart-gap-months"), ("/network", "chart-ties")):
        page = boss.get(path)
        svg = re.search(rf'<svg class="chart" id="{chart}".*?</svg>', page.html, re.S)
        assert svg is not None, path
        assert f"<title>{label}</title>" in svg.group(0), path
        assert not re.search(r">\d\d-\d\d<", svg.group(0)), path
