"""What a released tsunagu showed its users, read so that later code can be held to it.

Stored data is a contract: a database written by an old release must keep
loading, and must keep showing the same needs, resources and figures, after
every change to the code. ``tests/fixtures/releases/<version>/`` holds a
database written by a release and the figures that release showed from it
(``figures.json``); ``tests/integration/test_release_fixtures.py`` opens the
database with the code of today, rebuilds every view from the event log and
compares what the API shows now with those figures.

Everything here reads through the JSON API only (``/api/v1``, bearer tokens
from ``POST /api/v1/auth/token``): the HTTP contract is the one interface that
stays put while the application's internals move, so this module must keep
working unchanged against future code. Its only imports from the application
are, on purpose:

- ``interfaces.bootstrap.Settings`` (:func:`settings_for`) and the
  ``Container`` that ``interfaces.bootstrap.bootstrap`` returns, used through
  ``.projections.names`` and ``.projections.rebuild(name)`` only
  (:func:`rebuild_views`); the callers bootstrap, serve the container with
  ``interfaces.web.create_app(container=...)`` and close it.

What is captured is what *the stored data* determines. Fields that depend on
when or how often one reads (positions of the log head, freshness flags,
"recent" windows counted back from today) are dropped where they are read,
each with the reason next to it. Lists whose order is a presentation choice
of a view (and may differ between SQLite and PostgreSQL collations) are
sorted by a stable key; lists whose order is part of the contract (a need's
history, the audit log, a ranking of candidates, a council's meetings) are
kept as the API gives them.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from flask.testing import FlaskClient

from interfaces.bootstrap import Container, Settings

API = "/api/v1"

JST = timezone(timedelta(hours=9), "JST")
"""Fiscal years (April to March) are counted in Japan time, like the logic model does."""

READER_ROLES = ("admin", "auditor", "coordinator", "supervisor")
"""The roles :func:`capture_figures` signs in as: each read uses the role whose work it is."""

PAGE_SIZE = 50
"""Rows per page of ``GET /needs`` (its default): several pages, so that paging is read too."""

AUDIT_PAGE_SIZE = 1000
"""The largest page ``GET /audit/events`` serves."""

Figures = dict[str, Any]
Passwords = Mapping[str, tuple[str, str]]
"""Role -> (username, password) of the accounts to read with (see :data:`READER_ROLES`)."""


# -- opening a database with the code of today ---------------------------------------------------


def settings_for(database_url: str, db_schema: str | None = None) -> Settings:
    """Settings of a test instance on ``database_url`` (no demo, cheap password hashing).

    Passwords stored by a release keep their own Argon2 parameters, so cheap
    hashing here only speeds up the hashing of new passwords; verification is
    the same.
    """
    return Settings(
        database_url=database_url,
        db_schema=db_schema,
        secret_key="release-fixture",
        demo=False,
        fast_passwords=True,
    )


def rebuild_views(container: Container) -> None:
    """Empty every view and replay the whole event log into it.

    The release's own view tables are in the fixture too; rebuilding proves
    that today's views can be made from the stored events alone.
    """
    for name in container.projections.names:
        container.projections.rebuild(name)


# -- capturing ---------------------------------------------------------------------------------


class _Reader:
    """GETs over the API as one of several signed-in accounts; anything but 200 fails."""

    def __init__(self, client: FlaskClient, passwords: Passwords) -> None:
        missing = [role for role in READER_ROLES if role not in passwords]
        if missing:
            raise ValueError(f"capture_figures needs accounts for the roles {missing}")
        self.client = client
        self.tokens: dict[str, str] = {}
        for role in READER_ROLES:
            username, password = passwords[role]
            response = client.post(
                f"{API}/auth/token", json={"username": username, "password": password}
            )
            if response.status_code != 200:
                raise AssertionError(
                    f"signing in {username!r} ({role}) answered {response.status_code}: "
                    f"{response.get_data(as_text=True)[:300]}"
                )
            self.tokens[role] = response.get_json()["token"]

    def get(self, role: str, path: str, **query: Any) -> Any:
        response = self.client.get(
            API + path,
            query_string=query,
            headers={"Authorization": f"Bearer {self.tokens[role]}"},
        )
        if response.status_code != 200:
            raise AssertionError(
                f"GET {path} {query or ''} as {role} answered {response.status_code}: "
                f"{response.get_data(as_text=True)[:500]}"
            )
        return response.get_json()


def _without(item: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {k: v for k, v in item.items() if k not in keys}


def _aggregate(item: dict[str, Any]) -> dict[str, Any]:
    """An aggregate as the API shows it, without ``position``.

    On an aggregate, ``position`` is "a log position at or after this state":
    the log's head at the moment of reading (or the view's position), which
    moves whenever anything at all is written. It says when one read, not
    what is stored.
    """
    return _without(item, "position")


def _by(key: str) -> Callable[[dict[str, Any]], Any]:
    return lambda item: item[key]


def _keyed(items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Rows of a list keyed by their id: the list's order is the view's choice, and a
    difference then names the row (``$["needs"]["rows"]["<id>"]``), not an index."""
    return {item["id"]: item for item in items}


