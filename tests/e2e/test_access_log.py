"""The read-access log over HTTP, on SQLite and PostgreSQL: each API read of personal
data leaves an entry with the endpoint and the caller's X-Purpose; auditors search it
with a cursor and export it as CSV; others may not; a read that cannot be logged is
refused with 503."""

from __future__ import annotations

import csv
import io
from typing import Any
from urllib.parse import quote

import pytest

from tests.e2e.support import Api, assert_ok, assert_problem, new_client, new_need


def _entries(api: Api, **query: Any) -> list[dict[str, Any]]:
    page = assert_ok(api.get("/audit/access", "auditor", {"limit": 1000, **query}))
    entries: list[dict[str, Any]] = page["entries"]
    return entries


def _read(api: Api, path: str, who: str, purpose: str | None = None) -> Any:
    extra = {"X-Purpose": quote(purpose)} if purpose is not None else {}
    return api.client.get(f"/api/v1{path}", headers=api.headers(who, extra=extra))


def test_reading_a_client_logs_who_through_which_endpoint_and_why(api: Api) -> None:
    client = new_client(api)

    assert_ok(_read(api, f"/clients/{client['id']}", "coordinator", "訪問前の確認"))

    [entry] = _entries(api, client_id=client["id"])
    assert entry["actor"] == "sc"
    assert entry["what"] == "client"
    assert entry["via"] == "api:get_client"
    assert entry["purpose"] == "訪問前の確認"
    assert entry["need_id"] is None
    assert len(entry["hash"]) == 64
    assert "山田" not in str(entry)


def test_a_client_read_without_personal_data_is_not_logged(api: Api) -> None:
    client = new_client(api)

    body = assert_ok(_read(api, f"/clients/{client['id']}", "supervisor"))

    assert "name" not in body
    assert _entries(api, client_id=client["id"]) == []


@pytest.mark.parametrize(
    ("path", "via", "what"),
    [
        ("/needs/{id}", "api:get_need", "need"),
        ("/needs/{id}/history", "api:need_history", "need_history"),
    ],
)
def test_reading_a_need_logs_its_client_and_need(api: Api, path: str, via: str, what: str) -> None:
    need = new_need(api)

    assert_ok(_read(api, path.format(id=need["id"]), "auditor"))

    [entry] = _entries(api, client_id=need["client_id"])
    assert (entry["via"], entry["what"], entry["need_id"], entry["purpose"]) == (
        via,
        what,
        need["id"],
        None,
    )


def test_the_log_is_searched_by_reader_and_read_with_a_cursor(api: Api) -> None:
    client = new_client(api)
    for who in ("coordinator", "care_manager", "coordinator"):
        assert_ok(_read(api, f"/clients/{client['id']}", who))

    by_sc = _entries(api, client_id=client["id"], actor="sc")
    first = assert_ok(api.get("/audit/access", "auditor", {"client_id": client["id"], "limit": 2}))
    rest = assert_ok(
        api.get(
            "/audit/access",
            "auditor",
            {"client_id": client["id"], "limit": 2, "after": first["next_after"]},
        )
    )

    assert [e["actor"] for e in by_sc] == ["sc", "sc"]
    assert [e["actor"] for e in first["entries"] + rest["entries"]] == ["sc", "cm", "sc"]
    assert rest["next_after"] == rest["entries"][-1]["seq"]


def test_the_log_is_exported_as_csv(api: Api) -> None:
    client = new_client(api)
    assert_ok(_read(api, f"/clients/{client['id']}", "admin", "開示請求への回答"))

    response = api.get("/audit/access", "auditor", {"client_id": client["id"], "format": "csv"})

    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert [(r["actor"], r["via"], r["purpose"]) for r in rows] == [
        ("root", "api:get_client", "開示請求への回答")
    ]


@pytest.mark.parametrize("who", ["care_manager", "coordinator"])
def test_only_auditors_supervisors_and_admins_read_the_log(api: Api, who: str) -> None:
    assert_problem(api.get("/audit/access", who), 403)


@pytest.mark.parametrize("purpose", ["%FF%FE", "x" * 201, "%0A"])
def test_a_malformed_purpose_is_refused(api: Api, purpose: str) -> None:
    client = new_client(api)

    response = api.client.get(
        f"/api/v1/clients/{client['id']}",
        headers=api.headers("coordinator", extra={"X-Purpose": purpose}),
    )

    assert assert_problem(response, 400)["type"].endswith("bad-purpose")
    assert _entries(api, client_id=client["id"]) == []


def test_a_read_the_log_cannot_record_is_refused(fresh_api: Api) -> None:
    client = new_client(fresh_api)
    with fresh_api.container.projections.writer.begin() as conn:
        conn.exec_driver_sql("ALTER TABLE access_log RENAME TO access_log_gone")

    response = _read(fresh_api, f"/clients/{client['id']}", "coordinator")

    body = assert_problem(response, 503)
    assert body["type"].endswith("access_log.unavailable")
    assert "name" not in body
    assert "山田" not in response.get_data(as_text=True)
