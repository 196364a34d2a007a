"""The coordinator's three functions in a real browser: matching (one need and a
multi-need client), the gap → development → ready-to-match loop, importing a resource
list, and the reports on a phone-sized screen."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from application.clients import ClientDTO
from application.needs import NeedDTO
from domain.values import (
    CareLevel,
    CouncilTier,
    NeedCategory,
    OrganizationKind,
    PersonalData,
    ServiceType,
    Urgency,
)
from tests.browser.conftest import Site, expect, screenshot, sign_in

FIXTURES = Path(__file__).parent.parent / "fixtures" / "import"


def _client(site: Site, kana: str) -> ClientDTO:
    return site.container.services.clients.register(
        PersonalData("複合 太郎", kana, date(1938, 3, 4), None, None),
        CareLevel.SUPPORT_2,
        True,
        "south",
        "c-south",
        site.town.coordinator,
        confirm_duplicate=True,
    )


def _need(site: Site, client: ClientDTO, category: NeedCategory, gap: bool = False) -> NeedDTO:
    app, sc = site.container.services, site.town.coordinator
    need = app.needs.raise_need(
        client.id, category, "退院後の生活の困りごと", "自宅で暮らし続ける", Urgency.NORMAL, sc
    )
    need = app.needs.assign(need.id, "sc", need.version, sc)
    if gap:
        need = app.matching.record_gap(need.id, "南地区に担い手がいない", need.version, sc)
    return need


def test_a_coordinator_accepts_a_multi_need_plan_in_one_step(site: Site, new_page: Any) -> None:
    app, sc = site.container.services, site.town.coordinator
    both = app.resources.register(
        "南町くらしサポート",
        ServiceType.VISIT_B,
        [NeedCategory.HOUSEWORK, NeedCategory.YARD_WORK],
        ["south"],
        sc,
        capacity=5,
    )
    client = _client(site, "フクゴウ タロウ")
    housework = _need(site, client, NeedCategory.HOUSEWORK)
    yard = _need(site, client, NeedCategory.YARD_WORK)

    page = new_page()
    sign_in(page, site, "coordinator")
    page.goto(f"{site.url}/needs/{housework.id}")
    page.get_by_role("link", name=re.compile("利用者のページ")).click()
    plan = page.locator("#plan")
    assert "1 件の資源でカバーできます" in plan.inner_text()
    assert both.name in plan.inner_text()
    plan.get_by_label("この計画の理由").fill("退院直後の暮らしを一つの団体でまとめて支える")
    plan.get_by_role("button", name="計画全体を提案する").click()

    assert page.get_by_role("status").first.inner_text() == "2 件のマッチングを提案しました。"
    for need in (housework, yard):
        assert app.needs.get(need.id, sc).status.value == "proposed"
    screenshot(page, "coordinator_accepts_a_plan")


def test_choosing_a_candidate_works_with_the_keyboard(site: Site, new_page: Any) -> None:
    app, sc = site.container.services, site.town.coordinator
    resource = app.resources.register(
        "南町キーボード見守り", ServiceType.OTHER_SUPPORT, [NeedCategory.WATCH_OVER], ["south"], sc
    )
    need = _need(site, _client(site, "キーボード ハナコ"), NeedCategory.WATCH_OVER)

    page = new_page()
    sign_in(page, site, "coordinator")
    page.goto(f"{site.url}/needs/{need.id}")
    candidate = page.locator(f"#candidate-{resource.id}")
    candidate.locator("summary").focus()
    page.keyboard.press("Enter")  # opens the propose form, no mouse, no script
    reason = candidate.get_by_label("この資源を提案する理由")
    reason.focus()
    page.keyboard.type("毎朝の声かけができる")
    page.keyboard.press("Tab")  # to the button
    with page.expect_navigation():
        page.keyboard.press("Enter")

    assert page.locator(".state").inner_text().startswith("提案中")
    assert "1位 南町キーボード見守り" in page.locator(".timeline").inner_text()
    screenshot(page, "keyboard_chooses_a_candidate")


def test_a_launched_initiative_releases_its_needs_to_the_board(site: Site, new_page: Any) -> None:
    need = _need(site, _client(site, "カイハツ ジロウ"), NeedCategory.SMALL_REPAIRS, gap=True)
    page = new_page()
    sign_in(page, site, "coordinator")
    page.goto(f"{site.url}/needs/{need.id}")
    page.get_by_role("link", name="取組を始める").click()
    page.get_by_label("名称").fill("南地区 ちょっとした困りごと支援")
    page.get_by_label("足りないものと計画").fill("電球交換などを住民ボランティアで")
    page.get_by_role("button", name="取組を始める").click()
    assert page.get_by_role("status").first.inner_text() == "取組を始めました。"

    page.locator("summary", has_text="待っているニーズを結び付ける").click()
    page.get_by_label("資源不足のニーズ").select_option(str(need.id))
    page.get_by_role("button", name="ニーズを結び付ける").click()
    page.locator("summary", has_text="節目を記録").click()
    milestone = page.locator("#action-milestone")
    milestone.get_by_label(re.compile(r"^節目")).select_option("volunteers_trained")
    milestone.get_by_label("ボランティア養成").fill("8")
    milestone.get_by_label("記録").fill("住民向けの養成講座")
    milestone.get_by_role("button", name="節目を記録する").click()
    page.locator("summary", has_text="新しい資源を創出する").click()
    launch = page.locator("#action-launch")
    launch.get_by_label("資源の名称").fill("南地区お助け隊")
    launch.get_by_label("サービス類型").select_option("visit_b")
    launch.get_by_label("定員").fill("6")
    launch.get_by_role("button", name="資源を創出する").click()

    assert "資源を創出しました" in page.get_by_role("status").first.inner_text()
    assert "マッチング可能" in page.locator("#needs").inner_text()
    page.goto(f"{site.url}/needs?status=resource_created")
    row = page.locator("tr", has=page.locator(f'a[href="/needs/{need.id}"]'))
    assert "マッチング可能" in row.inner_text()
    screenshot(page, "initiative_releases_needs")


def test_a_coordinator_checks_then_imports_a_resource_list(site: Site, new_page: Any) -> None:
    page = new_page()
    sign_in(page, site, "coordinator")
    page.goto(f"{site.url}/resources")
    page.get_by_role("link", name="一覧を取り込む（CSV・Excel）").click()
    page.get_by_label("ファイル（CSV または .xlsx）").set_input_files(
        str(FIXTURES / "mixed_cp932.csv")
    )
    page.get_by_role("button", name="ファイルを確認する（登録はしません）").click()

    report = page.locator("#report")
    assert "試行：まだ何も登録していません" in report.inner_text()
    assert "Shift_JIS" in report.inner_text() or "CP932" in report.inner_text()
    assert report.locator("tr.invalid").count() >= 1
    page.get_by_role("button", name="取り込める行を取り込む").click()

    assert page.get_by_role("status").first.inner_text().startswith("取り込みました")
    screenshot(page, "import_resources")


def test_an_auditor_reads_a_council_and_the_logic_model_on_a_phone(
    site: Site, new_page: Any
) -> None:
    app, sc = site.container.services, site.town.coordinator
    org = app.organizations.register(
        "南町自治会", OrganizationKind.NEIGHBOURHOOD_ASSOC, ["south"], sc
    )
    council = app.network.form_council("南地区支え合い会議", CouncilTier.AREA, sc, "south")
    council = app.network.admit_to_council(
        council.id, org.id, date(2026, 4, 1), council.version, sc
    )
    app.network.record_council_meeting(
        council.id, date(2026, 5, 1), [org.id], ["移動の困りごと"], council.version, sc
    )

    page = new_page(width=375, height=812)
    sign_in(page, site, "auditor")
    page.goto(f"{site.url}/councils/{council.id}")
    assert "移動の困りごと" in page.locator("#meetings").inner_text()
    assert page.locator("main form").count() == 0
    page.get_by_role("navigation", name="メインメニュー").get_by_role(
        "link", name="ロジックモデル"
    ).click()
    stages = page.locator(".logic-model .stage")
    expect(stages).to_have_count(4)
    first, second = stages.nth(0).bounding_box(), stages.nth(1).bounding_box()
    assert first
    assert second
    assert second["y"] > first["y"]  # stacked on a phone
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    with page.expect_download() as download:
        page.get_by_role("link", name="CSVをダウンロード").click()
    assert download.value.suggested_filename.startswith("tsunagu-logic-model-")
    screenshot(page, "narrow_logic_model")


@pytest.mark.parametrize(
    "path",
    ["/initiatives", "/gaps", "/organizations", "/councils", "/network", "/resources/import"],
)
def test_the_new_pages_fit_a_375_pixel_screen(site: Site, new_page: Any, path: str) -> None:
    page = new_page(width=375, height=812)
    sign_in(page, site, "coordinator")
    page.goto(site.url + path)

    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"{path} is {width}px wide"
    screenshot(page, f"narrow{path.replace('/', '_')}")