def _fiscal_year(timestamp: str) -> int:
    moment = datetime.fromisoformat(timestamp).astimezone(JST)
    return moment.year if moment.month >= 4 else moment.year - 1


def capture_figures(client: FlaskClient, passwords: Passwords) -> Figures:
    """Everything a user of the release could see that a rebuild must reproduce.

    ``client`` is a Flask test client of the app on the database; ``passwords``
    maps each role of :data:`READER_ROLES` to (username, password). Only GETs
    are sent (and the token exchange, which writes no event), so capturing
    changes nothing in the event log.
    """
    reader = _Reader(client, passwords)
    get = reader.get
    figures: Figures = {
        "readers": {
            role: {"username": passwords[role][0], "password": passwords[role][1]}
            for role in READER_ROLES
        }
    }

    # Reference data and accounts (users are administrators' to read).
    areas = get("admin", "/areas")["items"]
    figures["areas"] = sorted((_aggregate(a) for a in areas), key=_by("code"))
    centers = get("admin", "/centers")["items"]
    figures["centers"] = sorted((_aggregate(c) for c in centers), key=_by("code"))
    users = get("admin", "/users")["items"]
    figures["users"] = sorted((_aggregate(u) for u in users), key=_by("username"))

    # The case board, every page; then every need, its history and its client.
    rows = _all_needs(reader)
    figures["needs"] = {"total": len(rows), "rows": _keyed(rows), "items": {}}
    for row in rows:
        need_id = row["id"]
        figures["needs"]["items"][need_id] = {
            "need": _aggregate(get("coordinator", f"/needs/{need_id}")),
            # Auditors read histories as a matter of course (and every role may).
            "history": get("auditor", f"/needs/{need_id}/history")["events"],
        }
    client_ids = sorted({row["client_id"] for row in rows})
    # Coordinators see every center's clients, with their personal fields.
    figures["clients"] = {
        client_id: _aggregate(get("coordinator", f"/clients/{client_id}"))
        for client_id in client_ids
    }

    # Matching: the ranked candidates of needs awaiting a proposal, and the
    # multi-need plans of their clients (coordinators' work).
    waiting = [r for r in rows if r["status"] in ("matching", "resource_created")]
    figures["candidates"] = {
        r["id"]: get("coordinator", f"/needs/{r['id']}/candidates") for r in waiting
    }
    figures["match_plans"] = {
        client_id: _without(
            get("coordinator", f"/clients/{client_id}/match-plan"),
            # The head of the log when the plan was computed: when, not what.
            "position",
        )
        for client_id in sorted({r["client_id"] for r in waiting if not r["paused"]})
    }

    # The directory.
    resources = get("coordinator", "/resources")["items"]
    figures["resources"] = {
        "list": _keyed([_aggregate(r) for r in resources]),
        "items": {
            r["id"]: _aggregate(get("coordinator", f"/resources/{r['id']}")) for r in resources
        },
    }
    organizations = get("coordinator", "/organizations")["items"]
    figures["organizations"] = {
        "list": _keyed([_aggregate(o) for o in organizations]),
        "items": {
            o["id"]: _aggregate(get("coordinator", f"/organizations/{o['id']}"))
            for o in organizations
        },
    }

    # Resource development and the network.
    initiatives = get("coordinator", "/initiatives")["items"]
    figures["initiatives"] = {
        "list": _keyed(initiatives),
        "items": {
            i["id"]: _aggregate(get("coordinator", f"/initiatives/{i['id']}")) for i in initiatives
        },
    }
    councils = get("coordinator", "/councils")["items"]
    figures["councils"] = {
        "list": _keyed(councils),
        "items": {
            c["id"]: {
                "council": _aggregate(get("coordinator", f"/councils/{c['id']}")),
                # Newest first by date, then by log position: the order is the API's.
                # A meeting's ``position`` is the log position of the event that
                # recorded it: a stored fact, kept.
                "meetings": get("coordinator", f"/councils/{c['id']}/meetings")["items"],
            }
            for c in councils
        },
    }
    figures["network"] = _network(get("supervisor", "/reports/network"))

    # What the municipality reads: dashboard, gaps, logic model (supervisors' work).
    figures["dashboard"] = get("supervisor", "/dashboard")
    gaps = get("supervisor", "/reports/gaps")
    figures["gaps"] = {
        # ``position`` of the report is the view's position when read: when, not what.
        "current": sorted(gaps["current"], key=lambda c: (c["area_code"], c["category"])),
        "months": sorted(gaps["months"], key=lambda m: (m["month"], m["area_code"], m["category"])),
    }

    # The audit log, every page, oldest first (its order is the log's order).
    audit = _audit_log(reader)
    figures["audit"] = {"total": len(audit), "events": audit}

    # The logic model of every fiscal year the log has events in, for the whole
    # municipality and for each area.
    years = sorted({_fiscal_year(e["timestamp"]) for e in audit})
    figures["logic_model"] = {
        str(year): {
            area or "(all)": get(
                "supervisor",
                "/reports/logic-model",
                fiscal_year=year,
                **({"area": area} if area else {}),
            )
            for area in [None, *(a["code"] for a in figures["areas"])]
        }
        for year in years
    }

    figures["counts"] = {
        "audit_events": len(audit),
        "clients": len(figures["clients"]),
        "councils": len(councils),
        "initiatives": len(initiatives),
        "needs": len(rows),
        "organizations": len(organizations),
        "resources": len(resources),
        "users": len(users),
    }
    return figures


