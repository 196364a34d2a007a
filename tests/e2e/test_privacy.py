"""Personal data: sealed per client in the event store, erased for good on request.

Each test runs on its own database (``fresh_api``) so that scanning every table
(and, on SQLite, the file) sees only what the test wrote.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from secrets import token_hex
from typing import Any
from uuid import UUID, uuid4

import psycopg
import sqlalchemy as sa

from application.security import SYSTEM_ACTOR, Actor
from domain.values import Role, UserId
from infrastructure.views.schema import audit_log
from interfaces.bootstrap import bootstrap
from tests.conftest import POSTGRES_URL
from tests.e2e.support import (
    Api,
    assert_aggregate,
    assert_ok,
    assert_problem,
    new_client,
    new_need,
    step,
)


def _secrets() -> dict[str, str]:
    tag = token_hex(6)
    return {
        "name": f"消去対象 花子{tag}",
        # the tag in katakana (a kana may hold nothing else): one letter per hex digit
        "name_kana": "ショウキョ ハナコ"
        + "".join("アイウエオカキクケコサシスセソタ"[int(d, 16)] for d in tag),
        "address": f"北町9-9-9 {tag}号",
        "phone": f"090-{tag[:4]}-{tag[4:8]}",
        "description": f"一人暮らしで買い物が難しい{tag}",
        "goal": f"自分で食材を選ぶ生活{tag}",
        "pause_reason": f"入院のため{tag}",
        "close_reason": f"施設に入所{tag}",
    }


def _client_and_need(api: Api, values: dict[str, str]) -> tuple[dict[str, Any], dict[str, Any]]:
    client = new_client(
        api,
        name=values["name"],
        name_kana=values["name_kana"],
        address=values["address"],
        phone=values["phone"],
        birth_date="1931-02-17",
    )
    response = api.post(
        "/needs",
        {
            "client_id": client["id"],
            "category": "shopping",
            "description": values["description"],
            "goal": values["goal"],
            "urgency": "normal",
        },
        "care_manager",
        key=f"privacy-{client['id']}",
    )
    need = assert_ok(response, 201)
    need = step(api, need, "pause", {"reason": values["pause_reason"]}, "care_manager")
    need = step(
        api,
        need,
        "close",
        {"outcome": "hospitalised_or_admitted", "reason": values["close_reason"]},
        "care_manager",
    )
    api.container.store.take_snapshot(UUID(need["id"]))  # snapshots hold the free text too
    return client, need


def _erase(api: Api, client: dict[str, Any], who: str = "admin", **body: Any) -> Any:
    return api.post(
        f"/clients/{client['id']}/erase",
        body or {"reason": "保存期間の満了"},
        who,
        if_match=client["version"],
    )


def _table_texts(api: Api) -> dict[str, str]:
    """Every table's rows as text (bytes also as hex), by table name."""
    database = api.container.database
    texts: dict[str, str] = {}
    if api.backend == "sqlite":
        with sqlite3.connect(database.path) as conn:
            names = [
                r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            ]
            for name in names:
                parts = []
                for row in conn.execute(f'SELECT * FROM "{name}"'):  # noqa: S608 - our own names
                    for value in row:
                        if isinstance(value, bytes):
                            parts += [value.decode("utf-8", "replace"), value.hex()]
                        else:
                            parts.append(str(value))
                texts[name] = "\n".join(parts)
        return texts
    assert database.schema is not None
    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        names = [
            r[0]
            for r in conn.execute(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = %s AND table_type = 'BASE TABLE'",
                (database.schema,),
            )
        ]
        for name in names:
            query = f'SELECT t::text FROM "{database.schema}"."{name}" t'  # noqa: S608
            rows = conn.execute(query).fetchall()
            texts[name] = "\n".join(r[0] for r in rows)
    return texts


def _found(texts: dict[str, str], values: dict[str, str]) -> list[tuple[str, str]]:
    found = []
    for table, text in texts.items():
        for field, value in values.items():
            hexed = value.encode().hex()
            if value in text or hexed in text or hexed in text.replace("\\x", ""):
                found.append((table, field))
    return found


