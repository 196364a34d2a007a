"""Supervisors' and auditors' screens in a real browser, in Japanese and English, at
1366 px and 375 px: readable charts, filters, heat-map cells that lead to the board,
the audit log's codes, and an accessibility check of focus and contrast."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest

from domain.values import CareLevel, NeedCategory, PersonalData, Urgency
from tests.browser.conftest import USERNAMES, Site, expect, screenshot
from tests.builders import PASSWORD

WIDTHS = (1366, 375)
SIGN_IN = {
    "ja": ("ユーザー名", "パスワード", "ログイン"),
    "en": ("Username", "Password", "Sign in"),
}

CONTRAST = """
(element) => {
  const rgb = (text) => {
    const m = text.match(/rgba?\\(([^)]+)\\)/);
    if (!m) return null;
    const [r, g, b, a] = m[1].split(",").map((v) => parseFloat(v));
    return {r, g, b, a: a === undefined ? 1 : a};
  };
  const luminance = ({r, g, b}) => {
    const c = [r, g, b].map((v) => {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  };
  const ratio = (x, y) => {
    const [a, b] = [luminance(x), luminance(y)].sort((p, q) => q - p);
    return (a + 0.05) / (b + 0.05);
  };
  let node = element.parentElement, background = null;
  while (node) {
    const colour = rgb(getComputedStyle(node).backgroundColor);
    if (colour && colour.a > 0.5) { background = colour; break; }
    node = node.parentElement;
  }
  background = background || {r: 255, g: 255, b: 255, a: 1};
  const style = getComputedStyle(element);
  const rings = [];
  if (style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2) {
    rings.push(rgb(style.outlineColor));
  }
  const shadow = rgb(style.boxShadow);
  if (shadow) rings.push(shadow);
  const best = Math.max(0, ...rings.filter(Boolean).map((c) => ratio(c, background)));
  return {best, background, outline: style.outlineColor, shadow: style.boxShadow,
          tag: element.tagName, text: (element.innerText || element.id || "").slice(0, 30)};
}
"""


def _sign_in(page: Any, site: Site, who: str, language: str) -> None:
    username, password, button = SIGN_IN[language]
    page.goto(site.url + "/sign-in")
    if language == "en" and page.get_by_role("button", name="English").count():
        page.get_by_role("button", name="English").click()
    page.get_by_label(username).fill(USERNAMES[who])
    page.get_by_label(password).fill(PASSWORD)
    page.get_by_role("button", name=button).click()


def _open_need(site: Site, category: NeedCategory) -> None:
    app, sc = site.container.services, site.town.coordinator
    client = app.clients.register(
        PersonalData("画面 花子", "ガメン ハナコ", date(1941, 2, 3), None, None),
        CareLevel.SUPPORT_1,
        True,
        "north",
        "c-north",
        sc,
        confirm_duplicate=True,  # the same sample person for every chart's need
    )
    app.needs.raise_need(client.id, category, "困りごと", "自分で暮らす", Urgency.NORMAL, sc)


@pytest.mark.parametrize("language", ["ja", "en"])
@pytest.mark.parametrize("width", WIDTHS)
def test_the_dashboard_charts_are_readable_at_every_width(
    site: Site, new_page: Any, language: str, width: int
) -> None:
    _open_need(site, NeedCategory.SOCIAL_PARTICIPATION)
    height = 812 if width == 375 else 768
    page = new_page(width=width, height=height, locale="ja-JP" if language == "ja" else "en-GB")
    _sign_in(page, site, "supervisor", language)
    page.goto(site.url + "/dashboard")

    sizes = page.evaluate(
        "() => [...document.querySelectorAll('svg.chart text')].map((t) => {"
        "  const box = t.getBoundingClientRect(); const svg = t.ownerSVGElement;"
        "  return [parseFloat(getComputedStyle(t).fontSize),"
        "          svg.getBoundingClientRect().width / svg.viewBox.baseVal.width]; })"
    )
    assert sizes
    assert {size for size, _scale in sizes} == {13.0}
    assert {round(scale, 2) for _size, scale in sizes} == {1.0}  # never shrunk to fit
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    header = page.locator(".site-header").bounding_box()
    assert header is not None
    assert header["height"] <= 0.2 * height  # the first screen is for the content (was ~55 %)
    screenshot(page, f"dashboard_{language}_{width}")


def test_a_heat_map_cell_opens_the_board_for_its_area_and_category(
    site: Site, new_page: Any
) -> None:
    _open_need(site, NeedCategory.SHOPPING)
    page = new_page(width=1366, height=900)
    _sign_in(page, site, "supervisor", "ja")
    page.goto(site.url + "/dashboard?area=north")

    cell = page.locator(
        '#chart-area-category a.cell-link[href="/needs?area=north&category=shopping"]'
    )
    cell.focus()
    style = page.evaluate(
        "() => getComputedStyle(document.activeElement.querySelector('rect')).strokeWidth"
    )
    assert style == "3px"  # the focused cell is outlined
    page.keyboard.press("Enter")

    page.wait_for_url("**/needs?area=north&category=shopping")
    assert page.locator("h1").count() == 1
    screenshot(page, "heat_map_cell_to_board")


@pytest.mark.parametrize("width", WIDTHS)
def test_the_dashboard_filters_stay_in_the_url(site: Site, new_page: Any, width: int) -> None:
    page = new_page(width=width, height=900)
    _sign_in(page, site, "supervisor", "ja")
    page.goto(site.url + "/dashboard")

    page.get_by_label("日常生活圏域").select_option("north")
    page.get_by_label("期間").select_option(index=1)
    page.get_by_role("button", name="絞り込む").click()

    page.wait_for_url(re.compile(r".*area=north.*fiscal_year=|.*fiscal_year=.*area=north"))
    csv_links = page.locator("a.download[href*='.csv']")
    assert csv_links.count() == 6
    for index in range(6):
        assert "area=north" in (csv_links.nth(index).get_attribute("href") or "")
    assert "令和" in page.locator("#dashboard-scope").inner_text()
    screenshot(page, f"dashboard_filtered_{width}")


@pytest.mark.parametrize("language", ["ja", "en"])
@pytest.mark.parametrize("width", WIDTHS)
def test_focus_rings_stand_out_on_every_background(
    site: Site, new_page: Any, language: str, width: int
) -> None:
    page = new_page(width=width, height=900, locale="ja-JP" if language == "ja" else "en-GB")
    _sign_in(page, site, "auditor", language)
    page.goto(site.url + "/audit")

    focusable = page.locator(
        "header a, header button, main a, main button, main select, main input, "
        "main summary, main [tabindex='0']"
    )
    count = min(focusable.count(), 40)
    assert count > 5
    weak = []
    for index in range(count):
        element = focusable.nth(index)
        if not element.is_visible():
            continue
        element.focus()
        result = element.evaluate(CONTRAST)
        if result["best"] < 3:
            weak.append(result)
    assert not weak, weak
    screenshot(page, f"audit_log_{language}_{width}")


def test_a_refused_form_moves_the_focus_to_the_error_summary(site: Site, new_page: Any) -> None:
    page = new_page(width=1366, height=900)
    _sign_in(page, site, "auditor", "ja")
    page.goto(site.url + "/audit")

    page.get_by_label("記録ID").fill("not-an-id")
    page.get_by_role("button", name="絞り込む").click()

    # autofocus takes effect once the refused page has rendered, not when the click returns
    _wait_for_focus(page, "error-summary")
    summary = page.locator("#error-summary")
    assert summary.evaluate(CONTRAST)["best"] >= 3
    summary.locator("a").first.click()
    _wait_for_focus(page, "aggregate")
    screenshot(page, "refused_form_error_summary")


def _wait_for_focus(page: Any, element_id: str) -> None:
    """Fails (after Playwright's timeout) unless the element gets the focus.

    Playwright's own assertion polls through its injected script: a string given to
    `wait_for_function` is evaluated by the page, which our Content-Security-Policy
    (no 'unsafe-eval') refuses.
    """
    expect(page.locator(f"#{element_id}")).to_be_focused()


def test_the_audit_log_fits_a_phone_with_dates_on_one_line(site: Site, new_page: Any) -> None:
    _open_need(site, NeedCategory.MEALS)
    page = new_page(width=375, height=812)
    _sign_in(page, site, "auditor", "ja")
    page.goto(site.url + "/audit?type=Need")

    times = page.locator("table.audit time")
    assert times.count() > 0
    for index in range(min(times.count(), 10)):
        lines = times.nth(index).evaluate("(t) => t.getClientRects().length")
        assert lines == 1
    assert "N-" in page.locator("table.audit").inner_text()
    wrap = page.locator(".table-wrap").first
    overflows = wrap.evaluate("(w) => w.scrollWidth > w.clientWidth")
    cue = wrap.evaluate("(w) => getComputedStyle(w).backgroundImage")
    assert overflows
    assert "rgba(0, 0, 0, 0.28)" in cue  # the shadow that says there is more to the side
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(page, "audit_log_phone")
