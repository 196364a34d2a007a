"""A national 介護サービス事業所一覧 imported whole in a real browser, on a desktop and a
phone screen: the missing area column said once, areas from towns, care benefits
skipped when asked, and a screenshot of each report."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from application.security import SYSTEM_ACTOR
from tests.browser.conftest import Site, screenshot, sign_in
from tests.national_list import AGENCIES, SERVICES, TOWNS, national_csv


def _check(site: Site, page: Any, listed: Path) -> Any:
    sign_in(page, site, "coordinator")
    page.goto(f"{site.url}/resources/import")
    page.get_by_label("ファイル（CSV または .xlsx）").set_input_files(str(listed))
    page.get_by_label(
        "生活支援に相当する類型のない介護保険サービス（訪問看護、福祉用具貸与など）を除外する"
    ).check()
    page.get_by_role("button", name="ファイルを確認する（登録はしません）").click()
    return page.locator("#report")


def test_a_coordinator_imports_a_national_list_whole_then_again_on_a_phone(
    site: Site, new_page: Any, tmp_path: Path
) -> None:
    for code, towns in TOWNS.items():
        site.container.services.reference.list_towns(code, list(towns), SYSTEM_ACTOR)
    listed = tmp_path / "care_services.csv"
    listed.write_bytes(national_csv())
    imported = len(SERVICES) - len(AGENCIES)

    desktop = new_page(width=1366, height=768)
    report = _check(site, desktop, listed)
    text = report.inner_text()
    assert text.count("ファイルに圏域の列がなく") == 1
    assert "住所の「北町」から圏域 north としました" in text
    assert "除外（介護保険サービス）" in text
    assert report.locator("tr.invalid").count() == 0
    assert desktop.evaluate("document.documentElement.scrollWidth") <= 1366
    screenshot(desktop, "import_national_list_1366")
    desktop.get_by_role("button", name="取り込める行を取り込む").click()
    status = desktop.get_by_role("status").first.inner_text()
    assert f"新規 {imported} 件" in status
    assert f"除外 {len(AGENCIES)} 件" in status

    phone = new_page(width=375, height=812)
    again = _check(site, phone, listed)
    assert "すべての行がすでに同じ内容で一覧にあります" in again.inner_text()
    assert phone.get_by_role("button", name="取り込める行を取り込む").count() == 0
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(phone, "import_national_list_375")
