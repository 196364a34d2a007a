"""A care manager's clients in a real browser, ja and en, at 1366 and 375 px: the
「利用者」 menu finds their own clients by name; registering the same person again
shows the likely duplicate with a link and needs a confirmation; a kana that is
not kana is refused with a clear message."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from domain.values import Role
from tests.browser.conftest import Site, expect, screenshot
from tests.builders import PASSWORD

TEXT = {
    "ja": {
        "menu": "利用者",
        "query": "表示コードまたは氏名（カナ）",
        "search": "検索",
        "register": "利用者を登録する",
        "name": "氏名",
        "kana": "氏名（カナ）",
        "birth": "生年月日",
        "level": "認定区分",
        "area": "日常生活圏域",
        "duplicate": "この人はすでに登録されているかもしれません",
        "confirm": "確認しました：別の人",
        "kana_message": "氏名（カナ）はカナだけで入力してください",
    },
    "en": {
        "menu": "Clients",
        "query": "Display code or name in kana",
        "search": "Search",
        "register": "Register the client",
        "name": "Full name",
        "kana": "Name in kana",
        "birth": "Date of birth",
        "level": "Care level",
        "area": "Area",
        "duplicate": "This person may be registered already",
        "confirm": "I have checked: this is another person",
        "kana_message": "Write the name in kana only",
    },
}


def _care_manager(site: Site, language: str, width: int) -> str:
    """A care manager of this test's own (the language choice is remembered per user)."""
    username = f"cm-{language}-{width}-{uuid.uuid4().hex[:6]}"
    site.container.services.accounts.create_user(
        username, PASSWORD, [Role.CARE_MANAGER], site.town.admin, center_code="c-north"
    )
    return username


def _fill(page: Any, words: dict[str, str], kana: str) -> None:
    page.get_by_label(words["name"], exact=False).first.fill("重複 花子")
    page.get_by_label(words["kana"]).fill(kana)
    page.get_by_label(words["birth"]).fill("1936-06-06")
    page.get_by_label(words["level"]).select_option("support_1")
    page.get_by_label(words["area"]).select_option("north")


@pytest.mark.parametrize(("language", "width"), [("ja", 1366), ("en", 375)])
def test_a_care_manager_registers_finds_and_is_warned_of_a_duplicate(
    site: Site, new_page: Any, language: str, width: int
) -> None:
    words = TEXT[language]
    username = _care_manager(site, language, width)
    stem = "".join(chr(0x30A2 + (uuid.uuid4().int >> (5 * i)) % 40) for i in range(4))
    page = new_page(width=width, height=800)
    page.goto(site.url + "/sign-in")
    page.get_by_label("ユーザー名").fill(username)
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    if language == "en":
        page.get_by_role("button", name="English").click()

    page.goto(site.url + "/clients/new")
    _fill(page, words, "小林")
    page.get_by_role("button", name=words["register"]).click()
    assert words["kana_message"] in page.locator("#name_kana-error").inner_text()

    _fill(page, words, f"{stem} はなこ")
    page.get_by_role("button", name=words["register"]).click()
    page.goto(site.url + "/clients/new")
    _fill(page, words, f"{stem} ハナコ")
    page.get_by_role("button", name=words["register"]).click()

    warning = page.locator("#duplicates")
    assert words["duplicate"] in warning.inner_text()
    assert warning.locator("a").count() == 1
    screenshot(page, f"client_duplicate_{language}_{width}")
    warning.get_by_label(words["confirm"], exact=False).check()
    page.get_by_role("button", name=words["register"]).click()

    page.get_by_role("link", name=words["menu"], exact=True).first.click()
    page.get_by_label(words["query"]).fill(stem)
    page.get_by_role("button", name=words["search"]).click()
    results = page.locator(".client-results")
    expect(results.locator("li")).to_have_count(2)
    assert "重複 花子" in results.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    screenshot(page, f"clients_by_name_{language}_{width}")
