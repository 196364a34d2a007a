"""The need page in a real browser, ja and en, at 1366 and 375 px: a coordinator
matches a raised need in three steps (choose, say why, assign to me and propose),
the next step stands open, closing asks for a confirmation."""

from __future__ import annotations

from typing import Any

import pytest

from domain.values import NeedCategory, Role, ServiceType, Urgency
from tests.browser.conftest import Site, screenshot
from tests.builders import PASSWORD, make_client

TEXT = {
    "ja": {
        "choose": "を選ぶ",
        "why": "この資源を提案する理由",
        "assign_propose": "自分が担当して提案する",
        "proposed": "提案中",
        "next": "次の操作：",
        "others": "その他の操作",
        "close": "終結する",
        "tie": "と同点です",
    },
    "en": {
        "choose": "Choose ",
        "why": "Why this resource",
        "assign_propose": "Assign to me and propose",
        "proposed": "Proposed",
        "next": "Next step:",
        "others": "Other actions",
        "close": "Close",
        "tie": "Same score as",
    },
}


def _coordinator(site: Site, language: str, width: int) -> str:
    """A coordinator of this test's own (the language choice is remembered per user)."""
    username = f"sc-{language}-{width}"
    site.container.services.accounts.create_user(
        username, PASSWORD, [Role.COORDINATOR], site.town.admin
    )
    return username


@pytest.mark.parametrize(("language", "width"), [("ja", 1366), ("en", 375)])
def test_a_coordinator_matches_a_raised_need_from_its_page(
    site: Site, new_page: Any, language: str, width: int
) -> None:
    app, town = site.container.services, site.town
    words = TEXT[language]
    names = [f"見守り電話{language}{width}-{n}" for n in ("A", "B")]
    resources = [
        app.resources.register(
            name, ServiceType.OTHER_SUPPORT, [NeedCategory.WATCH_OVER], ["north"], town.coordinator
        )
        for name in names
    ]
    client = make_client(app, town.care_manager)
    need = app.needs.raise_need(
        client.id,
        NeedCategory.WATCH_OVER,
        "一人暮らしで不安",
        "安心して暮らす",
        Urgency.NORMAL,
        town.care_manager,
    )
    username = _coordinator(site, language, width)

    page = new_page(width=width, height=800)
    page.goto(site.url + "/sign-in")
    page.get_by_label("ユーザー名").fill(username)
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    if language == "en":
        page.get_by_role("button", name="English").click()
    page.goto(f"{site.url}/needs/{need.id}")

    # The candidates show at once, ties explained; no assignment step first.
    first = page.locator(f"#candidate-{resources[0].id}")
    assert first.is_visible()
    assert words["tie"] in first.locator(".tie-note").inner_text()
    screenshot(page, f"need_page_candidates_{language}_{width}")
    first.locator("summary", has_text=words["choose"]).click()
    first.get_by_label(words["why"]).fill("毎朝の電話で安否を確かめられる")
    first.get_by_role("button", name=words["assign_propose"]).click()

    assert page.locator(".state").inner_text().startswith(words["proposed"])
    assert words["next"] in page.locator(".next-step").inner_text()
    assert page.locator("details.action.next[open] button.primary").is_visible()
    # Closing waits under "Other actions", styled as dangerous, with a confirmation.
    page.locator("summary", has_text=words["others"]).click()
    page.locator("#action-close summary").click()
    close = page.locator("#action-close")
    assert close.get_by_role("checkbox").is_visible()
    colour = close.locator("button.danger").evaluate("b => getComputedStyle(b).backgroundColor")
    assert colour == "rgb(164, 0, 29)"
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    screenshot(page, f"need_page_next_step_{language}_{width}")
