"""Every screen: one h1, a label for every field, the language declared."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from tests.e2e.support import Api, need_in, new_resource
from tests.ui.support import Browser, signed_in


class _Fields(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.fields: list[dict[str, str | None]] = []
        self.labels: set[str] = set()
        self.h1 = 0
        self._label_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "h1":
            self.h1 += 1
        if tag == "label":
            self._label_depth += 1
            if a.get("for"):
                self.labels.add(str(a["for"]))
        if tag in ("input", "select", "textarea") and a.get("type") not in ("hidden", "submit"):
            self.fields.append({**a, "_wrapped": "1" if self._label_depth else None})

    def handle_endtag(self, tag: str) -> None:
        if tag == "label" and self._label_depth:
            self._label_depth -= 1


def _unlabelled(html: str) -> tuple[list[dict[str, str | None]], int]:
    parser = _Fields()
    parser.feed(html)
    missing = [
        f
        for f in parser.fields
        if not f["_wrapped"] and f.get("id") not in parser.labels and not f.get("aria-label")
    ]
    return missing, parser.h1


@pytest.mark.parametrize(
    ("who", "path"),
    [
        ("care_manager", "/home"),
        ("care_manager", "/needs"),
        ("care_manager", "/needs/new"),
        ("care_manager", "/clients/new"),
        ("coordinator", "/resources"),
        ("coordinator", "/resources/new"),
        ("supervisor", "/dashboard"),
        ("auditor", "/audit"),
        ("admin", "/admin/users/new"),
        ("admin", "/admin/areas"),
        ("admin", "/admin/centers"),
        ("admin", "/admin/users/sc"),
    ],
)
def test_every_field_has_a_label_and_the_page_one_heading(ui: Api, who: str, path: str) -> None:
    page = signed_in(ui.app, who).get(path)

    missing, h1 = _unlabelled(page.html)
    assert page.status == 200
    assert not missing, missing
    assert h1 == 1
    assert '<html lang="ja">' in page.html


def test_the_sign_in_page_is_labelled(ui: Api) -> None:
    missing, h1 = _unlabelled(Browser(ui.app).get("/sign-in").html)

    assert not missing
    assert h1 == 1


def test_the_need_page_and_its_action_forms_are_labelled(ui: Api) -> None:
    resource = new_resource(ui, categories=["social_participation"])
    need = need_in(ui, "matching", resource=resource)
    for who in ("coordinator", "care_manager", "supervisor", "auditor"):
        page = signed_in(ui.app, who).get(f"/needs/{need['id']}")
        missing, h1 = _unlabelled(page.html)
        assert not missing, (who, missing)
        assert h1 == 1
    ids = [
        f.get("id")
        for f in _fields_of(signed_in(ui.app, "coordinator").get(f"/needs/{need['id']}").html)
    ]
    assert len(ids) == len(set(ids)), "field ids must be unique on the page"


def _fields_of(html: str) -> list[dict[str, str | None]]:
    parser = _Fields()
    parser.feed(html)
    return parser.fields