def test_personal_data_and_free_text_are_stored_encrypted(fresh_api: Api) -> None:
    values = _secrets()
    _client_and_need(fresh_api, values)

    stored = fresh_api.container.store.recorder.select_notifications(start=1, limit=100_000)
    states = b"\n".join(n.state for n in stored)
    for field, value in values.items():
        assert value.encode() not in states, f"{field} is stored in plain text"
    assert b"1931-02-17" not in states
    snapshots = {t: text for t, text in _table_texts(fresh_api).items() if "snapshot" in t}
    assert snapshots, "a snapshot table is scanned"
    assert _found(snapshots, {"category": "shopping"}), "the need's snapshot is there"
    assert _found(snapshots, values) == []


def test_erasure_leaves_no_plaintext_in_any_table_nor_in_the_file(fresh_api: Api) -> None:
    values = _secrets()
    client, _need = _client_and_need(fresh_api, values)
    # Until erasure the client card serves the name, the audit log the reasons, and
    # the need's answer is kept for Idempotency-Key retries: the scan must see them.
    before = {table for table, _field in _found(_table_texts(fresh_api), values)}
    assert {"idempotent_requests"} <= before
    assert any(t.startswith("client_directory") for t in before)
    assert any(t.startswith("audit_log") for t in before)

    erased = assert_aggregate(_erase(fresh_api, client))

    assert erased["erased"] is True
    assert "name" not in erased
    assert _found(_table_texts(fresh_api), values) == []
    if fresh_api.backend == "sqlite":
        path = Path(fresh_api.container.database.path)
        content = b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())
        for field, value in values.items():
            assert value.encode() not in content, f"{field} remains in the SQLite file"
        assert b"1931-02-17" not in content


def _figures(dashboard: dict[str, Any]) -> dict[str, Any]:
    """The dashboard's counts, without the view's log position (the erasure is an event)."""
    return {k: v for k, v in dashboard.items() if k not in ("position", "stale")}


def test_an_erased_clients_history_still_loads_with_its_fields_marked_erased(
    fresh_api: Api,
) -> None:
    values = _secrets()
    client, need = _client_and_need(fresh_api, values)
    dashboard = _figures(assert_ok(fresh_api.get("/dashboard", "supervisor")))
    today = datetime.now(UTC)  # any fiscal year will do: it is compared with itself
    year = {"fiscal_year": today.year if today.month >= 4 else today.year - 1}
    logic = assert_ok(fresh_api.get("/reports/logic-model", "supervisor", year))

    assert_aggregate(_erase(fresh_api, client))

    shown = assert_ok(fresh_api.get(f"/clients/{client['id']}", "care_manager"))
    assert shown["erased"] is True
    assert not {"name", "name_kana", "birth_date", "address", "phone"} & shown.keys()
    read = assert_ok(fresh_api.get(f"/needs/{need['id']}", "auditor"))
    assert read["description"] == "[erased]"
    assert read["goal"] == "[erased]"
    history = assert_ok(fresh_api.get(f"/needs/{need['id']}/history", "auditor"))
    text = str(history)
    assert "[erased]" in text
    assert all(value not in text for value in values.values())
    audit = [e for e in fresh_api.audit_log() if e["aggregate_id"] == need["id"]]
    assert {e["reason"] for e in audit if e["reason"]} == {"[erased]"}
    # Counts do not depend on who the client is.
    assert _figures(assert_ok(fresh_api.get("/dashboard", "supervisor"))) == dashboard
    assert assert_ok(fresh_api.get("/reports/logic-model", "supervisor", year)) == logic


def test_the_views_rebuilt_from_the_log_know_only_that_the_client_was_erased(
    fresh_api: Api,
) -> None:
    values = _secrets()
    client, _need = _client_and_need(fresh_api, values)
    assert_aggregate(_erase(fresh_api, client))

    projections = fresh_api.container.projections
    for name in projections.names:
        projections.rebuild(name)

    assert _found(_table_texts(fresh_api), values) == []
    shown = assert_ok(fresh_api.get(f"/clients/{client['id']}", "admin"))
    assert shown["erased"] is True


def test_only_an_administrator_erases_with_a_reason_and_only_once(fresh_api: Api) -> None:
    client = new_client(fresh_api)
    new_need(fresh_api, client)

    for role in ("care_manager", "coordinator", "supervisor", "auditor"):
        assert_problem(_erase(fresh_api, client, role), 403)
    problem = assert_problem(
        fresh_api.post(f"/clients/{client['id']}/erase", {}, "admin", if_match=client["version"]),
        422,
    )
    assert "reason" in str(problem)
    erased = assert_aggregate(_erase(fresh_api, client))
    problem = assert_problem(_erase(fresh_api, erased), 409)
    assert problem["type"].endswith("client.already_erased")


