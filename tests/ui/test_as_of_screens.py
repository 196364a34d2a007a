"""The auditor's dashboard and case board as of a moment, on SQLite and PostgreSQL:
the date-time picker shows the screens as they stood then."""

from __future__ import annotations

from datetime import datetime

from domain.calendar import JST
from tests.e2e.support import Api, assert_ok, need_in, step
from tests.ui.support import signed_in


def _moment_of_head(api: Api) -> str:
    """The newest event's instant, as the picker takes it (Japan time, to the microsecond)."""
    events = assert_ok(api.get("/audit/events", "auditor", {"after": api.head() - 1}))["events"]
    instant = datetime.fromisoformat(events[-1]["timestamp"]).astimezone(JST)
    return instant.replace(tzinfo=None).isoformat(timespec="microseconds")


def _kpi(html: str, name: str) -> str:
    start = html.index(name)
    value = html.index('class="kpi-value">', start) + len('class="kpi-value">')
    return html[value : html.index("<", value)]


def test_the_auditor_sees_the_dashboard_as_it_stood_then(ui: Api) -> None:
    waiting = need_in(ui, "resource_gap")
    auditor = signed_in(ui.app, "auditor", "en")
    before = auditor.get("/dashboard")
    then = _moment_of_head(ui)
    step(ui, waiting, "close", {"outcome": "withdrawn", "reason": "本人が辞退"}, "coordinator")
    now = auditor.get("/dashboard")

    past = auditor.get("/dashboard", as_of=then)

    assert past.status == 200
    assert _kpi(now.html, "Unmet needs") != _kpi(before.html, "Unmet needs")
    assert _kpi(past.html, "Unmet needs") == _kpi(before.html, "Unmet needs")
    assert _kpi(past.html, "Open needs") == _kpi(before.html, "Open needs")
    assert 'name="as_of"' in past.html


def test_the_auditor_sees_the_case_board_as_it_stood_then(ui: Api) -> None:
    need = need_in(ui, "matching")
    then = _moment_of_head(ui)
    step(ui, need, "close", {"outcome": "withdrawn", "reason": "本人が辞退"}, "coordinator")
    auditor = signed_in(ui.app, "auditor")

    past = auditor.get("/needs", status="matching", as_of=then, per_page="100")
    now = auditor.get("/needs", status="matching", per_page="100")

    assert past.status == 200
    assert f"/needs/{need['id']}" in past.html
    assert f"/needs/{need['id']}" not in now.html
    assert "時点" in past
    assert f"as_of={then}" in past.html  # the tabs and pages keep the moment


def test_a_malformed_moment_is_a_form_error(ui: Api) -> None:
    page = signed_in(ui.app, "auditor").get("/dashboard", as_of="yesterday")

    assert page.status == 422
    assert "2026-11-27T14:30" in page


def test_a_care_manager_gets_no_picker(ui: Api) -> None:
    page = signed_in(ui.app, "care_manager").get("/needs")

    assert 'name="as_of"' not in page.html
