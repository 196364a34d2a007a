"""Registering a client on the screen: a likely duplicate is shown with a link and
must be confirmed; the kana is checked with a clear message; 「氏名」 labels a name."""

from __future__ import annotations

import uuid
from typing import Any

from tests.e2e.support import Api
from tests.ui.support import Browser, signed_in


def _form(**overrides: str) -> dict[str, str]:
    digits = uuid.uuid4().int
    kana = "".join(chr(0x30A2 + (digits >> (5 * i)) % 40) for i in range(6))
    form = {
        "name": "重複 確認",
        "name_kana": f"{kana[:3]} {kana[3:]}",
        "birth_date": "1940-02-03",
        "care_level": "support_2",
        "area": "north",
        "center": "c-north",
    }
    form.update(overrides)
    return form


def _register(browser: Browser, form: dict[str, str]) -> Any:
    page = browser.get("/clients/new")
    key = page.html.split('name="key" value="')[1].split('"')[0]
    return browser.post("/clients/new", {"key": key, **form})


def test_a_likely_duplicate_is_shown_with_a_link_and_must_be_confirmed(ui: Api) -> None:
    cm = signed_in(ui.app, "care_manager")
    form = _form()
    assert _register(cm, form).status == 303

    warned = _register(cm, form)

    assert warned.status == 409
    assert "この人はすでに登録されているかもしれません" in warned
    assert 'href="/clients/' in warned.html.split('id="duplicates"')[1]
    assert 'name="confirm_duplicate"' in warned.html
    assert f'value="{form["name_kana"]}"' in warned.html  # nothing typed is lost
    key = warned.html.split('name="key" value="')[1].split('"')[0]
    confirmed = cm.post("/clients/new", {"key": key, **form, "confirm_duplicate": "1"})
    assert confirmed.status == 303


def test_hiragana_kana_is_stored_as_katakana(ui: Api) -> None:
    cm = signed_in(ui.app, "care_manager")

    done = _register(cm, _form(name_kana="ひらがな　はなこ", birth_date="1931-03-03"))

    assert done.status == 303
    assert "ヒラガナ ハナコ" in cm.follow(done)


def test_a_kana_that_is_not_kana_is_refused_with_a_clear_message(ui: Api) -> None:
    cm = signed_in(ui.app, "care_manager")

    refused = _register(cm, _form(name_kana="小林"))

    assert refused.status == 422
    assert "氏名（カナ）はカナだけで入力してください" in refused
    assert 'id="name_kana-error"' in refused.html


def test_a_persons_name_is_labelled_shimei(ui: Api) -> None:
    page = signed_in(ui.app, "care_manager").get("/clients/new")

    assert "<label" in page.html
    assert ">氏名" in page.html
    assert ">名称" not in page.html