def _all_needs(reader: _Reader) -> list[dict[str, Any]]:
    """Every row of the case board, from every page, sorted by id.

    The board's order (latest activity first) is a presentation choice; the
    rows themselves are the contract.
    """
    rows: list[dict[str, Any]] = []
    page = 1
    while True:
        body = reader.get("coordinator", "/needs", page=page, per_page=PAGE_SIZE)
        # ``position`` and ``stale`` of a page say how fresh the view was when read.
        rows.extend(body["items"])
        if not body["items"] or len(rows) >= body["total"]:
            break
        page += 1
    ids = [row["id"] for row in rows]
    if len(ids) != len(set(ids)) or len(ids) != body["total"]:
        raise AssertionError(f"the board's pages gave {len(ids)} rows for {body['total']} needs")
    return sorted(rows, key=_by("id"))


def _audit_log(reader: _Reader) -> list[dict[str, Any]]:
    """Every audit entry, oldest first.

    An entry's ``position`` is the log position of its event (a stored fact,
    kept). The page's ``next_after`` only says where the next page starts.
    """
    entries: list[dict[str, Any]] = []
    after = 0
    while True:
        page = reader.get("auditor", "/audit/events", after=after, limit=AUDIT_PAGE_SIZE)
        if not page["events"]:
            return entries
        entries.extend(page["events"])
        after = page["next_after"]


def _network(overview: dict[str, Any]) -> dict[str, Any]:
    """The network overview without what depends on the day it is read.

    ``since`` is today minus 90 days; ``recent_contacts`` counts contacts
    since then; ``active`` (an organization in a council, contacted recently
    or running a resource) and each area's ``active_organizations`` follow
    from it. All of them change as days pass over the same stored data.
    """
    return {
        "organizations": _keyed(
            [_without(o, "recent_contacts", "active") for o in overview["organizations"]]
        ),
        "areas": sorted(
            (_without(a, "active_organizations") for a in overview["areas"]),
            key=_by("area_code"),
        ),
    }


# -- comparing ---------------------------------------------------------------------------------


def _event_type(name: str) -> str:
    return name.rsplit(".", 1)[-1]


ADDED: tuple[tuple[str, str], ...] = (
    ("candidates", "digest"),  # 0.2: the ranking's fingerprint, sent back with a proposal
    ("clients", "erased"),  # 0.2: personal data erased (crypto-shredding)
    # 0.2: the service as an imported list worded it (each resource, and the directory list)
    ("resources/items", "service_name"),
    ("resources/list", "service_name"),
)
"""(section of the figures, field of each of its items) added to the API after 0.1.0; a
section nested in another is written with ``/``."""

ANSWER_ADDED: tuple[tuple[str, str], ...] = (
    # 0.2: the dashboard says its view's position and whether it reached min_position
    ("dashboard", "position"),
    ("dashboard", "stale"),
)
"""(section of the figures, field of that answer itself) added to the API after 0.1.0."""

