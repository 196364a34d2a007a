"""Administrators edit areas and support centers on their screens, as events:
rename an area (Area.Renamed), rename a center and change its areas
(SupportCenter.Renamed, SupportCenter.AreasChanged)."""

from __future__ import annotations

import re

from tests.e2e.support import Api, unique
from tests.ui.support import signed_in


def _version(html: str, action: str) -> str:
    match = re.search(
        rf'action="{re.escape(action)}"[^>]*>\s*<input[^>]*csrf_token[^>]*>\s*'
        r'<input type="hidden" name="version" value="(\d+)"',
        html,
    )
    assert match, f"no form {action}"
    return match.group(1)


def test_an_administrator_renames_an_area(ui: Api) -> None:
    code = unique("a")
    assert ui.post("/areas", {"code": code, "name": "旧名地区"}, "admin").status_code == 201
    admin = signed_in(ui.app, "admin")
    page = admin.get("/admin/areas")
    action = f"/admin/areas/{code}/rename"

    done = admin.post(action, {"version": _version(page.html, action), "name": "新名地区"})

    assert done.status == 303
    assert "新名地区" in admin.follow(done)
    names = {a["code"]: a["name"] for a in ui.get("/areas", "admin").get_json()["items"]}
    assert names[code] == "新名地区"
    log = [e for e in ui.audit_log() if e.get("type", "").endswith("Renamed")]
    assert log


def test_an_administrator_renames_a_center_and_changes_its_areas(ui: Api) -> None:
    code, extra = unique("c"), unique("a")
    assert ui.post("/areas", {"code": extra, "name": "追加地区"}, "admin").status_code == 201
    body = {"code": code, "name": "旧センター", "area_codes": ["north"]}
    assert ui.post("/centers", body, "admin").status_code == 201
    admin = signed_in(ui.app, "admin")
    page = admin.get("/admin/centers")
    action = f"/admin/centers/{code}/change"

    done = admin.post(
        action,
        [
            ("version", _version(page.html, action)),
            ("name", "新センター"),
            ("area_codes", "north"),
            ("area_codes", extra),
        ],
    )

    assert done.status == 303
    center = next(c for c in ui.get("/centers", "admin").get_json()["items"] if c["code"] == code)
    assert center["name"] == "新センター"
    assert center["area_codes"] == ["north", extra]


def test_a_center_without_areas_is_refused_next_to_the_field(ui: Api) -> None:
    code = unique("c")
    body = {"code": code, "name": "圏域必須センター", "area_codes": ["north"]}
    assert ui.post("/centers", body, "admin").status_code == 201
    admin = signed_in(ui.app, "admin")
    page = admin.get("/admin/centers")
    action = f"/admin/centers/{code}/change"

    refused = admin.post(action, {"version": _version(page.html, action), "name": "名前だけ"})

    assert refused.status == 422
    assert f'id="center-{code}-areas-error"' in refused.html


def test_only_administrators_edit_areas(ui: Api) -> None:
    page = signed_in(ui.app, "coordinator").post("/admin/areas/north/rename", {"name": "x"})

    assert page.status == 403
