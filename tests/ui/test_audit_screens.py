"""The auditors' screens: records by their display code, the filtered log as CSV, every
event type named once and translated."""

from __future__ import annotations

import csv
import io
import re
from uuid import UUID

from babel.messages.pofile import read_po

from domain.values import display_code
from interfaces.web.ui.i18n import TRANSLATIONS
from interfaces.web.ui.labels import EVENT_LABELS
from tests.e2e.support import Api, need_in, step
from tests.ui.support import signed_in
from tests.unit.test_event_contract import aggregate_classes, event_classes


def _code(need: dict[str, object]) -> str:
    return display_code("N", UUID(str(need["id"])))


def test_the_log_names_a_need_by_its_display_code(ui: Api) -> None:
    need = need_in(ui, "matching")

    page = signed_in(ui.app, "auditor").get("/audit", aggregate=need["id"])

    code = _code(need)
    assert code.startswith("N-")
    assert page.text.count(code) == 2  # both events, by the need's code
    assert "再現 v" not in page.text
    assert need["id"][:8] not in page.text  # no truncated id
    assert "この時点で再現" in page


def test_accounts_and_areas_are_named_in_the_log(ui: Api) -> None:
    auditor = signed_in(ui.app, "auditor")

    users = auditor.get("/audit", type="User.Created")
    areas = auditor.get("/audit", type="Area.Registered")

    rows = re.findall(r"<td>ユーザー\s*<a [^>]*>([^<]+)</a>", users.html)
    assert "sc" in rows
    assert not [row for row in rows if row.startswith("U-")]
    assert re.search(r"<td>日常生活圏域\s*<a [^>]*>北地区</a>", areas.html)


def test_the_replay_page_shows_the_need_and_client_codes(ui: Api) -> None:
    need = need_in(ui, "raised")

    page = signed_in(ui.app, "auditor").get(f"/audit/needs/{need['id']}")

    assert re.search(rf'id="need-code">{_code(need)}<', page.html)
    assert need["client_code"] in page.text


def test_the_filtered_log_downloads_as_csv_in_log_order(ui: Api) -> None:
    need = need_in(ui, "matching")
    step(ui, need, "close", {"outcome": "goal_achieved", "reason": "=1+1 目標達成"}, "coordinator")
    auditor = signed_in(ui.app, "auditor")

    page = auditor.get("/audit", aggregate=need["id"])
    link = re.search(r'href="(/audit\.csv\?[^"]+)"', page.html)
    assert link is not None
    response = auditor.client.get(link.group(1).replace("&amp;", "&"), headers=auditor.headers)

    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:5] == ["番号", "日時（ISO 8601・日本時間）", "日時", "操作者", "内容"]
    body = rows[1:]
    assert [r[5] for r in body] == ["Need.Raised", "Need.CoordinatorAssigned", "Need.Closed"]
    assert [r[4] for r in body][-1] == "ニーズの終結"
    assert {r[7] for r in body} == {_code(need)}
    assert body[-1][10] == "'=1+1 目標達成"  # never run as a formula by a spreadsheet


def test_system_worded_reasons_are_translated(ui: Api) -> None:
    need = need_in(ui, "matched")
    step(ui, need, "close", {"outcome": "goal_achieved", "reason": "目標達成"}, "coordinator")
    auditor = signed_in(ui.app, "auditor")

    page = auditor.get("/audit", type="Resource.Released")

    assert "need closed: goal_achieved" not in page.text
    assert "ニーズの終結：目標達成" in page.text


def test_every_event_type_is_offered_once_under_its_record_type(ui: Api) -> None:
    need = need_in(ui, "raised")
    step(ui, need, "pause", {"reason": "入院"}, "care_manager")
    paused = ui.get(f"/needs/{need['id']}", "care_manager").get_json()
    step(ui, paused, "resume", {"reason": "退院"}, "care_manager")
    closed = need_in(ui, "closed")
    step(ui, closed, "reopen", {"reason": "再び必要に"}, "coordinator")

    page = signed_in(ui.app, "auditor").get("/audit")

    select = re.search(r'<select id="type".*?</select>', page.html, re.S)
    assert select is not None
    options = re.findall(r"<option value=\"[^\"]+\"[^>]*>([^<]+)</option>", select.group(0))
    assert len(options) == len(set(options))
    assert "一時停止からの再開" in options
    assert "終結したニーズの再開" in options
    assert '<optgroup label="ニーズ">' in select.group(0)


def test_every_stored_event_type_has_a_japanese_name_of_its_own() -> None:
    with (TRANSLATIONS / "ja" / "LC_MESSAGES" / "messages.po").open("rb") as po:
        catalogue = read_po(po)
    names: dict[str, str] = {}
    for aggregate in aggregate_classes():
        for cls in event_classes(aggregate):
            key = f"{aggregate.__name__}.{cls.__name__}"
            assert key in EVENT_LABELS, f"{key} has no label in interfaces/web/ui/labels.py"
            message = catalogue.get(EVENT_LABELS[key]._args[0])  # type: ignore[attr-defined]
            assert message is not None, f"{key} is not in the catalogue"
            assert message.string, f"{key} is not translated"
            names[key] = message.string
    twins = {n for n in names.values() if list(names.values()).count(n) > 1}
    assert not twins, f"event types share a name: {twins}"


def test_an_unknown_event_type_in_the_export_is_a_message_not_a_file(ui: Api) -> None:
    auditor = signed_in(ui.app, "auditor")

    response = auditor.client.get("/audit.csv?type=Nope.Nothing", headers=auditor.headers)

    assert response.status_code == 422
