"""Languages: complete catalogues, Japanese dates, and no English left on ja screens."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from domain.base import recorded_at
from tests.e2e.support import Api, need_in, new_client, new_resource
from tests.ui.support import signed_in

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "interfaces" / "translations"
LANGUAGES = ("ja", "en")


def _source_msgids() -> set[str]:
    method_map = [
        ("interfaces/web/ui/**.py", "python"),
        ("interfaces/web/ui/templates/**.html", "jinja2"),
    ]
    keywords = {"_": None, "gettext": None, "_l": None, "lazy_gettext": None}
    found = set()
    for _, _, message, _, _ in extract_from_dir(str(ROOT), method_map, keywords=keywords):
        found.add(message if isinstance(message, str) else message[0])
    return found


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_on_the_screens_has_a_translation(language: str) -> None:
    with (TRANSLATIONS / language / "LC_MESSAGES" / "messages.po").open("rb") as file:
        catalogue = read_po(file, locale=language)
    translated = {m.id: m.string for m in catalogue if m.id and not m.fuzzy}

    missing = sorted(i for i in _source_msgids() if not translated.get(i))

    assert not missing, f"run `make translations` and translate: {missing[:20]}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_compiled_catalogue_matches_its_source(language: str) -> None:
    folder = TRANSLATIONS / language / "LC_MESSAGES"
    with (folder / "messages.po").open("rb") as file:
        source = {m.id: m.string for m in read_po(file, locale=language) if m.id}
    with (folder / "messages.mo").open("rb") as file:
        compiled = {m.id: m.string for m in read_mo(file) if m.id}

    assert compiled == source, "run `make translations` to compile the catalogues"


def test_japanese_translations_keep_their_placeholders() -> None:
    with (TRANSLATIONS / "ja" / "LC_MESSAGES" / "messages.po").open("rb") as file:
        catalogue = read_po(file, locale="ja")
    for message in catalogue:
        if message.id:
            names = sorted(re.findall(r"%\((\w+)\)", str(message.id)))
            assert sorted(re.findall(r"%\((\w+)\)", str(message.string))) == names, message.id


def test_dates_are_shown_the_japanese_way(ui: Api) -> None:
    with recorded_at(datetime(2026, 11, 27, 1, 30, tzinfo=UTC)):
        need = need_in(ui, "raised")

    page = signed_in(ui.app, "care_manager").get(f"/needs/{need['id']}")

    assert "令和8年11月27日 10:30" in page  # Japan time, in the era as municipalities write it


def test_dates_are_shown_the_english_way_in_english(ui: Api) -> None:
    with recorded_at(datetime(2026, 11, 27, 1, 30, tzinfo=UTC)):
        need = need_in(ui, "raised")
    browser = signed_in(ui.app, "auditor", language="en")

    page = browser.get(f"/needs/{need['id']}")

    assert "Nov 27, 2026, 10:30" in page


# Two English words in a row betray an untranslated string. The language button
# and the test town's usernames and codes are data, not text of the screens.
ENGLISH = re.compile(r"\b[A-Za-z]{3,}[ ,.:;]+[A-Za-z]{3,}\b")
DATA_WORDS = re.compile(r"\b(English|audit|boss|root|system|north|south)\b")


def _english_phrases(text: str) -> list[str]:
    return ENGLISH.findall(DATA_WORDS.sub(" ", text))


@pytest.mark.parametrize(
    ("who", "paths"),
    [
        ("care_manager", ["/home", "/needs", "/needs/new", "/clients/new"]),
        ("coordinator", ["/home", "/needs?stale=1", "/resources", "/resources/new", "/dashboard"]),
        ("supervisor", ["/dashboard", "/needs"]),
        ("auditor", ["/audit", "/audit?type=Need"]),
        (
            "admin",
            [
                "/admin/users",
                "/admin/users/new",
                "/admin/areas",
                "/admin/centers",
                "/admin/users/sc",
            ],
        ),
    ],
)
def test_japanese_screens_show_no_english(ui: Api, who: str, paths: list[str]) -> None:
    browser = signed_in(ui.app, who)
    for path in paths:
        page = browser.get(path)
        assert page.status == 200, path
        assert not _english_phrases(page.text), (path, _english_phrases(page.text))


@pytest.mark.parametrize("words", ["ヤマダ", "該当なし"])
def test_the_client_search_shows_no_english(ui: Api, words: str) -> None:
    new_client(ui, name_kana="ヤマダ タロウ")
    browser = signed_in(ui.app, "care_manager")
    browser.get("/needs/new")
    page = browser.post("/needs/new", {"q": words})
    assert page.status == 200
    assert not _english_phrases(page.text), _english_phrases(page.text)


def test_need_and_replay_screens_show_no_english(ui: Api) -> None:
    resource = new_resource(ui)
    need = need_in(ui, "matched", resource=resource)
    for who, path in [
        ("coordinator", f"/needs/{need['id']}"),
        ("auditor", f"/audit/needs/{need['id']}"),
        ("coordinator", f"/resources/{resource['id']}"),
    ]:
        page = signed_in(ui.app, who).get(path)
        assert page.status == 200
        assert not _english_phrases(page.text), (path, _english_phrases(page.text))


def test_error_pages_are_translated(ui: Api) -> None:
    page = signed_in(ui.app, "care_manager").get("/admin/users")

    assert page.status == 403
    assert not _english_phrases(page.text)
