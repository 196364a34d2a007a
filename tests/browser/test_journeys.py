"""Each role's main journey in a real browser, as the issue lists them."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from application.needs import NeedDTO
from domain.base import recorded_at
from domain.values import NeedCategory, Outcome, Urgency
from tests.browser.conftest import (
    CHROMIUM_FLAGS,
    Site,
    expect,
    screenshot,
    serving,
    sign_in,
)
from tests.builders import make_client, make_resource
from tests.conftest import POSTGRES_URL


def _need(site: Site, category: NeedCategory = NeedCategory.SHOPPING) -> NeedDTO:
    app, town = site.container.services, site.town
    client = make_client(app, town.care_manager)
    return app.needs.raise_need(
        client.id,
        category,
        "膝の痛みでスーパーまで歩けない",
        "自分で選んだ食材で料理する生活を取り戻す",
        Urgency.NORMAL,
        town.care_manager,
    )


def _open_action(page: Any, summary: str) -> Any:
    page.locator("summary", has_text=summary).click()
    return page.locator("details[open]")


def test_a_care_manager_raises_a_need(site: Site, new_page: Any) -> None:
    client = site.container.services.clients.register(
        *_client_args(site, "ブラウザ タロウ"), site.town.care_manager, confirm_duplicate=True
    )
    page = new_page()
    sign_in(page, site, "care_manager")
    assert page.url.endswith("/home")
    assert page.get_by_role("heading", level=1).inner_text().endswith("さん")

    page.get_by_role("navigation", name="メインメニュー").get_by_role(
        "link", name="ニーズを登録"
    ).click()
    page.get_by_label("表示コードまたは氏名（カナ）").fill("ぶらうざ")
    page.get_by_role("button", name="検索").click()
    page.get_by_role("link", name=client.display_code).click()
    page.get_by_label("ニーズ分類").select_option("shopping")
    page.get_by_label("ニーズの内容（いま困っていること）").fill("膝が痛くスーパーまで歩けない")
    page.get_by_label("取り戻したい生活（目標）").fill("自分で選んだ食材で料理する生活を取り戻す")
    page.get_by_label("緊急度").select_option("high")
    page.get_by_role("button", name="ニーズを登録する").click()

    assert page.get_by_role("status").first.inner_text() == "ニーズを受け付けました。"
    assert page.locator(".state").inner_text().startswith("受付")
    assert "ニーズの受付" in page.locator(".timeline").inner_text()
    screenshot(page, "care_manager_raises_a_need")


def _client_args(site: Site, kana: str) -> tuple[Any, ...]:
    from datetime import date

    from domain.values import CareLevel, PersonalData

    return (
        PersonalData("ブラウザ 太郎", kana, date(1940, 1, 2), None, None),
        CareLevel.SUPPORT_1,
        True,
        "north",
        "c-north",
    )


def test_a_coordinator_assigns_proposes_confirms_follows_up_and_closes(
    site: Site, new_page: Any
) -> None:
    app, town = site.container.services, site.town
    resource = app.resources.register(
        "ブラウザ買い物便",
        __import__("domain.values", fromlist=["ServiceType"]).ServiceType.VISIT_B,
        [NeedCategory.SHOPPING],
        ["north"],
        town.coordinator,
        capacity=10,
    )
    need = _need(site)
    page = new_page()
    sign_in(page, site, "coordinator")
    page.goto(f"{site.url}/needs?status=raised&sort=newest")
    page.locator(f'a[href="/needs/{need.id}"]').click()

    # The ranked candidates show at once; choosing one assigns the need to me and
    # proposes the resource in one step.
    candidate = page.locator(f"#candidate-{resource.id}")
    assert "点" in candidate.locator(".total").inner_text()
    form = _open_action(candidate, "ブラウザ買い物便を選ぶ")
    form.get_by_label("この資源を提案する理由").fill("自宅から近く、火曜の便がある")
    form.get_by_role("button", name="自分が担当して提案する").click()
    assert page.locator(".state").inner_text().startswith("提案中")

    # The next step is open and primary: no click to find it.
    form = page.locator("#action-confirm[open]")
    form.get_by_label("開始日").fill("2026-12-01")
    form.get_by_role("button", name="マッチングを確定").click()
    assert page.locator(".state").inner_text().startswith("マッチング成立")

    form = page.locator("#action-follow_up[open]")
    form.get_by_label("記録").fill("毎週火曜に利用、本人満足")
    form.get_by_label("経過").select_option("on_track")
    form.get_by_role("button", name="フォローアップを記録").click()

    page.locator("summary", has_text="その他の操作").click()
    form = _open_action(page, "終結する")
    form.get_by_label("終結理由").select_option("goal_achieved")
    form.get_by_label("終結に至った経緯").fill("自分で買い物に行けるようになった")
    form.get_by_role("checkbox").check()  # the confirmation step of closing
    form.get_by_role("button", name="終結する").click()

    assert page.locator(".state").inner_text().startswith("終結")
    timeline = page.locator(".timeline").inner_text()
    for event in ("担当コーディネーターの決定", "資源の提案", "マッチング確定", "ニーズの終結"):
        assert event in timeline
    assert "令和8年12月1日" in page.locator("#status").inner_text()
    screenshot(page, "coordinator_closes_a_need")


def _pipeline_count(page: Any, status: str) -> int:
    page.locator("#pipeline summary").click()
    row = page.locator("#pipeline table tbody tr", has_text=status).first
    return int(row.locator("td").inner_text())


def test_a_supervisor_sees_the_dashboard_change(site: Site, new_page: Any) -> None:
    app, town = site.container.services, site.town
    need = _need(site)
    page = new_page()
    sign_in(page, site, "supervisor")
    assert page.url.endswith("/dashboard")
    closed_before = _pipeline_count(page, "終結")
    assert page.locator("svg#chart-monthly[role=img]").count() == 1

    app.needs.close(need.id, Outcome.WITHDRAWN, "本人が辞退", need.version, town.care_manager)
    page.reload()

    assert _pipeline_count(page, "終結") == closed_before + 1
    with page.expect_download() as download:
        page.locator("#outcomes a.download").click()
    assert download.value.suggested_filename.startswith("tsunagu-outcomes-")
    screenshot(page, "supervisor_dashboard")


def test_an_auditor_replays_a_need_as_of_a_moment_between_two_events(
    site: Site, new_page: Any
) -> None:
    app, town = site.container.services, site.town
    raised_at = datetime.now(UTC).replace(microsecond=0) - timedelta(days=10)
    with recorded_at(raised_at):
        need = _need(site)
    with recorded_at(raised_at + timedelta(days=5)):
        app.needs.assign(need.id, "sc", need.version, town.coordinator)
    between = (raised_at + timedelta(days=2)).astimezone(
        __import__("domain.calendar", fromlist=["JST"]).JST
    )

    page = new_page()
    sign_in(page, site, "auditor")
    assert page.url.endswith("/audit")
    page.goto(f"{site.url}/audit/needs/{need.id}")
    assert page.locator('td[data-field="status"]').inner_text() == "マッチング中"

    page.get_by_label("時点（日本時間）").fill(between.strftime("%Y-%m-%dT%H:%M:%S"))
    page.get_by_role("button", name="表示").click()

    assert page.locator('td[data-field="status"]').inner_text() == "受付"
    status_row = page.locator("tr", has=page.locator('td[data-field="status"]'))
    assert "ニーズの受付" in status_row.inner_text()
    assert page.locator("li.event.later").count() == 1  # the assignment came after
    assert page.locator("form[method=post] button", has_text="終結").count() == 0
    screenshot(page, "auditor_replays_a_need")


def test_a_refused_action_shows_a_clear_message(site: Site, new_page: Any) -> None:
    app, town = site.container.services, site.town
    resource = make_resource(app, town.coordinator, capacity=1)
    needs = []
    for _ in range(2):
        need = _need(site, NeedCategory.SOCIAL_PARTICIPATION)
        need = app.needs.assign(need.id, "sc", need.version, town.coordinator)
        needs.append(
            app.matching.propose(need.id, resource.id, "近い", need.version, town.coordinator)
        )
    app.matching.confirm(needs[0].id, datetime.now(UTC).date(), needs[0].version, town.coordinator)

    page = new_page()
    sign_in(page, site, "coordinator")
    page.goto(f"{site.url}/needs/{needs[1].id}")
    form = page.locator("#action-confirm[open]")  # the next step, open already
    form.get_by_role("button", name="マッチングを確定").click()

    alert = page.get_by_role("alert").first
    assert "この資源は定員に達しています。" in alert.inner_text()
    assert page.locator(".state").inner_text().startswith("提案中")
    screenshot(page, "refused_action")


def test_the_language_switch_is_remembered_for_the_user(site: Site, new_page: Any) -> None:
    page = new_page()
    sign_in(page, site, "care_manager")
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert page.get_by_role("link", name="Case board").count() == 1

    page.get_by_role("button", name="Sign out").click()
    other = new_page(locale="ja-JP")  # another device, preferring Japanese
    other.goto(site.url + "/sign-in")
    other.get_by_label("ユーザー名").fill("cm")
    other.get_by_label("パスワード").fill("correct horse battery")
    other.get_by_role("button", name="ログイン").click()

    assert other.locator("html").get_attribute("lang") == "en"
    other.get_by_role("button", name="日本語").click()
    assert other.locator("html").get_attribute("lang") == "ja"
    screenshot(other, "language_switch")


def test_signing_in_and_raising_works_with_the_keyboard_only(site: Site, new_page: Any) -> None:
    page = new_page()
    page.goto(site.url + "/sign-in")
    page.keyboard.press("Tab")  # the skip link comes first
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.get_by_label("ユーザー名").focus()
    page.keyboard.type("cm")
    page.keyboard.press("Tab")
    page.keyboard.type("correct horse battery")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/home$"))
    screenshot(page, "keyboard_sign_in")


@pytest.mark.parametrize("path", ["/home", "/needs", "/dashboard", "/resources"])
def test_pages_fit_a_375_pixel_screen(site: Site, new_page: Any, path: str) -> None:
    page = new_page(width=375, height=812)
    sign_in(page, site, "coordinator")
    page.goto(site.url + path)

    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"{path} is {width}px wide"
    screenshot(page, f"narrow{path.replace('/', '_')}")


@pytest.mark.skipif(not POSTGRES_URL, reason="needs TSUNAGU_TEST_POSTGRES_URL")
@pytest.mark.postgres
def test_the_care_manager_and_coordinator_journey_on_postgresql(
    new_page: Any, tmp_path: Any
) -> None:
    with serving("postgres", tmp_path) as pg_site:
        need = _need(pg_site)
        page = new_page()
        sign_in(page, pg_site, "coordinator")
        page.goto(f"{pg_site.url}/needs/{need.id}")
        page.locator("summary", has_text="その他の操作").click()
        form = _open_action(page, "担当コーディネーターを決める")
        form.get_by_role("button", name="担当コーディネーターを決める").click()
        assert page.locator(".state").inner_text().startswith("マッチング中")
        screenshot(page, "postgresql_journey")


assert CHROMIUM_FLAGS[0] == "--headless"