HISTORY_ADDED: tuple[str, ...] = (
    "correlation_id",  # 0.2: provenance, null for events stored before it existed
    "causation_id",
)
"""Fields of each event of a need's history added to the API after 0.1.0."""

ADDED_ACTIONS = frozenset({"edit"})  # issue 13: correcting an open need's description
"""Need actions added after 0.1.0: a new action offered changes no earlier figure."""


def normalise(figures: Figures) -> Figures:
    """The figures with the tolerated differences taken out; applied to both sides.

    The tolerated differences:

    - an event type may be named with its aggregate (``Need.Closed``) or bare
      (``Closed``, as release 0.1.0 names it in a need's history and in the
      audit log). Event type names are cut to their last dotted segment;
    - fields a later release added to an answer (listed in :data:`ADDED`,
      :data:`ANSWER_ADDED` and :data:`HISTORY_ADDED`) are taken out: an addition
      changes no figure an earlier release showed;
    - actions a later release added to a need's ``allowed_actions`` (listed in
      :data:`ADDED_ACTIONS`) are taken out of that list.

    Nothing else is tolerated.
    """
    result = copy.deepcopy(figures)
    for section, field in ADDED:
        items: Any = result
        for part in section.split("/"):
            items = items.get(part, {}) if isinstance(items, dict) else {}
        for item in items.values():
            if isinstance(item, dict):
                item.pop(field, None)
    for section, field in ANSWER_ADDED:
        answer = result.get(section)
        if isinstance(answer, dict):
            answer.pop(field, None)
    for item in result.get("needs", {}).get("items", {}).values():
        need = item.get("need") if isinstance(item, dict) else None
        if isinstance(need, dict) and isinstance(need.get("allowed_actions"), list):
            need["allowed_actions"] = [a for a in need["allowed_actions"] if a not in ADDED_ACTIONS]
        for event in item.get("history", []):
            event["type"] = _event_type(event["type"])
            for field in HISTORY_ADDED:
                event.pop(field, None)
    for entry in result.get("audit", {}).get("events", []):
        entry["type"] = _event_type(entry["type"])
    return result


def differences(expected: Any, actual: Any, limit: int = 15) -> list[str]:
    """The first ``limit`` differences, each as ``JSON path: expected ..., got ...``."""
    found: list[str] = []
    _compare(expected, actual, "$", found, limit)
    return found


def _compare(expected: Any, actual: Any, path: str, found: list[str], limit: int) -> None:
    if len(found) >= limit:
        return
    if isinstance(expected, dict) and isinstance(actual, dict):
        for key in sorted(expected.keys() | actual.keys()):
            where = f"{path}[{json.dumps(key, ensure_ascii=False)}]"
            if key not in actual:
                found.append(f"{where}: missing now (was {_short(expected[key])})")
            elif key not in expected:
                found.append(f"{where}: new now ({_short(actual[key])})")
            else:
                _compare(expected[key], actual[key], where, found, limit)
            if len(found) >= limit:
                return
        return
    if isinstance(expected, list) and isinstance(actual, list):
        for index, (old, new) in enumerate(zip(expected, actual, strict=False)):
            _compare(old, new, f"{path}[{index}]", found, limit)
        if len(expected) != len(actual) and len(found) < limit:
            found.append(f"{path}: {len(expected)} items before, {len(actual)} now")
        return
    # ``type`` too: JSON's 1, 1.0 and true are different figures.
    if type(expected) is not type(actual) or expected != actual:
        found.append(f"{path}: expected {_short(expected)}, got {_short(actual)}")


def _short(value: Any, width: int = 120) -> str:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= width else text[: width - 1] + "…"


# -- files -------------------------------------------------------------------------------------


def dump_figures(figures: Figures, path: Path) -> None:
    """Write figures as the fixture keeps them: UTF-8, indent 1, sorted keys."""
    text = json.dumps(figures, ensure_ascii=False, indent=1, sort_keys=True)
    path.write_text(text + "\n", encoding="utf-8")


def load_figures(path: Path) -> Figures:
    figures: Figures = json.loads(path.read_text(encoding="utf-8"))
    return figures


def readers_of(figures: Figures) -> dict[str, tuple[str, str]]:
    """The accounts the figures were read with (role -> (username, password))."""
    return {
        role: (account["username"], account["password"])
        for role, account in figures["readers"].items()
    }