def test_nothing_more_is_recorded_for_the_needs_of_an_erased_client(fresh_api: Api) -> None:
    client = new_client(fresh_api)
    need = new_need(fresh_api, client)
    assert_aggregate(_erase(fresh_api, client))

    response = fresh_api.post(
        f"/needs/{need['id']}/pause",
        {"reason": "入院"},
        "care_manager",
        if_match=need["version"],
    )
    assert assert_problem(response, 409)["type"].endswith("client.erased")


def test_search_finds_a_client_by_the_start_of_the_kana_or_name_only_until_erased(
    fresh_api: Api,
) -> None:
    values = _secrets()
    client, _need = _client_and_need(fresh_api, values)
    directory = fresh_api.container.services.clients

    family, given = values["name_kana"].split(" ")
    for text in (family[:3], given, "しょうきょ", values["name"][:3]):
        assert [c.id for c in directory.search(text, SYSTEM_ACTOR)] == [UUID(client["id"])], text
    assert directory.search(given[2:], SYSTEM_ACTOR) == []  # prefixes, not substrings

    assert_aggregate(_erase(fresh_api, client))

    assert directory.search(family[:3], SYSTEM_ACTOR) == []


def test_a_new_process_rebuilds_the_views_from_sealed_events(fresh_api: Api) -> None:
    values = _secrets()
    client, need = _client_and_need(fresh_api, values)
    # A process of its own: no key cached, as the projection worker after a restart.
    other = bootstrap(fresh_api.container.settings)
    try:
        for name in ("client_directory", "audit_log"):
            other.projections.rebuild(name)
        failing = {s.name for s in other.projections.status() if s.failed_position is not None}
        assert failing == set()
        card = other.services.clients.card(UUID(client["id"]), SYSTEM_ACTOR)
        assert card.personal is not None
        assert card.personal.name == values["name"]
        with other.projections.reader.connect() as conn:
            reasons = set(
                conn.execute(
                    sa.select(audit_log.c.reason).where(
                        audit_log.c.aggregate_id == UUID(need["id"])
                    )
                ).scalars()
            )
        assert values["close_reason"] in reasons
    finally:
        other.close()


def test_a_changed_address_is_sealed_and_erased_like_the_registered_one(fresh_api: Api) -> None:
    values = _secrets()
    client, _need = _client_and_need(fresh_api, values)
    moved = {"address": f"南町1-1-1 {values['address']}", "phone": "080-0000-1111"}
    actor = Actor(
        UserId(uuid4()), "contact-test", frozenset({Role.CARE_MANAGER}), client["center_code"]
    )
    changed = fresh_api.container.services.clients.change_contact(
        UUID(client["id"]), moved["address"], moved["phone"], "転居", client["version"], actor
    )

    stored = fresh_api.container.store.recorder.select_notifications(start=1, limit=100_000)
    states = b"\n".join(n.state for n in stored)
    assert moved["address"].encode() not in states, "the new address is stored in plain text"
    assert "転居".encode() not in states, "the reason is stored in plain text"
    shown = assert_ok(fresh_api.get(f"/clients/{client['id']}", "care_manager"))
    assert shown["address"] == moved["address"]

    assert_aggregate(_erase(fresh_api, {**client, "version": changed.version}))

    assert _found(_table_texts(fresh_api), {**values, **moved}) == []


def test_events_decoded_together_read_as_each_decoded_alone(fresh_api: Api) -> None:
    """Views decode a batch at once (the clients' keys looked up together): the events
    are the same as decoded one by one, an erased client's fields erased in both."""
    kept, _ = _client_and_need(fresh_api, _secrets())
    gone, _ = _client_and_need(fresh_api, _secrets())
    assert_aggregate(_erase(fresh_api, gone))
    store = fresh_api.container.store
    stored = store.recorder.select_notifications(start=1, limit=10_000)
    mapper = store.mapper
    together = mapper.to_domain_events(stored)
    alone = [mapper.to_domain_event(n) for n in stored]

    assert [vars(e) for e in together] == [vars(e) for e in alone]
    registered = {e.originator_id: e.personal for e in together if hasattr(e, "personal")}
    assert registered[UUID(kept["id"])].name == kept["name"]
    assert registered[UUID(gone["id"])] is None  # erased
