"""Resources, the dashboard, the audit log and replay, administration, error pages."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta

import pytest

from domain.base import recorded_at
from tests.e2e.support import Api, need_in, new_need, new_resource, step, unique
from tests.ui.support import Browser, signed_in

# -- resources ------------------------------------------------------------------------------


def test_the_directory_filters_by_category_and_free_places(ui: Api) -> None:
    name = unique("配食")
    full = new_resource(ui, name=name + "-満員", categories=["meals"], capacity=1)
    free = new_resource(ui, name=name + "-空き", categories=["meals"], capacity=5)
    need_in(ui, "matched", resource=full)
    sc = signed_in(ui.app, "coordinator")

    meals = sc.get("/resources", category="meals")
    assert full["name"] in meals
    assert free["name"] in meals
    assert "満員" in meals

    with_room = sc.get("/resources", category="meals", has_capacity="1")
    assert free["name"] in with_room
    assert full["name"] not in with_room


def test_the_resource_page_shows_utilisation(ui: Api) -> None:
    resource = new_resource(ui, capacity=4)
    need_in(ui, "matched", resource=resource)

    page = signed_in(ui.app, "care_manager").get(f"/resources/{resource['id']}")

    assert "定員 4 名中 1 名利用" in page
    assert '<meter min="0" max="4" value="1"' in page.html
    assert "内容を編集" not in page  # care managers do not manage resources


def test_a_coordinator_registers_and_edits_a_resource(ui: Api) -> None:
    sc = signed_in(ui.app, "coordinator")
    sc.get("/resources/new")
    created = sc.post(
        "/resources/new",
        [
            ("name", "北町ゴミ出し隊"),
            ("service_type", "visit_b"),
            ("categories", "garbage"),
            ("area_codes", "north"),
            ("weekdays", "tue"),
            ("capacity", "8"),
        ],
    )
    assert created.status == 303
    url = created.location
    page = sc.get(url + "/edit")
    version = re.search(r'name="version" value="(\d+)"', page.html).group(1)  # type: ignore[union-attr]

    edited = sc.post(
        url + "/edit",
        [
            ("version", version),
            ("name", "北町ゴミ出し隊（火・金）"),
            ("service_type", "visit_b"),
            ("categories", "garbage"),
            ("area_codes", "north"),
            ("weekdays", "tue"),
            ("weekdays", "fri"),
        ],
    )
    assert edited.status == 303
    detail = sc.follow(edited)
    assert "北町ゴミ出し隊（火・金）" in detail
    assert "火、金" in detail

    stale = sc.post(
        url + "/edit",
        [
            ("version", version),
            ("name", "古い版"),
            ("service_type", "visit_b"),
            ("categories", "garbage"),
            ("area_codes", "north"),
        ],
    )
    assert stale.status == 412
    assert "他の人がこの資源を変更しました" in stale
    assert 'value="古い版"' in stale.html


def test_a_resource_form_without_categories_is_answered_next_to_the_field(ui: Api) -> None:
    sc = signed_in(ui.app, "coordinator")
    sc.get("/resources/new")
    page = sc.post("/resources/new", [("name", "名前だけ"), ("capacity", "-1")])

    assert page.status == 422
    assert 'id="categories-error"' in page.html
    assert "0 以上で入力してください。" in page
    assert 'value="名前だけ"' in page.html


def test_care_managers_may_not_register_resources(ui: Api) -> None:
    assert signed_in(ui.app, "care_manager").get("/resources/new").status == 403


def test_capacity_below_enrolment_is_refused_with_a_message(ui: Api) -> None:
    resource = new_resource(ui, capacity=2)
    need_in(ui, "matched", resource=resource)
    sc = signed_in(ui.app, "coordinator")
    page = sc.get(f"/resources/{resource['id']}")
    version = re.search(r'name="version" value="(\d+)"', page.html).group(1)  # type: ignore[union-attr]

    refused = sc.post(
        f"/resources/{resource['id']}/capacity",
        {"version": version, "capacity": "0", "reason": "縮小"},
    )

    assert refused.status == 409
    assert "定員を利用中の人数より少なくはできません。" in refused


# -- dashboard ------------------------------------------------------------------------------


def test_the_dashboard_draws_every_chart_with_its_table(ui: Api) -> None:
    page = signed_in(ui.app, "supervisor").get("/dashboard")

    assert page.status == 200
    for chart in ("pipeline", "monthly", "match-time", "unmet", "area-category", "outcomes"):
        assert f'<svg class="chart" id="chart-{chart}"' in page.html
    assert page.html.count('role="img"') == 4
    assert page.html.count('role="group"') >= 2  # the heat maps: groups of links to the board
    assert page.html.count("<table>") == 6
    assert "<script" not in page.html


@pytest.mark.parametrize(
    "name", ["pipeline", "monthly", "match_time", "unmet", "area_category", "outcomes"]
)
def test_every_chart_downloads_as_csv(ui: Api, name: str) -> None:
    browser = signed_in(ui.app, "supervisor")
    response = browser.client.get(f"/dashboard/{name}.csv", headers=browser.headers)

    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    text = response.get_data().decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert len(rows[0]) >= 2


def test_the_dashboard_counts_follow_the_needs(fresh_ui: Api) -> None:
    browser = signed_in(fresh_ui.app, "supervisor")

    def pipeline() -> dict[str, int]:
        response = browser.client.get("/dashboard/pipeline.csv", headers=browser.headers)
        rows = csv.reader(io.StringIO(response.get_data().decode("utf-8").lstrip("\ufeff")))
        return {row[0]: int(row[1]) for row in list(rows)[1:]}

    assert pipeline()["受付"] == 0
    need = need_in(fresh_ui, "raised")
    assert pipeline()["受付"] == 1
    step(fresh_ui, need, "close", {"outcome": "withdrawn", "reason": "辞退"}, "care_manager")
    assert pipeline() == {**pipeline(), "受付": 0, "終結": 1}


def test_the_dashboard_is_not_for_care_managers(ui: Api) -> None:
    assert signed_in(ui.app, "care_manager").get("/dashboard").status == 403


# -- audit ----------------------------------------------------------------------------------


def test_the_audit_log_filters_by_record_type_and_actor(ui: Api) -> None:
    need = need_in(ui, "matching")
    auditor = signed_in(ui.app, "auditor")

    by_need = auditor.get("/audit", aggregate=need["id"])
    assert "該当する出来事：2 件" in by_need
    assert "ニーズの受付" in by_need
    assert "担当コーディネーターの決定" in by_need

    assigned = auditor.get("/audit", aggregate=need["id"], type="Need.CoordinatorAssigned")
    assert "該当する出来事：1 件" in assigned

    by_cm = auditor.get("/audit", aggregate=need["id"], actor="cm")
    assert "該当する出来事：1 件" in by_cm


def test_the_audit_log_filters_by_date_range(ui: Api) -> None:
    with recorded_at(datetime(2025, 4, 1, 3, 0, tzinfo=UTC)):
        need = need_in(ui, "raised")
    auditor = signed_in(ui.app, "auditor")

    inside = auditor.get("/audit", aggregate=need["id"], since="2025-04-01", until="2025-04-01")
    outside = auditor.get("/audit", aggregate=need["id"], since="2025-04-02")

    assert "該当する出来事：1 件" in inside
    assert "該当する出来事：0 件" in outside


def test_bad_audit_filters_come_back_with_messages(ui: Api) -> None:
    page = signed_in(ui.app, "auditor").get(
        "/audit", since="2026-13-40", aggregate="not-an-id", type="Nope.Nothing"
    )

    assert page.status == 422
    assert "2026-11-27 のように日付を入力してください。" in page
    assert 'id="aggregate-error"' in page.html


def test_replay_shows_the_need_as_it_was_and_which_event_set_each_field(ui: Api) -> None:
    start = datetime.now(UTC) - timedelta(days=20)
    with recorded_at(start):
        need = need_in(ui, "raised")
    with recorded_at(start + timedelta(days=10)):
        need = step(ui, need, "assign", {"coordinator": "sc"}, "coordinator")
    auditor = signed_in(ui.app, "auditor")

    now = auditor.get(f"/audit/needs/{need['id']}")
    earlier = auditor.get(
        f"/audit/needs/{need['id']}",
        as_of=(start + timedelta(days=5)).astimezone().isoformat(),
    )

    assert re.search(r'data-field="status">\s*マッチング中', now.html)
    assert re.search(r'data-field="status">\s*受付', earlier.html)
    status_row = re.search(r'data-field="status">.*?</tr>', earlier.html, re.S).group(0)  # type: ignore[union-attr]
    assert "ニーズの受付" in status_row
    assert earlier.html.count('class="event later"') == 1
    assert '<button type="submit" class="primary">' not in earlier.html


def test_replay_before_the_need_existed_says_so(ui: Api) -> None:
    need = need_in(ui, "raised")
    page = signed_in(ui.app, "auditor").get(f"/audit/needs/{need['id']}", as_of="2000-01-01T00:00")

    assert "この時点では、このニーズはまだ登録されていませんでした。" in page


def test_care_managers_do_not_see_the_audit_log(ui: Api) -> None:
    assert signed_in(ui.app, "care_manager").get("/audit").status == 403


# -- administration -------------------------------------------------------------------------


def test_an_administrator_creates_a_user_and_changes_their_roles(ui: Api) -> None:
    username = unique("u")
    admin = signed_in(ui.app, "admin")
    admin.get("/admin/users/new")
    created = admin.post(
        "/admin/users/new",
        [
            ("username", username),
            ("display_name", "新しい担当者"),
            ("password", "long enough secret"),
            ("roles", "coordinator"),
        ],
    )
    assert created.status == 303

    admin.get(created.location)
    granted = admin.post(
        f"/admin/users/{username}/grant",
        {"version": "2", "role": "supervisor", "reason": "担当替え"},
    )
    assert granted.status == 303
    page = admin.follow(granted)
    assert "市町村担当課" in page
    assert username in admin.get("/admin/users")

    stale = admin.post(
        f"/admin/users/{username}/revoke",
        {"version": "2", "role": "coordinator", "reason": "担当替え"},
    )
    assert stale.status == 412


def test_a_bad_user_form_is_answered_per_field(ui: Api) -> None:
    admin = signed_in(ui.app, "admin")
    admin.get("/admin/users/new")
    page = admin.post(
        "/admin/users/new",
        [("username", "Bad Name"), ("password", "short"), ("roles", "care_manager")],
    )

    assert page.status == 422
    assert "12文字以上にしてください。" in page
    assert 'id="roles-error"' not in page.html
    assert 'id="center-error"' in page.html  # a care manager needs a center
    assert 'value="Bad Name"' in page.html


def test_an_administrator_adds_areas_and_centers(ui: Api) -> None:
    admin = signed_in(ui.app, "admin")
    code = unique("a")
    admin.get("/admin/areas")
    assert admin.post("/admin/areas", {"code": code, "name": "東地区"}).status == 303
    assert admin.post("/admin/areas", {"code": code, "name": "東地区"}).status == 422

    admin.get("/admin/centers")
    center = unique("c")
    page = admin.post(
        "/admin/centers", [("code", center), ("name", "東センター"), ("area_codes", code)]
    )
    assert page.status == 303
    assert "東センター" in admin.follow(page)


def test_other_roles_do_not_see_administration(ui: Api) -> None:
    sc = signed_in(ui.app, "coordinator")

    assert sc.get("/admin/users").status == 403
    assert sc.post("/admin/areas", {"code": unique("a"), "name": "x"}).status == 403
    assert "管理" not in sc.get("/home").text.split("ログアウト")[1].split("つなぐ：")[0]


# -- errors ---------------------------------------------------------------------------------


def test_unknown_pages_are_html_but_unknown_api_paths_stay_problem_json(ui: Api) -> None:
    page = signed_in(ui.app, "coordinator").get("/no/such/page")
    api = ui.client.get("/api/v1/no/such/thing")

    assert page.status == 404
    assert page.response.mimetype == "text/html"
    assert "見つかりません" in page
    assert api.status_code == 404
    assert api.mimetype == "application/problem+json"


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/needs/new", {"client": "x" * 5000, "category": "\x00"}),
        ("/clients/new", {"birth_date": "1940-02-30", "area": "?", "center": "%"}),
        ("/resources/new", {"capacity": "9" * 40, "organization_id": "zzz"}),
        ("/admin/users/new", {"username": "\x07", "roles": "emperor"}),
        ("/language", {"language": "klingon", "next": "https://evil.example"}),
    ],
)
def test_garbage_in_forms_never_gives_a_server_error(
    ui: Api, path: str, data: dict[str, str]
) -> None:
    who = "admin" if "admin" in path or "resources" in path else "coordinator"
    browser = signed_in(ui.app, who)
    browser.get("/home" if who == "coordinator" else "/admin/users")

    page = browser.post(path, data)

    assert page.status < 500, page.text[:500]
    assert not page.location.startswith("https://evil")


def test_a_signed_out_visitor_is_sent_to_sign_in_not_an_error(ui: Api) -> None:
    page = Browser(ui.app).get("/dashboard")

    assert page.status == 303
    assert "/sign-in" in page.location


# -- views ------------------------------------------------------------------------------------


def test_the_admin_sees_every_view_current(fresh_ui: Api) -> None:
    page = signed_in(fresh_ui.app, "admin").get("/admin/views")

    assert page.status == 200
    for name in fresh_ui.container.projections.names:
        assert name in page
    assert "停止" not in page.text


def test_a_view_stopped_on_an_event_is_shown_with_the_event_and_what_to_do(
    fresh_ui: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    from infrastructure.views.board import CaseBoardView

    def broken(self: object, conn: object, event: object, position: int) -> None:
        raise RuntimeError("the case board cannot take this need")

    monkeypatch.setattr(CaseBoardView, "_raised", broken)
    need = new_need(fresh_ui)

    page = signed_in(fresh_ui.app, "admin").get("/admin/views")

    assert "停止" in page.text
    assert "Need.Raised" in page.text or "Raised" in page.text
    assert str(need["position"]) in page.text
    assert "tsunagu projections retry" in page.text
    assert "the case board cannot take this need" in page.html
