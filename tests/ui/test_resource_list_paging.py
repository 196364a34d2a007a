"""The resources screen shows 50 resources a page, the total, and links to the
other pages that keep the filters."""

from __future__ import annotations

import re

from application.security import SYSTEM_ACTOR
from domain.values import NeedCategory, ServiceType
from tests.e2e.support import Api
from tests.ui.support import signed_in


def _register(api: Api, count: int) -> list[str]:
    names = [f"資源{i:03d}" for i in range(count)]
    for name in reversed(names):
        api.container.services.resources.register(
            name,
            ServiceType.GATHERING_PLACE,
            [NeedCategory.SOCIAL_PARTICIPATION],
            ["north"],
            SYSTEM_ACTOR,
        )
    return names


def test_the_list_pages_by_fifty_with_next_and_previous_links(fresh_ui: Api) -> None:
    names = _register(fresh_ui, 53)
    browser = signed_in(fresh_ui.app, "care_manager", language="en")

    first = browser.get("/resources")
    assert first.status == 200
    assert "53 resources." in first
    assert names[0] in first
    assert names[49] in first
    assert names[50] not in first
    assert "Page 1 of 2" in first
    assert first.links(r"/resources\?page=2") == ["/resources?page=2"]
    assert not re.search(r'rel="prev"', first.html)

    second = browser.get("/resources", page="2")
    assert "Page 2 of 2" in second
    assert [n for n in names if n in second.text] == names[50:]
    assert second.links(r"/resources")
    assert 'rel="prev"' in second.html
    assert not re.search(r'rel="next"', second.html)


def test_page_links_keep_the_filters(fresh_ui: Api) -> None:
    _register(fresh_ui, 51)
    browser = signed_in(fresh_ui.app, "care_manager", language="en")

    page = browser.get("/resources", area="north", category="social_participation")

    assert "51 resources." in page
    assert page.links(r"/resources\?[^\"]*page=2")
    (link,) = page.links(r"/resources\?[^\"]*page=2")
    assert "area=north" in link
    assert "category=social_participation" in link


def test_one_page_shows_no_page_links(fresh_ui: Api) -> None:
    _register(fresh_ui, 3)
    browser = signed_in(fresh_ui.app, "care_manager", language="en")

    page = browser.get("/resources")

    assert "3 resources." in page
    assert "Page 1 of" not in page
